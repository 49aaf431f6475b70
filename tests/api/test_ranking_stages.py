"""The second and third stages behind the API: impression logging, the published ranker, explain."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from api.settings import Settings
from api.simulate import simulate_traffic
from indexer.mappings import IndexNames
from indexer.stored import read_events, read_impressions
from ranking.config import RankerConfig
from ranking.features import FEATURE_NAMES
from ranking.labels import impressions_training_set
from ranking.models import RANKER
from ranking.ranker import LightGBMRanker
from ranking.registry import ModelRegistry
from ranking.simulate import ClickModel

pytestmark = pytest.mark.es
DATA = Path(__file__).resolve().parents[1] / "data"


def _impressions(es: Elasticsearch, names: IndexNames, request_id: str) -> list[dict]:
    for _ in range(50):  # written by a background task after the response
        es.options(ignore_status=404).indices.refresh(index=names.impressions)
        found = [i for i in read_impressions(es, names.impressions) if i["request_id"] == request_id]
        if found:
            return found
        time.sleep(0.1)
    return []


def _publish_ranker(settings: Settings, favourite_rank: int) -> LightGBMRanker:
    """A real LightGBM model that learnt 'the item retrieved at position `favourite_rank` is the best'."""
    rng = np.random.default_rng(0)
    n_groups, size = 60, 10
    X = rng.normal(size=(n_groups * size, len(FEATURE_NAMES))).astype(np.float32)
    column = FEATURE_NAMES.index("retrieval_rank")
    X[:, column] = np.tile(np.arange(size), n_groups)
    y = (X[:, column] == favourite_rank).astype(int) * 3
    ranker = LightGBMRanker(RankerConfig(n_estimators=30, min_data_in_leaf=5)).fit(X, y, [size] * n_groups)
    registry = ModelRegistry(settings.models_dir)
    version = registry.new_version()
    ranker.save(version / RANKER)
    registry.publish(version, {RANKER: {"kind": "lightgbm"}})
    return ranker


def test_search_logs_each_shown_item_with_its_feature_row(
    client: TestClient, es: Elasticsearch, names: IndexNames
) -> None:
    body = client.get("/search", params={"q": "espresso machine", "k": 4}).json()
    logged = _impressions(es, names, body["request_id"])
    assert [i["item_id"] for i in logged] == [item["id"] for item in body["items"]]
    assert [i["position"] for i in logged] == [1, 2, 3, 4]
    first = logged[0]
    assert first["endpoint"] == "search" and first["query"] == "espresso machine" and first["source"] == "ranked"
    assert set(first["features"]) <= set(FEATURE_NAMES)
    assert first["features"]["is_search"] == 1.0 and first["features"]["retrieval_rank"] == 0.0
    assert first["features"]["n_candidates"] > 4  # chosen from the whole candidate set, not the page


def test_feed_logs_cold_start_fill_as_such(client: TestClient, es: Elasticsearch, names: IndexNames) -> None:
    body = client.get("/users/nobody/feed", params={"k": 3}).json()
    logged = _impressions(es, names, body["request_id"])
    assert len(logged) == 3 and {i["source"] for i in logged} == {"cold_start"} and logged[0]["user_id"] == "nobody"


def test_published_ranker_reorders_and_explains(client: TestClient, settings: Settings) -> None:
    before = client.get("/search", params={"q": "wireless", "k": 5, "explain": "true"}).json()["items"]
    assert before[0]["explain"]["ranker"]["model"] == "none (retrieval order)"
    assert [i["explain"]["ranker"]["retrieval_rank"] for i in before][:1] == [0.0]
    _publish_ranker(settings, favourite_rank=2)
    client.post("/admin/reload")
    after = client.get("/search", params={"q": "wireless", "k": 5, "explain": "true"}).json()["items"]
    assert after[0]["id"] == before[2]["id"]  # the model's favourite retrieval position comes first
    ranker = after[0]["explain"]["ranker"]
    assert ranker["model"] == "lightgbm" and ranker["retrieval_rank"] == 2.0
    assert "retrieval_rank" in ranker["top_contributions"]
    assert {"mmr_penalty", "mmr_score", "rules"} <= set(after[0]["explain"]["rerank"])
    assert {"bm25", "knn_text"} <= set(after[0]["explain"]["retrieval"])
    # Serving compiles the loaded trees in the background (TANDEM_RANKER__COMPILE, on by default);
    # once they are, the order is the same.
    loaded = client.app.state.services.ranker.get().model
    for _ in range(300):
        if loaded.compiled is not None:
            break
        time.sleep(0.1)
    assert loaded.compiled is not None
    again = client.get("/search", params={"q": "wireless", "k": 5}).json()["items"]
    assert [i["id"] for i in again] == [i["id"] for i in after]


def test_ranker_with_other_features_is_refused_and_retrieval_order_kept(
    client: TestClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    before = [i["id"] for i in client.get("/search", params={"q": "wireless", "k": 5}).json()["items"]]
    _publish_ranker(settings, favourite_rank=2)
    registry = ModelRegistry(settings.models_dir)
    manifest_path = registry.current_dir() / RANKER / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["features"] = [*manifest["features"][:-1], "a_feature_serving_does_not_have"]
    manifest_path.write_text(json.dumps(manifest))
    client.post("/admin/reload")
    after = [i["id"] for i in client.get("/search", params={"q": "wireless", "k": 5}).json()["items"]]
    assert after == before
    assert "a_feature_serving_does_not_have" in caplog.text


def test_simulated_users_produce_joinable_impressions_and_clicks(
    client: TestClient, es: Elasticsearch, names: IndexNames
) -> None:
    """The loop the ranker learns from: requests log impressions, reactions carry their request_id."""
    items = {str(i["id"]): i for i in map(json.loads, (DATA / "catalog.jsonl").read_text().splitlines())}
    events = [json.loads(line) for line in (DATA / "events.jsonl").read_text().splitlines()]
    eager = ClickModel(position_decay=0.0, base_attraction=0.5)  # every item examined, many clicks
    counts = simulate_traffic(client, items, events, users=3, k=5, seed=1, click_model=eager, progress=False)
    assert counts["requests"] >= 3 and counts["click"] > 0
    client.app.state.services.impressions.flush()  # what the writer's thread does within a second
    es.indices.refresh(index=[names.events, names.impressions])
    stored = [e for e in read_events(es, names.events) if e.get("request_id")]
    assert len(stored) == sum(v for k, v in counts.items() if k not in ("requests", "shown"))
    data = impressions_training_set(read_impressions(es, names.impressions), stored)
    assert len(data) >= 1 and data.y.max() >= 2 and data.stats.groups == counts["requests"]
