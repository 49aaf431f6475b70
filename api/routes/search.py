from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query

from api.deps import MAX_QUERY_CHARS, Explain, FiltersDep, K, RequestId, ServicesDep
from api.impressions import log_impressions
from api.routes.results import to_items
from api.schemas import SearchOut, SuggestOut
from api.search_log import log_search
from ranking.retrieval import suggest
from ranking.stages import Query as SearchQuery

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchOut, response_model_exclude_none=True)
def search(
    services: ServicesDep,
    background: BackgroundTasks,
    request_id: RequestId,
    filters: FiltersDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="What the user typed.")],
    k: K = 10,
    user_id: Annotated[str | None, Query(max_length=256, description="Personalise for this user.")] = None,
    explain: Explain = False,
) -> SearchOut:
    """Ranked items for a query: one hybrid (BM25 + kNN) Elasticsearch request, the LightGBM ranker (when
    trained) and MMR with business rules. What was shown is logged, with its features, after the response."""
    started, now = time.perf_counter(), time.time()
    if not q.strip():
        raise HTTPException(422, "q: must contain more than whitespace")
    personal = services.users.personal(user_id) if user_id else None
    query = SearchQuery(text=q.strip(), user_id=user_id, filters=filters, personal=personal, explain=explain)
    page = services.search.run(query, k, services.settings.retrieval.candidates)
    background.add_task(log_impressions, services, request_id, "search", query, page, now)
    took = (time.perf_counter() - started) * 1000
    background.add_task(log_search, services, request_id, query, k, page, took_ms=took, now=now)
    return SearchOut(request_id=request_id, took_ms=round(took, 2), query=q, items=to_items(page.items, explain))


@router.get("/suggest", response_model=SuggestOut)
def suggestions(
    services: ServicesDep,
    request_id: RequestId,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="What the user has typed so far.")],
    k: Annotated[int, Query(ge=1, le=20)] = 8,
) -> SuggestOut:
    """As-you-type title suggestions."""
    return SuggestOut(request_id=request_id, suggestions=suggest(services.es, services.names.items, q, k))
