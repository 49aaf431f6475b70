"""The buffered impression log (indexer/impression_writer.py) against the engine."""

from __future__ import annotations

import socket
import time

import pytest
from elasticsearch import Elasticsearch

from indexer.config import IndexerConfig
from indexer.impression_writer import ImpressionWriter
from indexer.mappings import IndexNames
from indexer.stored import read_impressions

pytestmark = pytest.mark.es


def _docs(request_id: str, n: int) -> list[dict]:
    return [
        {"@timestamp": "2026-12-03T10:00:00Z", "request_id": request_id, "item_id": f"i{p}", "position": p}
        for p in range(1, n + 1)
    ]


def _stored(es: Elasticsearch, names: IndexNames) -> list[tuple[str, int]]:
    return [(i["request_id"], i["position"]) for i in read_impressions(es, names.impressions)]


def _unreachable() -> Elasticsearch:
    """A client for a port nothing listens on: every call fails at once, as when the engine is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return Elasticsearch(f"http://127.0.0.1:{port}", max_retries=0, request_timeout=2)


def test_a_flush_writes_every_buffered_response_and_creates_the_index(es: Elasticsearch, names: IndexNames) -> None:
    writer = ImpressionWriter(es, names, IndexerConfig())
    writer.add(_docs("r1", 2))
    writer.add(_docs("r2", 1))
    assert writer.pending == 3
    assert not es.indices.exists(index=names.impressions)  # nothing reached the engine yet

    assert writer.flush() == 3
    assert writer.pending == 0
    assert _stored(es, names) == [("r1", 1), ("r1", 2), ("r2", 1)]
    assert writer.flush() == 0  # nothing left to write


def test_the_thread_writes_within_its_interval_and_stop_writes_the_rest(es: Elasticsearch, names: IndexNames) -> None:
    writer = ImpressionWriter(es, names, IndexerConfig(), flush_s=0.05)
    writer.start()
    try:
        writer.add(_docs("r1", 2))
        deadline = time.monotonic() + 10
        while writer.pending and time.monotonic() < deadline:
            time.sleep(0.02)
        assert writer.pending == 0
        assert _stored(es, names) == [("r1", 1), ("r1", 2)]
    finally:
        writer.stop()

    slow = ImpressionWriter(es, names, IndexerConfig(), flush_s=60)  # would not flush for a minute
    slow.start()
    slow.add(_docs("r2", 1))
    slow.stop()
    assert slow.pending == 0
    assert ("r2", 1) in _stored(es, names)


def test_a_write_that_fails_keeps_its_documents_for_the_next_flush(es: Elasticsearch, names: IndexNames) -> None:
    writer = ImpressionWriter(_unreachable(), names, IndexerConfig(bulk_max_retries=0))
    writer.add(_docs("r1", 2))
    assert writer.flush() == 0
    assert writer.pending == 2 and writer.dropped == 0
    assert writer.last_error

    writer.add(_docs("r2", 1))
    writer.es = es  # the engine is back
    assert writer.flush() == 3
    assert writer.last_error is None
    assert _stored(es, names) == [("r1", 1), ("r1", 2), ("r2", 1)]


def test_past_its_bound_the_buffer_drops_the_oldest(es: Elasticsearch, names: IndexNames) -> None:
    writer = ImpressionWriter(_unreachable(), names, IndexerConfig(bulk_max_retries=0), max_pending=3)
    writer.add(_docs("old", 2))
    writer.flush()  # fails: both wait
    writer.add(_docs("new", 3))
    assert writer.pending == 3 and writer.dropped == 2

    writer.es = es
    assert writer.flush() == 3
    assert _stored(es, names) == [("new", 1), ("new", 2), ("new", 3)]


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="flush_s"):
        ImpressionWriter(_unreachable(), IndexNames(""), IndexerConfig(), flush_s=0)
