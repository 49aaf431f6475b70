from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServicesDep
from api.security import WriteKey

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[WriteKey])


@router.post("/reload")
def reload_models(services: ServicesDep) -> dict[str, str | None]:
    """Load the newest published model version now (the API also checks by itself every few seconds)."""
    components = (("towers", services.towers), ("cf", services.cf), ("ranker", services.ranker))
    loaded = {name: model.refresh() for name, model in components}
    return {name: model.version if model else None for name, model in loaded.items()}
