from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import Explain, FiltersDep, K, RequestId, ServicesDep
from api.routes.results import to_items
from api.schemas import FeedOut
from ranking.stages import Query

router = APIRouter(tags=["feed"])


@router.get("/users/{user_id}/feed", response_model=FeedOut, response_model_exclude_none=True)
def feed(
    services: ServicesDep,
    request_id: RequestId,
    filters: FiltersDep,
    user_id: Annotated[str, Path(min_length=1, max_length=256)],
    k: K = 20,
    explain: Explain = False,
) -> FeedOut:
    """The user's feed. Users without history get the cold-start feed: popular and fresh, spread over categories."""
    started = time.perf_counter()
    query = Query(user_id=user_id, filters=filters)
    candidates = services.cold_start_feed.run(query, k, services.settings.retrieval.candidates)
    took = (time.perf_counter() - started) * 1000
    return FeedOut(
        request_id=request_id, took_ms=round(took, 2), user_id=user_id, strategy="cold_start", items=to_items(candidates, explain)
    )
