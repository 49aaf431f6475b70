from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import cli_errors, configure_logging
from api.engine import make_client
from api.settings import Settings
from indexer.embedding import TextEncoder
from indexer.load import LoadReport, index_catalog
from indexer.mappings import IndexNames


def print_report(report: LoadReport, what: str) -> None:
    typer.echo(
        f"{what}: {report.accepted} stored, {report.duplicates} already present, {len(report.rejects)} rejected "
        f"in {report.seconds:.1f} s ({report.rate:.0f}/s) -> {report.target}"
    )
    for reject in report.rejects[:10]:
        typer.echo(f"  rejected {reject}", err=True)
    if len(report.rejects) > 10:
        typer.echo(f"  ... and {len(report.rejects) - 10} more", err=True)
    if report.rejects_path:
        typer.echo(f"rejects: {report.rejects_path}")


def index(
    catalog: Annotated[Path, typer.Argument(help="Catalog file: .jsonl, .csv or .parquet (.gz allowed for text).")],
    strict: Annotated[bool, typer.Option(help="Exit 1 if any row was rejected (the good rows are still indexed).")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Index a catalog into a new items index and switch the `items` alias to it."""
    configure_logging()
    settings = Settings()
    with cli_errors():
        report = index_catalog(
            make_client(settings),
            str(catalog),
            TextEncoder(settings.embedding_model, batch_size=settings.indexer.embed_batch_size),
            IndexNames(settings.index_prefix),
            settings.indexer,
            reports_dir=settings.reports_dir,
            progress=progress,
        )
    print_report(report, "items")
    if strict and report.rejects:
        raise typer.Exit(1)
