from __future__ import annotations

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from api.main import create_app
from api.services import build_services
from api.settings import Settings
from indexer.embedding import TextEncoder

pytestmark = pytest.mark.es


def test_unknown_user_gets_a_cold_start_feed_spread_over_categories(client: TestClient) -> None:
    body = client.get("/users/nobody-yet/feed", params={"k": 6}).json()
    assert body["strategy"] == "cold_start" and body["user_id"] == "nobody-yet"
    categories = [item["category"][0] for item in body["items"]]
    assert len(categories) == 6 and len(set(categories)) == 6


def test_feed_filters(client: TestClient) -> None:
    items = client.get("/users/u1/feed", params={"k": 10, "category": "Books"}).json()["items"]
    assert {i["id"] for i in items} == {"t17", "t18", "t19", "t20"}


def test_get_item_and_404(client: TestClient) -> None:
    assert client.get("/items/t03").json()["title"] == "Cast Iron Skillet 12-inch"
    missing = client.get("/items/nope")
    assert missing.status_code == 404 and missing.json()["error"]["item_id"] == "nope"


def test_health_reports_alias_target_and_count(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["engine"]["reachable"]
    assert body["items"]["count"] == 30 and body["items"]["index"].startswith(body["items"]["alias"] + "-v")


def test_no_index_yet_is_503_with_reason(settings: Settings, es: Elasticsearch, encoder: TextEncoder) -> None:
    empty = settings.model_copy(update={"index_prefix": settings.index_prefix + "empty-"})
    with TestClient(create_app(empty, services=build_services(empty, es=es, encoder=encoder))) as client:
        health = client.get("/health")
        assert health.status_code == 503 and "does not exist" in health.json()["problems"][0]
        search = client.get("/search", params={"q": "tea"})
        assert search.status_code == 503 and search.json()["error"]["code"] == "no_index"
        assert search.headers["retry-after"]


def test_engine_down_is_503_not_a_stack_trace(settings: Settings, encoder: TextEncoder) -> None:
    from api.engine import free_port, make_client

    down = settings.model_copy(
        update={"elasticsearch_url": f"http://127.0.0.1:{free_port()}", "elasticsearch_timeout_s": 0.5}
    )
    with TestClient(create_app(down, services=build_services(down, es=make_client(down), encoder=encoder))) as client:
        response = client.get("/search", params={"q": "tea"})
        assert response.status_code == 503 and response.json()["error"]["code"] == "engine_unavailable"
        assert "Traceback" not in response.text
        assert client.get("/health").json()["engine"]["reachable"] is False
