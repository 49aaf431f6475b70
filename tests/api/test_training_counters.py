"""`tandem train` writes the item counters the ranker reads (clicks, impressions, positives per day)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from api.settings import Settings
from api.training import train_job
from indexer.config import IndexerConfig
from indexer.embedding import TextEncoder
from indexer.events import validate_event
from indexer.load import alias_target, index_catalog, store_events
from indexer.mappings import IndexNames
from indexer.stored import store_impressions
from ranking.interactions import event_timestamp
from ranking.item_stats import day_number
from ranking.models import CF
from ranking.registry import ModelRegistry
from ranking.two_tower import TowerConfig
from tests.conftest import DATA

pytestmark = pytest.mark.es


def test_train_writes_clicks_impressions_and_daily_positives(
    es: Elasticsearch, names: IndexNames, settings: Settings, encoder: TextEncoder, catalog_path: Path
) -> None:
    index_catalog(es, str(catalog_path), encoder, names, IndexerConfig(), progress=False)
    events = [validate_event(json.loads(line)) for line in (DATA / "events.jsonl").read_text().splitlines()]
    answer = {
        "event_id": "answer",
        "user_id": "u",
        "item_id": "t01",
        "type": "click",
        "timestamp": 1767225700,
        "request_id": "r1",
    }
    events.append(validate_event(answer))  # a click on a logged impression; the file's clicks answer none
    store_events(es, names, events, IndexerConfig())
    shown = [
        {"@timestamp": "2026-01-01T00:00:00Z", "request_id": "r1", "endpoint": "feed", "source": "ranked",
         "user_id": "u", "item_id": item_id, "position": p + 1, "score": 1.0, "features": {}}
        for p, item_id in enumerate(["t01", "t02", "t01"])
    ]  # fmt: skip
    store_impressions(es, names, shown, IndexerConfig())
    train_job(es, names, ModelRegistry(settings.models_dir), TowerConfig(), IndexerConfig(), components=[CF])

    target = alias_target(es, names.items)
    t01 = es.get(index=target, id="t01")["_source"]
    on_t01 = [e for e in events if e["item_id"] == "t01"]
    assert t01["clicks"] == 1 < sum(e["type"] == "click" for e in on_t01)
    assert t01["impressions"] == 2
    positives = [e for e in on_t01 if e["type"] in {"click", "add_to_cart", "purchase", "like"}]
    assert sum(t01["daily_positives"]["count"]) == len(positives) > 0
    assert t01["daily_positives"]["day"][0] == day_number(min(event_timestamp(e) for e in positives))
    catalog = [json.loads(line)["id"] for line in catalog_path.read_text().splitlines()]
    untouched = sorted(set(catalog) - {e["item_id"] for e in events})[0]
    never = es.get(index=target, id=untouched)["_source"]
    assert (never["clicks"], never["impressions"], never["daily_positives"]["day"]) == (0, 0, [])
