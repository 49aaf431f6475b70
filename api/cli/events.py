from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from elasticsearch import Elasticsearch

from api.cli.common import cli_errors, configure_logging
from api.cli.index import print_report
from api.engine import make_client
from api.settings import Settings
from indexer.load import LoadReport, import_events
from indexer.mappings import IndexNames
from indexer.profiles import update_profiles


def import_events_and_profiles(
    es: Elasticsearch, settings: Settings, file: Path, *, progress: bool = True
) -> LoadReport:
    """Store a file's events and update the profiles of their users (newly stored events only)."""
    names = IndexNames(settings.index_prefix)
    return import_events(
        es,
        str(file),
        names,
        settings.indexer,
        reports_dir=settings.reports_dir,
        progress=progress,
        on_stored=lambda stored: update_profiles(es, names, stored, settings.interactions),
    )


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
        report = import_events_and_profiles(make_client(settings), settings, file, progress=progress)
    print_report(report, "events")
    if strict and report.rejects:
        raise typer.Exit(1)
