from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ranking.config import RetrievalConfig
from ranking.query import popular_body, search_body
from ranking.stages import Filters


def test_hybrid_request_has_named_bm25_and_knn_clauses() -> None:
    body = search_body("tea mug", [0.1, 0.2], Filters(), RetrievalConfig(knn_k=20), size=50)
    should = body["query"]["bool"]["should"]
    assert should[0]["multi_match"]["_name"] == "bm25" and should[0]["multi_match"]["query"] == "tea mug"
    assert should[1]["knn"]["_name"] == "knn_text" and should[1]["knn"]["k"] == 50
    assert body["query"]["bool"]["minimum_should_match"] == 1  # filters alone must not match everything
    assert body["include_named_queries_score"] is True
    assert set(body["source_excludes"]) == {"text_vector", "item_vector"}


def test_filters_apply_to_bm25_and_as_knn_prefilter() -> None:
    filters = Filters(category=("Shoes",), price_min=10, price_max=None, exclude_ids=("x",))
    body = search_body("boots", [0.0], filters, RetrievalConfig(), size=10)
    expected = [{"terms": {"category": ["Shoes"]}}, {"range": {"price": {"gte": 10}}}]
    assert body["query"]["bool"]["filter"] == expected
    assert body["query"]["bool"]["must_not"] == [{"ids": {"values": ["x"]}}]
    knn = body["query"]["bool"]["should"][1]["knn"]
    assert knn["filter"] == {"bool": {"filter": expected, "must_not": [{"ids": {"values": ["x"]}}]}}


def test_without_vector_or_weight_only_bm25() -> None:
    assert len(search_body("x", None, Filters(), RetrievalConfig(), 5)["query"]["bool"]["should"]) == 1
    assert len(search_body("x", [1.0], Filters(), RetrievalConfig(knn_text_weight=0), 5)["query"]["bool"]["should"]) == 1


def test_popular_body_weights_popularity_and_freshness() -> None:
    functions = popular_body(Filters(), RetrievalConfig(freshness_scale_days=30), 10)["query"]["function_score"]["functions"]
    assert functions[0]["field_value_factor"]["field"] == "popularity"
    assert functions[1]["gauss"]["created_at"]["scale"] == "30d"
    assert "function_score" not in popular_body(Filters(), RetrievalConfig(popularity_weight=0, freshness_weight=0), 5)["query"]


@given(st.text(min_size=1, max_size=200))
def test_user_text_only_reaches_multi_match(text: str) -> None:
    body = search_body(text, None, Filters(), RetrievalConfig(), 10)
    serialized = json.dumps(body)
    assert "query_string" not in serialized and "simple_query_string" not in serialized
    assert body["query"]["bool"]["should"][0]["multi_match"]["query"] == text
