"""Shared fixtures.

Integration tests (marker `es`) run against every engine in ENGINES:
- `dev-engine`: the local dev engine (noida-db), started once per session on a free port;
- `elasticsearch`: real Elasticsearch — TANDEM_TEST_ES_URL if set, else a testcontainers
  container when a Docker engine is reachable, else skipped with the reason.
"""

from __future__ import annotations

import os
import uuid

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # implicit (ALS) asks for it; threads fight torch otherwise
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from hypothesis import HealthCheck, settings

from api.engine import DevEngine, make_client
from api.settings import Settings
from indexer.embedding import TextEncoder
from indexer.mappings import IndexNames

DATA = Path(__file__).resolve().parent / "data"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ES_IMAGE = os.environ.get("TANDEM_TEST_ES_IMAGE", "docker.elastic.co/elasticsearch/elasticsearch:8.15.3")
ENGINES = ["dev-engine", "elasticsearch"]

# CI machines are small and shared: judge properties, not how fast examples are generated.
settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


def _docker_unavailable_reason() -> str | None:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception as exc:  # any failure means: no usable Docker engine
        return (
            f"no Docker engine reachable for testcontainers ({type(exc).__name__}); "
            "set TANDEM_TEST_ES_URL to use a running Elasticsearch"
        )
    return None


@pytest.fixture(scope="session", params=ENGINES)
def es_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "dev-engine":
        with DevEngine(tmp_path_factory.mktemp("engine")) as engine:
            yield engine.url
        return
    if url := os.environ.get("TANDEM_TEST_ES_URL"):
        yield url
        return
    if reason := _docker_unavailable_reason():
        pytest.skip(reason)
    from testcontainers.elasticsearch import ElasticSearchContainer

    container = ElasticSearchContainer(ES_IMAGE, mem_limit="2g").with_env("xpack.security.enabled", "false")
    container = container.with_env("ES_JAVA_OPTS", "-Xms1g -Xmx1g")
    with container:
        yield container.get_url()


@pytest.fixture(scope="session")
def es(es_url: str) -> Iterator[Elasticsearch]:
    # serving's client (its serializer included), with a longer timeout
    client = make_client(Settings(_env_file=None, elasticsearch_timeout_s=30), es_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def encoder() -> TextEncoder:
    return TextEncoder("all-MiniLM-L6-v2")


@pytest.fixture
def names(es: Elasticsearch) -> Iterator[IndexNames]:
    """Index names unique to one test, deleted afterwards."""
    names = IndexNames(prefix=f"t{uuid.uuid4().hex[:8]}-")
    yield names
    for index in es.indices.get(index=f"{names.prefix}*", expand_wildcards="all"):  # wildcard deletes are refused
        es.options(ignore_status=404).indices.delete(index=index)


@pytest.fixture
def catalog_path() -> Path:
    return DATA / "catalog.jsonl"
