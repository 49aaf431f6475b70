"""`tandem up`: engine, demo data, API and UI from one command; Ctrl-C stops what it started."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
import uvicorn
from elasticsearch import Elasticsearch

from api.cli.common import cli_errors, configure_logging
from api.cli.events import import_events_and_profiles
from api.cli.index import index_with_current_towers, print_report
from api.cli.simulate import simulate_in_process
from api.cli.train import Model, run_training
from api.engine import DevEngine, make_client, running_dev_engine_url
from api.main import create_app
from api.services import Services, build_services
from api.settings import Settings
from indexer.embedding import TextEncoder
from indexer.load import alias_target, file_sha256, index_meta
from indexer.mappings import IndexNames
from ranking.errors import NotEnoughDataError
from ranking.models import RANKER, TOWERS
from ranking.registry import ModelRegistry

logger = logging.getLogger(__name__)


def _exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    """`docker stop` and process supervisors send SIGTERM: unwind like Ctrl-C so the engine we started stops too."""
    raise SystemExit(128 + signum)


DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
SIMULATED_USERS = 150


def up(
    catalog: Annotated[Path, typer.Option(help="Catalog to serve. Default: the demo catalog.")] = DEMO_DIR
    / "catalog.jsonl",
    events: Annotated[Path, typer.Option(help="Events to import. Default: the demo events.")] = DEMO_DIR
    / "events.jsonl",
    host: Annotated[str | None, typer.Option(help="Bind address. Default: TANDEM_HOST or 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option(help="Port. Default: TANDEM_PORT or 8000.")] = None,
    reindex: Annotated[bool, typer.Option(help="Re-index even if the live index already holds this catalog.")] = False,
) -> None:
    """Start everything: the engine (ELASTICSEARCH_URL, else the local dev engine), the data and the API."""
    configure_logging()
    settings = Settings()
    engine: DevEngine | None = None
    # uvicorn handles SIGTERM itself while serving, then re-raises it into this handler on the way out.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        with cli_errors():
            url = settings.elasticsearch_url or running_dev_engine_url(settings)
            if url is None:
                engine = DevEngine(settings.engine_dir)
                typer.echo(f"starting the local dev engine (data in {settings.engine_dir}) ...")
                url = engine.start()
            settings = settings.model_copy(update={"elasticsearch_url": url})
            es = make_client(settings)
            encoder = TextEncoder(settings.embedding_model, batch_size=settings.indexer.embed_batch_size)
            names = IndexNames(settings.index_prefix)
            load_data(settings, es, encoder, names, catalog, events, reindex)
            train_if_stale(settings, es, names)
        services = build_services(settings, encoder=encoder)  # the serving client, with its circuit breaker
        with cli_errors():
            simulate_if_no_impressions(settings, es, services, names)
        bind_host, bind_port = host or settings.host, port or settings.port
        base = f"http://{bind_host}:{bind_port}"
        typer.secho(
            f"\nTandem is up.\n  engine : {url}\n  web    : {base}/  (search, feed, events)\n"
            f"  API    : {base}  (OpenAPI docs: {base}/docs)\n"
            f"  try    : curl '{base}/search?q=espresso+machine'\n           curl '{base}/users/user-0001/feed'\n"
            f"  health : {base}/health\nCtrl-C stops everything this command started.\n",
            fg=typer.colors.GREEN,
        )
        uvicorn.run(create_app(settings, services=services), host=bind_host, port=bind_port, log_level="warning")
    finally:
        if engine is not None:
            typer.echo("stopping the local dev engine ...")
            engine.stop()


def load_data(
    settings: Settings,
    es: Elasticsearch,
    encoder: TextEncoder,
    names: IndexNames,
    catalog: Path,
    events: Path,
    reindex: bool,
) -> None:
    """Index the catalog unless the live index already holds this exact file; import events (idempotent)."""
    meta = index_meta(es, names.items)
    if reindex or meta.get("sha256") != file_sha256(catalog) or meta.get("encoder") != encoder.model_name:
        print_report(index_with_current_towers(es, settings, catalog, encoder), "items")
    else:
        typer.echo(f"items: {names.items} already holds {catalog.name}; skipping (--reindex to force)")
    if events.is_file():
        print_report(import_events_and_profiles(es, settings, events), "events")


def train_if_stale(settings: Settings, es: Elasticsearch, names: IndexNames) -> None:
    """Train unless the published models were trained on exactly the data now in Elasticsearch."""
    towers = ModelRegistry(settings.models_dir).manifest().get("components", {}).get(TOWERS, {})
    events = es.count(index=names.events)["count"] if es.indices.exists(index=names.events) else 0
    if towers.get("data", {}).get("events") == events and towers.get("items_index") == alias_target(es, names.items):
        typer.echo(
            f"models: version {ModelRegistry(settings.models_dir).current_version()} is up to date; skipping training"
        )
        return
    typer.echo(f"training models on {events} events ...")
    result = run_training(settings)
    typer.echo(f"models: published version {result['version']}")


def simulate_if_no_impressions(settings: Settings, es: Elasticsearch, services: Services, names: IndexNames) -> None:
    """First run: simulated users browse the API so the ranker has impressions and clicks to learn from."""
    if es.indices.exists(index=names.impressions) and es.count(index=names.impressions)["count"] > 0:
        return
    typer.echo(f"no impressions yet: {SIMULATED_USERS} simulated users browse the API (`tandem simulate`) ...")
    counts = simulate_in_process(settings, es, services, users=SIMULATED_USERS, seed=0)
    typer.echo(f"simulated: {counts}")
    try:
        result = run_training(settings, Model.ranker)
    except NotEnoughDataError as exc:  # a tiny catalog: serve in retrieval order until real traffic comes
        typer.echo(f"{RANKER} not trained yet: {exc}")
        return
    if "skipped" in result:
        typer.echo(f"{RANKER} not published: {result['skipped'][RANKER]}")
    else:
        typer.echo(f"models: published version {result['version']} with the {RANKER}")
