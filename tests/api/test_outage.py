"""Engine outages: the API answers fast and honestly, and no acknowledged event is lost.

Each test starts a dev engine of its own (free port, own data dir) so it can SIGKILL it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from api.engine import DevEngine, make_client, serving_breaker
from api.main import create_app
from api.services import build_services
from api.settings import Settings
from indexer.config import IndexerConfig
from indexer.embedding import TextEncoder
from indexer.events import validate_event
from indexer.load import index_catalog
from indexer.mappings import IndexNames

pytestmark = pytest.mark.es
logger = logging.getLogger(__name__)  # the figures measured; shown with -o log_cli=true

BATCH = 50
BATCHES = 60  # 3,000 events


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[DevEngine]:
    with DevEngine(tmp_path / "engine") as dev:
        yield dev


@pytest.fixture
def outage_settings(engine: DevEngine, tmp_path: Path) -> Settings:
    return Settings(
        elasticsearch_url=engine.url,
        index_prefix="outage-",
        data_dir=tmp_path / "state",
        models_dir=tmp_path / "models",
        elasticsearch_timeout_s=5,
        spool_max_backoff_s=1,
        _env_file=None,
    )


def kill(engine: DevEngine) -> None:
    """SIGKILL: no clean shutdown, exactly like a crash."""
    assert engine.process is not None
    engine.process.kill()
    engine.process.wait()


def persist(engine: DevEngine) -> None:
    """A clean stop saves the dev engine's data (it saves only every second or so while running, so a
    SIGKILL loses its latest writes: the catalog must not be among them)."""
    engine.stop()
    engine.start()


def indexed(
    engine: DevEngine, settings: Settings, encoder: TextEncoder, catalog_path: Path
) -> tuple[IndexNames, Elasticsearch]:
    """The test catalog indexed on the test's own engine, flushed to disk so a kill keeps it."""
    names = IndexNames(settings.index_prefix)
    es = make_client(settings)
    index_catalog(es, str(catalog_path), encoder, names, IndexerConfig(), progress=False)
    persist(engine)
    return names, es


def batch(number: int) -> list[dict[str, Any]]:
    """Half the events carry a client id, half get the derived one."""
    rows = []
    for i in range(BATCH):
        n = number * BATCH + i
        row = {
            "user_id": f"user-{n % 17}",
            "item_id": f"t{n % 30 + 1:02d}",
            "type": "click",
            "timestamp": 1_790_000_000 + n,
        }
        if n % 2:
            row["event_id"] = f"client-{n}"
        rows.append(row)
    return rows


def event_ids(rows: list[dict[str, Any]]) -> list[str]:
    return [validate_event(row)["event_id"] for row in rows]


def stored_ids(es: Elasticsearch, names: IndexNames) -> Counter[str]:
    es.indices.refresh(index=names.events)
    hits = es.search(index=names.events, size=10_000, source_includes=["event_id"], query={"match_all": {}})
    return Counter(hit["_source"]["event_id"] for hit in hits["hits"]["hits"])


def wait_until(condition: Any, timeout_s: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(0.2)
    return time.monotonic() - started


class Streamer(threading.Thread):
    """Posts batches one after another and records which were acknowledged (200 or 202)."""

    def __init__(self, client: TestClient, numbers: range) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.numbers = numbers
        self.statuses: dict[int, int] = {}
        self.spooled = 0

    def run(self) -> None:
        for number in self.numbers:
            response = self.client.post("/events", json=batch(number))
            self.statuses[number] = response.status_code
            if response.status_code == 202:
                self.spooled += response.json()["spooled"]

    def acked(self) -> list[str]:
        return [i for n, s in self.statuses.items() if s in (200, 202) for i in event_ids(batch(n))]

    def unacked(self) -> list[str]:
        return [i for n, s in self.statuses.items() if s not in (200, 202) for i in event_ids(batch(n))]


def test_engine_killed_mid_stream_loses_no_acknowledged_event(
    engine: DevEngine, outage_settings: Settings, encoder: TextEncoder, catalog_path: Path
) -> None:
    settings = outage_settings
    names, es = indexed(engine, settings, encoder, catalog_path)
    with TestClient(create_app(settings, services=build_services(settings, es=es, encoder=encoder))) as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        streamer = Streamer(client, range(BATCHES))
        streamer.start()
        wait_until(lambda: len(streamer.statuses) >= BATCHES // 3, 120, "a third of the stream")
        kill(engine)

        started = time.perf_counter()
        search = client.get("/search", params={"q": "tea"})
        search_s = time.perf_counter() - started
        assert search.status_code == 503 and search.headers["retry-after"]
        assert search.json()["error"]["code"] == "engine_unavailable"
        started = time.perf_counter()
        feed = client.get("/users/someone/feed", params={"k": 5})
        feed_s = time.perf_counter() - started
        body = feed.json()
        assert feed.status_code == 200 and body["degraded"] is True and body["strategy"] == "cached_popular"
        assert len(body["items"]) == 5
        wait_until(lambda: services.spool.backlog() > 0, 60, "events spooled while the engine is down")
        health = client.get("/health")
        assert health.status_code == 503 and engine.url in " ".join(health.json()["problems"])
        assert health.json()["events"]["spooled"] > 0
        logger.warning("engine down: /search 503 in %.0f ms, degraded feed in %.0f ms", search_s * 1000, feed_s * 1000)
        assert search_s < 3 and feed_s < 3  # generous: a shared 2-core machine

        wait_until(lambda: len(streamer.statuses) >= 2 * BATCHES // 3, 120, "two thirds of the stream")
        engine.start()  # same port, same data dir
        streamer.join(180)
        drained_s = wait_until(lambda: services.spool.backlog() == 0, 120, "the spool drained")
        health = client.get("/health")
        wait_until(lambda: client.get("/health").status_code == 200, 30, f"health recovered (was {health.json()})")

    acked, unacked = streamer.acked(), streamer.unacked()
    counts = stored_ids(es, names)
    logger.warning(
        "streamed %d, acknowledged %d (%d spooled), found %d; spool drained %.1f s after the stream ended",
        BATCHES * BATCH,
        len(acked),
        streamer.spooled,
        sum(counts.values()),
        drained_s,
    )
    assert streamer.spooled > 0  # the outage really happened mid-stream
    assert all(counts[i] == 1 for i in acked)  # every acknowledged event, exactly once
    assert all(counts[i] <= 1 for i in unacked) and max(counts.values()) == 1  # nothing twice
    es.close()


def test_spooled_events_survive_an_api_restart(
    engine: DevEngine, outage_settings: Settings, encoder: TextEncoder, catalog_path: Path
) -> None:
    settings = outage_settings
    names, es = indexed(engine, settings, encoder, catalog_path)
    services = build_services(settings, es=es, encoder=encoder)
    with TestClient(create_app(settings, services=services)) as client:
        assert client.post("/events", json=batch(0)).status_code == 200
        kill(engine)
        spooled = client.post("/events", json=batch(1))
        assert spooled.status_code == 202 and spooled.json()["spooled"] == BATCH
    services.spool.close()  # the API stops with the events still spooled
    engine.start()
    restarted = build_services(settings, es=make_client(settings), encoder=encoder)
    assert restarted.spool.backlog() >= BATCH  # plus what was stored just before, kept for the resend window
    with TestClient(create_app(settings, services=restarted)):
        wait_until(lambda: restarted.spool.backlog() == 0, 60, "the spool replayed at start-up")
    counts = stored_ids(es, names)
    assert set(counts) == set(event_ids(batch(0)) + event_ids(batch(1))) and max(counts.values()) == 1
    profile = es.get(index=names.users, id="user-1")["_source"]
    assert profile["event_count"] == sum(1 for row in batch(0) + batch(1) if row["user_id"] == "user-1")
    restarted.spool.close()
    es.close()


def pause(engine: DevEngine, sig: signal.Signals) -> None:
    """SIGSTOP / SIGCONT the engine's whole process group: it keeps its port and accepts connections
    (the kernel does that) but answers nothing, like a node stuck in a long GC pause."""
    assert engine.process is not None
    os.killpg(engine.process.pid, sig)


def test_hung_engine_opens_the_breaker_and_the_api_answers_without_waiting(
    engine: DevEngine, outage_settings: Settings, encoder: TextEncoder, catalog_path: Path
) -> None:
    hung = {"elasticsearch_timeout_s": 1.0, "elasticsearch_breaker_timeouts": 2, "elasticsearch_breaker_open_s": 3.0}
    settings = outage_settings.model_copy(update=hung)
    names, plain = indexed(engine, settings, encoder, catalog_path)
    es = make_client(settings, breaker=serving_breaker(settings))
    services = build_services(settings, es=es, encoder=encoder)
    breaker = services.breaker
    assert breaker is not None
    with TestClient(create_app(settings, services=services)) as client:
        assert client.get("/search", params={"q": "tea"}).status_code == 200
        pause(engine, signal.SIGSTOP)
        try:
            for _ in range(5):  # each waits for its timeout (the background writers' calls count too)
                if breaker.state != "closed":
                    break
                assert client.get("/search", params={"q": "tea"}).status_code == 503
            assert breaker.state == "open"
            rejected = breaker.rejected
            started = time.perf_counter()
            search = client.get("/search", params={"q": "tea"})
            search_s = time.perf_counter() - started
            assert search.status_code == 503 and search.json()["error"]["code"] == "engine_unavailable"
            assert 1 <= int(search.headers["retry-after"]) <= 3
            assert breaker.rejected > rejected  # refused without a call to the engine
            assert search_s < settings.elasticsearch_timeout_s  # and so without waiting for a timeout
            feed = client.get("/users/someone/feed", params={"k": 5}).json()
            assert feed["degraded"] is True and feed["strategy"] == "cached_popular"
            spooled = client.post("/events", json=batch(0))
            assert spooled.status_code == 202 and spooled.json()["spooled"] == BATCH
            health = client.get("/health")
            assert health.status_code == 503
            assert "circuit breaker open" in " ".join(health.json()["problems"])
            assert "tandem_engine_breaker_open 1.0" in client.get("/metrics").text
        finally:
            pause(engine, signal.SIGCONT)
        wait_until(lambda: client.get("/search", params={"q": "tea"}).status_code == 200, 30, "search after the resume")
        assert breaker.state == "closed" and breaker.opened >= 1
        wait_until(lambda: services.spool.backlog() == 0, 60, "the spooled events stored")
    logger.warning("hung engine, breaker open: /search 503 in %.0f ms", search_s * 1000)
    assert set(stored_ids(plain, names)) == set(event_ids(batch(0)))
    plain.close()
    es.close()


def test_a_full_spool_refuses_new_events_with_503_and_keeps_the_accepted(
    engine: DevEngine, outage_settings: Settings, encoder: TextEncoder, catalog_path: Path
) -> None:
    line = len(json.dumps(validate_event(batch(0)[0]), separators=(",", ":"))) + 1
    settings = outage_settings.model_copy(update={"spool_max_bytes": int(2.5 * BATCH * line)})  # room for 2 batches
    names, es = indexed(engine, settings, encoder, catalog_path)
    services = build_services(settings, es=es, encoder=encoder)
    with TestClient(create_app(settings, services=services)) as client:
        kill(engine)
        accepted = [client.post("/events", json=batch(n)) for n in range(2)]
        assert [r.status_code for r in accepted] == [202, 202]
        refused = client.post("/events", json=batch(2))
        assert refused.status_code == 503 and refused.headers["retry-after"]
        error = refused.json()["error"]
        assert error["code"] == "spool_full" and error["backlog"] == 2 * BATCH
        assert error["max_bytes"] == settings.spool_max_bytes and str(services.spool.path) in error["message"]
        health = client.get("/health").json()
        assert any("event spool is" in problem and "full" in problem for problem in health["problems"])
        assert "tandem_event_spool_refused_total 1.0" in client.get("/metrics").text
        engine.start()
        wait_until(lambda: services.spool.backlog() == 0, 60, "the spool drained")
        wait_until(lambda: client.get("/health").status_code == 200, 30, "healthy again once drained")
        assert client.post("/events", json=batch(2)).status_code == 200  # room again, the retry is stored
    counts = stored_ids(es, names)
    assert set(counts) == set(event_ids(batch(0) + batch(1) + batch(2))) and max(counts.values()) == 1
    es.close()
