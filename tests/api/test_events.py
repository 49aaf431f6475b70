from __future__ import annotations

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient
from pydantic import SecretStr

from indexer.mappings import IndexNames
from indexer.profiles import get_profile

pytestmark = pytest.mark.es
EVENT = {"user_id": "u-new", "item_id": "t01", "type": "purchase", "timestamp": "2026-11-01T10:00:00Z"}


def test_post_one_or_a_batch_updates_the_profile(client: TestClient, es: Elasticsearch, names: IndexNames) -> None:
    one = client.post("/events", json=EVENT)
    assert one.status_code == 200 and one.json()["stored"] == 1 and one.json()["users_updated"] == 1
    batch = {"events": [{**EVENT, "item_id": "t02", "type": "like"}, {**EVENT, "item_id": "t06", "type": "dislike"}]}
    assert client.post("/events", json=batch).json()["stored"] == 2
    profile = get_profile(es, names, "u-new")
    assert profile is not None and profile["purchased"] == ["t01"] and profile["disliked"] == ["t06"]
    assert profile["category_affinity"]["Kitchen"] == pytest.approx(5.0)  # purchase 3 + like 2, same moment


def test_retries_are_idempotent(client: TestClient, es: Elasticsearch, names: IndexNames) -> None:
    events = [{**EVENT, "event_id": "client-1"}, {**EVENT, "item_id": "t02"}]
    assert client.post("/events", json=events).json()["stored"] == 2
    again = client.post("/events", json=events).json()
    assert (again["stored"], again["duplicates"], again["users_updated"]) == (0, 2, 0)
    assert get_profile(es, names, "u-new")["event_count"] == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"user_id": "u", "item_id": "i", "type": "teleport", "timestamp": 0}, "events[0].type: must be one of"),
        (
            [EVENT, {"user_id": "u", "item_id": "i", "type": "rating", "timestamp": 0}],
            "events[1].value: is required for a rating",
        ),
        ([EVENT, "click"], "events[1]: expected an object"),
        ([], "expected an event object, a non-empty list"),
        ([EVENT] * 1001, "at most 1000 events"),
    ],
)
def test_bad_events_are_422_and_nothing_is_stored(
    client: TestClient, es: Elasticsearch, names: IndexNames, body: object, message: str
) -> None:
    response = client.post("/events", json=body)
    assert response.status_code == 422 and message in response.json()["error"]["message"]
    assert not es.indices.exists(index=names.events) or es.count(index=names.events)["count"] == 0


def test_writes_need_the_api_key_when_set(client: TestClient) -> None:
    client.app.state.services.settings = client.app.state.services.settings.model_copy(
        update={"api_key": SecretStr("s3cret")}
    )
    assert client.post("/events", json=EVENT).status_code == 401
    assert client.post("/events", json=EVENT, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post("/events", json=EVENT, headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.post("/events", json=EVENT, headers={"X-API-Key": "s3cret"}).json()["duplicates"] == 1
    assert client.get("/search", params={"q": "tea"}).status_code == 200  # reads stay open
