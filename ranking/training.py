"""`tandem train`: events and items from Elasticsearch -> models -> a new published version.

Components: `towers` (the two-tower model; its item vectors are written back into the live
items index) and `cf` (Swing or ItemCF item-to-item neighbours, a feed source). Order matters
for consistency: item vectors are written before the version is published, so the API's user
tower (loaded from the published version) meets item vectors from the same run, give or take
the reload interval.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from elasticsearch import Elasticsearch, helpers
from tqdm import tqdm

from ranking.cf import CandidateSource, ItemCF, Swing
from ranking.errors import RankingError, UnknownStageError
from ranking.interactions import InteractionConfig
from ranking.registry import ModelRegistry
from ranking.train_towers import train_towers
from ranking.two_tower import TowerConfig, TwoTowerModel

logger = logging.getLogger(__name__)
COMPONENT = "towers"
CF_COMPONENT = "cf"
CF_SOURCES: dict[str, type[CandidateSource]] = {"swing": Swing, "itemcf": ItemCF}
EVENT_FIELDS = ["user_id", "item_id", "type", "value", "@timestamp"]


class NotEnoughDataError(RankingError):
    """Training needs items and events; says which is missing."""

    def __init__(self, what: str, count: int, needed: int) -> None:
        super().__init__(f"not enough {what} to train: {count} (need at least {needed})")
        self.what = what
        self.count = count
        self.needed = needed

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.what, self.count, self.needed))


def read_items(es: Elasticsearch, items_index: str) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Every item (without vectors) and its text vector, in one scan.

    Returns:
        (items, text_vectors of shape (len(items), text_dim)).
    """
    items, vectors = [], []
    for hit in helpers.scan(es, index=items_index, query={"query": {"match_all": {}}}, size=1000,
                            source_excludes=["item_vector"]):  # fmt: skip
        source = hit["_source"]
        vectors.append(source.pop("text_vector"))
        items.append(source)
    return items, np.asarray(vectors, dtype=np.float32).reshape(len(items), -1)


def read_events(es: Elasticsearch, events_index: str) -> list[dict[str, Any]]:
    """Every stored event (the fields training needs), oldest first."""
    if not es.indices.exists(index=events_index):
        return []
    events = [hit["_source"] for hit in helpers.scan(es, index=events_index, query={"query": {"match_all": {}}},
                                                      size=5000, source_includes=EVENT_FIELDS)]  # fmt: skip
    events.sort(key=lambda e: e["@timestamp"])
    return events


def _updates(index: str, items: Sequence[Mapping[str, Any]], vectors: np.ndarray) -> Iterator[dict[str, Any]]:
    for item, vector in zip(items, vectors):
        yield {"_op_type": "update", "_index": index, "_id": item["id"], "doc": {"item_vector": vector.tolist()}}


def write_item_vectors(es: Elasticsearch, index: str, items: Sequence[Mapping[str, Any]], vectors: np.ndarray,
                       *, progress: bool = True) -> int:  # fmt: skip
    """Bulk-update `item_vector` in place; every per-item result is checked.

    Raises:
        RankingError: some items were not updated (their ids are in the message).
    """
    failed = []
    bar = tqdm(total=len(items), unit="item", desc="item vectors", disable=not progress)
    for ok, result in helpers.streaming_bulk(es, _updates(index, items, vectors), chunk_size=500, raise_on_error=False,
                                             max_retries=5, initial_backoff=0.5, retry_on_status=(429, 502, 503, 504)):  # fmt: skip
        bar.update(1)
        if not ok:
            failed.append(result["update"].get("_id"))
    bar.close()
    es.indices.refresh(index=index)
    if failed:
        raise RankingError(f"item_vector not written for {len(failed)} items, e.g. {failed[:5]}")
    return len(items)


def train_job(es: Elasticsearch, items_alias: str, events_index: str, registry: ModelRegistry, towers_cfg: TowerConfig,
              *, cf_source: str = "swing", components: Sequence[str] = (COMPONENT, CF_COMPONENT), seed: int = 0,
              progress: bool = True) -> dict[str, Any]:  # fmt: skip
    """Train `components` on everything in ES and publish them as one new version.

    Components not named are carried over from the current version.

    Returns:
        {"version": ..., component: manifest entry (config, data window, metrics, seconds)}.

    Raises:
        NotEnoughDataError: no items or too few events.
        UnknownStageError: an unknown component or CF source.
    """
    unknown = [c for c in components if c not in (COMPONENT, CF_COMPONENT)]
    if unknown:
        raise UnknownStageError("model", unknown[0], [COMPONENT, CF_COMPONENT])
    if CF_COMPONENT in components and cf_source not in CF_SOURCES and cf_source != "none":
        raise UnknownStageError("cf source", cf_source, [*CF_SOURCES, "none"])
    target = sorted(es.indices.get_alias(name=items_alias))[-1]
    items, text_vectors = read_items(es, target)
    events = read_events(es, events_index)
    if not items:
        raise NotEnoughDataError("items", 0, 1)
    if len(events) < 10:
        raise NotEnoughDataError("events", len(events), 10)
    data = {"events": len(events), "items": len(items), "first_event": events[0]["@timestamp"], "last_event": events[-1]["@timestamp"]}
    version_dir = registry.new_version()
    entries: dict[str, Any] = {}
    if COMPONENT in components:
        entries[COMPONENT] = _train_towers(es, target, items, text_vectors, events, towers_cfg, version_dir, seed, progress)
        entries[COMPONENT].update(items_index=target, data=data)
    if CF_COMPONENT in components and cf_source != "none":
        entries[CF_COMPONENT] = _fit_cf(events, towers_cfg.interaction, cf_source, version_dir)
        entries[CF_COMPONENT]["data"] = data
    version = registry.publish(version_dir, entries)
    if COMPONENT in entries:
        meta = es.indices.get_mapping(index=target)[target]["mappings"].get("_meta", {})
        es.indices.put_mapping(index=target, meta={**meta, "towers_version": version})
    return {"version": version, **entries}


def _train_towers(es: Elasticsearch, target: str, items: list[dict[str, Any]], text_vectors: np.ndarray, events: list[dict[str, Any]],
                  cfg: TowerConfig, version_dir: Path, seed: int, progress: bool) -> dict[str, Any]:  # fmt: skip
    started = time.perf_counter()
    logger.info("training towers on %d events over %d items", len(events), len(items))
    model, metrics = train_towers(events, items, text_vectors, cfg, seed=seed)
    model.save(version_dir / COMPONENT)
    write_item_vectors(es, target, items, model.encode_items(items, text_vectors), progress=progress)
    return {"kind": "two_tower", "config": cfg.model_dump(), "seed": seed, "metrics": metrics,
            "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip


def _fit_cf(events: list[dict[str, Any]], cfg: InteractionConfig, source: str, version_dir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    model = CF_SOURCES[source](cfg).fit(events)
    model.save(version_dir / CF_COMPONENT)
    (version_dir / CF_COMPONENT / "source.txt").write_text(source + "\n")
    return {"kind": source, "seconds": round(time.perf_counter() - started, 1)}


def load_cf(path: Path) -> CandidateSource:
    """Loader for HotModel: the cf component of a version directory."""
    source = (path / "source.txt").read_text().strip()
    return CF_SOURCES[source].load(path)


def load_towers(path: Path) -> TwoTowerModel:
    """Loader for HotModel: the towers component of a version directory."""
    return TwoTowerModel.load(path)


def current_towers(registry: ModelRegistry) -> TwoTowerModel | None:
    """The published two-tower model, or None before the first training."""
    current = registry.current_dir()
    if current is None or not (current / COMPONENT).is_dir():
        return None
    return load_towers(current / COMPONENT)
