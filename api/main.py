"""The FastAPI application: routers, middleware, and the one place errors become HTTP."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from elasticsearch import ApiError, TransportError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.circuit_breaker import EngineCircuitOpen, retry_after_s
from api.metrics import Metrics
from api.middleware import LimitsMiddleware, RequestContextMiddleware
from api.routes import admin, events, feed, health, items, metrics, search, ui
from api.schemas import ErrorOut
from api.security import ReadKey
from api.services import Services, build_services
from api.settings import Settings
from indexer.errors import BulkLoadError, SpoolFullError
from ranking.errors import ItemNotFoundError

logger = logging.getLogger(__name__)
RETRY_AFTER_S = 5  # what a 503 tells clients to wait, unless the circuit breaker knows better


def _error(
    request: Request, status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: object
) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    headers = {"Retry-After": str(RETRY_AFTER_S), **(headers or {})} if status == 503 else headers
    body = {"request_id": request_id, "error": {"code": code, "message": message, **extra}}
    return JSONResponse(body, status_code=status, headers=headers)


def _field(loc: tuple[object, ...]) -> str:
    return ".".join(str(part) for part in loc if part not in ("query", "path", "body"))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{_field(tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        return _error(request, 422, "invalid_request", "; ".join(problems), details=problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 401: "unauthorized", 422: "invalid_request"}.get(exc.status_code, "http_error")
        return _error(request, exc.status_code, code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(ItemNotFoundError)
    async def item_not_found(request: Request, exc: ItemNotFoundError) -> JSONResponse:
        return _error(request, 404, "not_found", str(exc), item_id=exc.item_id)

    @app.exception_handler(BulkLoadError)
    async def not_stored(request: Request, exc: BulkLoadError) -> JSONResponse:
        return _error(request, 503, "not_stored", exc.message, failed=len(exc.failed))

    @app.exception_handler(SpoolFullError)
    async def spool_full(request: Request, exc: SpoolFullError) -> JSONResponse:
        message = f"events not accepted: the engine is unreachable and the local event spool {exc.path} is {exc.reason}"
        return _error(
            request,
            503,
            "spool_full",
            message,
            backlog=exc.backlog,
            backlog_bytes=exc.backlog_bytes,
            max_bytes=exc.max_bytes,
        )

    @app.exception_handler(TransportError)
    async def engine_down(request: Request, exc: TransportError) -> JSONResponse:
        if isinstance(exc, EngineCircuitOpen):  # no call was made: the engine has been timing out
            wait = retry_after_s(exc, RETRY_AFTER_S)
            message = f"the search engine is not answering; retry in {wait} s"
            return _error(request, 503, "engine_unavailable", message, headers={"Retry-After": str(wait)})
        logger.warning("Elasticsearch unreachable: %s", type(exc).__name__)
        return _error(request, 503, "engine_unavailable", "the search engine is unreachable; retry shortly")

    @app.exception_handler(ApiError)
    async def engine_error(request: Request, exc: ApiError) -> JSONResponse:
        if exc.meta.status == 404:
            return _error(request, 503, "no_index", "the items index does not exist yet: index a catalog first")
        logger.error("Elasticsearch refused a request: %s %s", exc.meta.status, exc.message)
        return _error(
            request,
            503 if exc.meta.status >= 500 or exc.meta.status == 429 else 500,
            "engine_error",
            "the search engine could not answer this request",
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error")
        return _error(request, 500, "internal_error", "internal error; the request id is in the logs")


# Every error comes in one shape (`_error`); the schema says so, so clients and fuzzers can rely on it.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    422: {"model": ErrorOut, "description": "Invalid parameters or body; `error.details` lists each problem."},
    "4XX": {"model": ErrorOut, "description": "Refused: unknown item, missing API key, request too large."},
    "5XX": {"model": ErrorOut, "description": "The search engine is unreachable or failing; retry shortly."},
}


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """Build the app. Pass `services` to share a client and encoder (tests, `tandem up`)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = running = services or build_services(settings)
        running.encoder.encode_query("warm up")  # load the model before the first request
        running.popular.refresh()  # the feed's fallback while the engine is down (best effort)
        running.replayer.start()  # events an earlier run spooled go in first
        running.impressions.start()
        yield
        running.impressions.stop()  # writes what is still buffered
        replayer_ended = running.replayer.stop()
        if services is None:
            if replayer_ended:
                running.spool.close()  # frees the spool file for the next process
            else:  # still writing to it: the file is freed when this process exits
                logger.warning("the spool replayer did not stop in time; %s stays claimed", running.spool.path)
            running.es.close()

    app = FastAPI(
        title="Tandem",
        version="0.1.0",
        summary="Search and recommendations on Elasticsearch: hybrid retrieval, ranking and re-ranking.",
        lifespan=lifespan,
    )
    app.add_middleware(
        LimitsMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_url_bytes=settings.max_url_bytes,
        max_header_bytes=settings.max_header_bytes,
    )
    app.state.metrics = Metrics(lambda: getattr(app.state, "services", None))
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    if settings.cors_origins:  # outermost, so refusals (401, 413) carry CORS headers too
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Server-Timing"],
        )
    install_error_handlers(app)
    for module in (search, feed, items, metrics):
        app.include_router(module.router, dependencies=[ReadKey], responses=ERROR_RESPONSES)
    for module in (events, health, admin):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    ui.install(app)
    return app
