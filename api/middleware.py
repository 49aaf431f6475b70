"""Request id, Server-Timing and request-size limits on every response (plain ASGI: no per-request task overhead)."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import Metrics, route_label
from ranking.timing import timings

_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContextMiddleware:
    """Gives each request an id (a valid incoming X-Request-ID is kept), times its stages, and
    reports both to `metrics` (when given) once the request is done."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        answered: dict[str, Any] = {"status": 500, "seconds": None}  # 500 if the app raises before answering
        with timings() as stages:

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    total = (time.perf_counter() - started) * 1000
                    answered.update(status=message["status"], seconds=total / 1000)
                    parts = [f"{name};dur={ms:.2f}" for name, ms in stages.items()] + [f"total;dur={total:.2f}"]
                    headers: list[Any] = list(message.get("headers", []))
                    headers.append((b"x-request-id", request_id.encode()))
                    headers.append((b"server-timing", ", ".join(parts).encode()))
                    message["headers"] = headers
                await send(message)

            try:
                await self.app(scope, receive, send_with_headers)
            finally:
                if self.metrics is not None:
                    route = route_label(scope)
                    seconds = answered["seconds"] if answered["seconds"] is not None else time.perf_counter() - started
                    self.metrics.observe(route, scope["method"], answered["status"], seconds, dict(stages))


class LimitsMiddleware:
    """Refuses oversized requests before any route runs: a long URL (414), many header bytes (431)
    and a body over `max_body_bytes` (413, by Content-Length or while streaming).

    The body is read here, up to the limit, and handed on whole: a route never starts on a body
    that turns out too large, and a client cannot make the API hold more than the limit per request.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_url_bytes: int, max_header_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_url_bytes = max_url_bytes
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        url_bytes = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))
        if url_bytes > self.max_url_bytes:
            await _refuse(scope, send, 414, "uri_too_long", f"path and query are over {self.max_url_bytes} bytes")
            return
        headers = scope["headers"]
        if sum(len(name) + len(value) for name, value in headers) > self.max_header_bytes:
            await _refuse(scope, send, 431, "headers_too_large", f"headers are over {self.max_header_bytes} bytes")
            return
        declared = dict(headers).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await _refuse(scope, send, 413, "body_too_large", f"the body is over {self.max_body_bytes} bytes")
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS") and declared is None:
            await self.app(scope, receive, send)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: let the app see it
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await _refuse(scope, send, 413, "body_too_large", f"the body is over {self.max_body_bytes} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that gives `messages` first, then whatever the server sends next (a disconnect)."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


async def _refuse(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
    """The API's error shape (see api/main.py), sent before any route runs."""
    request_id = scope.get("state", {}).get("request_id")
    body = json.dumps({"request_id": request_id, "error": {"code": code, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
