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
from ranking.training import CF_COMPONENT, COMPONENT, train_job


class Model(str, Enum):
    all = "all"
    towers = "towers"
    cf = "cf"


def train(
    model: Annotated[Model, typer.Argument(help="Which model to train; 'all' trains every model.")] = Model.all,
    seed: Annotated[int, typer.Option(help="Random seed (same data + seed = same model).")] = 0,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Train models from the events in Elasticsearch and publish a new version under models/."""
    configure_logging()
    settings = Settings()
    with cli_errors():
        result = run_training(settings, model, seed=seed, progress=progress)
    typer.echo(json.dumps(result, indent=2, default=str))


def run_training(settings: Settings, model: Model = Model.all, *, seed: int = 0, progress: bool = True) -> dict[str, object]:
    """Train the chosen components (all: the two-tower and the CF neighbours) as one new version."""
    names = IndexNames(settings.index_prefix)
    towers_cfg = settings.towers.model_copy(update={"interaction": settings.interactions})  # one definition of events
    components = [COMPONENT, CF_COMPONENT] if model is Model.all else [model.value]
    result = train_job(make_client(settings), names.items, names.events, ModelRegistry(settings.models_dir), towers_cfg,
                       cf_source=settings.cf_source, components=components, seed=seed, progress=progress)  # fmt: skip
    summary: dict[str, object] = {"version": result["version"]}
    for name in components:
        if name in result:
            summary[name] = {key: result[name].get(key) for key in ("kind", "metrics", "data", "seconds")}
    return summary
