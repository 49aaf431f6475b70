"""Write endpoints need TANDEM_API_KEY when it is set (Bearer token or X-API-Key header)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException

from api.deps import ServicesDep


def require_write_key(
    services: ServicesDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_api_key: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> None:
    expected = services.settings.api_key
    if expected is None:
        return
    given = x_api_key or (authorization[7:] if authorization and authorization.lower().startswith("bearer ") else None)
    if given is None or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise HTTPException(401, "this endpoint needs the API key: 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")


WriteKey = Depends(require_write_key)
