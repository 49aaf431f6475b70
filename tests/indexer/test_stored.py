"""Batch reads of stored data (indexer/stored.py) against the engine."""

from __future__ import annotations

import pytest
from elasticsearch import Elasticsearch

from indexer.config import IndexerConfig
from indexer.errors import BulkLoadError
from indexer.mappings import IndexNames, index_body
from indexer.stored import read_events, read_impressions, write_item_fields

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


def test_item_fields_reach_an_index_built_before_they_were_mapped(es: Elasticsearch, names: IndexNames) -> None:
    """The items mapping is strict: new counters must be added to an old index's mapping, not rejected."""
    body = index_body("items", vector_dims={"text_vector": 4, "item_vector": 2})
    for field in ("clicks", "impressions", "daily_positives"):
        del body["mappings"]["properties"][field]  # what an index built before the counters looks like
    index = f"{names.items}-old"
    es.indices.create(index=index, **body)
    es.index(index=index, id="a", document={"id": "a", "title": "A"}, refresh=True)
    counters = {
        "a": {"clicks": 3, "impressions": 9, "daily_positives": {"day": [20000], "count": [2], "decayed": [2.0]}}
    }
    assert write_item_fields(es, index, counters, IndexerConfig(), progress=False) == 1
    assert es.get(index=index, id="a")["_source"] == {"id": "a", "title": "A", **counters["a"]}
    mapped = es.indices.get_mapping(index=index)[index]["mappings"]["properties"]
    assert mapped["clicks"]["type"] == "integer" and mapped["daily_positives"]["enabled"] is False
    with pytest.raises(BulkLoadError):
        write_item_fields(es, index, {"missing": {"clicks": 1}}, IndexerConfig(), progress=False)
