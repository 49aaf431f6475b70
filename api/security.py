"""The API key: writes need TANDEM_API_KEY when it is set, reads too with TANDEM_PROTECT_READS.

The key comes as `Authorization: Bearer <key>` or `X-API-Key: <key>` and is compared in constant
time, so response timing says nothing about how much of a guess was right.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException

from api.deps import ServicesDep
from api.settings import Settings

_MISSING_KEY = "this endpoint needs the API key: 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"


def _check_key(settings: Settings, authorization: str | None, x_api_key: str | None) -> None:
    expected = settings.api_key
    if expected is None:
        return
    given = x_api_key or (authorization[7:] if authorization and authorization.lower().startswith("bearer ") else None)
    if given is None or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise HTTPException(401, _MISSING_KEY, headers={"WWW-Authenticate": "Bearer"})


async def require_write_key(
    services: ServicesDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_api_key: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> None:
    _check_key(services.settings, authorization, x_api_key)


async def require_read_key(
    services: ServicesDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_api_key: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> None:
    """Reads are open unless `protect_reads` is on (a private catalog, or a deployment without a gateway)."""
    if services.settings.protect_reads:
        _check_key(services.settings, authorization, x_api_key)


WriteKey = Depends(require_write_key)
ReadKey = Depends(require_read_key)
