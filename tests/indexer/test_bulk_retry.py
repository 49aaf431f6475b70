"""Bulk writes retry overload (429/502/503/504) per document and per request, with bounded jittered back-off.

The engine here is a tiny HTTP server that answers `_bulk` from a script, so the overload is
real HTTP seen by the real client and helpers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from elasticsearch import ApiError, Elasticsearch

from indexer.config import IndexerConfig
from indexer.load import backoff_delay, bulk_actions

CFG = IndexerConfig(bulk_chunk_size=10, bulk_max_retries=3, bulk_initial_backoff_s=0.2, bulk_max_backoff_s=0.5)


class ScriptedEngine(ThreadingHTTPServer):
    """Answers each _bulk with the next scripted reply: a whole-request status, or per-item statuses."""

    def __init__(self, script: list[int | list[int]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.requests: list[list[str]] = []  # the _ids sent in each bulk request


class _Handler(BaseHTTPRequestHandler):
    server: ScriptedEngine

    def log_message(self, *args: Any) -> None:
        pass

    def do_PUT(self) -> None:  # noqa: N802  (the client sends _bulk as PUT)
        lines = self.rfile.read(int(self.headers["content-length"])).decode().splitlines()
        ids = [next(iter(json.loads(line).values()))["_id"] for line in lines[::2]]
        self.server.requests.append(ids)
        reply = self.server.script.pop(0) if self.server.script else [201] * len(ids)
        if isinstance(reply, int):
            status, body = reply, {"error": {"type": "overloaded", "reason": "busy"}, "status": reply}
        else:
            items = [
                {"create": {"_index": "e", "_id": i, "status": s, **({"error": {"type": "x"}} if s >= 300 else {})}}
                for i, s in zip(ids, reply)
            ]
            status, body = 200, {"took": 1, "errors": any(s >= 300 for s in reply), "items": items}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("x-elastic-product", "Elasticsearch")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> Iterator[ScriptedEngine]:
    server = ScriptedEngine(list(request.param))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def actions(n: int) -> list[dict[str, Any]]:
    return [{"_op_type": "create", "_index": "e", "_id": f"e{i}", "_source": {"n": i}} for i in range(n)]


def run(engine: ScriptedEngine, n: int) -> tuple[list[tuple[bool, dict[str, Any]]], list[float]]:
    waits: list[float] = []
    es = Elasticsearch(f"http://127.0.0.1:{engine.server_address[1]}", max_retries=0)
    return list(bulk_actions(es, actions(n), CFG, sleep=waits.append)), waits


@pytest.mark.parametrize("engine", [[[201, 429, 503, 201], [502, 201], [201]]], indirect=True)
def test_overloaded_documents_are_resent_alone_until_stored(engine: ScriptedEngine) -> None:
    results, waits = run(engine, 4)
    assert engine.requests == [["e0", "e1", "e2", "e3"], ["e1", "e2"], ["e1"]]
    assert all(ok for ok, _ in results) and sorted(r["create"]["_id"] for _, r in results) == ["e0", "e1", "e2", "e3"]
    assert 0.1 <= waits[0] <= 0.2 and 0.2 <= waits[1] <= 0.4  # doubling, half of it jitter


@pytest.mark.parametrize("engine", [[429, 503]], indirect=True)
def test_a_whole_request_answered_overload_is_retried(engine: ScriptedEngine) -> None:
    results, waits = run(engine, 2)
    assert len(engine.requests) == 3 and all(ok for ok, _ in results) and len(waits) == 2


@pytest.mark.parametrize("engine", [[[429]] * 10], indirect=True)
def test_retries_are_bounded_and_the_last_failure_is_reported(engine: ScriptedEngine) -> None:
    results, waits = run(engine, 1)
    assert len(engine.requests) == CFG.bulk_max_retries + 1 and len(waits) == CFG.bulk_max_retries
    assert [(ok, r["create"]["status"]) for ok, r in results] == [(False, 429)]
    assert max(waits) <= CFG.bulk_max_backoff_s


@pytest.mark.parametrize("engine", [[400]], indirect=True)
def test_a_request_refused_for_good_is_not_retried(engine: ScriptedEngine) -> None:
    with pytest.raises(ApiError):
        run(engine, 1)
    assert len(engine.requests) == 1


def test_backoff_is_capped_with_jitter() -> None:
    cfg = IndexerConfig(bulk_initial_backoff_s=0.5, bulk_max_backoff_s=30)
    assert [backoff_delay(a, cfg, rng=lambda: 0.0) for a in range(8)] == [0.25, 0.5, 1, 2, 4, 8, 15, 15]
    assert backoff_delay(10, cfg, rng=lambda: 1.0) == 30
