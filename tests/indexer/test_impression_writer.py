"""The buffered impression log (indexer/impression_writer.py) against the engine."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

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
        _wait(lambda: writer.written >= 2)
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
    assert [(d["request_id"], d["position"]) for d in writer._buffer] == [("r1", 1), ("r1", 2), ("r2", 1)]
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


def test_while_the_engine_is_down_the_thread_backs_off_however_much_arrives(names: IndexNames) -> None:
    """A backlog over `flush_docs` must not turn every response into a new try (a busy loop)."""
    writer = ImpressionWriter(_unreachable(), names, IndexerConfig(bulk_max_retries=0), flush_s=0.05, flush_docs=1)
    writer.start()
    try:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            writer.add(_docs("r", 1))
            time.sleep(0.005)
    finally:
        writer.stop(flush=False)  # the final flush would fail too
    # tries 0.05 s apart, then 0.1, 0.2, 0.4, 0.8 s: about five in the second, not one per add
    assert 1 <= writer.consecutive_failures <= 7
    assert writer.pending > 100 and writer.dropped == 0


def test_documents_the_engine_refuses_are_dropped_and_the_rest_written(es: Elasticsearch, names: IndexNames) -> None:
    writer = ImpressionWriter(es, names, IndexerConfig())
    bad = {**_docs("bad", 1)[0], "position": "first"}  # not an integer: refused by the mapping
    writer.add([bad, *_docs("r1", 2)])
    assert writer.flush() == 2
    assert writer.dropped == 1 and writer.pending == 0
    assert _stored(es, names) == [("r1", 1), ("r1", 2)]


def test_an_unwritable_document_neither_blocks_the_log_nor_stops_the_thread(
    es: Elasticsearch, names: IndexNames
) -> None:
    writer = ImpressionWriter(es, names, IndexerConfig(), flush_s=0.05)
    writer.start()
    try:
        writer.add([{"item_id": "x", "position": 1}])  # no request_id: it has no _id to be written under
        _wait(lambda: writer.dropped == 1)
        writer.add(_docs("r1", 1))
        _wait(lambda: writer.written == 1)
    finally:
        writer.stop()
    assert _stored(es, names) == [("r1", 1)]


def test_the_writer_starts_again_after_a_stop(es: Elasticsearch, names: IndexNames) -> None:
    """The API's lifespan stops and starts it (`tandem up` simulates traffic, then serves)."""
    writer = ImpressionWriter(es, names, IndexerConfig(), flush_s=0.05)
    writer.start()
    writer.stop()
    writer.start()
    try:
        writer.add(_docs("r1", 1))
        _wait(lambda: writer.written == 1)
    finally:
        writer.stop()


def _wait(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="flush_s"):
        ImpressionWriter(_unreachable(), IndexNames(""), IndexerConfig(), flush_s=0)
