from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.es


def test_search_returns_matching_items_first_with_ids_and_timing(client: TestClient) -> None:
    response = client.get("/search", params={"q": "espresso machine", "k": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["items"][0]["id"] == "t01" and body["items"][0]["title"].startswith("Espresso")
    assert len(body["items"]) == 5 and all("score" in item for item in body["items"])
    assert body["request_id"] == response.headers["x-request-id"]
    stages = {part.split(";")[0] for part in response.headers["server-timing"].split(", ")}
    assert {"encode", "es", "retrieve", "total"} <= stages


def test_explain_shows_clause_scores(client: TestClient) -> None:
    items = client.get("/search", params={"q": "tea mug", "explain": "true"}).json()["items"]
    assert items[0]["id"] == "t04"
    assert {"bm25", "knn_text"} <= set(items[0]["explain"]["retrieval"])
    assert "explain" not in client.get("/search", params={"q": "tea mug"}).json()["items"][0]


def test_filters(client: TestClient) -> None:
    items = client.get("/search", params=[("q", "shoes"), ("category", "Shoes"), ("price_max", "100")]).json()["items"]
    assert items and all("Shoes" in i["category"] and i["price"] <= 100 for i in items)
    items = client.get("/search", params=[("q", "wireless"), ("brand", "aurion"), ("brand", "voltline")]).json()[
        "items"
    ]
    assert {i["brand"] for i in items} <= {"Aurion", "Voltline"} and len(items) == 5


def test_incoming_request_id_is_kept(client: TestClient) -> None:
    response = client.get("/search", params={"q": "tent"}, headers={"X-Request-ID": "abc-123"})
    assert response.json()["request_id"] == "abc-123"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "q: Field required"),
        ({"q": "   "}, "q: must contain more than whitespace"),
        ({"q": "x" * 513}, "q: String should have at most 512 characters"),
        ({"q": "tea", "k": 0}, "k: Input should be greater than or equal to 1"),
        ({"q": "tea", "k": 101}, "k: Input should be less than or equal to 100"),
        ({"q": "tea", "k": "ten"}, "k: Input should be a valid integer"),
        ({"q": "tea", "price_min": 5, "price_max": 1}, "price_min (5) is above price_max (1)"),
    ],
)
def test_bad_parameters_get_422_with_a_message(client: TestClient, params: dict, message: str) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == 422
    body = response.json()
    assert message in body["error"]["message"] and body["request_id"]


def test_suggest_completes_titles(client: TestClient) -> None:
    suggestions = client.get("/suggest", params={"q": "mecha"}).json()["suggestions"]
    assert suggestions[0]["id"] == "t11"
