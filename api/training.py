"""`tandem train`: items and events from Elasticsearch -> models -> one new published version.

Every run first counts the item counters the ranker reads (clicks, impressions, positives per
day: `ranking.item_stats`) and writes them onto the items. Components: `towers` (the two-tower
model; its item vectors are written back into the live items index), `cf` (Swing or ItemCF
neighbours, a feed source) and `ranker` (LightGBM on the impression log joined with events;
skipped, with the reason in the result, until the log holds enough requests with a click). Item
vectors are written before the version is published, so the API's user tower (loaded from the
published version) meets item vectors from the same run, give or take the reload interval.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from api.search_eval import replay_ndcg, retrieval_scores
from indexer.config import IndexerConfig
from indexer.load import alias_target
from indexer.mappings import IndexNames
from indexer.stored import read_events, read_impressions, read_items, write_item_fields, write_item_vectors
from ranking.config import RankerConfig
from ranking.errors import NotEnoughDataError, UnknownStageError
from ranking.item_stats import item_stats
from ranking.labels import impressions_training_set
from ranking.models import CF, CF_SOURCES, COMPONENTS, RANKER, TOWERS, save_cf
from ranking.ranker import LightGBMRanker
from ranking.registry import ModelRegistry
from ranking.train_towers import train_towers
from ranking.two_tower import TowerConfig

logger = logging.getLogger(__name__)
MIN_EVENTS = 10
MIN_RANKER_REQUESTS = 30  # requests with at least one click; fewer cannot fit and validate a ranker
RANKER_VALID_SHARE = 0.2  # the latest requests, for early stopping


def train_job(
    es: Elasticsearch,
    names: IndexNames,
    registry: ModelRegistry,
    towers_cfg: TowerConfig,
    indexer_cfg: IndexerConfig,
    *,
    cf_source: str = "swing",
    ranker_cfg: RankerConfig | None = None,
    components: Sequence[str] = COMPONENTS,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, Any]:
    """Train `components` on everything in ES and publish them as one new version.

    Components not named are carried over from the current version.

    Returns:
        {"version": ..., component: manifest entry (config, data window, metrics, seconds)}.

    Raises:
        NotEnoughDataError: no items or too few events.
        UnknownStageError: an unknown component or CF source.
    """
    unknown = [c for c in components if c not in COMPONENTS]
    if unknown:
        raise UnknownStageError("model", unknown[0], list(COMPONENTS))
    if CF in components and cf_source not in CF_SOURCES and cf_source != "none":
        raise UnknownStageError("cf source", cf_source, [*CF_SOURCES, "none"])
    target = alias_target(es, names.items)
    if target is None:
        raise NotEnoughDataError("items", 0, 1)
    items, text_vectors = read_items(es, target)
    events = read_events(es, names.events)
    if not items:
        raise NotEnoughDataError("items", 0, 1)
    if len(events) < MIN_EVENTS:
        raise NotEnoughDataError("events", len(events), MIN_EVENTS)
    data = {
        "events": len(events),
        "items": len(items),
        "first_event": events[0]["@timestamp"],
        "last_event": events[-1]["@timestamp"],
    }
    impressions = read_impressions(es, names.impressions)
    counters = item_stats([str(item["id"]) for item in items], events, impressions, towers_cfg.interaction)
    write_item_fields(es, target, counters, indexer_cfg, what="item counters", progress=progress)
    version_dir = registry.new_version()
    entries: dict[str, Any] = {}
    if TOWERS in components:
        started = time.perf_counter()
        model, metrics = train_towers(events, items, text_vectors, towers_cfg, seed=seed)
        model.save(version_dir / TOWERS)
        vectors = model.encode_items(items, text_vectors)
        write_item_vectors(es, target, items, vectors, indexer_cfg, progress=progress)
        entries[TOWERS] = {
            "kind": "two_tower",
            "config": towers_cfg.model_dump(),
            "seed": seed,
            "metrics": metrics,
            "items_index": target,
            "data": data,
            "seconds": round(time.perf_counter() - started, 1),
        }
    if CF in components and cf_source != "none":
        entries[CF] = _fit_cf(events, towers_cfg, cf_source, version_dir, data)
    skipped: dict[str, str] = {}
    if RANKER in components:
        ranker_entry = _fit_ranker(impressions, events, towers_cfg, ranker_cfg or RankerConfig(), version_dir)
        if "skipped" in ranker_entry:
            skipped[RANKER] = ranker_entry["skipped"]
        else:
            entries[RANKER] = ranker_entry
    if not entries:  # only the ranker was asked for, and nothing is worth publishing
        shutil.rmtree(version_dir, ignore_errors=True)
        if ranker_entry["requests"] < MIN_RANKER_REQUESTS:
            raise NotEnoughDataError("logged requests with a click", ranker_entry["requests"], MIN_RANKER_REQUESTS)
        return {"version": registry.current_version(), "skipped": skipped}
    version = registry.publish(version_dir, entries)
    if TOWERS in entries:
        meta = es.indices.get_mapping(index=target)[target]["mappings"].get("_meta", {})
        es.indices.put_mapping(index=target, meta={**meta, "towers_version": version})
    return {"version": version, **entries, **({"skipped": skipped} if skipped else {})}


def _fit_cf(
    events: list[dict[str, Any]], cfg: TowerConfig, source: str, version_dir: Path, data: dict[str, Any]
) -> dict[str, Any]:
    started = time.perf_counter()
    save_cf(CF_SOURCES[source](cfg.interaction).fit(events), source, version_dir / CF)
    return {"kind": source, "data": data, "seconds": round(time.perf_counter() - started, 1)}


def _fit_ranker(
    impressions: list[dict[str, Any]],
    events: list[dict[str, Any]],
    towers_cfg: TowerConfig,
    cfg: RankerConfig,
    version_dir: Path,
) -> dict[str, Any]:
    """LightGBM on the impression log joined with events; the latest requests validate (early stopping)."""
    started = time.perf_counter()
    data = impressions_training_set(impressions, events, towers_cfg.interaction)
    stats = data.stats.as_dict()
    if len(data) < MIN_RANKER_REQUESTS:
        reason = (
            f"{len(data)} logged requests with a click (of {stats['groups']}); need {MIN_RANKER_REQUESTS}: "
            "serve traffic (or run `tandem simulate`) first"
        )
        logger.warning("ranker not trained: %s", reason)
        return {"skipped": reason, "requests": len(data)}
    cut = len(data) - max(1, round(len(data) * RANKER_VALID_SHARE))  # groups are oldest first
    train, valid = data.subset(range(cut)), data.subset(range(cut, len(data)))
    ranker = LightGBMRanker(cfg).fit(train.X, train.y, train.group, valid.X, valid.y, valid.group)
    # Publish only a ranker that orders the latest requests better than the list users were shown.
    model_ndcg, shown_ndcg = replay_ndcg(valid, ranker.predict(valid.X)), replay_ndcg(valid, retrieval_scores(valid))
    if model_ndcg <= shown_ndcg:
        reason = (
            f"the trained ranker does not beat the order users were shown on the latest {len(valid)} requests "
            f"(NDCG@10 {model_ndcg:.4f} vs {shown_ndcg:.4f}); serving keeps the current order"
        )
        logger.warning("ranker not published: %s", reason)
        return {"skipped": reason, "requests": len(data)}
    ranker.save(version_dir / RANKER)
    return {
        "kind": "lightgbm",
        "config": cfg.model_dump(),
        "metrics": {
            "best_iteration": ranker.best_iteration,
            "validation": ranker.validation,
            "valid_ndcg@10": model_ndcg,
            "valid_ndcg@10_as_shown": shown_ndcg,
        },
        "data": {**stats, "train_requests": len(train), "valid_requests": len(valid)},
        "seconds": round(time.perf_counter() - started, 1),
    }
