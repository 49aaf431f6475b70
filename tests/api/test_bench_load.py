"""bench/bench_load.py's load generator, for about 2 s against the app on the test engine: it
counts requests and errors and reports ordered percentiles. No timing is asserted."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import DATA

pytestmark = pytest.mark.es
BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_load.py"


def bench_load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_load", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_load_generator_reports_requests_errors_and_ordered_percentiles(client: TestClient) -> None:
    bench = bench_load()
    plans = {
        "search": {"search": bench.search_paths(DATA / "catalog.jsonl", 10)},
        "feed": {"feed": bench.feed_paths(DATA / "events.jsonl", 5) + ["/users/x/feed?k=0"]},  # k=0: a 422
    }
    transport = httpx.ASGITransport(app=client.app)
    report = bench.run_load(
        "http://tandem.test", plans, concurrency=2, duration_s=1.0, transport=transport, pid=os.getpid()
    )

    assert set(report) == {"search", "feed"}
    for row in report.values():
        assert row["requests"] > 0 and row["rps"] > 0
        for figures in (row["latency_ms"], row["own_ms"]):
            assert figures["p50"] <= figures["p95"] <= figures["p99"]
        assert row["cpu_ms_per_request"] > 0  # the app runs in this process here
    assert report["search"]["errors"] == 0
    assert report["feed"]["errors"] == report["feed"]["errors_by_status"]["422"] > 0
    assert bench.server_timing("es;dur=1.5, total;dur=4.0") == {"es": 1.5, "total": 4.0}


def test_cpu_time_of_a_process_tree_counts_what_it_burnt() -> None:
    bench = bench_load()
    before, started = bench.tree_cpu_s(os.getpid()), time.process_time()
    while time.process_time() - started < 0.3:
        pass
    assert bench.tree_cpu_s(os.getpid()) - before >= 0.25
