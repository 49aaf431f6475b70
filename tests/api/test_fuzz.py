"""Schemathesis fuzzes every operation in the app's OpenAPI schema against the real app on the dev engine.

Each generated request must get an answer that matches the schema, never a 5xx, and never a stack
trace or an exception class name in the body. The default run is small; `-m slow` goes deeper.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from elasticsearch import Elasticsearch
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.main import create_app
from api.services import build_services
from api.settings import Settings
from indexer.config import IndexerConfig
from indexer.embedding import TextEncoder
from indexer.load import index_catalog
from indexer.mappings import IndexNames

pytestmark = pytest.mark.es
LEAKS = re.compile(r"Traceback|File \"|\b\w+(Error|Exception)\b|elasticsearch\.|site-packages")
CHECKS = dict(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip


@pytest.fixture(scope="module")
def app(
    es_url: str, es: Elasticsearch, encoder: TextEncoder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    names = IndexNames(prefix=f"t{uuid.uuid4().hex[:8]}-")
    index_catalog(es, str(Path(__file__).parents[1] / "data" / "catalog.jsonl"), encoder, names, IndexerConfig(),
                  progress=False)  # fmt: skip
    base = tmp_path_factory.mktemp("fuzz")
    config = Settings(elasticsearch_url=es_url, index_prefix=names.prefix, data_dir=base / "state",
                      models_dir=base / "models", _env_file=None)  # fmt: skip
    yield create_app(config, services=build_services(config, es=es, encoder=encoder))
    asgi.shutdown_lifespans()  # schemathesis started the app's lifespan on its first request
    for index in es.indices.get(index=f"{names.prefix}*", expand_wildcards="all"):
        es.options(ignore_status=404).indices.delete(index=index)


def _operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(app: Any, max_examples: int) -> list[str]:
    """Run every operation's strategy; returns the operations fuzzed (failures raise)."""
    done = []
    for operation in _operations(app):

        @settings(**{**CHECKS, "max_examples": max_examples})
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            # Schema conformance, no 5xx (`not_a_server_error`), ... Schema-valid requests may still get 422:
            # rules across fields (price_min <= price_max) and the event body's own validation.
            response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
            assert response.status_code < 500, response.text
            assert not LEAKS.search(response.text), response.text

        run()
        done.append(operation.label)
    return done


def test_every_operation_answers_within_its_schema(app: Any) -> None:
    fuzzed = _fuzz(app, max_examples=12)
    assert {"GET /search", "GET /suggest", "POST /events", "GET /users/{user_id}/feed"} <= set(fuzzed)


@pytest.mark.slow
def test_every_operation_answers_within_its_schema_deeper(app: Any) -> None:
    _fuzz(app, max_examples=300)


def test_malformed_bodies_are_clean_4xx(app: Any) -> None:
    """What a generator from the schema rarely sends: bytes that are not JSON, wrong content types."""
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        bodies = [b"{", b"\xff\xfe", b"1" * 5000, b"[" * 100_000, b'{"events": "x"}', b"user=1"]
        for body in bodies:
            kind = "application/x-www-form-urlencoded" if body == b"user=1" else "application/json"
            response = client.post("/events", content=body, headers={"Content-Type": kind})
            assert 400 <= response.status_code < 500 and not LEAKS.search(response.text), response.text
            assert response.json()["error"]["message"]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_query_text_gets_a_clean_answer(app: Any, data: st.DataObject) -> None:
    """Query parameters as raw strings (control characters, lone surrogates escaped, Lucene syntax)."""
    from fastapi.testclient import TestClient

    q = data.draw(st.text(min_size=1, max_size=600) | st.sampled_from(["*", "?", "\\", "\x00", "%", "title:(a"]))
    with TestClient(app) as client:
        for path in ("/search", "/suggest"):
            response = client.get(path, params={"q": q})
            assert response.status_code in (200, 422) and not LEAKS.search(response.text), response.text
