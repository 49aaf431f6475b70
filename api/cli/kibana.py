"""`tandem kibana setup`: Tandem's data views and dashboard in Kibana."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import cli_errors, configure_logging
from api.kibana import setup_kibana
from api.settings import Settings

app = typer.Typer(no_args_is_help=True, help="Kibana: data views and the Tandem overview dashboard.")


@app.command("setup")
def setup(
    wait: Annotated[
        float, typer.Option(min=0, help="Seconds to keep retrying while Kibana is unreachable or starting.")
    ] = 30.0,
) -> None:
    """Import the data views, visualisations and dashboard into KIBANA_URL (idempotent: fixed ids, overwrite)."""
    configure_logging()
    settings = Settings()
    with cli_errors():
        report = setup_kibana(settings, wait_s=wait)
    typer.echo(f"Kibana at {report.kibana_url}: imported {len(report.imported)} saved objects")
    for kind, object_id, title in report.imported:
        typer.echo(f"  {kind:<13} {object_id:<36} {title}")
    typer.echo(f"Dashboard: {report.dashboard_url}")
