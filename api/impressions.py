"""Impression logging: what each /search and /feed response showed, with the feature rows the
ranker sees for those items, built after the response is sent (FastAPI background task) and
handed to the process's `ImpressionWriter`, which writes them in bulk.

The rows come from `ranking.features.feature_matrix`, the function the ranker calls when it
serves, with the request's candidate count and clock: a ranker trained on these rows is trained
on exactly what it will be served with.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from api.services import Services
from indexer.values import iso
from ranking.candidate import Candidate
from ranking.features import FEATURE_NAMES, RequestContext, feature_matrix
from ranking.pipeline import Page
from ranking.stages import Query

logger = logging.getLogger(__name__)


def impression_docs(
    request_id: str,
    endpoint: str,
    query: Query,
    shown: Sequence[Candidate],
    *,
    n_candidates: int,
    now: float,
    ranker_version: str | None,
    source: str = "ranked",
    first_position: int = 0,
) -> list[dict[str, Any]]:
    """One document per shown item; NaN features are left out (they read back as missing).
    Positions are 1-based like the `position` of events, so the two join in Kibana."""
    if not shown:
        return []
    rows = feature_matrix(query, shown, now, RequestContext(n_candidates=n_candidates))
    timestamp = iso(datetime.fromtimestamp(now, UTC))
    docs = []
    for offset, (candidate, row) in enumerate(zip(shown, rows, strict=True)):
        doc: dict[str, Any] = {
            "@timestamp": timestamp,
            "request_id": request_id,
            "endpoint": endpoint,
            "source": source,
            "item_id": candidate.item_id,
            "position": first_position + offset + 1,  # 1-based, as in events
            "score": float(candidate.score),
            "features": {name: float(v) for name, v in zip(FEATURE_NAMES, row, strict=True) if not math.isnan(v)},
        }
        if query.user_id:
            doc["user_id"] = query.user_id
        if query.text:
            doc["query"] = query.text
        if ranker_version:
            doc["ranker_version"] = ranker_version
        docs.append(doc)
    return docs


def log_impressions(
    services: Services,
    request_id: str,
    endpoint: str,
    query: Query,
    page: Page,
    now: float,
    *,
    source: str = "ranked",
    first: int = 0,
) -> None:
    """Background task: build the impressions of one pipeline run and queue them. A failure is logged,
    never raised: the response is already sent, and a lost log line must not take a worker down."""
    if not page.items or not services.settings.log_impressions:
        return
    try:
        loaded = services.ranker.get() if source == "ranked" else None
        docs = impression_docs(
            request_id,
            endpoint,
            query,
            page.items,
            n_candidates=page.retrieved,
            now=now,
            ranker_version=loaded.version if loaded else None,
            source=source,
            first_position=first,
        )
        services.impressions.add(docs)
    except Exception:
        logger.exception("could not log the impressions of request %s", request_id)
