from __future__ import annotations

import pytest

from indexer.errors import RowValidationError
from indexer.events import validate_event

BASE = {"user_id": "u1", "item_id": "i1", "type": "click", "timestamp": "2026-01-01T00:00:00Z"}


def test_valid_event_and_stable_derived_id() -> None:
    doc = validate_event({**BASE, "position": 3, "query": "tea"})
    assert doc["@timestamp"] == "2026-01-01T00:00:00Z" and doc["position"] == 3
    assert doc["event_id"] == validate_event({**BASE, "position": 3, "query": "tea"})["event_id"]
    assert doc["event_id"] != validate_event({**BASE, "type": "view"})["event_id"]
    assert validate_event({**BASE, "event_id": "client-7"})["event_id"] == "client-7"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"type": "wishlist"}, "type", "must be one of"),
        ({"type": "rating"}, "value", "required for a rating"),
        ({"timestamp": None}, "timestamp", "is required"),
        ({"timestamp": "next week"}, "timestamp", "ISO 8601"),
        ({"user_id": ""}, "user_id", "must not be empty"),
        ({"position": 0}, "position", ">= 1"),
        ({"position": 1.5}, "position", "whole number"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_bad_events_name_field_and_reason(change: dict, field: str, reason: str) -> None:
    with pytest.raises(RowValidationError, match=reason) as info:
        validate_event({**BASE, **change})
    assert info.value.field == field
