"""The API key (writes always, reads on request), CORS, request-size limits, Lucene syntax in user
text, and secrets that never show up in responses, logs or the settings' repr.

The real app over the dev engine, one indexed catalog per module (indexing embeds every item).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.deps import MAX_K, MAX_QUERY_CHARS
from api.main import create_app
from api.routes.events import MAX_BATCH
from api.services import build_services
from api.settings import Settings
from indexer.config import IndexerConfig
from indexer.embedding import TextEncoder
from indexer.load import index_catalog
from indexer.mappings import IndexNames

pytestmark = pytest.mark.es
KEY = "k3y-for-tests-0123456789"
EVENT = {"user_id": "user-sec", "item_id": "t1", "type": "click", "timestamp": "2026-01-01T00:00:00Z"}


@pytest.fixture(scope="module")
def indexed(
    es_url: str, es: Elasticsearch, encoder: TextEncoder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The test catalog indexed once for the module; each test builds its own app over it."""
    names = IndexNames(prefix=f"t{uuid.uuid4().hex[:8]}-")
    index_catalog(es, str(Path(__file__).parents[1] / "data" / "catalog.jsonl"), encoder, names, IndexerConfig(),
                  progress=False)  # fmt: skip
    base = tmp_path_factory.mktemp("sec")
    yield {"elasticsearch_url": es_url, "index_prefix": names.prefix, "data_dir": base / "state",
           "models_dir": base / "models"}  # fmt: skip
    for index in es.indices.get(index=f"{names.prefix}*", expand_wildcards="all"):
        es.options(ignore_status=404).indices.delete(index=index)


@pytest.fixture
def make_client(indexed: dict[str, Any], es: Elasticsearch, encoder: TextEncoder) -> Iterator[Any]:
    """make_client(**settings) -> a TestClient of the real app with those settings."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        settings = Settings(**indexed, **overrides, _env_file=None)
        client = TestClient(create_app(settings, services=build_services(settings, es=es, encoder=encoder)))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _unauthorized(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized" and "API key" in response.json()["error"]["message"]
    assert KEY not in response.text


def test_writes_need_the_key_by_bearer_or_x_api_key(make_client: Any) -> None:
    client = make_client(api_key=KEY)
    for headers in ({}, {"X-API-Key": "wrong"}, {"Authorization": f"Basic {KEY}"}, {"Authorization": "Bearer "}):
        _unauthorized(client.post("/events", json=EVENT, headers=headers))
        _unauthorized(client.post("/admin/reload", headers=headers))
    assert client.post("/events", json=EVENT, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    assert client.post("/events", json=EVENT, headers={"X-API-Key": KEY}).json()["duplicates"] == 1
    assert client.post("/admin/reload", headers={"X-API-Key": KEY}).status_code == 200
    assert client.get("/search", params={"q": "mug"}).status_code == 200  # reads stay open by default


def test_reads_need_the_key_only_when_protected(make_client: Any) -> None:
    reads = ["/search?q=mug", "/suggest?q=mu", "/users/user-0001/feed", "/items/t01",
             "/items/t01/similar", "/metrics"]  # fmt: skip
    client = make_client(api_key=KEY, protect_reads=True)
    for path in reads:
        _unauthorized(client.get(path))
        assert client.get(path, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200, path
    assert client.get("/health").status_code == 200  # probes need no key
    with pytest.raises(ValidationError, match="protect_reads needs api_key"):
        Settings(protect_reads=True, _env_file=None)


def test_cors_is_off_by_default_and_lists_the_configured_origins(make_client: Any) -> None:
    origin = {"Origin": "https://shop.example"}
    off = make_client()
    assert "access-control-allow-origin" not in off.get("/search?q=mug", headers=origin).headers
    on = make_client(cors_origins="https://shop.example, https://admin.example", api_key=KEY)
    assert on.get("/search?q=mug", headers=origin).headers["access-control-allow-origin"] == "https://shop.example"
    refused = on.post("/events", json=EVENT, headers=origin)  # the browser can read the 401 too
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == "https://shop.example"
    preflight = on.options(
        "/events",
        headers={**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key"},
    )
    assert preflight.status_code == 200 and "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
    other = on.get("/search?q=mug", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def _error_code(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["error"]["code"])


def test_request_size_limits(make_client: Any) -> None:
    client = make_client(max_body_bytes=10_000)
    big = [EVENT] * 200  # ~24 KB of JSON
    assert _error_code(client.post("/events", json=big), 413) == "body_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams in
        yield b"["
        for _ in range(200):
            yield b'{"user_id": "u", "item_id": "i", "type": "click", "timestamp": 0},'
        yield b"{}]"

    assert _error_code(client.post("/events", content=chunks()), 413) == "body_too_large"
    long_url = client.get("/search", params={"q": "x", "category": ["c" * 200] * 50})
    assert _error_code(long_url, 414) == "uri_too_long"
    assert _error_code(client.get("/search?q=mug", headers={"X-Filler": "x" * 20_000}), 431) == "headers_too_large"
    assert _error_code(client.get("/search", params={"q": "x" * (MAX_QUERY_CHARS + 1)}), 422) == "invalid_request"
    assert _error_code(client.get("/search", params={"q": "mug", "k": MAX_K + 1}), 422) == "invalid_request"
    assert _error_code(client.get("/suggest", params={"q": "mu", "k": 21}), 422) == "invalid_request"
    roomy = make_client()  # the default 1 MiB holds a full batch; one more event is refused by count
    assert f"at most {MAX_BATCH}" in roomy.post("/events", json=[EVENT] * (MAX_BATCH + 1)).json()["error"]["message"]
    assert client.get("/search", params={"q": "mug"}).status_code == 200


@pytest.mark.parametrize(
    "text", ["title:foo OR *:*", '"unterminated', "\\", "a AND (b OR", "mug~2 ^3 [a TO z] /re/ !-+&&||{}"]
)
def test_lucene_syntax_is_plain_text(make_client: Any, text: str) -> None:
    """User text goes into match/prefix queries only, never a query_string parser: no parse errors, no 4xx/5xx."""
    client = make_client()
    search = client.get("/search", params={"q": text, "k": 50})
    assert search.status_code == 200, search.text
    suggest = client.get("/suggest", params={"q": text})
    assert suggest.status_code == 200, suggest.text


def test_no_query_string_parser_in_the_code() -> None:
    root = Path(__file__).parents[2]
    sources = [p for d in ("api", "ranking", "indexer") for p in (root / d).rglob("*.py")]
    parser = re.compile(r"""["'](simple_)?query_string["']\s*:|[(,]\s*q\s*=""")  # the DSL clause or search(q=...)
    assert [str(p) for p in sources if parser.search(p.read_text())] == []


SECRETS = {"elasticsearch_api_key": "es-api-key-SECRET1", "elasticsearch_password": "es-password-SECRET2",
           "api_key": "tandem-key-SECRET3", "kibana_password": "kibana-password-SECRET4",
           "kibana_api_key": "kibana-key-SECRET5"}  # fmt: skip


def test_settings_repr_hides_secrets() -> None:
    settings = Settings(**SECRETS, elasticsearch_username="elastic", _env_file=None)
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert not any(secret in shown for secret in SECRETS.values()), shown


@pytest.mark.parametrize("credentials", ["api_key", "basic_auth"])
def test_secrets_never_reach_responses_or_logs(
    tmp_path: Path, encoder: TextEncoder, caplog: pytest.LogCaptureFixture, credentials: str
) -> None:
    """A dead engine with credentials configured: startup, failing reads and writes, /health."""
    secrets = dict(SECRETS)
    if credentials == "basic_auth":
        secrets.pop("elasticsearch_api_key")
    settings = Settings(**secrets, elasticsearch_username="elastic", elasticsearch_url="http://127.0.0.1:9",
                        data_dir=tmp_path, models_dir=tmp_path / "models", elasticsearch_max_retries=0,
                        _env_file=None)  # fmt: skip
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(settings, services=build_services(settings, encoder=encoder))) as client:
        key = {"X-API-Key": SECRETS["api_key"]}
        answers = [client.get(path) for path in ("/search?q=mug", "/users/u/feed", "/health", "/items/x", "/docs")]
        answers += [client.post("/events", json=EVENT, headers=h) for h in (key, {"X-API-Key": "wrong"})]
    seen = caplog.text + "".join(r.text + str(r.headers) for r in answers)
    assert any(r.status_code == 503 for r in answers) and caplog.records  # it failed, and said so in the logs
    assert not any(secret in seen for secret in SECRETS.values())
