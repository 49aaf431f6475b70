"""Personalisation end to end: events -> profile -> trained towers -> personalised feed and search."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.cli.events import import_events_and_profiles
from api.main import create_app
from api.services import build_services
from api.settings import Settings
from api.training import train_job
from indexer.config import IndexerConfig
from indexer.embedding import TextEncoder
from indexer.load import index_catalog
from indexer.mappings import IndexNames
from ranking.item_stats import trend
from ranking.models import current_towers
from ranking.personal import taste_means
from ranking.registry import ModelRegistry
from ranking.stages import Query
from ranking.two_tower import TowerConfig
from tests.conftest import DATA

pytestmark = pytest.mark.es
TINY = TowerConfig(
    dim=16, hidden=32, id_dim=8, field_dim=8, epochs=4, batch_size=16, validation="none", refit_full=False
)


@pytest.fixture
def trained(
    settings: Settings, es: Elasticsearch, encoder: TextEncoder, names: IndexNames, tmp_path: Path
) -> Iterator[TestClient]:
    settings = settings.model_copy(
        update={"models_dir": tmp_path / "models", "towers": TINY, "model_check_every_s": 0.01}
    )
    index_catalog(
        es, str(DATA / "catalog.jsonl"), encoder, names, IndexerConfig(), progress=False, item_vector_dims=TINY.dim
    )
    import_events_and_profiles(es, settings, DATA / "events.jsonl", progress=False)
    train_job(es, names, ModelRegistry(settings.models_dir), TINY, IndexerConfig(), progress=False)
    with TestClient(create_app(settings, services=build_services(settings, es=es, encoder=encoder))) as client:
        yield client


def test_training_writes_item_vectors_and_publishes_a_version(
    trained: TestClient, es: Elasticsearch, names: IndexNames
) -> None:
    services = trained.app.state.services
    manifest = services.registry.manifest()
    assert manifest["components"]["towers"]["data"]["events"] == 26
    doc = es.get(index=names.items, id="t06", source_includes=["item_vector"])["_source"]
    assert len(doc["item_vector"]) == TINY.dim
    assert services.towers.get().version == manifest["version"]
    assert manifest["components"]["cf"]["kind"] == "swing" and services.cf.get().version == manifest["version"]


def test_known_user_gets_a_personalised_feed_without_what_they_bought(trained: TestClient) -> None:
    body = trained.get("/users/u-coffee/feed", params={"k": 10, "explain": "true"}).json()
    assert body["strategy"] == "personalised"
    ids = [item["id"] for item in body["items"]]
    assert "t01" not in ids  # purchased
    assert body["items"][0]["category"] == ["Kitchen"]  # the top category affinity
    assert {"knn_user", "affinity_category", "cf"} <= set(body["items"][0]["explain"]["retrieval"])


def test_posting_events_changes_the_next_feed(trained: TestClient) -> None:
    before = trained.get("/users/new-hiker/feed", params={"k": 5}).json()
    assert before["strategy"] == "cold_start"
    events = [
        {"user_id": "new-hiker", "item_id": item, "type": "like", "timestamp": "2026-11-20T10:00:00Z"}
        for item in ("t21", "t24")
    ]
    assert trained.post("/events", json=events).json()["stored"] == 2
    after = trained.get("/users/new-hiker/feed", params={"k": 5}).json()
    assert after["strategy"] == "personalised"
    assert [i["id"] for i in after["items"]] != [i["id"] for i in before["items"]]
    assert after["items"][0]["category"] == ["Outdoor"]
    top = after["items"][0]["id"]
    trained.post(
        "/events", json={"user_id": "new-hiker", "item_id": top, "type": "dislike", "timestamp": "2026-11-20T11:00:00Z"}
    )
    assert top not in [i["id"] for i in trained.get("/users/new-hiker/feed", params={"k": 10}).json()["items"]]


def test_search_with_user_id_stays_on_the_query(trained: TestClient) -> None:
    plain = trained.get("/search", params={"q": "running shoes", "k": 3}).json()["items"]
    personal = trained.get(
        "/search", params={"q": "running shoes", "k": 3, "user_id": "u-runner", "explain": "true"}
    ).json()["items"]
    assert all("Shoes" in item["category"] or "running" in item["tags"] for item in personal)
    assert {i["id"] for i in plain} & {i["id"] for i in personal}
    assert "knn_user" in personal[0]["explain"]["retrieval"]


def test_new_item_gets_a_content_vector_and_similar_items(
    trained: TestClient, settings: Settings, es: Elasticsearch, encoder: TextEncoder, names: IndexNames, tmp_path: Path
) -> None:
    towers = current_towers(trained.app.state.services.registry)
    assert towers is not None
    catalog = tmp_path / "more.jsonl"
    catalog.write_text(
        (DATA / "catalog.jsonl").read_text()
        + '{"id": "new-1", "title": "Ultralight Backpacking Tent, 1 Person", "category": "Outdoor", '
        + '"brand": "Unseen Brand"}\n'
    )
    index_catalog(
        es,
        str(catalog),
        encoder,
        names,
        IndexerConfig(),
        progress=False,
        item_vector_dims=TINY.dim,
        item_vectorizer=towers.encode_items,
    )
    vector = es.get(index=names.items, id="new-1", source_includes=["item_vector"])["_source"]["item_vector"]
    assert len(vector) == TINY.dim and abs(sum(x * x for x in vector) - 1.0) < 1e-3
    similar = trained.get("/items/new-1/similar", params={"k": 3}).json()["items"]
    assert len(similar) == 3 and "new-1" not in [i["id"] for i in similar]
    assert trained.get("/items/missing/similar").status_code == 404


def test_personal_carries_the_latest_liked_item_vectors(
    trained: TestClient, es: Elasticsearch, names: IndexNames
) -> None:
    """The ranker's recent_item_similarity needs the stored vectors of what the user liked last."""
    events = [
        {"user_id": "vec-user", "item_id": item, "type": kind, "timestamp": f"2026-11-2{day}T10:00:00Z"}
        for day, (item, kind) in enumerate([("t21", "like"), ("t24", "like"), ("t03", "dislike")])
    ]
    assert trained.post("/events", json=events).json()["stored"] == 3
    personal = trained.app.state.services.users.personal("vec-user")
    docs = {
        i: es.get(index=names.items, id=i, source_includes=["item_vector", "created_at", "price"])["_source"]
        for i in ("t21", "t24")
    }
    stored = {i: doc["item_vector"] for i, doc in docs.items()}
    assert personal is not None and personal.vector is not None
    assert [list(v) for v in personal.recent_vectors] == [pytest.approx(stored["t24"]), pytest.approx(stored["t21"])]
    texts = {i: es.get(index=names.items, id=i, source_includes=["text_vector"])["_source"] for i in docs}
    texts = {i: doc["text_vector"] for i, doc in texts.items()}
    assert [list(v) for v in personal.recent_text_vectors] == [pytest.approx(texts["t24"]), pytest.approx(texts["t21"])]
    # The taste means cover the liked items only (the disliked t03 is not the user's taste).
    assert (personal.recent_created_at, personal.recent_log_price) == pytest.approx(taste_means(list(docs.values())))
    feed = trained.get("/users/vec-user/feed", params={"k": 3}).json()["items"]
    assert feed and all(
        field not in item and field not in (item.get("extra") or {})
        for item in feed
        for field in ("item_vector", "text_vector")  # the ranker's text vectors stay internal too
    )
    # the engine's response leaves item vectors out; the features and MMR get the stored ones from memory
    candidates = trained.app.state.services.feed.retriever.retrieve(Query(user_id="vec-user", personal=personal), 5)
    for candidate in candidates:
        stored = es.get(index=names.items, id=candidate.item_id, source_includes=["item_vector"])["_source"]
        assert list(candidate.item["item_vector"]) == pytest.approx(stored["item_vector"])
    # the response leaves the trend's daily lists out; their summary gives the same trend (serving's
    # requests come after the counts), so the ranker sees the number it was trained with
    served = [c.item.get("daily_positives") for c in candidates]
    full = [es.get(index=names.items, id=c.item_id, source_includes=["daily_positives"])["_source"] for c in candidates]
    assert served and all(set(d) == {"last_day", "total", "before_last"} for d in served)
    now = time.time()
    assert list(trend(served, now)) == pytest.approx(list(trend([d["daily_positives"] for d in full], now)))
    # the counters `tandem train` wrote are served; the daily positives behind the trend stay internal
    assert all("clicks" in item and "daily_positives" not in item for item in feed)
    assert "daily_positives" in es.get(index=names.items, id="t21")["_source"]
    assert "daily_positives" not in trained.get("/items/t21").json()


def test_metrics_name_the_model_versions_being_served(trained: TestClient) -> None:
    version = trained.app.state.services.registry.current_version()
    text = trained.get("/metrics").text
    served = {
        (s.labels["component"], s.labels["version"]): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "tandem_model_info"
    }
    assert version is not None and served[("towers", version)] == 1
