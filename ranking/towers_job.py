"""`tandem train towers`: events and items from Elasticsearch -> two-tower model -> item vectors
back into Elasticsearch -> a new published model version.

Order matters for consistency: item vectors are written to the live index before the new
version is published, so the API's user tower (loaded from the published version) always
meets item vectors from the same training run, give or take the reload interval.
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

from ranking.errors import RankingError
from ranking.registry import ModelRegistry
from ranking.train_towers import train_towers
from ranking.two_tower import TowerConfig, TwoTowerModel

logger = logging.getLogger(__name__)
COMPONENT = "towers"
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


def train_towers_job(es: Elasticsearch, items_alias: str, events_index: str, registry: ModelRegistry, cfg: TowerConfig,
                     *, seed: int = 0, progress: bool = True) -> dict[str, Any]:  # fmt: skip
    """Train on everything in ES, write item vectors to the live items index, publish a version.

    Returns:
        The manifest entry of the towers component (config, data window, metrics, version).

    Raises:
        NotEnoughDataError: no items or too few events.
    """
    started = time.perf_counter()
    target = sorted(es.indices.get_alias(name=items_alias))[-1]
    items, text_vectors = read_items(es, target)
    events = read_events(es, events_index)
    if not items:
        raise NotEnoughDataError("items", 0, 1)
    if len(events) < 10:
        raise NotEnoughDataError("events", len(events), 10)
    logger.info("training towers on %d events over %d items", len(events), len(items))
    model, metrics = train_towers(events, items, text_vectors, cfg, seed=seed)
    version_dir = registry.new_version()
    model.save(version_dir / COMPONENT)
    vectors = model.encode_items(items, text_vectors)
    write_item_vectors(es, target, items, vectors, progress=progress)
    entry = {
        "kind": "two_tower",
        "config": cfg.model_dump(),
        "seed": seed,
        "items_index": target,
        "data": {"events": len(events), "items": len(items), "first_event": events[0]["@timestamp"],
                 "last_event": events[-1]["@timestamp"]},  # fmt: skip
        "metrics": metrics,
        "seconds": round(time.perf_counter() - started, 1),
    }
    version = registry.publish(version_dir, {COMPONENT: entry})
    meta = es.indices.get_mapping(index=target)[target]["mappings"].get("_meta", {})
    es.indices.put_mapping(index=target, meta={**meta, "towers_version": version})
    return {**entry, "version": version}


def load_towers(path: Path) -> TwoTowerModel:
    """Loader for HotModel: the towers component of a version directory."""
    return TwoTowerModel.load(path)


def current_towers(registry: ModelRegistry) -> TwoTowerModel | None:
    """The published two-tower model, or None before the first training."""
    current = registry.current_dir()
    if current is None or not (current / COMPONENT).is_dir():
        return None
    return load_towers(current / COMPONENT)
