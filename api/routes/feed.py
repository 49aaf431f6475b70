from __future__ import annotations

import time
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path

from api.deps import Explain, FiltersDep, K, RequestId, ServicesDep
from api.impressions import log_impressions
from api.routes.results import to_items
from api.schemas import FeedOut
from ranking.candidate import Candidate
from ranking.stages import Query

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
    """
    started, now = time.perf_counter(), time.time()
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
    took = (time.perf_counter() - started) * 1000
    return FeedOut(
        request_id=request_id,
        took_ms=round(took, 2),
        user_id=user_id,
        strategy=strategy,
        items=to_items(candidates, explain),
    )
