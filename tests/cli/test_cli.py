from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from elasticsearch import Elasticsearch
from typer.testing import CliRunner

from api.cli import app
from api.engine import free_port
from indexer.mappings import IndexNames
from indexer.spool import SpoolClaim
from tests.conftest import DATA

runner = CliRunner()


def env_for(es_url: str | None, names: IndexNames | None, tmp_path: Path) -> dict[str, str]:
    env = {"TANDEM_DATA_DIR": str(tmp_path / "state"), "ELASTICSEARCH_URL": es_url or ""}
    if names is not None:
        env["TANDEM_INDEX_PREFIX"] = names.prefix
    return env


@pytest.mark.es
def test_index_reports_rejects_and_strict_exits_1(
    es_url: str, es: Elasticsearch, names: IndexNames, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["index", str(DATA / "catalog_with_errors.jsonl"), "--no-progress"], env=env_for(es_url, names, tmp_path)
    )
    assert result.exit_code == 0, result.output
    assert "items: 6 stored" in result.output and "6 rejected" in result.output
    assert "catalog_with_errors.jsonl:5: price: must be >= 0, got -1" in result.output
    assert es.count(index=names.items)["count"] == 6
    strict = runner.invoke(
        app,
        ["index", str(DATA / "catalog_with_errors.jsonl"), "--no-progress", "--strict"],
        env=env_for(es_url, names, tmp_path),
    )
    assert strict.exit_code == 1


@pytest.mark.es
def test_events_import(es_url: str, es: Elasticsearch, names: IndexNames, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["events", "import", str(DATA / "events.jsonl"), "--no-progress"], env=env_for(es_url, names, tmp_path)
    )
    assert result.exit_code == 0, result.output
    assert "events: 26 stored, 0 already present, 0 rejected" in result.output


def test_clear_errors_without_engine_or_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["index", str(DATA / "catalog.jsonl")], env=env_for(None, None, tmp_path))
    assert result.exit_code == 1 and "set ELASTICSEARCH_URL, or run `tandem up`" in result.output
    result = runner.invoke(
        app, ["index", str(tmp_path / "nope.csv")], env=env_for("http://127.0.0.1:1", None, tmp_path)
    )
    assert result.exit_code == 1 and "nope.csv: no such file" in result.output


@pytest.mark.es
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_up_starts_engine_indexes_serves_and_stops_on_signal(tmp_path: Path, stop_signal: signal.Signals) -> None:
    port = free_port()
    env = {**os.environ, **env_for(None, None, tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("ELASTICSEARCH_URL")
    command = [
        sys.executable,
        "-m",
        "api.cli",
        "up",
        "--catalog",
        str(DATA / "catalog.jsonl"),
        "--events",
        str(DATA / "events.jsonl"),
        "--port",
        str(port),
    ]
    log = open(tmp_path / "up.log", "w+")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail(f"tandem up did not become healthy:\n{Path(log.name).read_text()[-3000:]}")
        items = httpx.get(f"http://127.0.0.1:{port}/search", params={"q": "espresso machine"}).json()["items"]
        assert items[0]["id"] == "t01"
        engine_url = (tmp_path / "state" / "engine" / "engine.json").read_text()
        assert "http://127.0.0.1:" in engine_url
    finally:
        process.send_signal(stop_signal)
        process.wait(timeout=60)
    output = Path(log.name).read_text()
    assert "Tandem is up." in output and f"http://127.0.0.1:{port}/docs" in output
    assert "stopping the local dev engine" in output
    assert not (tmp_path / "state" / "engine" / "engine.json").exists()


@pytest.mark.es
def test_serve_with_two_workers_gives_each_its_own_spool(
    es_url: str, es: Elasticsearch, names: IndexNames, tmp_path: Path
) -> None:
    indexed = runner.invoke(app, ["index", str(DATA / "catalog.jsonl")], env=env_for(es_url, names, tmp_path))
    assert indexed.exit_code == 0, indexed.output
    port = free_port()
    env = {**os.environ, **env_for(es_url, names, tmp_path), "PYTHONUNBUFFERED": "1", "TANDEM_WORKERS": "2"}
    command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port)]  # (or --workers 2)
    log = open(tmp_path / "serve.log", "w+")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    spool_dir = tmp_path / "state" / "spool"
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            if httpx_ok(f"{base}/health") and held_spools(spool_dir) == 2:  # both workers up
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"two workers did not come up:\n{Path(log.name).read_text()[-3000:]}")
        answering: set[str] = set()
        with ThreadPoolExecutor(8) as pool:  # concurrent connections: a busy worker leaves some to the other
            for _ in range(50):
                bodies = pool.map(lambda _: httpx.get(f"{base}/health").json(), range(16))
                answering |= {body["events"]["spool"] for body in bodies}
                if len(answering) == 2:
                    break
        assert len(answering) == 2, answering  # two processes answer, each with its own spool file
        rows = [
            {"user_id": f"u{n}", "item_id": "t01", "type": "click", "timestamp": 1_790_000_000 + n, "event_id": f"w{n}"}
            for n in range(20)
        ]
        statuses = [httpx.post(f"{base}/events", json=row).status_code for row in rows]
        assert statuses == [200] * 20, statuses
        assert httpx.get(f"{base}/search", params={"q": "espresso machine"}).json()["items"][0]["id"] == "t01"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    es.indices.refresh(index=names.events)
    assert es.count(index=names.events)["count"] == 20
    assert held_spools(spool_dir) == 0, Path(log.name).read_text()[-2000:]  # the workers let their files go


def held_spools(directory: Path) -> int:
    """How many spool files a running process holds (each one tried and let go at once)."""
    held = 0
    for lock in directory.glob("*.jsonl.lock"):
        claim = SpoolClaim.try_take(lock.with_name(lock.name.removesuffix(".lock")))
        if claim is None:
            held += 1
        else:
            claim.release()
    return held


def httpx_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
