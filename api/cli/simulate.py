"""`tandem simulate`: simulated users browse the API so the ranker has impressions and clicks to learn from."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from api.cli.common import cli_errors, configure_logging
from api.engine import make_client
from api.main import create_app
from api.services import Services, build_services
from api.settings import Settings
from api.simulate import simulate_traffic
from indexer.load import alias_target
from indexer.stored import read_events, read_items
from ranking.errors import NotEnoughDataError


def simulate_in_process(
    settings: Settings, es: Elasticsearch, services: Services, *, users: int, seed: int, progress: bool = True
) -> dict[str, int]:
    """Drive the real app in this process (no server needed): feeds and searches, then reactions."""
    target = alias_target(es, services.names.items)
    if target is None:
        raise NotEnoughDataError("indexed items (run `tandem index` first)", 0, 1)
    items, _ = read_items(es, target)
    events = read_events(es, services.names.events)
    headers = {"X-API-Key": settings.api_key.get_secret_value()} if settings.api_key else {}
    with TestClient(create_app(settings, services=services)) as client:
        return simulate_traffic(
            client, {str(i["id"]): i for i in items}, events, users=users, seed=seed, headers=headers, progress=progress
        )


def simulate(
    users: Annotated[int, typer.Option(min=1, help="Simulated users (each: one feed, one search).")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of every simulated choice.")] = 0,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Simulated users browse the API (position-biased clicks, carts, purchases): impressions + events."""
    configure_logging()
    settings = Settings()
    with cli_errors():
        es = make_client(settings)
        counts = simulate_in_process(
            settings, es, build_services(settings, es=es), users=users, seed=seed, progress=progress
        )
    typer.echo(json.dumps(counts))
