"""feature_matrix on anything: item documents, feature dicts and personal data of any shape or type.

Serving featurises whatever Elasticsearch returns and training whatever the impression log held,
so a malformed value must become NaN, never an exception or an infinity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ranking.candidate import Candidate
from ranking.features import FEATURE_NAMES, RequestContext, feature_matrix
from ranking.stages import Personal, Query
from tests.strategies import awkward_scalars

NOW = 1.7e9
_scalars = awkward_scalars("1e999", "nan", "-inf", "2026-01-01T00:00:00Z", "0001-01-01", "12", " 3.5 ")
json_ish = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
_vector = st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**6), 10**6), max_size=4)
_fields = st.sampled_from(
    ["title", "description", "category", "brand", "popularity", "price", "created_at", "impressions", "clicks",
     "item_vector", "other"]
)  # fmt: skip
_daily = json_ish | st.fixed_dictionaries(  # the stored shape, with anything inside
    {"day": st.lists(_scalars | st.integers(-(10**9), 10**9), max_size=3), "decayed": st.lists(_scalars, max_size=3)}
)
_item = st.tuples(st.dictionaries(_fields, json_ish | _vector, max_size=7), st.none() | _daily).map(
    lambda pair: pair[0] if pair[1] is None else {**pair[0], "daily_positives": pair[1]}
)
_candidates = st.lists(
    st.builds(
        Candidate,
        item_id=st.text(max_size=3),
        score=json_ish,  # typed float, but a logged impression can hold anything
        features=st.dictionaries(
            st.sampled_from(["bm25", "knn_text", "knn_user", "cf", "retrieval_rank", "retrieval_score", "x"]),
            json_ish,
            max_size=4,
        ),
        item=_item,
    ),
    max_size=6,
)
_labels = st.dictionaries(st.text(max_size=4), json_ish, max_size=3)
_personal = st.none() | st.builds(
    Personal,
    vector=st.none() | _vector,
    categories=_labels,
    brands=_labels,
    cf=_labels,
    exclude_ids=st.lists(st.text(max_size=3), max_size=3).map(tuple),
    recent_vectors=st.lists(_vector.map(tuple), max_size=3).map(tuple),
)
_context = st.builds(
    RequestContext,
    seen_ids=st.frozensets(st.text(max_size=3), max_size=3),
    hour_of_day=st.none() | st.integers(-(10**30), 10**30),
    n_candidates=st.none() | st.integers(0, 10**6),
)


@settings(max_examples=300)
@given(candidates=_candidates, text=st.none() | st.text(max_size=30), personal=_personal, context=_context)
def test_any_input_gives_a_finite_or_nan_float32_matrix(
    candidates: list[Candidate], text: str | None, personal: Personal | None, context: RequestContext
) -> None:
    X = feature_matrix(Query(text=text, personal=personal), candidates, NOW, context)
    assert X.shape == (len(candidates), len(FEATURE_NAMES)) and X.dtype == np.float32
    assert not np.isinf(X).any()


def test_values_beyond_float_range_are_missing_not_errors() -> None:
    huge: Any = 10**4400
    item = {"price": huge, "popularity": 10**400, "created_at": huge, "clicks": huge, "item_vector": [huge, 1.0]}
    candidate = Candidate("a", huge, {"bm25": huge}, item)  # type: ignore[arg-type]
    personal = Personal(vector=[1.0, 2.0], categories={"x": huge}, recent_vectors=((huge, 0.0),))
    X = feature_matrix(Query(text="x", personal=personal), [candidate], NOW, RequestContext(hour_of_day=huge))
    row = dict(zip(FEATURE_NAMES, X[0].tolist()))
    assert all(np.isnan(row[name]) for name in ("bm25", "retrieval_score", "log_price", "age_days", "hour_of_day"))
