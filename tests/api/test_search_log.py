"""Search analytics: every /search leaves one document in the `searches` index, after the response."""

from __future__ import annotations

import logging
import time

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from api import search_log
from api.main import create_app
from api.services import build_services
from api.settings import Settings
from indexer.embedding import TextEncoder
from indexer.mappings import IndexNames
from indexer.stored import read_searches

pytestmark = pytest.mark.es


def _searches(es: Elasticsearch, names: IndexNames, request_id: str) -> list[dict]:
    for _ in range(50):  # written by a background task after the response
        es.options(ignore_status=404).indices.refresh(index=names.searches)
        found = [s for s in read_searches(es, names.searches) if s["request_id"] == request_id]
        if found:
            return found
        time.sleep(0.1)
    return []


def test_a_search_logs_one_document_with_its_figures(client: TestClient, es: Elasticsearch, names: IndexNames) -> None:
    body = client.get("/search", params=[("q", "espresso machine"), ("k", "4"), ("price_max", "500")]).json()
    logged = _searches(es, names, body["request_id"])
    assert len(logged) == 1
    doc = logged[0]
    assert doc["query"] == "espresso machine" and doc["k"] == 4 and doc["results"] == len(body["items"]) == 4
    assert 1 <= doc["lexical_hits"] <= 4  # the espresso machine itself matches BM25; kNN fills the rest
    assert doc["zero_results"] is False and doc["no_lexical_match"] is False
    assert doc["filters"] == {"price_max": 500.0}
    assert doc["personalised"] is False and "user_id" not in doc and "ranker_version" not in doc
    assert 0 < doc["took_ms"] and doc["@timestamp"].endswith("Z")
    assert set(doc) <= set(es.indices.get_mapping(index=names.searches)[names.searches]["mappings"]["properties"])


def test_a_filtered_search_that_returns_nothing_is_logged(
    client: TestClient, es: Elasticsearch, names: IndexNames
) -> None:
    response = client.get("/search", params=[("q", "tent"), ("category", "no-such-category"), ("user_id", "u1")])
    assert response.status_code == 200 and response.json()["items"] == []
    [doc] = _searches(es, names, response.json()["request_id"])
    assert doc["results"] == 0 and doc["lexical_hits"] == 0
    assert doc["zero_results"] is True and doc["no_lexical_match"] is True
    assert doc["filters"] == {"category": ["no-such-category"]} and doc["user_id"] == "u1"


def test_a_query_no_item_matches_lexically_is_flagged(client: TestClient, es: Elasticsearch, names: IndexNames) -> None:
    body = client.get("/search", params={"q": "zzqxv", "k": 3}).json()
    [doc] = _searches(es, names, body["request_id"])
    assert doc["results"] == len(body["items"]) and doc["lexical_hits"] == 0 and doc["no_lexical_match"] is True


def test_log_searches_off_logs_nothing(
    settings: Settings, es: Elasticsearch, encoder: TextEncoder, names: IndexNames, client: TestClient
) -> None:
    quiet = settings.model_copy(update={"log_searches": False})
    app = create_app(quiet, services=build_services(quiet, es=es, encoder=encoder))
    with TestClient(app) as quiet_client:
        quiet_id = quiet_client.get("/search", params={"q": "tea mug"}).json()["request_id"]
    logged_id = client.get("/search", params={"q": "tent"}).json()["request_id"]
    assert _searches(es, names, logged_id)  # written after the quiet one
    assert [s["request_id"] for s in read_searches(es, names.searches)] == [logged_id]
    assert quiet_id != logged_id


def test_a_failed_log_is_a_warning_not_a_failed_request(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(*args: object) -> None:
        raise ConnectionError("engine gone")

    monkeypatch.setattr(search_log, "store_search", refuse)
    with caplog.at_level(logging.WARNING, logger="api.search_log"):
        response = client.get("/search", params={"q": "tea mug"})
    assert response.status_code == 200 and response.json()["items"]
    assert f"could not log search {response.json()['request_id']}: ConnectionError: engine gone" in caplog.text
