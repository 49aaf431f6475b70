"""feature_matrix: exact values on a known candidate, NaN for what is missing, never an exception."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ranking.candidate import Candidate
from ranking.features import (
    CLAUSE_FEATURES,
    FEATURE_DOCS,
    FEATURE_NAMES,
    RequestContext,
    feature_matrix,
    item_vectors,
)
from ranking.item_stats import daily_positives
from ranking.stages import Personal, Query

NOW = datetime(2026, 1, 31, tzinfo=UTC).timestamp()
COL = {name: i for i, name in enumerate(FEATURE_NAMES)}
TODAY = int(NOW // 86_400)


def _row(X: np.ndarray, i: int = 0) -> dict[str, float]:
    return {name: float(X[i, j]) for name, j in COL.items()}


def _shoe(**item: object) -> Candidate:
    doc = {
        "title": "Red Trail Running Shoes",
        "category": ["Shoes", "Sport"],
        "brand": "Stridewell",
        "popularity": 15,
        "price": 129.0,
        "created_at": "2026-01-21T00:00:00Z",
        "impressions": 80,
        "clicks": 9,
        "item_vector": [1.0, 2.0, 0.0],
        # positives 30 days and 1 day before NOW's day (counted), on that day and after it (not)
        "daily_positives": daily_positives([TODAY - 30, TODAY - 1, TODAY, TODAY + 1], [4, 2, 7, 5]),
        **item,
    }
    return Candidate("shoe", 0.7, {"bm25": 7.5, "knn_text": 0.8, "knn_user": 0.0}, doc)


def test_every_feature_is_documented_and_clauses_come_first() -> None:
    assert FEATURE_NAMES == tuple(FEATURE_DOCS) and all(FEATURE_DOCS.values())
    assert FEATURE_NAMES[: len(CLAUSE_FEATURES)] == CLAUSE_FEATURES


def test_every_feature_of_a_known_candidate() -> None:
    personal = Personal(
        vector=[0.5, 0.25, 3.0],
        categories={"sport": 0.6, "Shoes": 0.4},
        brands={"Stridewell": 1.0},
        exclude_ids=("other",),
        recent_vectors=((0.0, 1.0, 0.0), (1.0, 0.0, 0.0), (9.0, 9.0)),  # the 2-d one does not fit: ignored
        recent_created_at=datetime(2024, 1, 21, tzinfo=UTC).timestamp(),
        recent_log_price=math.log1p(29.0),
        recent_text_vectors=((0.6, 0.8), (1.0, 0.0), (1.0, 0.0, 0.0)),  # the 3-d one does not fit: ignored
    )
    query = Query(text="red running shoes for trails", personal=personal)
    shoe = _shoe(text_vector=np.array([0.8, 0.6], dtype=np.float32))  # as ranking.vector_store attaches it
    X = feature_matrix(query, [shoe], NOW, RequestContext(hour_of_day=14, n_candidates=150))
    assert X.shape == (1, len(FEATURE_NAMES)) and X.dtype == np.float32
    row = _row(X)
    assert row["bm25"] == 7.5 and row["knn_text"] == pytest.approx(0.8) and row["knn_user"] == 0.0
    for absent in ("affinity_category", "affinity_brand", "cf", "popular_fresh"):
        assert math.isnan(row[absent]), absent  # not in the request: missing, not zero
    assert row["retrieval_rank"] == 0.0 and row["retrieval_score"] == pytest.approx(0.7)
    assert row["two_tower_dot"] == pytest.approx(0.5 * 1 + 0.25 * 2)
    assert row["recent_item_similarity"] == pytest.approx(2.0)  # max of 2.0 and 1.0 over the fitting vectors
    assert row["recent_text_similarity"] == pytest.approx(0.96)  # max of .48 + .48 and .8
    assert row["created_gap_years"] == pytest.approx(731 / 365.25)  # 2026-01-21 minus 2024-01-21
    assert row["log_price_gap"] == pytest.approx(math.log1p(129.0) - math.log1p(29.0))
    assert row["title_overlap"] == pytest.approx(3 / 5)  # red, running, shoes of 5 query tokens
    assert row["user_category_affinity"] == pytest.approx(0.6)  # best of Shoes 0.4 and Sport 0.6, any case
    assert row["user_brand_affinity"] == 1.0
    assert row["log_popularity"] == pytest.approx(math.log1p(15))
    assert row["trend"] == pytest.approx(math.log1p(4 * 0.5 + 2 * 0.5 ** (1 / 30)), rel=1e-6)
    assert row["ctr"] == pytest.approx((9 + 1) / (80 + 20))
    assert row["age_days"] == pytest.approx(10.0)
    assert row["log_price"] == pytest.approx(math.log1p(129.0))
    assert row["seen_before"] == 0.0
    assert (row["is_search"], row["query_tokens"], row["n_candidates"], row["hour_of_day"]) == (1, 5, 150, 14)


def test_missing_fields_are_nan_and_a_feed_has_no_text_features() -> None:
    bare = Candidate("bare", 2.0)
    X = feature_matrix(Query(), [bare, bare], NOW)
    row = _row(X, 1)
    for name in (
        "bm25",
        "two_tower_dot",
        "recent_item_similarity",
        "recent_text_similarity",
        "created_gap_years",
        "log_price_gap",
        "title_overlap",
        "user_category_affinity",
        "user_brand_affinity",
        "log_popularity",
        "trend",
        "age_days",
        "log_price",
        "hour_of_day",
    ):
        assert math.isnan(row[name]), name
    assert row["ctr"] == pytest.approx(1 / 20)  # counters default to zero: the prior, never NaN
    assert (row["retrieval_rank"], row["is_search"], row["query_tokens"], row["n_candidates"]) == (1, 0, 0, 2)


def test_a_known_user_without_affinity_scores_zero_not_missing() -> None:
    X = feature_matrix(Query(personal=Personal(categories={"Books": 1.0})), [_shoe()], NOW)
    assert _row(X)["user_category_affinity"] == 0.0 and _row(X)["user_brand_affinity"] == 0.0
    assert math.isnan(_row(X)["two_tower_dot"])  # no user vector


def test_taste_gaps_are_nan_when_either_side_is_unknown() -> None:
    taste = Personal(recent_created_at=NOW, recent_log_price=1.0)
    X = feature_matrix(Query(personal=taste), [_shoe(created_at="not a date", price=None), _shoe()], NOW)
    unknown_item, known = _row(X, 0), _row(X, 1)
    assert math.isnan(unknown_item["created_gap_years"]) and math.isnan(unknown_item["log_price_gap"])
    assert known["created_gap_years"] == pytest.approx(-10 / 365.25)  # ten days older than the user's taste
    no_taste = _row(feature_matrix(Query(personal=Personal()), [_shoe()], NOW))
    assert math.isnan(no_taste["created_gap_years"]) and math.isnan(no_taste["log_price_gap"])


def test_trend_is_read_as_of_the_request_and_zero_once_counted() -> None:
    shoe, counted = _shoe(), _shoe(daily_positives=daily_positives([], []))
    year_ago = NOW - 365 * 86_400.0
    trend = feature_matrix(Query(), [shoe, counted], year_ago)[:, COL["trend"]]
    assert list(trend) == [0.0, 0.0]  # every positive came after the request: none counted
    later = feature_matrix(Query(), [shoe], NOW + 86_400.0)[0, COL["trend"]]  # the next day
    assert later == pytest.approx(
        math.log1p(4 * 0.5 ** (31 / 30) + 2 * 0.5 ** (2 / 30) + 7 * 0.5 ** (1 / 30)), rel=1e-6
    )


def test_seen_before_comes_from_exclusions_or_the_context() -> None:
    items = [Candidate("a", 1.0), Candidate("b", 1.0), Candidate("c", 1.0)]
    query = Query(personal=Personal(exclude_ids=("a",)))
    X = feature_matrix(query, items, NOW, RequestContext(seen_ids={"c"}))
    assert list(X[:, COL["seen_before"]]) == [1.0, 0.0, 1.0]


def test_ages_from_iso_or_epoch_never_negative() -> None:
    items = [
        Candidate("iso", 0, item={"created_at": "2026-01-30T00:00:00+00:00"}),
        Candidate("epoch", 0, item={"created_at": NOW - 2 * 86_400}),
        Candidate("epoch-string", 0, item={"created_at": str(NOW - 3 * 86_400)}),
        Candidate("future", 0, item={"created_at": "2030-01-01T00:00:00Z"}),
        Candidate("garbage", 0, item={"created_at": "last tuesday"}),
    ]
    ages = feature_matrix(Query(), items, NOW)[:, COL["age_days"]]
    np.testing.assert_allclose(ages[:4], [1.0, 2.0, 3.0, 0.0])
    assert math.isnan(ages[4])


def test_retrieval_score_and_rank_survive_re_featurising_ranked_candidates() -> None:
    ranked = Candidate("a", 9.9, {"retrieval_score": 0.3, "retrieval_rank": 4.0})
    row = _row(feature_matrix(Query(), [ranked], NOW))
    assert row["retrieval_score"] == pytest.approx(0.3) and row["retrieval_rank"] == 4.0


def test_item_vectors_skip_malformed_rows() -> None:
    items = [
        Candidate("ok", 0, item={"item_vector": [1.0, 0.0]}),
        Candidate("short", 0, item={"item_vector": [1.0]}),
        Candidate("text", 0, item={"item_vector": ["a", "b"]}),
        Candidate("inf", 0, item={"item_vector": [math.inf, 0.0]}),
        Candidate("none", 0),
    ]
    vectors, has = item_vectors(items)
    assert vectors.shape == (5, 2) and has.tolist() == [True, False, False, False, False]


# Anything a stored document could hold, including what a buggy import might put there.
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
_values = st.one_of(
    _scalars,
    st.lists(_scalars, max_size=4),
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=3, max_size=3),
    st.dictionaries(st.text(max_size=4), _scalars, max_size=2),
)
_fields = st.sampled_from(
    ["title", "category", "brand", "popularity", "price", "created_at", "impressions", "clicks", "item_vector", "x"]
)
_candidates = st.lists(
    st.builds(
        Candidate,
        item_id=st.text(max_size=4),
        score=st.floats(allow_nan=True, allow_infinity=True),
        features=st.dictionaries(
            st.sampled_from(["bm25", "knn_text", "cf", "retrieval_rank", "retrieval_score", "other"]),
            st.floats(allow_nan=True, allow_infinity=True),
            max_size=4,
        ),
        item=st.dictionaries(_fields, _values, max_size=6),
    ),
    max_size=6,
)
_personal = st.one_of(
    st.none(),
    st.builds(
        Personal,
        vector=st.one_of(st.none(), st.lists(st.floats(-10, 10), min_size=3, max_size=3)),
        categories=st.dictionaries(st.text(max_size=5), st.floats(allow_nan=True), max_size=3),
        brands=st.dictionaries(st.text(max_size=5), st.floats(allow_nan=True), max_size=3),
        exclude_ids=st.lists(st.text(max_size=4), max_size=3).map(tuple),
    ),
)


@settings(max_examples=150)
@given(
    candidates=_candidates,
    text=st.one_of(st.none(), st.text(max_size=20)),
    personal=_personal,
    hour=st.one_of(st.none(), st.integers(0, 23)),
)
def test_any_documents_give_a_finite_or_nan_matrix(
    candidates: list[Candidate], text: str | None, personal: Personal | None, hour: int | None
) -> None:
    X = feature_matrix(Query(text=text, personal=personal), candidates, NOW, RequestContext(hour_of_day=hour))
    assert X.shape == (len(candidates), len(FEATURE_NAMES)) and X.dtype == np.float32
    assert not np.isinf(X).any()
    always_defined = ["ctr", "seen_before", "is_search", "query_tokens", "n_candidates"]
    assert not np.isnan(X[:, [COL[name] for name in always_defined]]).any()


def test_item_vectors_reuse_only_the_very_same_lists() -> None:
    first = [Candidate("a", 0, item={"item_vector": [1.0, 0.0]}), Candidate("b", 0, item={"item_vector": [0.0, 1.0]})]
    equal_copy = [Candidate(c.item_id, 0, item={"item_vector": list(c.item["item_vector"])}) for c in first]
    other = [Candidate("a", 0, item={"item_vector": [5.0, 5.0]}), Candidate("b", 0, item={"item_vector": [0.0, 1.0]})]
    vectors, has = item_vectors(first)
    assert item_vectors(first)[0] is vectors  # the same request again: converted once
    assert item_vectors(equal_copy)[0] is not vectors
    np.testing.assert_array_equal(item_vectors(other)[0], [[5.0, 5.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="read-only"):
        vectors[0, 0] = 2.0  # shared, so callers cannot change it
