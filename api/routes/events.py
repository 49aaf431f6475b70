from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, HTTPException

from api.deps import RequestId, ServicesDep
from api.schemas import EventsOut
from api.security import WriteKey
from indexer.errors import BulkLoadError, RowValidationError
from indexer.events import validate_event
from indexer.load import store_events
from indexer.profiles import update_profiles

router = APIRouter(tags=["events"])

MAX_BATCH = 1000
EXAMPLE = {"user_id": "user-0001", "item_id": "item-00002", "type": "click", "timestamp": "2026-11-25T10:00:00Z"}


@router.post("/events", response_model=EventsOut, dependencies=[WriteKey])
def post_events(
    services: ServicesDep,
    request_id: RequestId,
    body: Any = Body(
        ..., examples=[EXAMPLE, {"events": [EXAMPLE]}], description="One event, a list, or {'events': [...]}."
    ),
) -> EventsOut:
    """Store events (one or a batch) and update each user's profile before answering.

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
    result = store_events(services.es, services.names, docs, services.settings.indexer)
    if result.failed:
        raise BulkLoadError("events not stored; retry (stored ones count as duplicates)", result.failed)
    users = update_profiles(services.es, services.names, result.stored, services.settings.interactions)
    return EventsOut(
        request_id=request_id, stored=len(result.stored), duplicates=result.duplicates, users_updated=users
    )
