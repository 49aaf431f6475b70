from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import FiltersDep, K, RequestId, ServicesDep
from api.routes.results import to_items
from api.schemas import ItemOut, SimilarOut
from ranking.retrieval import fetch_item, similar_items

router = APIRouter(prefix="/items", tags=["items"])


@router.get("/{item_id}", response_model=ItemOut, response_model_exclude_none=True)
def get_item(services: ServicesDep, item_id: Annotated[str, Path(min_length=1, max_length=512)]) -> ItemOut:
    """One item as stored (404 when unknown)."""
    return ItemOut(**fetch_item(services.es, services.names.items, item_id))


@router.get("/{item_id}/similar", response_model=SimilarOut, response_model_exclude_none=True)
def get_similar(
    services: ServicesDep,
    request_id: RequestId,
    filters: FiltersDep,
    item_id: Annotated[str, Path(min_length=1, max_length=512)],
    k: K = 10,
) -> SimilarOut:
    """Items nearest to this one by the two-tower item vector (text vector before any training)."""
    started = time.perf_counter()
    candidates = similar_items(services.es, services.names.items, item_id, filters, services.settings.retrieval, k)
    took = (time.perf_counter() - started) * 1000
    return SimilarOut(request_id=request_id, took_ms=round(took, 2), item_id=item_id, items=to_items(candidates, False))
