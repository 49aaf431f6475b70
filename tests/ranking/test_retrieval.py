from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from indexer.config import IndexerConfig
from indexer.embedding import TextEncoder
from indexer.load import index_catalog
from indexer.mappings import IndexNames
from ranking.candidate import Candidate
from ranking.config import RetrievalConfig
from ranking.retrieval import CategorySpreadReranker, HybridRetriever, PopularRetriever, fuse
from ranking.stages import Filters, Query


def test_fuse_is_a_convex_combination_of_minmaxed_scores() -> None:
    cands = [
        Candidate("a", 0, {"bm25": 10.0, "knn_text": 0.6}),
        Candidate("b", 0, {"bm25": 0.0, "knn_text": 0.9}),
        Candidate("c", 0, {"bm25": 5.0, "knn_text": 0.75}),
    ]
    assert [(c.item_id, round(c.score, 3)) for c in fuse(cands, 0.5)] == [("a", 0.5), ("b", 0.5), ("c", 0.5)]
    assert [c.item_id for c in fuse(cands, 0.9)] == ["a", "c", "b"]
    assert [c.item_id for c in fuse(cands, 0.1)] == ["b", "c", "a"]
    assert fuse([], 0.5) == []


def test_category_spread_interleaves_and_keeps_order_within_category() -> None:
    cands = [Candidate(f"{cat}{i}", 1.0, item={"category": [cat]}) for cat in "aab" for i in range(2)]
    out = CategorySpreadReranker().rerank(Query(), cands, k=4)
    assert [c.item_id for c in out] == ["a0", "b0", "a1", "b1"]


@pytest.fixture
def items(es: Elasticsearch, encoder: TextEncoder, names: IndexNames, catalog_path: Path) -> IndexNames:
    index_catalog(es, str(catalog_path), encoder, names, IndexerConfig(), progress=False)
    return names


@pytest.mark.es
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("espresso machine", "t01"),
        ("trail running shoes", "t06"),
        ("noise cancelling headphones", "t12"),
        ("a book about birds", "t19"),
    ],
)
def test_hybrid_search_finds_the_matching_item_first(
    es: Elasticsearch, encoder: TextEncoder, items: IndexNames, text: str, expected: str
) -> None:
    found = HybridRetriever(es, items.items, encoder, RetrievalConfig()).retrieve(Query(text=text), k=5)
    assert found[0].item_id == expected
    assert found[0].features["bm25"] > 0 and 0.5 < found[0].features["knn_text"] <= 1.0


@pytest.mark.es
def test_knn_finds_what_bm25_cannot(es: Elasticsearch, encoder: TextEncoder, items: IndexNames) -> None:
    found = HybridRetriever(es, items.items, encoder, RetrievalConfig()).retrieve(
        Query(text="sleep outdoors in the cold"), k=3
    )
    assert "t22" in [c.item_id for c in found]  # the down sleeping bag: no shared stem with "cold"/"outdoors"


@pytest.mark.es
def test_filters_and_exclusions_hold_for_both_clauses(
    es: Elasticsearch, encoder: TextEncoder, items: IndexNames
) -> None:
    retriever = HybridRetriever(es, items.items, encoder, RetrievalConfig())
    filters = Filters(category=("shoes",), price_max=100.0, exclude_ids=("t07",))
    found = retriever.retrieve(Query(text="running", filters=filters), k=10)
    assert found and all("Shoes" in c.item["category"] and c.item["price"] <= 100 for c in found)
    assert "t07" not in [c.item_id for c in found] and "t06" not in [c.item_id for c in found]  # t06 costs 119


@pytest.mark.es
def test_popular_retriever_prefers_popular_and_fresh(es: Elasticsearch, items: IndexNames) -> None:
    found = PopularRetriever(es, items.items, RetrievalConfig(freshness_weight=0)).retrieve(Query(), k=30)
    popularity = [c.item.get("popularity", 0) for c in found]
    assert popularity == sorted(popularity, reverse=True)
    kitchen = PopularRetriever(es, items.items, RetrievalConfig()).retrieve(
        Query(filters=Filters(category=("kitchen",))), k=30
    )
    assert {c.item_id for c in kitchen} == {"t01", "t02", "t03", "t04", "t05"}


@pytest.mark.es
def test_freshness_as_of_a_past_moment_decays_from_that_moment(es: Elasticsearch, items: IndexNames) -> None:
    # A replayed request from 2026-02-02 must see t02 (created that noon) as brand new, whatever today is.
    cfg = RetrievalConfig(popularity_weight=0, freshness_weight=2.0, freshness_scale_days=30)
    as_of = datetime(2026, 2, 2, 12, tzinfo=UTC).timestamp()
    found = PopularRetriever(es, items.items, cfg).retrieve(Query(as_of=as_of), k=30)
    assert found[0].item_id == "t02" and found[0].score == pytest.approx(2.0, rel=1e-4)
    t01 = next(c for c in found if c.item_id == "t01")  # created 32 days earlier: 2 * 0.5 ** ((32 / 30) ** 2)
    assert t01.score == pytest.approx(2.0 * 0.5 ** ((32 / 30) ** 2), rel=1e-3)
    today = PopularRetriever(es, items.items, cfg).retrieve(Query(), k=30)
    assert next(c for c in today if c.item_id == "t02").score < 2.0 * 0.5 ** ((300 / 30) ** 2) + 1e-6  # ~10 months on
