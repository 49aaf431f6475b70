from __future__ import annotations

import json
from enum import Enum
from typing import Annotated

import typer

from api.cli.common import cli_errors, configure_logging
from api.engine import make_client
from api.settings import Settings
from indexer.mappings import IndexNames
from ranking.registry import ModelRegistry
from ranking.towers_job import train_towers_job


class Model(str, Enum):
    all = "all"
    towers = "towers"


def train(
    model: Annotated[Model, typer.Argument(help="Which model to train; 'all' trains every model.")] = Model.all,
    seed: Annotated[int, typer.Option(help="Random seed (same data + seed = same model).")] = 0,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Train models from the events in Elasticsearch and publish a new version under models/."""
    configure_logging()
    settings = Settings()
    with cli_errors():
        entry = run_training(settings, model, seed=seed, progress=progress)
    typer.echo(json.dumps(entry, indent=2, default=str))


def run_training(settings: Settings, model: Model = Model.all, *, seed: int = 0, progress: bool = True) -> dict[str, object]:
    """Every model that exists so far: the two-tower (the ranker joins in its milestone)."""
    names = IndexNames(settings.index_prefix)
    towers_cfg = settings.towers.model_copy(update={"interaction": settings.interactions})  # one definition of events
    entry = train_towers_job(make_client(settings), names.items, names.events, ModelRegistry(settings.models_dir), towers_cfg,
                             seed=seed, progress=progress)  # fmt: skip
    return {"version": entry["version"], "towers": {"metrics": entry["metrics"], "data": entry["data"], "seconds": entry["seconds"]}}
