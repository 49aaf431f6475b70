"""Batch reads of stored data (indexer/stored.py) against the engine."""

from __future__ import annotations

import pytest
from elasticsearch import Elasticsearch

from indexer.mappings import IndexNames, index_body
from indexer.stored import read_events, read_impressions

pytestmark = pytest.mark.es


def test_batch_reads_see_writes_acknowledged_just_before(es: Elasticsearch, names: IndexNames) -> None:
    """Training right after traffic must see all of it, not what the last refresh happened to publish."""
    es.indices.create(index=names.impressions, **index_body("impressions"))
    es.indices.create(index=names.events, **index_body("events"))
    es.indices.put_settings(index=[names.impressions, names.events], settings={"refresh_interval": "-1"})
    es.index(
        index=names.impressions,
        id="r1-a",
        document={"@timestamp": "2026-11-01T10:00:00Z", "request_id": "r1", "item_id": "a", "position": 1},
    )
    es.index(
        index=names.events,
        id="e1",
        document={
            "@timestamp": "2026-11-01T10:00:05Z",
            "event_id": "e1",
            "user_id": "u",
            "item_id": "a",
            "type": "click",
        },
    )
    assert [i["item_id"] for i in read_impressions(es, names.impressions)] == ["a"]
    assert [(e["item_id"], e["type"]) for e in read_events(es, names.events)] == [("a", "click")]
