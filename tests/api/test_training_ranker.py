"""`tandem train ranker`: impressions + events in ES -> a published ranker, only when it beats the shown order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from elasticsearch import Elasticsearch

from api.settings import Settings
from api.training import train_job
from indexer.config import IndexerConfig
from indexer.embedding import TextEncoder
from indexer.load import index_catalog, store_events
from indexer.mappings import IndexNames
from indexer.stored import store_impressions
from ranking.config import RankerConfig
from ranking.models import RANKER, load_ranker
from ranking.ranker import model_file
from ranking.registry import ModelRegistry
from ranking.two_tower import TowerConfig

pytestmark = pytest.mark.es


@pytest.fixture
def indexed_catalog(es: Elasticsearch, encoder: TextEncoder, names: IndexNames, catalog_path: Path) -> None:
    index_catalog(es, str(catalog_path), encoder, names, IndexerConfig(), progress=False)


def _log(es: Elasticsearch, names: IndexNames, planted: bool) -> None:
    """60 requests of 8 shown items. Planted: the click is anywhere and has the top `title_overlap`.
    Otherwise the click is always the first item shown: no model can order better than what was shown."""
    rng = np.random.default_rng(0)
    impressions, events = [], []
    for r in range(60):
        clicked = int(rng.integers(8)) if planted else 0
        overlap = rng.uniform(0, 0.5, 8)
        if planted:
            overlap[clicked] = 0.9
        ts = f"2026-01-01T{r // 60:02d}:{r % 60:02d}:00Z"
        for p in range(8):
            impressions.append(
                {"@timestamp": ts, "request_id": f"r{r}", "endpoint": "search", "source": "ranked", "user_id": "u",
                 "item_id": f"i{r}-{p}", "position": p + 1, "score": 1.0,
                 "features": {"retrieval_rank": float(p), "title_overlap": float(overlap[p])}}
            )  # fmt: skip
        events.append(
            {"event_id": f"e{r}", "user_id": "u", "item_id": f"i{r}-{clicked}", "type": "click",
             "@timestamp": ts, "request_id": f"r{r}", "position": clicked + 1}
        )  # fmt: skip
    store_impressions(es, names, impressions, IndexerConfig())
    store_events(es, names, events, IndexerConfig())
    es.indices.refresh(index=[names.impressions, names.events])


@pytest.mark.parametrize("planted", [True, False], ids=["learnable", "already-best"])
def test_ranker_is_published_only_when_it_beats_the_shown_order(
    es: Elasticsearch, names: IndexNames, settings: Settings, indexed_catalog: None, planted: bool
) -> None:
    _log(es, names, planted)
    registry = ModelRegistry(settings.models_dir)
    cfg = RankerConfig(n_estimators=50, min_data_in_leaf=5)
    result = train_job(es, names, registry, TowerConfig(), IndexerConfig(), ranker_cfg=cfg, components=[RANKER])
    if planted:
        assert RANKER in result and result[RANKER]["metrics"]["valid_ndcg@10"] > 0.9
        assert (registry.current_dir() / RANKER / "model.txt").is_file()
        served = load_ranker(registry.current_dir() / RANKER)  # what HotModel loads: every bag
        assert len(served.boosters) == cfg.bags > 1
        assert all((registry.current_dir() / RANKER / model_file(b)).is_file() for b in range(cfg.bags))
    else:
        assert "not beat the order users were shown" in result["skipped"][RANKER]
        assert registry.current_version() is None
