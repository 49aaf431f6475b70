from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from api.cli.common import cli_errors, configure_logging
from api.engine import make_client
from api.settings import Settings
from api.training import train_job
from indexer.mappings import IndexNames
from ranking.models import COMPONENTS
from ranking.registry import ModelRegistry


class Model(StrEnum):
    all = "all"
    towers = "towers"
    cf = "cf"
    ranker = "ranker"


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


def run_training(
    settings: Settings, model: Model = Model.all, *, seed: int = 0, progress: bool = True
) -> dict[str, object]:
    """Train the chosen components (all: the two-tower, the CF neighbours and the ranker) as one new version."""
    names = IndexNames(settings.index_prefix)
    towers_cfg = settings.towers.model_copy(update={"interaction": settings.interactions})  # one definition of events
    components = list(COMPONENTS) if model is Model.all else [model.value]
    result = train_job(
        make_client(settings),
        names,
        ModelRegistry(settings.models_dir),
        towers_cfg,
        settings.indexer,
        cf_source=settings.cf_source,
        ranker_cfg=settings.ranker,
        components=components,
        seed=seed,
        progress=progress,
    )
    summary: dict[str, object] = {
        "version": result["version"],
        **({"skipped": result["skipped"]} if "skipped" in result else {}),
    }
    for name in components:
        if name in result:
            summary[name] = {key: result[name].get(key) for key in ("kind", "metrics", "data", "seconds")}
    return summary
