"""`tandem train`: items and events from Elasticsearch -> models -> one new published version.

Components: `towers` (the two-tower model; its item vectors are written back into the live
items index) and `cf` (Swing or ItemCF neighbours, a feed source). Item vectors are written
before the version is published, so the API's user tower (loaded from the published version)
meets item vectors from the same run, give or take the reload interval.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from indexer.config import IndexerConfig
from indexer.load import alias_target
from indexer.mappings import IndexNames
from indexer.stored import read_events, read_items, write_item_vectors
from ranking.errors import NotEnoughDataError, UnknownStageError
from ranking.models import CF, CF_SOURCES, COMPONENTS, TOWERS, save_cf
from ranking.registry import ModelRegistry
from ranking.train_towers import train_towers
from ranking.two_tower import TowerConfig

logger = logging.getLogger(__name__)
MIN_EVENTS = 10


def train_job(
    es: Elasticsearch,
    names: IndexNames,
    registry: ModelRegistry,
    towers_cfg: TowerConfig,
    indexer_cfg: IndexerConfig,
    *,
    cf_source: str = "swing",
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
    version = registry.publish(version_dir, entries)
    if TOWERS in entries:
        meta = es.indices.get_mapping(index=target)[target]["mappings"].get("_meta", {})
        es.indices.put_mapping(index=target, meta={**meta, "towers_version": version})
    return {"version": version, **entries}


def _fit_cf(
    events: list[dict[str, Any]], cfg: TowerConfig, source: str, version_dir: Path, data: dict[str, Any]
) -> dict[str, Any]:
    started = time.perf_counter()
    save_cf(CF_SOURCES[source](cfg.interaction).fit(events), source, version_dir / CF)
    return {"kind": source, "data": data, "seconds": round(time.perf_counter() - started, 1)}
