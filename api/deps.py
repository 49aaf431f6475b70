"""FastAPI dependencies as typed aliases.

They are `async def` though none awaits: FastAPI runs a plain `def` dependency in its thread pool,
a thread hop per dependency per request (four on a feed) for a few attribute reads. The endpoints
stay `def`: they block on the engine, and the pool is where that belongs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request

from api.services import Services
from ranking.stages import Filters

MAX_K = 100


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_request_id(request: Request) -> str:
    return str(request.state.request_id)


async def get_filters(
    category: Annotated[list[str], Query(max_length=50, description="Only these categories (repeatable).")] = [],  # noqa: B006
    brand: Annotated[list[str], Query(max_length=50, description="Only these brands (repeatable).")] = [],  # noqa: B006
    tags: Annotated[
        list[str], Query(max_length=50, description="Only items with one of these tags (repeatable).")
    ] = [],  # noqa: B006
    price_min: Annotated[float | None, Query(ge=0, description="Lowest price.")] = None,
    price_max: Annotated[float | None, Query(ge=0, description="Highest price.")] = None,
) -> Filters:
    if price_min is not None and price_max is not None and price_min > price_max:
        raise HTTPException(422, f"price_min ({price_min:g}) is above price_max ({price_max:g})")
    return Filters(tuple(category), tuple(brand), tuple(tags), price_min, price_max)


ServicesDep = Annotated[Services, Depends(get_services)]
RequestId = Annotated[str, Depends(get_request_id)]
FiltersDep = Annotated[Filters, Depends(get_filters)]
Explain = Annotated[bool, Query(description="Return each stage's scores per item.")]
K = Annotated[int, Query(ge=1, le=MAX_K, description=f"Number of items, 1..{MAX_K}.")]

MAX_QUERY_CHARS = 512
