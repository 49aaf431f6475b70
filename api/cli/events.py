from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import cli_errors, configure_logging
from api.cli.index import print_report
from api.engine import make_client
from api.settings import Settings
from indexer.load import import_events
from indexer.mappings import IndexNames

app = typer.Typer(no_args_is_help=True, help="Interaction events.")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Events file: .jsonl, .csv or .parquet.")],
    strict: Annotated[bool, typer.Option(help="Exit 1 if any row was rejected.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Store the events of a file (idempotent: events already stored are skipped by event_id)."""
    configure_logging()
    settings = Settings()
    with cli_errors():
        report = import_events(
            make_client(settings), str(file), IndexNames(settings.index_prefix), settings.indexer,
            reports_dir=settings.reports_dir, progress=progress,
        )  # fmt: skip
    print_report(report, "events")
    if strict and report.rejects:
        raise typer.Exit(1)
