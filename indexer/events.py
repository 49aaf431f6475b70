"""Event rows -> event documents (DESIGN.md's events format)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from indexer.errors import RowValidationError
from indexer.values import iso, parse_id, parse_number, parse_text, parse_timestamp, shown
from ranking.interactions import EVENT_TYPES

FIELDS = ("event_id", "user_id", "item_id", "type", "timestamp", "value", "query", "position", "request_id")


def validate_event(row: Mapping[str, Any]) -> dict[str, Any]:
    """Check one event and build its document; `_id` in the index is its `event_id`.

    Without a client-chosen `event_id`, one is derived from the event's content, so importing
    the same file twice stores each event once.

    Raises:
        RowValidationError: naming the first bad field and why.

    Example:
        >>> validate_event({"user_id": "u1", "item_id": 3, "type": "click", "timestamp": 0})["item_id"]
        '3'
    """
    unknown = sorted(set(row) - set(FIELDS) - {"@timestamp"})
    if unknown:
        raise RowValidationError(unknown[0], f"unknown field; events take {', '.join(FIELDS)}")
    kind = row.get("type")
    if kind not in EVENT_TYPES:
        raise RowValidationError("type", f"must be one of {', '.join(EVENT_TYPES)}, got {shown(kind)}")
    moment = parse_timestamp("timestamp", row.get("timestamp", row.get("@timestamp")), required=True)
    assert moment is not None  # required=True
    value = parse_number("value", row.get("value"))
    if kind == "rating" and value is None:
        raise RowValidationError("value", "is required for a rating")
    position = parse_number("position", row.get("position"), minimum=1)
    if position is not None and not position.is_integer():
        raise RowValidationError("position", f"must be a whole number, got {position:g}")
    doc: dict[str, Any] = {
        "user_id": parse_id("user_id", row.get("user_id")),
        "item_id": parse_id("item_id", row.get("item_id")),
        "type": kind,
        "@timestamp": iso(moment),
        "value": value,
        "query": parse_text("query", row.get("query"), max_chars=1_000),
        "position": int(position) if position is not None else None,
        "request_id": parse_text("request_id", row.get("request_id"), max_chars=128),
    }
    given = row.get("event_id")
    doc["event_id"] = parse_id("event_id", given) if given is not None else derive_event_id(doc)
    return {key: value for key, value in doc.items() if value is not None}


def derive_event_id(doc: Mapping[str, Any]) -> str:
    """A stable id from the event's content: the same event always maps to the same document."""
    key = "|".join(str(doc.get(name, "")) for name in ("user_id", "item_id", "type", "@timestamp", "value", "query"))
    return "ev-" + hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
