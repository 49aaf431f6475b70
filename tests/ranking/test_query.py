from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ranking.config import RetrievalConfig
from ranking.query import TREND_LISTS, candidate_source, feed_body, personalise_search, popular_body, search_body
from ranking.stages import Filters, Personal


def test_hybrid_request_has_named_bm25_and_knn_clauses() -> None:
    body = search_body("tea mug", [0.1, 0.2], Filters(), RetrievalConfig(knn_k=20), size=50)
    should = body["query"]["bool"]["should"]
    assert should[0]["multi_match"]["_name"] == "bm25" and should[0]["multi_match"]["query"] == "tea mug"
    assert should[1]["knn"]["_name"] == "knn_text" and should[1]["knn"]["k"] == 50
    assert body["query"]["bool"]["minimum_should_match"] == 1  # filters alone must not match everything
    assert body["include_named_queries_score"] is True
    # the vectors come from the API's memory (ranking.vector_store), validated by each hit's _seq_no
    assert (
        body["source_excludes"] == ["text_vector", "item_vector", *TREND_LISTS] and body["seq_no_primary_term"] is True
    )
    uncached = search_body("tea mug", None, Filters(), RetrievalConfig(item_vector_cache=0), size=5)
    assert uncached["source_excludes"] == ["text_vector", *TREND_LISTS] and "seq_no_primary_term" not in uncached


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
    assert (
        len(search_body("x", [1.0], Filters(), RetrievalConfig(knn_text_weight=0), 5)["query"]["bool"]["should"]) == 1
    )


def test_popular_body_weights_popularity_and_freshness() -> None:
    functions = popular_body(Filters(), RetrievalConfig(freshness_scale_days=30), 10)["query"]["function_score"][
        "functions"
    ]
    assert functions[0]["field_value_factor"]["field"] == "popularity"
    assert functions[1]["gauss"]["created_at"]["scale"] == "30d"
    assert (
        "function_score"
        not in popular_body(Filters(), RetrievalConfig(popularity_weight=0, freshness_weight=0), 5)["query"]
    )


@given(st.text(min_size=1, max_size=200))
def test_user_text_only_reaches_multi_match(text: str) -> None:
    body = search_body(text, None, Filters(), RetrievalConfig(), 10)
    serialized = json.dumps(body)
    assert "query_string" not in serialized and "simple_query_string" not in serialized
    assert body["query"]["bool"]["should"][0]["multi_match"]["query"] == text


def test_freshness_is_measured_as_of_the_request_when_given() -> None:
    def origin(body: dict) -> str:
        return body["query"]["function_score"]["functions"][1]["gauss"]["created_at"]["origin"]

    assert origin(popular_body(Filters(), RetrievalConfig(), 5)) == "now"  # serving: the engine's clock
    assert origin(popular_body(Filters(), RetrievalConfig(), 5, as_of=86_400.0)) == "1970-01-02T00:00:00+00:00"
    prior = feed_body(Personal(vector=[1.0]), Filters(), RetrievalConfig(), 5, as_of=0.0)["query"]["bool"]["should"][-1]
    assert prior["function_score"]["functions"][1]["gauss"]["created_at"]["origin"] == "1970-01-01T00:00:00+00:00"


def test_feed_body_names_every_personal_clause_and_excludes() -> None:
    personal = Personal(
        vector=[0.1, 0.2],
        categories={"Tea": 1.0, "Mugs": 0.5},
        brands={"Leafy": 1.0},
        cf={"i9": 1.0, "i7": 0.4},
        exclude_ids=("bought",),
    )
    body = feed_body(personal, Filters(category=("Kitchen",)), RetrievalConfig(cf_weight=2.0), size=20)
    query = body["query"]["bool"]
    names = [c.get("knn", c.get("bool", c.get("function_score", {}))).get("_name") for c in query["should"]]
    assert names == ["knn_user", "affinity_category", "affinity_brand", "cf", "popular_fresh"]
    assert query["must_not"] == [{"ids": {"values": ["bought"]}}] and query["minimum_should_match"] == 1
    cf = query["should"][3]["bool"]
    assert cf["boost"] == 2.0 and cf["should"][1] == {
        "constant_score": {"filter": {"ids": {"values": ["i7"]}}, "boost": 0.4}
    }
    knn = query["should"][0]["knn"]
    assert knn["field"] == "item_vector" and knn["filter"]["bool"]["must_not"] == [{"ids": {"values": ["bought"]}}]


def test_personalised_search_keeps_text_as_must() -> None:
    body = personalise_search(
        search_body("tea", [0.0], Filters(), RetrievalConfig(), 10),
        Personal(vector=[1.0], categories={"Tea": 1.0}),
        RetrievalConfig(),
    )
    query = body["query"]["bool"]
    assert [
        c["multi_match"]["_name"] if "multi_match" in c else c["knn"]["_name"]
        for c in query["must"][0]["bool"]["should"]
    ] == ["bm25", "knn_text"]
    assert [c.get("knn", c.get("bool", {})).get("_name") for c in query["should"]] == ["knn_user", "affinity_category"]


def test_responses_leave_the_trend_lists_out_unless_replaying_the_past() -> None:
    serving, replay = RetrievalConfig(), RetrievalConfig(trend_history=True)
    for cfg in (serving, serving.model_copy(update={"item_vector_cache": 0})):
        assert set(TREND_LISTS) <= set(candidate_source(cfg)["source_excludes"])
        assert set(TREND_LISTS) <= set(popular_body(Filters(), cfg, 10)["source_excludes"])
    assert not set(TREND_LISTS) & set(candidate_source(replay)["source_excludes"])
    assert "daily_positives" not in TREND_LISTS  # the summary itself stays
