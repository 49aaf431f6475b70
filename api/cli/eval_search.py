"""`tandem eval-search FOLDER`: search quality (BM25, kNN, hybrid, + LightGBM, + MMR) on a BEIR folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import cli_errors, configure_logging
from api.engine import make_client
from api.search_eval import describe, evaluate_search, format_search_table, save_search_report
from api.settings import Settings
from ranking.replay import DEFAULT_DEPTH


def eval_search(
    folder: Annotated[
        Path, typer.Argument(help="BEIR folder: corpus.jsonl, queries.jsonl, qrels/*.tsv (every split is used).")
    ],
    held_out: Annotated[float, typer.Option(min=0.01, max=0.99, help="Share of judged queries held out.")] = 0.25,
    validation: Annotated[
        float, typer.Option(min=0.0, max=0.9, help="Share of the train queries used for early stopping (and --tune).")
    ] = 0.2,
    depth: Annotated[int, typer.Option(min=1, max=1000, help="Candidates per request (replay and evaluation).")] = (
        DEFAULT_DEPTH
    ),
    max_queries: Annotated[
        int | None, typer.Option(min=2, help="Use at most this many judged queries (a seeded sample).")
    ] = None,
    tune: Annotated[bool, typer.Option(help="Pick the ranker's hyper-parameters on the validation split.")] = False,
    separate_baselines: Annotated[
        bool, typer.Option(help="BM25 and kNN as requests of their own (default: the hybrid candidates by clause).")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the query splits.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Where eval_search.json/.md go. Default: TANDEM_DATA_DIR/eval.")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Index a BEIR folder under a throw-away prefix, train the ranker on the train queries' clicks, and
    compare BM25, text kNN, hybrid, + LightGBM and + MMR by NDCG@10 on the held-out queries."""
    configure_logging()
    settings = Settings()
    if not folder.is_dir():
        typer.secho(f"error: {folder}: no such folder", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)
    with cli_errors():
        try:
            report = evaluate_search(
                settings,
                make_client(settings),
                folder,
                held_out=held_out,
                validation=validation,
                seed=seed,
                depth=depth,
                max_queries=max_queries,
                tune=tune,
                separate_baselines=separate_baselines,
                progress=progress,
            )
        except (ValueError, FileNotFoundError) as exc:
            typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
            raise typer.Exit(1) from exc
    json_path, md_path = save_search_report(report, out or settings.data_dir / "eval")
    typer.echo(format_search_table(report))
    typer.echo(f"\n{describe(report)}\nresults: {json_path}, {md_path}")
