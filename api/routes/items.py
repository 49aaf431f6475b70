from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import ServicesDep
from api.schemas import ItemOut
from ranking.retrieval import fetch_item

router = APIRouter(prefix="/items", tags=["items"])


@router.get("/{item_id}", response_model=ItemOut, response_model_exclude_none=True)
def get_item(services: ServicesDep, item_id: Annotated[str, Path(min_length=1, max_length=512)]) -> ItemOut:
    """One item as stored (404 when unknown)."""
    return ItemOut(**fetch_item(services.es, services.names.items, item_id))
