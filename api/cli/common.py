"""Shared CLI plumbing: logging set-up and turning library errors into a message and exit 1."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from elasticsearch import ApiError, TransportError

from api.engine import EngineError
from api.kibana import KibanaError
from indexer.errors import IndexerError
from ranking.errors import RankingError


def configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("elastic_transport", "httpx", "httpx2", "sentence_transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Known failures print one clear line to stderr and exit 1 (no traceback)."""
    try:
        yield
    except (IndexerError, RankingError, EngineError, KibanaError) as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from exc
    except TransportError as exc:
        typer.secho(f"error: Elasticsearch unreachable: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from exc
    except ApiError as exc:
        typer.secho(
            f"error: Elasticsearch refused the request: {exc.meta.status} {exc.message}", err=True, fg=typer.colors.RED
        )
        raise typer.Exit(1) from exc
