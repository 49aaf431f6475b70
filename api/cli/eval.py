from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import cli_errors, configure_logging
from api.cli.up import DEMO_DIR
from api.engine import make_client
from api.evaluation import REPLAY_FOLDS, describe_ranker, evaluate_all, format_sweep, format_table, save_report
from api.settings import Settings

KS = (10, 50, 200)


def evaluate(
    catalog: Annotated[Path, typer.Option(help="Catalog file. Default: the demo catalog.")] = DEMO_DIR
    / "catalog.jsonl",
    events: Annotated[Path, typer.Option(help="Events file (DESIGN.md format). Default: the demo events.")] = DEMO_DIR
    / "events.jsonl",
    holdout: Annotated[int, typer.Option(min=1, help="Positives held out per user (the latest ones).")] = 5,
    out: Annotated[
        Path | None, typer.Option(help="Where eval.json, eval.png and eval_mmr.png go. Default: TANDEM_DATA_DIR/eval.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Training seed.")] = 0,
    ranker: Annotated[
        bool,
        typer.Option(
            help="Train the feed ranker on feeds replayed at up to four time cuts of the training events; "
            "score ranker and MMR rows."
        ),
    ] = True,
    tune_ranker: Annotated[
        bool,
        typer.Option(
            help="Choose the ranker's hyper-parameters on a 20% validation share of its users (49 fits) "
            "instead of choosing its trees on the newer cut."
        ),
    ] = False,
    replay_folds: Annotated[
        int,
        typer.Option(
            min=1,
            help="User folds per replay cut, each replayed in a state trained without its users' futures "
            "(1: the cut's own state). Each fold is one tower fit per cut.",
        ),
    ] = REPLAY_FOLDS,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Compare popularity, ItemCF, Swing, ALS, the two-tower and the full feed (retrieval order, + LightGBM
    ranker, + MMR, through ES) on a temporal split, with an MMR lambda sweep."""
    configure_logging()
    settings = Settings()
    with cli_errors():
        report = evaluate_all(
            settings,
            make_client(settings),
            catalog,
            events,
            n_holdout=holdout,
            ks=KS,
            seed=seed,
            ranker=ranker,
            tune_ranker=tune_ranker,
            replay_folds=replay_folds,
            progress=progress,
        )
    paths = save_report(report, out or settings.data_dir / "eval", KS)
    typer.echo(format_table(report["methods"], KS))
    if sweep := format_sweep(report):
        typer.echo("\nMMR lambda sweep (top 10):\n" + sweep)
    if about := describe_ranker(report):
        typer.echo("\n" + about)
    typer.echo(f"\n{report['data']['users_evaluated']} users; results: {', '.join(str(p) for p in paths)}")
