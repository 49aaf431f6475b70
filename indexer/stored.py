"""Reading back what the indexer stored (items with text vectors, events, impressions, searches), and
writing item vectors and counters, impressions and search logs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from elasticsearch import Elasticsearch, helpers
from tqdm import tqdm

from indexer.config import IndexerConfig
from indexer.errors import BulkLoadError
from indexer.load import bulk_actions, ensure_index
from indexer.mappings import IndexNames, index_body
from indexer.values import vector_value

EVENT_FIELDS = ["user_id", "item_id", "type", "value", "@timestamp", "request_id", "query", "position"]


def read_items(es: Elasticsearch, index: str) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Every item (without vectors) and its text vector, in one scan.

    Returns:
        (items, text_vectors of shape (len(items), text_dim)).
    """
    items, vectors = [], []
    query = {"query": {"match_all": {}}}
    for hit in helpers.scan(es, index=index, query=query, size=1000, source_excludes=["item_vector"]):
        source = hit["_source"]
        vectors.append(source.pop("text_vector"))
        items.append(source)
    return items, np.asarray(vectors, dtype=np.float32).reshape(len(items), -1)


def _refreshed(es: Elasticsearch, index: str) -> bool:
    """Whether `index` exists; if so, refresh it first. Batch reads (training, simulation) must see
    every write acknowledged before they started, and Elasticsearch makes writes searchable only
    at the next refresh (1 s by default): `tandem up` trained its ranker on zero impressions
    because the simulated traffic's log was still unrefreshed."""
    if not es.indices.exists(index=index):
        return False
    es.indices.refresh(index=index)
    return True


def read_events(es: Elasticsearch, index: str) -> list[dict[str, Any]]:
    """Every stored event (the fields training needs), oldest first."""
    if not _refreshed(es, index):
        return []
    query = {"query": {"match_all": {}}}
    events = [
        hit["_source"] for hit in helpers.scan(es, index=index, query=query, size=5000, source_includes=EVENT_FIELDS)
    ]
    events.sort(key=lambda e: e["@timestamp"])
    return events


def write_item_vectors(
    es: Elasticsearch,
    index: str,
    items: Sequence[Mapping[str, Any]],
    vectors: np.ndarray,
    cfg: IndexerConfig,
    *,
    progress: bool = True,
) -> int:
    """Write `item_vector` in place (partial updates); every per-item result is checked.

    Raises:
        BulkLoadError: some items were not updated; `failed` holds their results.
    """
    docs = {str(item["id"]): {"item_vector": vector_value(vector)} for item, vector in zip(items, vectors)}
    return write_item_fields(es, index, docs, cfg, what="item_vector", progress=progress)


def write_item_fields(
    es: Elasticsearch,
    index: str,
    docs: Mapping[str, Mapping[str, Any]],
    cfg: IndexerConfig,
    *,
    what: str = "item fields",
    progress: bool = True,
) -> int:
    """Partial updates of existing items (item id -> fields), then a refresh; every result is checked.

    Fields missing from the index's mapping (an index built before they existed; the items mapping
    is strict) are added from mappings/items.json first.

    Raises:
        BulkLoadError: some items were not updated; `failed` holds their results.
    """
    names = {name for doc in docs.values() for name in doc}
    mapped = es.indices.get_mapping(index=index)
    known = next(iter(mapped.values()))["mappings"].get("properties", {})
    wanted = index_body("items")["mappings"]["properties"]
    missing = {name: wanted[name] for name in sorted(names - set(known)) if name in wanted}
    if missing:
        es.indices.put_mapping(index=index, properties=missing)
    actions = ({"_op_type": "update", "_index": index, "_id": i, "doc": dict(doc)} for i, doc in docs.items())
    failed = []
    with tqdm(total=len(docs), unit="item", desc=what, disable=not progress) as bar:
        batch_es = es.options(request_timeout=cfg.batch_timeout_s)
        for ok, result in bulk_actions(batch_es, actions, cfg):
            bar.update(1)
            if not ok:
                failed.append(result["update"])
    es.indices.refresh(index=index)
    if failed:
        raise BulkLoadError(f"{what} not written in {index}", failed)
    return len(docs)


def impression_id(doc: Mapping[str, Any]) -> str:
    return f"{doc['request_id']}:{doc['position']}"


def store_impressions(
    es: Elasticsearch,
    names: IndexNames,
    docs: Sequence[Mapping[str, Any]],
    cfg: IndexerConfig,
    *,
    create_index: bool = True,
) -> int:
    """Write impression documents with _id = request_id:position (a retried write is idempotent).
    `create_index=False` skips the index-exists check (the caller knows it exists).

    Raises:
        BulkLoadError: some impressions were not written; `failed` holds their results.
    """
    if not docs:
        return 0
    if create_index:
        ensure_index(es, names.impressions, index_body("impressions"))
    actions = (
        {"_op_type": "index", "_index": names.impressions, "_id": impression_id(doc), "_source": doc} for doc in docs
    )
    failed = [outcome["index"] for ok, outcome in bulk_actions(es, actions, cfg) if not ok]
    if failed:
        raise BulkLoadError(f"impressions not written to {names.impressions}", failed)
    return len(docs)


def read_impressions(es: Elasticsearch, index: str) -> list[dict[str, Any]]:
    """Every stored impression, oldest request first, in shown order within a request."""
    if not _refreshed(es, index):
        return []
    hits = helpers.scan(es, index=index, query={"query": {"match_all": {}}}, size=5000)
    impressions = [hit["_source"] for hit in hits]
    impressions.sort(key=lambda i: (i["@timestamp"], i["request_id"], i["position"]))
    return impressions


def store_search(es: Elasticsearch, names: IndexNames, doc: Mapping[str, Any]) -> None:
    """Write one search-analytics document with _id = request_id (a retried write is idempotent).
    The index is created on first use, like the impressions index."""
    ensure_index(es, names.searches, index_body("searches"))
    es.index(index=names.searches, id=doc["request_id"], document=dict(doc))


def read_searches(es: Elasticsearch, index: str) -> list[dict[str, Any]]:
    """Every logged search, oldest first."""
    if not _refreshed(es, index):
        return []
    searches = [hit["_source"] for hit in helpers.scan(es, index=index, query={"query": {"match_all": {}}}, size=5000)]
    searches.sort(key=lambda s: (s["@timestamp"], s["request_id"]))
    return searches
