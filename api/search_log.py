"""Search analytics: one document per /search in the `searches` index, written after the response is
sent (FastAPI background task), for Kibana's top-query and no-match panels.

Hybrid kNN nearly always returns items, so `results == 0` is rare; `lexical_hits` (returned items
whose BM25 clause matched) and `no_lexical_match` are what show queries the catalog cannot answer.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from api.services import Services
from indexer.stored import store_search
from indexer.values import iso
from ranking.pipeline import Page
from ranking.ranker import ModelRanker
from ranking.stages import Filters, Query

logger = logging.getLogger(__name__)


def filters_doc(filters: Filters) -> dict[str, Any]:
    """The filters the caller set (unset ones left out; `exclude_ids` is internal, not a user filter)."""
    doc: dict[str, Any] = {}
    for name in ("category", "brand", "tags"):
        if values := getattr(filters, name):
            doc[name] = list(values)
    for name in ("price_min", "price_max"):
        if (value := getattr(filters, name)) is not None:
            doc[name] = float(value)
    return doc


def search_doc(
    request_id: str,
    query: Query,
    k: int,
    page: Page,
    *,
    took_ms: float,
    now: float,
    ranker_version: str | None,
) -> dict[str, Any]:
    """The analytics document of one search.

    Args:
        took_ms: Tandem's time for the request, Elasticsearch included (the response's `took_ms`).
        now: the request's wall-clock start (epoch seconds).
        ranker_version: the published ranker that ordered the results, or None (retrieval order).

    Example:
        >>> from ranking.candidate import Candidate
        >>> page = Page([Candidate("a", 1.0, {"bm25": 0.0, "knn_text": 0.8})], retrieved=40)
        >>> doc = search_doc("r1", Query(text="tea"), 10, page, took_ms=12.5, now=0.0, ranker_version=None)
        >>> doc["results"], doc["lexical_hits"], doc["no_lexical_match"], doc["zero_results"]
        (1, 0, True, False)
    """
    lexical_hits = sum(1 for c in page.items if c.features.get("bm25", 0.0) > 0)
    doc: dict[str, Any] = {
        "@timestamp": iso(datetime.fromtimestamp(now, UTC)),
        "request_id": request_id,
        "query": query.text,
        "results": len(page.items),
        "lexical_hits": lexical_hits,
        "zero_results": not page.items,
        "no_lexical_match": lexical_hits == 0,
        "took_ms": round(float(took_ms), 3),
        "k": k,
        "personalised": query.personal is not None,
    }
    if query.user_id:
        doc["user_id"] = query.user_id
    if filters := filters_doc(query.filters):
        doc["filters"] = filters
    if ranker_version:
        doc["ranker_version"] = ranker_version
    return doc


def log_search(
    services: Services, request_id: str, query: Query, k: int, page: Page, *, took_ms: float, now: float
) -> None:
    """Background task: store the search's analytics document. A failure is logged as a warning, never
    raised: the response is already sent, and a lost log line must not take a worker down."""
    if not services.settings.log_searches:
        return
    try:
        ranker = services.search.ranker
        version = ranker.version() if isinstance(ranker, ModelRanker) else None
        doc = search_doc(request_id, query, k, page, took_ms=took_ms, now=now, ranker_version=version)
        store_search(services.es, services.names, doc)
    except Exception as exc:
        logger.warning("could not log search %s: %s: %s", request_id, type(exc).__name__, exc)
