from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn

from api.cli.common import cli_errors, configure_logging
from api.engine import resolve_url
from api.main import create_app
from api.settings import Settings


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address. Default: TANDEM_HOST or 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option(help="Port. Default: TANDEM_PORT or 8000.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="API processes (uvicorn workers), each with its own spool. Default: TANDEM_WORKERS."),
    ] = None,
) -> None:
    """Run the API alone, against ELASTICSEARCH_URL (or the running dev engine)."""
    configure_logging()
    settings = Settings()
    with cli_errors():
        settings = settings.model_copy(update={"elasticsearch_url": resolve_url(settings)})
    bind = {"host": host or settings.host, "port": port or settings.port, "log_level": "info"}
    workers = workers or settings.workers
    if workers == 1:
        uvicorn.run(create_app(settings), **bind)
        return
    # Each worker builds its app from the environment, so the engine this command found goes there.
    os.environ["ELASTICSEARCH_URL"] = str(settings.elasticsearch_url)
    uvicorn.run("api.main:create_app", factory=True, workers=workers, **bind)
