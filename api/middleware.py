"""Request id and Server-Timing on every response (plain ASGI: no per-request task overhead)."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ranking.timing import timings

_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContextMiddleware:
    """Gives each request an id (a valid incoming X-Request-ID is kept) and times its stages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        with timings() as stages:

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    total = (time.perf_counter() - started) * 1000
                    parts = [f"{name};dur={ms:.2f}" for name, ms in stages.items()] + [f"total;dur={total:.2f}"]
                    headers: list[Any] = list(message.get("headers", []))
                    headers.append((b"x-request-id", request_id.encode()))
                    headers.append((b"server-timing", ", ".join(parts).encode()))
                    message["headers"] = headers
                await send(message)

            await self.app(scope, receive, send_with_headers)
