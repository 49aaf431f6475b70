"""MMRReranker: lambda trades relevance for diversity; every business rule holds and can be switched off."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ranking.candidate import Candidate
from ranking.config import RerankConfig
from ranking.metrics import category_coverage, intra_list_diversity
from ranking.rerank import MMRReranker, normalise_title
from ranking.stages import Filters, NoopReranker, Personal, Query, Reranker

NOW = datetime(2026, 1, 31, tzinfo=UTC).timestamp()
FEED = Query(user_id="u")
SEARCH = Query(text="shoes")
# Every rule off: what is left is plain MMR.
PLAIN = RerankConfig(
    drop_excluded=False,
    max_per_category=None,
    max_per_brand=None,
    freshness_weight=0.0,
    dedup_threshold=None,
    dedup_titles=False,
)


def _plain(**changes: object) -> MMRReranker:
    return MMRReranker(PLAIN.model_copy(update=changes), clock=lambda: NOW)


def _item(item_id: str, score: float, vector: list[float] | None = None, **doc: object) -> Candidate:
    item = {"title": f"Item {item_id}", **doc}
    if vector is not None:
        item["item_vector"] = vector
    return Candidate(item_id, score, {"ranker": score}, item)


def _ids(found: list[Candidate]) -> list[str]:
    return [c.item_id for c in found]


@pytest.fixture
def catalog() -> list[Candidate]:
    """40 ranked items in 4 categories and 8 brands, with random vectors; best first."""
    rng = np.random.default_rng(11)
    return [
        _item(
            f"i{n:02d}",
            1.0 - n / 40,
            list(rng.normal(size=8)),
            category=["Shoes", "Kitchen", "Books", "Garden"][n % 7 % 4],
            brand=f"brand-{n % 8}",
            created_at="2025-12-01T00:00:00Z",
        )
        for n in range(40)
    ]


# --- contract shared by every Reranker -----------------------------------------------------------
class RerankerContract:
    @pytest.fixture
    def stage(self) -> Reranker:
        raise NotImplementedError

    def test_returns_at_most_k_distinct_input_items(self, stage: Reranker, catalog: list[Candidate]) -> None:
        page = stage.rerank(FEED, catalog, 10)
        assert len(page) == 10 and len(set(_ids(page))) == 10
        assert set(_ids(page)) <= set(_ids(catalog))

    def test_no_candidates_gives_an_empty_page(self, stage: Reranker) -> None:
        assert stage.rerank(FEED, [], 10) == []


class TestNoopRerankerContract(RerankerContract):
    @pytest.fixture
    def stage(self) -> Reranker:
        return NoopReranker()


class TestMMRRerankerContract(RerankerContract):
    @pytest.fixture
    def stage(self) -> Reranker:
        return MMRReranker(clock=lambda: NOW)


# --- MMR ----------------------------------------------------------------------------------------
def test_lambda_one_keeps_the_input_order(catalog: list[Candidate]) -> None:
    page = _plain(lambda_=1.0).rerank(FEED, catalog, 15)
    assert _ids(page) == _ids(catalog)[:15]
    assert all(c.features["mmr_score"] == pytest.approx(c.features["relevance"]) for c in page)


def test_small_lambda_separates_near_identical_vectors() -> None:
    found = [
        _item("a", 1.0, [1.0, 0.0, 0.0]),
        _item("a-twin", 0.95, [0.99, 0.05, 0.0]),
        _item("b", 0.6, [0.0, 1.0, 0.0]),
        _item("c", 0.2, [0.0, 0.0, 1.0]),
    ]
    assert _ids(_plain(lambda_=1.0).rerank(FEED, found, 4)) == ["a", "a-twin", "b", "c"]
    page = _plain(lambda_=0.3).rerank(FEED, found, 4)
    assert _ids(page) == ["a", "b", "c", "a-twin"]
    twin = page[-1]
    assert twin.features["mmr_penalty"] == pytest.approx(0.9987, abs=1e-3)  # its cosine with 'a'
    assert twin.features["mmr_score"] == pytest.approx(0.3 * twin.features["relevance"] - 0.7 * 0.9987, abs=1e-3)
    assert page[0].features["mmr_penalty"] == 0.0
    assert all(c.score == c.features["ranker"] for c in page)  # the score stays the ranker's


def test_without_vectors_similarity_falls_back_to_category_and_brand() -> None:
    found = [
        _item("shoe-1", 1.0, category="Shoes", brand="Stride"),
        _item("shoe-2", 0.9, category="Shoes", brand="Stride"),
        _item("pan", 0.5, category="Kitchen", brand="Pan Co"),
    ]
    page = _plain(lambda_=0.5).rerank(FEED, found, 3)
    assert _ids(page) == ["shoe-1", "pan", "shoe-2"]
    assert page[2].features["mmr_penalty"] == 1.0  # identical label sets: Jaccard 1


def test_lower_lambda_gives_a_more_diverse_page() -> None:
    rng = np.random.default_rng(5)
    centres = np.eye(4)
    found = [  # the 12 best items all sit in cluster 0; the rest spread over 1..3
        _item(f"i{n:02d}", 1.0 - n / 30, list(centres[0 if n < 12 else n % 3 + 1] + rng.normal(0, 0.1, 4)))
        for n in range(30)
    ]

    def diversity(lam: float) -> float:
        page = _plain(lambda_=lam).rerank(FEED, found, 10)
        return intra_list_diversity([c.item["item_vector"] for c in page])

    assert diversity(1.0) < 0.1
    assert diversity(0.3) > 0.5


def test_lambda_per_endpoint_unless_fixed() -> None:
    reranker = MMRReranker()
    assert (reranker.lambda_for(SEARCH), reranker.lambda_for(FEED)) == (0.9, 0.7)
    assert MMRReranker(RerankConfig(lambda_=0.5)).lambda_for(SEARCH) == 0.5


def test_bad_k_raises() -> None:
    with pytest.raises(ValueError, match="k must be positive"):
        MMRReranker().rerank(FEED, [_item("a", 1.0)], 0)


# --- business rules -----------------------------------------------------------------------------
def test_category_and_brand_caps_hold_in_the_top_k(catalog: list[Candidate]) -> None:
    reranker = _plain(lambda_=1.0, max_per_category=2, max_per_brand=1, cap_top_k=8)
    page = reranker.rerank(FEED, catalog, 40)
    top = page[:8]
    assert max(Counter(c.item["category"] for c in top).values()) <= 2
    assert max(Counter(c.item["brand"] for c in top).values()) <= 1
    assert sorted(_ids(page)) == sorted(_ids(catalog))  # pushed down, not lost
    held_back = [c for c in page[8:] if c.features.get("rule_capped_category") or c.features.get("rule_capped_brand")]
    assert held_back and all(c.score > min(t.score for t in top) for c in held_back)  # they outscored the top


def test_a_cap_relaxes_when_nothing_else_is_left() -> None:
    found = [_item(f"s{n}", 1.0 - n / 10, category="Shoes") for n in range(4)]
    page, explanation = _plain(lambda_=1.0, max_per_category=2).rerank_explained(FEED, found, 4)
    assert _ids(page) == ["s0", "s1", "s2", "s3"]
    assert explanation.rules["s2"] == ("cap_relaxed",) and page[2].features["rule_cap_relaxed"] == 1.0


def test_caps_skip_search_unless_asked() -> None:
    found = [_item(f"s{n}", 1.0 - n / 10, category="Shoes") for n in range(3)] + [_item("pan", 0.1, category="Kitchen")]
    assert _ids(_plain(lambda_=1.0, max_per_category=1).rerank(SEARCH, found, 2)) == ["s0", "s1"]
    capped = _plain(lambda_=1.0, max_per_category=1, caps_on_search=True)
    page, explanation = capped.rerank_explained(SEARCH, found, 2)
    assert _ids(page) == ["s0", "pan"]
    assert explanation.rules == {}  # s1 was held back but is not on the page


def test_excluded_ids_never_appear(catalog: list[Candidate]) -> None:
    query = Query(personal=Personal(exclude_ids=("i00", "i03")), filters=Filters(exclude_ids=("i01",)))
    page, explanation = MMRReranker(clock=lambda: NOW).rerank_explained(query, catalog, 40)
    assert not {"i00", "i01", "i03"} & set(_ids(page))
    assert sorted(explanation.excluded) == ["i00", "i01", "i03"]
    assert "i00" in _ids(_plain().rerank(query, catalog, 40))  # the rule can be switched off


def test_near_duplicates_are_removed_by_vector_or_title() -> None:
    found = [
        _item("a", 1.0, [1.0, 0.0]),
        _item("a-copy", 0.9, [1.0, 0.001]),
        Candidate("b", 0.8, {}, {"title": "Trail Shoes, Green!", "item_vector": [0.0, 1.0]}),
        Candidate("b-relisted", 0.7, {}, {"title": "trail shoes  green", "item_vector": [0.6, 0.8]}),
        _item("c", 0.1, [-1.0, 0.0]),
    ]
    page, explanation = _plain(lambda_=1.0, dedup_threshold=0.98, dedup_titles=True).rerank_explained(FEED, found, 5)
    assert _ids(page) == ["a", "b", "c"]
    assert explanation.duplicates == {"a-copy": "a", "b-relisted": "b"}
    assert _ids(_plain(lambda_=1.0).rerank(FEED, found, 5)) == _ids(found)  # dedup off keeps them


def test_freshness_boost_lifts_new_items_and_decays_with_age() -> None:
    found = [
        _item("old", 1.0, created_at="2024-01-31T00:00:00Z"),
        _item("new", 0.98, created_at="2026-01-31T00:00:00Z"),
        _item("month", 0.0, created_at="2026-01-01T00:00:00Z"),
        _item("unknown", 0.5),
    ]
    reranker = _plain(lambda_=1.0, freshness_weight=0.1, freshness_half_life_days=30.0)
    page, explanation = reranker.rerank_explained(FEED, found, 4)
    assert _ids(page)[:2] == ["new", "old"]
    boosts = {c.item_id: c.features["freshness_boost"] for c in page}
    assert boosts["new"] == pytest.approx(0.1) and boosts["month"] == pytest.approx(0.05)
    assert boosts["old"] < 1e-6 and boosts["unknown"] == 0.0
    assert explanation.rules["new"] == ("freshness_boost",) and "unknown" not in explanation.rules
    assert _ids(_plain(lambda_=1.0).rerank(FEED, found, 2)) == ["old", "new"]  # weight 0 switches it off


_pages = st.lists(
    st.tuples(
        st.integers(0, 30),
        st.floats(-5, 5),
        st.sampled_from(["Shoes", "Books", "Garden", None]),
        st.sampled_from(["x", "y", None]),
        st.one_of(st.none(), st.lists(st.floats(-1, 1), min_size=3, max_size=3)),
    ),
    max_size=25,
    unique_by=lambda row: row[0],
)


@settings(max_examples=80)
@given(rows=_pages, excluded=st.sets(st.integers(0, 30), max_size=8), k=st.integers(1, 30))
def test_any_page_is_distinct_within_k_and_honours_exclusions(
    rows: list[tuple[int, float, str | None, str | None, list[float] | None]], excluded: set[int], k: int
) -> None:
    found = [
        Candidate(f"i{n}", score, {}, {"category": cat, "brand": brand, "item_vector": vector, "title": f"t{n}"})
        for n, score, cat, brand, vector in rows
    ]
    query = Query(personal=Personal(exclude_ids=tuple(f"i{n}" for n in excluded)))
    page = MMRReranker(clock=lambda: NOW).rerank(query, found, k)
    ids = _ids(page)
    assert len(ids) == len(set(ids)) <= k
    assert not set(ids) & {f"i{n}" for n in excluded}
    assert all(np.isfinite(c.features["mmr_score"]) for c in page)


def test_normalise_title() -> None:
    assert normalise_title("  Trail-Shoes, GREEN! ") == "trail shoes green"
    assert normalise_title(None) == ""


# --- diversity metrics for the offline evaluation -------------------------------------------------
def test_intra_list_diversity() -> None:
    assert intra_list_diversity([[1.0, 0.0], [2.0, 0.0]]) == pytest.approx(0.0)
    assert intra_list_diversity([[1.0, 0.0], [0.0, 3.0]]) == pytest.approx(1.0)
    assert intra_list_diversity([[1.0, 0.0], [-1.0, 0.0]]) == pytest.approx(2.0)
    assert intra_list_diversity([[1.0, 0.0]]) == 0.0
    with pytest.raises(ValueError, match="all-zero"):
        intra_list_diversity([[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="same length"):
        intra_list_diversity([[1.0, 0.0], [1.0]])


def test_category_coverage() -> None:
    page = [{"category": "Shoes"}, {"category": ["SHOES", "Sport"]}, {"category": None}, {}]
    assert category_coverage(page) == 2.0
    assert category_coverage(page, ["shoes", "sport", "books", "garden"]) == 0.5
    with pytest.raises(ValueError, match="categories is empty"):
        category_coverage(page, [])
