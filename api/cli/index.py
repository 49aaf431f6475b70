from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from elasticsearch import Elasticsearch

from api.cli.common import cli_errors, configure_logging
from api.engine import make_client
from api.settings import Settings
from indexer.embedding import TextEncoder
from indexer.load import LoadReport, index_catalog
from indexer.mappings import IndexNames
from ranking.models import current_towers
from ranking.registry import ModelRegistry


def print_report(report: LoadReport, what: str) -> None:
    typer.echo(
        f"{what}: {report.accepted} stored, {report.duplicates} already present, {len(report.rejects)} rejected "
        f"in {report.seconds:.1f} s ({report.rate:.0f}/s) -> {report.target}"
    )
    for reject in report.rejects[:10]:
        typer.echo(f"  rejected {reject}", err=True)
    if len(report.rejects) > 10:
        typer.echo(f"  ... and {len(report.rejects) - 10} more", err=True)
    if report.rejects_path and report.rejects:
        typer.echo(f"rejects: {report.rejects_path}")


def index_with_current_towers(
    es: Elasticsearch, settings: Settings, catalog: Path, encoder: TextEncoder, *, progress: bool = True
) -> LoadReport:
    """Index a catalog; with a trained item tower, every item also gets its item_vector at once."""
    towers = current_towers(ModelRegistry(settings.models_dir))
    return index_catalog(
        es,
        str(catalog),
        encoder,
        IndexNames(settings.index_prefix),
        settings.indexer,
        reports_dir=settings.reports_dir,
        progress=progress,
        item_vector_dims=towers.cfg.dim if towers else settings.towers.dim,
        item_vectorizer=towers.encode_items if towers else None,
    )


def index(
    catalog: Annotated[Path, typer.Argument(help="Catalog file: .jsonl, .csv or .parquet (.gz allowed for text).")],
    strict: Annotated[
        bool, typer.Option(help="Exit 1 if any row was rejected (the good rows are still indexed).")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Index a catalog into a new items index and switch the `items` alias to it."""
    configure_logging()
    settings = Settings()
    with cli_errors():
        encoder = TextEncoder(settings.embedding_model, batch_size=settings.indexer.embed_batch_size)
        report = index_with_current_towers(make_client(settings), settings, catalog, encoder, progress=progress)
    print_report(report, "items")
    if strict and report.rejects:
        raise typer.Exit(1)
