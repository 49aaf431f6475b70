"""Load test of the HTTP API: concurrent clients on /search and /users/{id}/feed.

A fixed number of async clients (httpx, one connection each) send requests back to back for a
fixed time, one endpoint at a time: searches for words of the demo catalog's titles, feeds of
demo users and of unknown ones (cold start). Per endpoint it reports requests, errors (non-2xx,
by status), throughput, latency p50/p95/p99 as the client saw it, and Tandem's own time outside
Elasticsearch: the Server-Timing header's `total` minus its `es` stage (the ES client's calls,
including its JSON decoding).

Modes:
  (default)   starts the local dev engine with the demo data in --data-dir (indexed and trained
              once, reused after) and the API (uvicorn) on it;
  --url URL   drives an API that is already running (--pid PID to sample its memory);
  --instant   as the default, but the API talks to bench/es_standin.py, which first records the
              dev engine's answers to one pass over every request of the run, then replays them
              instantly: the figures are Tandem's own ceiling.
  --soak MIN  mixed load for MIN minutes, sampling the API's RSS every --rss-every seconds.

Prints figures (a table, or JSON with --json); asserts nothing.

Usage:
    python bench/bench_load.py [--duration 20] [--concurrency 8] [--instant] [--workers 1] [--json]
    python bench/bench_load.py --url http://127.0.0.1:8000 [--pid PID]
    python bench/bench_load.py --instant --soak 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo"
ENDPOINTS = ("search", "feed")


def out(line: str) -> None:
    """Write one line of the report to stdout."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# --- the workload -----------------------------------------------------------------------------


def search_paths(catalog: Path, n: int, seed: int = 0) -> list[str]:
    """`n` searches: the first two to four words of random catalog titles."""
    titles = [json.loads(line).get("title", "") for line in catalog.read_text().splitlines() if line.strip()]
    rng = random.Random(seed)
    queries = []
    for title in rng.sample([t for t in titles if t], min(n, len(titles))):
        words = title.split()
        queries.append(" ".join(words[: rng.randint(2, 4)]))
    return [f"/search?q={quote(q)}&k=10" for q in queries]


def feed_paths(events: Path | None, n: int, unknown_share: float = 0.2, seed: int = 0) -> list[str]:
    """`n` feeds: users who have events, and a share of unknown users (the cold-start feed)."""
    users: list[str] = []
    if events is not None and events.is_file():
        seen = dict.fromkeys(json.loads(line)["user_id"] for line in events.read_text().splitlines() if line.strip())
        users = list(seen)
    rng = random.Random(seed)
    unknown = max(1, round(n * unknown_share)) if users else n
    chosen = rng.sample(users, min(n - unknown, len(users))) + [f"bench-unknown-{i:04d}" for i in range(unknown)]
    rng.shuffle(chosen)
    return [f"/users/{quote(user, safe='')}/feed?k=20" for user in chosen]


# --- the load generator -----------------------------------------------------------------------


@dataclass
class Samples:
    latency_ms: list[float] = field(default_factory=list)
    own_ms: list[float] = field(default_factory=list)
    es_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def server_timing(header: str | None) -> dict[str, float]:
    """`es;dur=1.2, total;dur=3.4` -> {"es": 1.2, "total": 3.4}."""
    stages: dict[str, float] = {}
    for part in (header or "").split(","):
        name, _, rest = part.strip().partition(";")
        for param in rest.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "dur" and name:
                try:
                    stages[name] = float(value)
                except ValueError:
                    pass
    return stages


async def drive(
    base_url: str,
    plan: dict[str, list[str]],
    concurrency: int,
    duration_s: float,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Samples]:
    """`concurrency` clients send requests back to back for `duration_s`; with several endpoints
    in `plan` each client alternates between them. Returns the samples per endpoint."""
    results = {endpoint: Samples() for endpoint in plan}
    names = list(plan)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url, transport=transport, limits=limits, timeout=60.0, headers=headers
    ) as client:
        deadline = time.perf_counter() + duration_s

        async def worker(index: int) -> None:
            turn = index
            while time.perf_counter() < deadline:
                endpoint = names[turn % len(names)]
                paths = plan[endpoint]
                path = paths[(turn // len(names) * concurrency + index) % len(paths)]
                turn += 1
                samples = results[endpoint]
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                except httpx.HTTPError as exc:
                    samples.statuses[type(exc).__name__] += 1
                    continue
                samples.latency_ms.append((time.perf_counter() - started) * 1000)
                samples.statuses[str(response.status_code)] += 1
                stages = server_timing(response.headers.get("server-timing"))
                if "total" in stages:
                    samples.own_ms.append(stages["total"] - stages.get("es", 0.0))
                    samples.es_ms.append(stages.get("es", 0.0))

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        for samples in results.values():
            samples.seconds = time.perf_counter() - started
    return results


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    p50, p95, p99 = np.percentile(np.asarray(values), [50, 95, 99])
    return {"p50": round(float(p50), 2), "p95": round(float(p95), 2), "p99": round(float(p99), 2)}


def summarise(samples: Samples) -> dict[str, Any]:
    """One endpoint's figures: requests, errors by status, req/s, latency and own-time percentiles."""
    requests = sum(samples.statuses.values())
    errors = {status: n for status, n in sorted(samples.statuses.items()) if not status.startswith("2")}
    return {
        "requests": requests,
        "errors": sum(errors.values()),
        "errors_by_status": errors,
        "seconds": round(samples.seconds, 2),
        "rps": round(requests / samples.seconds, 1) if samples.seconds else 0.0,
        "latency_ms": _percentiles(samples.latency_ms),
        "own_ms": _percentiles(samples.own_ms),
        "es_ms": _percentiles(samples.es_ms),
    }


def run_load(
    base_url: str,
    plans: dict[str, dict[str, list[str]]],
    concurrency: int,
    duration_s: float,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    headers: dict[str, str] | None = None,
    pid: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Each phase of `plans` in turn (phase name -> endpoint -> paths); the figures per endpoint,
    named `phase` when a phase has one endpoint and `phase/endpoint` otherwise. With the API's
    `pid`, a one-endpoint phase also reports the API's CPU time per request (`cpu_ms_per_request`):
    one process is bound by its GIL, so this is its ceiling (1000 / it req/s per core it can use).
    It is the API's own cost, whatever the load generator does, though on a shared machine it
    still moves by about 15% between runs."""
    report: dict[str, dict[str, Any]] = {}
    for phase, plan in plans.items():
        cpu_before = tree_cpu_s(pid) if pid is not None else None
        results = asyncio.run(drive(base_url, plan, concurrency, duration_s, transport=transport, headers=headers))
        for endpoint, samples in results.items():
            report[phase if len(plan) == 1 else f"{phase}/{endpoint}"] = summarise(samples)
        if pid is not None and cpu_before is not None and len(plan) == 1:
            row = report[phase]
            row["cpu_ms_per_request"] = round((tree_cpu_s(pid) - cpu_before) * 1000 / max(row["requests"], 1), 2)
    return report


def print_table(report: dict[str, dict[str, Any]]) -> None:
    def ms(p: dict[str, float | None]) -> str:
        return " / ".join("-" if v is None else f"{v:.1f}" for v in (p["p50"], p["p95"], p["p99"]))

    out(
        f"{'endpoint':14} {'requests':>8} {'errors':>7} {'req/s':>7}  {'latency p50/p95/p99 ms':>24}"
        f"  {'own (total - es) p50/p95/p99':>28}  {'es p50':>7}  {'API CPU ms/req':>14}"
    )
    for name, row in report.items():
        es, cpu = row["es_ms"]["p50"], row.get("cpu_ms_per_request")
        out(
            f"{name:14} {row['requests']:8d} {row['errors']:7d} {row['rps']:7.1f}  {ms(row['latency_ms']):>24}"
            f"  {ms(row['own_ms']):>28}  {'-' if es is None else f'{es:.1f}':>7}  {'-' if cpu is None else cpu:>14}"
        )
        if row["errors_by_status"]:
            out(f"{'':14} errors by status: {row['errors_by_status']}")


# --- the API's memory -------------------------------------------------------------------------


def process_tree(pid: int) -> Iterator[int]:
    """A process and its descendants (uvicorn workers), from /proc; ones that exit are skipped."""
    pending = [pid]
    while pending:
        current = pending.pop()
        yield current
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants, from /proc."""
    total_kb = 0
    for current in process_tree(pid):
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total_kb / 1024


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process and its descendants so far, from /proc."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0.0
    for current in process_tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime: fields 14 and 15
        except (OSError, ValueError, IndexError):
            continue
    return total


async def _sample_rss(pid: int, every_s: float, until: float, series: list[tuple[float, float]]) -> None:
    started = time.perf_counter()
    while time.perf_counter() < until:
        series.append((time.perf_counter() - started, tree_rss_mb(pid)))
        await asyncio.sleep(every_s)
    series.append((time.perf_counter() - started, tree_rss_mb(pid)))


def soak(
    base_url: str,
    plan: dict[str, list[str]],
    concurrency: int,
    minutes: float,
    pid: int | None,
    every_s: float,
    headers: dict[str, str] | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Mixed load for `minutes`, RSS sampled every `every_s`; (per-endpoint figures, RSS summary)."""
    series: list[tuple[float, float]] = []

    async def both() -> dict[str, Samples]:
        duration = minutes * 60
        load = drive(base_url, plan, concurrency, duration, headers=headers)
        if pid is None:
            return await load
        results, _ = await asyncio.gather(load, _sample_rss(pid, every_s, time.perf_counter() + duration, series))
        return results

    results = asyncio.run(both())
    report = {f"soak/{endpoint}": summarise(samples) for endpoint, samples in results.items()}
    if not series:
        return report, {}
    t = np.asarray([s[0] for s in series]) / 60
    mb = np.asarray([s[1] for s in series])
    slope = float(np.polyfit(t, mb, 1)[0]) if len(series) > 2 else 0.0
    rss = {
        "samples": len(series),
        "start_mb": round(float(mb[0]), 1),
        "max_mb": round(float(mb.max()), 1),
        "end_mb": round(float(mb[-1]), 1),
        "slope_mb_per_min": round(slope, 2),
        "series_mb": [round(float(v), 1) for v in mb],
    }
    return report, rss


# --- starting the engine, the data and the API ------------------------------------------------


def prepare_data(data_dir: Path, train: bool) -> tuple[Any, str]:
    """The dev engine over `data_dir`, with the demo catalog indexed and its events imported
    (once: a later run reuses them), and models trained unless `train` is False. Returns
    (the engine, to stop; its URL)."""
    from api.cli.events import import_events_and_profiles
    from api.cli.index import print_report
    from api.cli.up import load_data, train_if_stale
    from api.engine import DevEngine, make_client
    from api.settings import Settings
    from indexer.embedding import TextEncoder
    from indexer.mappings import IndexNames

    settings = Settings(data_dir=data_dir, models_dir=data_dir / "models", index_prefix="", _env_file=None)
    engine = DevEngine(settings.engine_dir)
    url = engine.start()
    settings = settings.model_copy(update={"elasticsearch_url": url})
    es = make_client(settings).options(request_timeout=120)
    names = IndexNames(settings.index_prefix)
    encoder = TextEncoder(settings.embedding_model, batch_size=settings.indexer.embed_batch_size)
    load_data(settings, es, encoder, names, DEMO / "catalog.jsonl", Path("/nonexistent"), reindex=False)
    if not es.indices.exists(index=names.events) or es.count(index=names.events)["count"] == 0:
        print_report(import_events_and_profiles(es, settings, DEMO / "events.jsonl", progress=False), "events")
    if train:
        train_if_stale(settings, es, names)
    return engine, url


@contextmanager
def running_api(es_url: str, data_dir: Path, workers: int) -> Iterator[tuple[str, int]]:
    """The API (uvicorn, `workers` processes) on a free port over `es_url`; yields (URL, pid)."""
    from api.engine import free_port

    port = free_port()
    env = {
        **os.environ,
        "ELASTICSEARCH_URL": es_url,
        "TANDEM_DATA_DIR": str(data_dir / "api"),
        "TANDEM_MODELS_DIR": str(data_dir / "models"),
        "TANDEM_INDEX_PREFIX": "",
    }
    log = open(data_dir / "api.log", "ab")
    command = [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the API exited with {process.returncode}; see {data_dir / 'api.log'}")
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API did not answer within 180 s; see {data_dir / 'api.log'}")
            time.sleep(0.5)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def instant_engine(upstream: str) -> Iterator[str]:
    """bench/es_standin.py in front of `upstream`, recording until switched to replay."""
    from api.engine import free_port

    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "bench" / "es_standin.py"), upstream, str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, timeout=5)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the engine stand-in did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait()


def record_pass(base_url: str, plans: dict[str, dict[str, list[str]]], concurrency: int) -> int:
    """Every distinct request once (through the recording stand-in). Returns how many."""
    paths = sorted({path for plan in plans.values() for paths in plan.values() for path in paths})

    async def one_pass() -> None:
        gate = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(base_url=base_url, timeout=300.0) as client:

            async def get(path: str) -> None:
                async with gate:
                    await client.get(path)

            await asyncio.gather(*(get(p) for p in paths))

    asyncio.run(one_pass())
    return len(paths)


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="Drive this running API instead of starting one.")
    parser.add_argument("--pid", type=int, help="With --url: the API's process id, to sample its RSS.")
    parser.add_argument("--api-key", help="Sent as X-API-Key (an API whose reads need the key).")
    parser.add_argument("--instant", action="store_true", help="The engine replays recorded answers instantly.")
    parser.add_argument("--duration", type=float, default=20.0, help="Seconds per endpoint. Default 20.")
    parser.add_argument("--concurrency", type=int, default=8, help="Concurrent clients. Default 8.")
    parser.add_argument("--endpoints", default="search,feed", help="Comma-separated: search, feed.")
    parser.add_argument("--queries", type=int, default=100, help="Distinct searches. Default 100.")
    parser.add_argument("--users", type=int, default=100, help="Distinct feeds (20%% unknown users). Default 100.")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes. Default 1.")
    parser.add_argument("--soak", type=float, metavar="MINUTES", help="Mixed load for MINUTES, RSS sampled.")
    parser.add_argument("--rss-every", type=float, default=5.0, help="Seconds between RSS samples. Default 5.")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".tandem" / "bench-load", help="Throw-away state.")
    parser.add_argument("--no-train", action="store_true", help="Skip training (feeds use affinities only).")
    parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
    args = parser.parse_args()

    endpoints = [e for e in args.endpoints.split(",") if e]
    paths = {
        "search": search_paths(DEMO / "catalog.jsonl", args.queries),
        "feed": feed_paths(DEMO / "events.jsonl", args.users),
    }
    plans = {"soak": {e: paths[e] for e in endpoints}} if args.soak else {e: {e: paths[e]} for e in endpoints}
    headers = {"X-API-Key": args.api_key} if args.api_key else None
    say = (lambda line: sys.stderr.write(line + "\n")) if args.json else out
    meta: dict[str, Any] = {
        "mode": "url" if args.url else "instant" if args.instant else "dev-engine",
        "concurrency": args.concurrency,
        "duration_s": args.soak * 60 if args.soak else args.duration,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
    }

    with ExitStack() as stack:
        pid = args.pid
        if args.url:
            base = args.url.rstrip("/")
        else:
            data_dir = args.data_dir
            data_dir.mkdir(parents=True, exist_ok=True)
            say(f"preparing the dev engine and the demo data in {data_dir} ...")
            engine, es_url = prepare_data(data_dir, train=not args.no_train)
            stack.callback(engine.stop)
            if args.instant:
                es_url = stack.enter_context(instant_engine(es_url))
            base, pid = stack.enter_context(running_api(es_url, data_dir, args.workers))
            if args.instant:
                started = time.perf_counter()
                n = record_pass(base, plans, args.concurrency)
                recorded = httpx.post(f"{es_url}/__standin/replay").json()["recorded"]
                say(f"recorded {recorded} engine answers for {n} requests in {time.perf_counter() - started:.0f} s")
        say(f"{meta['mode']}: {args.concurrency} clients, {meta['duration_s']:.0f} s per phase, API at {base}")
        if args.soak:
            report, rss = soak(base, plans["soak"], args.concurrency, args.soak, pid, args.rss_every, headers)
        else:
            report, rss = run_load(base, plans, args.concurrency, args.duration, headers=headers, pid=pid), {}
        if pid is not None and not rss:
            rss = {"end_mb": round(tree_rss_mb(pid), 1)}

    if args.json:
        out(json.dumps({**meta, "endpoints": report, "rss": rss}, indent=2))
        return
    print_table(report)
    if rss.get("samples"):
        out(
            f"API RSS over {rss['samples']} samples: start {rss['start_mb']} MB, max {rss['max_mb']} MB, "
            f"end {rss['end_mb']} MB, slope {rss['slope_mb_per_min']:+.2f} MB/min"
        )
    elif rss:
        out(f"API RSS at the end: {rss['end_mb']} MB")
    out(f"({meta['cpus']} CPUs, load average before the run {meta['loadavg'][0]:.2f})")


if __name__ == "__main__":
    main()
