"""The one place Elasticsearch queries are built.

Hybrid search is ONE `_search`: a `bool` whose `should` holds a BM25 `multi_match` (named
`bm25`) and a `knn` query on `text_vector` (named `knn_text`). Elasticsearch sums the matching
clause scores (each times its boost) to choose the candidates, and with
`include_named_queries_score` every hit also reports each clause's own score, so Python can
fuse them properly (min-max per request, see retrieval.py) and later feed them to the ranker.
RRF and linear retrievers would fuse inside ES but need a paid licence.

User text only ever reaches `multi_match` as a plain string: no query-string parser sees it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ranking.config import RetrievalConfig
from ranking.stages import Filters, Personal

VECTOR_FIELDS = ("text_vector", "item_vector")
# Fields only the stages read; responses and GET /items/{id} leave them out.
INTERNAL_FIELDS = (*VECTOR_FIELDS, "daily_positives")
SOURCE_EXCLUDES = list(VECTOR_FIELDS)  # the dev engine ignores the mapping's _source.excludes
# Candidates keep their item_vector (64 floats): the ranker's two_tower_dot and
# recent_item_similarity and MMR's similarities need it. Responses drop it (api/routes/results.py).
CANDIDATE_SOURCE_EXCLUDES = ["text_vector"]
# The daily counts behind the trend feature: their summary (ranking.item_stats.daily_positives) is
# enough for a request made after they were counted, and decoding the lists cost more than the
# rest of a 200-hit feed response (0.67 of 0.86 ms with orjson).
TREND_LISTS = ["daily_positives.day", "daily_positives.count", "daily_positives.decayed"]


def _source_excludes(excludes: list[str], cfg: RetrievalConfig) -> list[str]:
    return excludes if cfg.trend_history else [*excludes, *TREND_LISTS]


def candidate_source(cfg: RetrievalConfig) -> dict[str, Any]:
    """What a search or feed request asks for of each hit's document: without the vectors and with
    its version (`_seq_no`, for ranking.vector_store) when the API keeps item vectors in memory,
    else with the item_vector itself; the trend's daily lists only with `cfg.trend_history`."""
    if cfg.item_vector_cache:
        return {"source_excludes": _source_excludes(list(VECTOR_FIELDS), cfg), "seq_no_primary_term": True}
    return {"source_excludes": _source_excludes(CANDIDATE_SOURCE_EXCLUDES, cfg)}


def filter_clauses(filters: Filters) -> list[dict[str, Any]]:
    """ES filter clauses (no scoring) for the hard constraints."""
    clauses: list[dict[str, Any]] = []
    for field_name in ("category", "brand", "tags"):
        values = getattr(filters, field_name)
        if values:
            clauses.append({"terms": {field_name: list(values)}})
    if filters.price_min is not None or filters.price_max is not None:
        bounds = {"gte": filters.price_min, "lte": filters.price_max}
        clauses.append({"range": {"price": {op: v for op, v in bounds.items() if v is not None}}})
    return clauses


def _exclusions(filters: Filters) -> list[dict[str, Any]]:
    return [{"ids": {"values": list(filters.exclude_ids)}}] if filters.exclude_ids else []


def search_body(
    text: str, query_vector: list[float] | None, filters: Filters, cfg: RetrievalConfig, size: int
) -> dict[str, Any]:
    """The hybrid search request body.

    Args:
        text: the user's query, used verbatim by multi_match.
        query_vector: its text embedding (None: BM25 only).
        filters: hard constraints, applied to both clauses (as a kNN pre-filter too).
        cfg: field boosts and clause weights.
        size: candidates to return.

    Example:
        >>> body = search_body("tea", [0.0] * 3, Filters(), RetrievalConfig(), 10)
        >>> [c.get("multi_match", c.get("knn"))["_name"] for c in body["query"]["bool"]["should"]]
        ['bm25', 'knn_text']
    """
    hard = filter_clauses(filters)
    excluded = _exclusions(filters)
    should: list[dict[str, Any]] = [
        {
            "multi_match": {
                "query": text,
                "fields": cfg.bm25_fields,
                "type": "best_fields",
                "tie_breaker": 0.3,
                "boost": cfg.bm25_weight,
                "_name": "bm25",
            }
        }
    ]
    if query_vector is not None and cfg.knn_text_weight > 0:
        knn: dict[str, Any] = {
            "field": "text_vector",
            "query_vector": query_vector,
            "k": max(cfg.knn_k, size),
            "num_candidates": max(cfg.num_candidates, cfg.knn_k, size),
            "boost": cfg.knn_text_weight,
            "_name": "knn_text",
        }
        if hard or excluded:
            knn["filter"] = {"bool": {"filter": hard, "must_not": excluded}}
        should.append({"knn": knn})
    return {
        "size": size,
        "query": {"bool": {"should": should, "minimum_should_match": 1, "filter": hard, "must_not": excluded}},
        **candidate_source(cfg),
        "include_named_queries_score": True,
    }


def decay_origin(as_of: float | None) -> str:
    """The freshness decay's origin: ES's "now", or the ISO 8601 UTC instant `as_of` (epoch seconds).

    Example:
        >>> decay_origin(None), decay_origin(0)
        ('now', '1970-01-01T00:00:00+00:00')
    """
    return "now" if as_of is None else datetime.fromtimestamp(as_of, UTC).isoformat()


def _popular_functions(cfg: RetrievalConfig, as_of: float | None = None) -> list[dict[str, Any]]:
    functions: list[dict[str, Any]] = []
    if cfg.popularity_weight > 0:
        functions.append(
            {
                # ln1p, not log1p: ES's log1p is log10(1 + x), while the towers' prior is natural-log.
                "field_value_factor": {"field": "popularity", "modifier": "ln1p", "missing": 0},
                "weight": cfg.popularity_weight,
            }
        )
    if cfg.freshness_weight > 0:
        decay = {"created_at": {"origin": decay_origin(as_of), "scale": f"{cfg.freshness_scale_days:g}d", "decay": 0.5}}
        functions.append({"gauss": decay, "weight": cfg.freshness_weight})
    return functions


def popular_body(filters: Filters, cfg: RetrievalConfig, size: int, as_of: float | None = None) -> dict[str, Any]:
    """Cold-start feed: popularity (log1p) plus a freshness decay on created_at (as of `as_of`,
    epoch seconds; None = now), under the filters."""
    functions = _popular_functions(cfg, as_of)
    base = {"bool": {"filter": filter_clauses(filters), "must_not": _exclusions(filters)}}
    query = {"function_score": {"query": base, "functions": functions, "score_mode": "sum", "boost_mode": "replace"}}
    source = _source_excludes(CANDIDATE_SOURCE_EXCLUDES, cfg)
    return {"size": size, "query": query if functions else base, "source_excludes": source}


def suggest_body(prefix: str, size: int) -> dict[str, Any]:
    """As-you-type title suggestions (search_as_you_type subfields)."""
    fields = ["title.suggest", "title.suggest._2gram", "title.suggest._3gram"]
    return {
        "size": size,
        "query": {"multi_match": {"query": prefix, "type": "bool_prefix", "fields": fields}},
        "source_includes": ["id", "title"],
    }


def _affinity_clause(field_name: str, boosts: dict[str, float], weight: float, name: str) -> dict[str, Any] | None:
    if not boosts or weight <= 0:
        return None
    # constant_score carries each boost: the dev engine (and older ES) ignore `boost` on `terms`.
    should = [
        {"constant_score": {"filter": {"term": {field_name: value}}, "boost": boost}} for value, boost in boosts.items()
    ]
    return {"bool": {"should": should, "boost": weight, "_name": name}}


def _cf_clause(boosts: dict[str, float], weight: float) -> dict[str, Any] | None:
    if not boosts or weight <= 0:
        return None
    should = [
        {"constant_score": {"filter": {"ids": {"values": [item_id]}}, "boost": boost}}
        for item_id, boost in boosts.items()
    ]
    return {"bool": {"should": should, "boost": weight, "_name": "cf"}}


def _personal_clauses(
    personal: Personal,
    hard: list[dict[str, Any]],
    excluded: list[dict[str, Any]],
    cfg: RetrievalConfig,
    size: int,
    knn_weight: float,
    category_weight: float,
    brand_weight: float,
    cf_weight: float = 0.0,
) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = []
    if personal.vector is not None and knn_weight > 0:
        knn: dict[str, Any] = {
            "field": "item_vector",
            "query_vector": personal.vector,
            "k": max(cfg.knn_k, size),
            "num_candidates": max(cfg.num_candidates, cfg.knn_k, size),
            "boost": knn_weight,
            "_name": "knn_user",
        }
        if hard or excluded:
            knn["filter"] = {"bool": {"filter": hard, "must_not": excluded}}
        clauses.append({"knn": knn})
    for clause in (
        _affinity_clause("category", personal.categories, category_weight, "affinity_category"),
        _affinity_clause("brand", personal.brands, brand_weight, "affinity_brand"),
        _cf_clause(personal.cf, cf_weight),
    ):
        if clause is not None:
            clauses.append(clause)
    return clauses


def feed_body(
    personal: Personal, filters: Filters, cfg: RetrievalConfig, size: int, as_of: float | None = None
) -> dict[str, Any]:
    """The personalised feed: ONE request summing the user-vector kNN on `item_vector`, boosts for
    the user's top categories and brands and for the CF neighbours of their recent items, and a
    small popular+fresh prior (freshness as of `as_of`, epoch seconds; None = now), with the
    user's disliked and purchased items excluded. Each clause is named so its score comes back.
    """
    combined = Filters(**{**filters.__dict__, "exclude_ids": tuple(filters.exclude_ids) + tuple(personal.exclude_ids)})
    hard, excluded = filter_clauses(combined), _exclusions(combined)
    should = _personal_clauses(
        personal,
        hard,
        excluded,
        cfg,
        size,
        cfg.knn_user_weight,
        cfg.category_affinity_weight,
        cfg.brand_affinity_weight,
        cfg.cf_weight,
    )
    functions = _popular_functions(cfg, as_of)
    if functions and cfg.feed_popularity_weight > 0:
        prior = {
            "function_score": {
                "query": {"match_all": {}},
                "functions": functions,
                "score_mode": "sum",
                "boost_mode": "replace",
                "boost": cfg.feed_popularity_weight,
                "_name": "popular_fresh",
            }
        }
        should.append(prior)
    return {
        "size": size,
        "query": {
            "bool": {
                "should": should or [{"match_all": {}}],
                "minimum_should_match": 1,
                "filter": hard,
                "must_not": excluded,
            }
        },
        **candidate_source(cfg),
        "include_named_queries_score": True,
    }


def personalise_search(body: dict[str, Any], personal: Personal, cfg: RetrievalConfig) -> dict[str, Any]:
    """Add the user's kNN and affinity clauses to a search body as optional boosts.

    The text clauses move under `must`, so personal clauses only re-score items that match the
    query: a user's taste never drags unrelated items into a search.
    """
    query = body["query"]["bool"]
    text = {"bool": {"should": query["should"], "minimum_should_match": 1}}
    personal_clauses = _personal_clauses(
        personal,
        query["filter"],
        query["must_not"],
        cfg,
        body["size"],
        cfg.knn_user_weight,
        cfg.category_affinity_weight,
        cfg.brand_affinity_weight,
    )
    bool_query = {"must": [text], "should": personal_clauses, "filter": query["filter"], "must_not": query["must_not"]}
    return {**body, "query": {"bool": bool_query}}


def similar_body(
    item_id: str, vector: list[float], field_name: str, filters: Filters, cfg: RetrievalConfig, size: int
) -> dict[str, Any]:
    """Items nearest to an item's vector (the item itself excluded)."""
    combined = Filters(**{**filters.__dict__, "exclude_ids": (*filters.exclude_ids, item_id)})
    hard, excluded = filter_clauses(combined), _exclusions(combined)
    knn: dict[str, Any] = {
        "field": field_name,
        "query_vector": vector,
        "k": size,
        "num_candidates": max(cfg.num_candidates, size),
        "_name": f"knn_{field_name.removesuffix('_vector')}",
    }
    if hard or excluded:
        knn["filter"] = {"bool": {"filter": hard, "must_not": excluded}}
    return {"size": size, "knn": knn, "source_excludes": _source_excludes(CANDIDATE_SOURCE_EXCLUDES, cfg)}
