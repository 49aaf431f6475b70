from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Body, HTTPException, Response

from api.deps import RequestId, ServicesDep
from api.fallback import engine_failure
from api.schemas import EventsOut
from api.security import WriteKey
from api.services import Services
from indexer.errors import BulkLoadError, RowValidationError, SpoolError, SpoolFullError
from indexer.events import validate_event
from indexer.spool import Segment, deliver_events

logger = logging.getLogger(__name__)
router = APIRouter(tags=["events"])

MAX_BATCH = 1000
EXAMPLE = {"user_id": "user-0001", "item_id": "item-00002", "type": "click", "timestamp": "2026-11-25T10:00:00Z"}


@router.post(
    "/events",
    response_model=EventsOut,
    dependencies=[WriteKey],
    responses={202: {"model": EventsOut, "description": "Spooled on local disk; stored when the engine is back."}},
)
def post_events(
    services: ServicesDep,
    request_id: RequestId,
    response: Response,
    body: Any = Body(
        ..., examples=[EXAMPLE, {"events": [EXAMPLE]}], description="One event, a list, or {'events': [...]}."
    ),
) -> EventsOut:
    """Store events (one or a batch) and update each user's profile before answering.

    Durable before acknowledged: the batch is appended (fsync) to the local spool first. 200: in
    Elasticsearch. 202 with `spooled`: the engine is down or overloaded, the events wait on local
    disk and are stored, in order, when it answers again (nothing to resend). 503 `spool_full`:
    the engine is down and the local spool has reached its cap (`TANDEM_SPOOL_MAX_BYTES`); the batch
    was not accepted, retry it later.

    All or nothing: if any event is invalid, none is stored and the 422 lists every problem with
    the event's index. Retrying is safe: an event already stored (same event_id, or the same
    content when no id is given) counts as a duplicate.
    """
    events = body.get("events") if isinstance(body, dict) and "events" in body else body
    events = [events] if isinstance(events, dict) else events
    if not isinstance(events, list) or not events:
        raise HTTPException(422, "body: expected an event object, a non-empty list, or {'events': [...]}")
    if len(events) > MAX_BATCH:
        raise HTTPException(422, f"body: at most {MAX_BATCH} events per request, got {len(events)}")
    docs, problems = [], []
    for position, event in enumerate(events):
        try:
            if not isinstance(event, dict):
                raise RowValidationError(None, f"expected an object, got {type(event).__name__}")
            docs.append(validate_event(event))
        except RowValidationError as exc:
            problems.append(f"events[{position}]" + (f".{exc.field}" if exc.field else "") + f": {exc.reason}")
    if problems:
        raise HTTPException(422, "; ".join(problems))
    return _store(services, request_id, response, docs)


def _store(services: Services, request_id: str, response: Response, docs: list[dict[str, Any]]) -> EventsOut:
    """Write-ahead: spool (fsync) first, then the engine; answer only once the events are durable."""
    segment: Segment | None = None
    unspooled: SpoolError | None = None
    try:
        segment = services.spool.append(docs)
    except SpoolError as exc:  # full, or the disk failed: only a direct write can acknowledge
        logger.error("%s; writing to Elasticsearch directly", exc)
        unspooled = exc
    fast = services.settings.indexer.model_copy(update={"bulk_max_retries": 0})  # the replayer retries, not us
    try:
        delivery = deliver_events(services.es, services.names, docs, fast, services.settings.interactions)
    except Exception as exc:
        if segment is None:
            if isinstance(unspooled, SpoolFullError) and engine_failure(exc):
                raise unspooled from exc  # 503 spool_full: the client keeps the batch and retries
            raise
        if not engine_failure(exc):  # the engine answered (e.g. refused the request): nothing to replay
            services.spool.settle(segment)
            raise
        services.spool.release(segment)
        logger.warning("engine failing (%s): %d events spooled", type(exc).__name__, len(docs))
        response.status_code = 202
        return EventsOut(request_id=request_id, stored=0, duplicates=0, users_updated=0, spooled=len(docs))
    if delivery.retryable and segment is not None:
        services.spool.release(segment)
        response.status_code = 202
    elif segment is not None:
        services.spool.settle(segment)
    if delivery.refused or (delivery.retryable and segment is None):
        raise BulkLoadError(
            "events not stored; retry (stored ones count as duplicates)", delivery.refused + delivery.retryable
        )
    return EventsOut(
        request_id=request_id,
        stored=delivery.stored,
        duplicates=delivery.duplicates,
        users_updated=delivery.users_updated,
        spooled=len(delivery.retryable),
    )
