from __future__ import annotations

import time
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path

from api.deps import Explain, FiltersDep, K, RequestId, ServicesDep
from api.fallback import engine_failure
from api.impressions import log_impressions
from api.routes.results import to_items
from api.schemas import FeedOut
from api.services import Services
from ranking.candidate import Candidate
from ranking.stages import Filters, Query

router = APIRouter(tags=["feed"])


@router.get("/users/{user_id}/feed", response_model=FeedOut, response_model_exclude_none=True)
def feed(
    services: ServicesDep,
    background: BackgroundTasks,
    request_id: RequestId,
    filters: FiltersDep,
    user_id: Annotated[str, Path(min_length=1, max_length=256)],
    k: K = 20,
    explain: Explain = False,
) -> FeedOut:
    """The user's feed: one personalised request (user-vector kNN + category/brand affinities +
    popular prior, disliked and purchased items excluded). Users without history get the
    cold-start feed (popular and fresh, spread over categories); a short feed is filled from it.

    While the engine is down the answer is the last good popular list held in memory, marked
    `degraded: true` and `strategy: "cached_popular"` (503 when there is none yet).
    """
    started = time.perf_counter()
    try:
        out = _feed(services, background, request_id, filters, user_id, k, explain)
    except Exception as exc:
        cached = services.popular.serve(filters, k) if engine_failure(exc) else []
        if not cached:
            raise
        out = FeedOut(
            request_id=request_id,
            took_ms=0.0,
            user_id=user_id,
            strategy="cached_popular",
            degraded=True,
            items=to_items(cached, explain),
        )
    else:
        if services.popular.stale():
            background.add_task(services.popular.refresh)
    out.took_ms = round((time.perf_counter() - started) * 1000, 2)
    return out


def _feed(
    services: Services,
    background: BackgroundTasks,
    request_id: str,
    filters: Filters,
    user_id: str,
    k: int,
    explain: bool,
) -> FeedOut:
    now = time.time()
    personal = services.users.personal(user_id)
    candidates: list[Candidate] = []
    strategy = "cold_start"
    if personal is not None:
        strategy = "personalised" if personal.vector is not None else "affinity"
        query = Query(user_id=user_id, filters=filters, personal=personal, explain=explain)
        page = services.feed.run(query, k, services.settings.retrieval.candidates)
        background.add_task(log_impressions, services, request_id, "feed", query, page, now)
        candidates = list(page.items)
    if len(candidates) < k:
        taken = {c.item_id for c in candidates} | set(personal.exclude_ids if personal else ())
        fill = Query(
            user_id=user_id, filters=replace(filters, exclude_ids=(*filters.exclude_ids, *taken)), explain=explain
        )
        page = services.cold_start_feed.run(fill, k - len(candidates), services.settings.retrieval.candidates)
        background.add_task(
            log_impressions, services, request_id, "feed", fill, page, now, source="cold_start", first=len(candidates)
        )
        candidates += page.items
    return FeedOut(
        request_id=request_id,
        took_ms=0.0,
        user_id=user_id,
        strategy=strategy,
        items=to_items(candidates, explain),
    )
