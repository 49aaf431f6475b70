"""VectorStore against the engine: reads each item once, bounded, re-read after its TTL or (for
search hits) as soon as the document changes; the retrievers and UserContext hand the vectors to
the ranker's features and MMR."""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from elasticsearch import Elasticsearch

from indexer.mappings import IndexNames
from ranking.candidate import Candidate
from ranking.config import RetrievalConfig
from ranking.features import FEATURE_NAMES, feature_matrix
from ranking.personal import UserContext
from ranking.query import feed_body
from ranking.retrieval import FeedRetriever, with_text_vectors
from ranking.stages import Filters, Personal, Query
from ranking.vector_store import VectorStore, item_vector_store, text_vector_store

VECTORS = {"a": [1.0, 0.0, 0.0], "b": [0.0, 1.0, 0.0], "c": [0.6, 0.8, 0.0]}
COL = FEATURE_NAMES.index("recent_text_similarity")


class CountingES:
    """The real client, counting mget calls (the store's only reads)."""

    def __init__(self, es: Elasticsearch) -> None:
        self.es, self.mgets, self.ids_read = es, 0, []

    def mget(self, **kwargs: Any) -> Any:
        self.mgets += 1
        self.ids_read.extend(kwargs["ids"])
        return self.es.mget(**kwargs)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def index(es: Elasticsearch, names: IndexNames) -> Iterator[str]:
    name = names.items
    es.indices.create(index=name, mappings={"properties": {"text_vector": {"type": "dense_vector", "dims": 3}}})
    for item_id, vector in VECTORS.items():
        es.index(index=name, id=item_id, document={"title": item_id, "text_vector": vector})
    es.index(index=name, id="no-vector", document={"title": "no vector"})
    es.indices.refresh(index=name)
    yield name


def test_reads_each_item_once_and_leaves_out_what_has_no_vector(es: Elasticsearch, index: str) -> None:
    spy = CountingES(es)
    store = VectorStore(spy, index, "text_vector")  # type: ignore[arg-type]
    found = store.get(["a", "no-vector", "missing", "c", "a"])
    assert sorted(found) == ["a", "c"]
    np.testing.assert_allclose(found["c"], VECTORS["c"])
    assert not found["a"].flags.writeable  # shared across requests: read-only
    assert store.get(["c", "missing", "no-vector"]).keys() == {"c"}
    assert spy.mgets == 1 and sorted(spy.ids_read) == ["a", "c", "missing", "no-vector"]  # misses are remembered


def test_rereads_after_the_ttl_and_evicts_the_least_recently_used(es: Elasticsearch, index: str) -> None:
    spy, clock = CountingES(es), Clock()
    store = VectorStore(spy, index, "text_vector", max_items=2, ttl_s=60.0, clock=clock)  # type: ignore[arg-type]
    store.get(["a", "b"])
    store.get(["a"])  # b is now the least recently used
    store.get(["c"])  # evicts b
    assert spy.mgets == 2
    store.get(["a", "c"])
    assert spy.mgets == 2  # both still held
    store.get(["b"])
    assert spy.mgets == 3 and spy.ids_read[-1] == "b"
    clock.now = 61.0
    store.get(["b"])
    assert spy.mgets == 4  # stale: read again


def test_attach_copies_candidates_with_their_vector(es: Elasticsearch, index: str) -> None:
    store = VectorStore(es, index, "text_vector")
    original = [Candidate("b", 2.0, item={"title": "b"}), Candidate("no-vector", 1.0, item={"title": "x"})]
    attached = store.attach(original)
    assert [c.item_id for c in attached] == ["b", "no-vector"]
    np.testing.assert_allclose(attached[0].item["text_vector"], VECTORS["b"])
    assert "text_vector" not in attached[1].item and "text_vector" not in original[0].item  # input untouched


def test_the_ranker_feature_from_attached_vectors(es: Elasticsearch, index: str) -> None:
    store = VectorStore(es, index, "text_vector")
    candidates = store.attach([Candidate("a", 3.0), Candidate("c", 2.0), Candidate("no-vector", 1.0)])
    personal = Personal(recent_text_vectors=(tuple(VECTORS["b"]), (0.0, 0.0, 1.0)))
    column = feature_matrix(Query(personal=personal), candidates, 0.0)[:, COL]
    assert column[:2].tolist() == pytest.approx([0.0, 0.8])  # a is orthogonal to both; c . b = 0.8
    assert math.isnan(column[2])  # no text vector: missing, not zero
    assert np.isnan(feature_matrix(Query(personal=Personal()), candidates, 0.0)[:, COL]).all()


def test_user_context_gives_the_latest_liked_items_vectors_newest_first(es: Elasticsearch, index: str) -> None:
    users = UserContext(
        es,
        "unused",
        index,
        lambda: None,
        RetrievalConfig(),
        None,
        text_vectors=VectorStore(es, index, "text_vector"),  # type: ignore[arg-type]
    )
    recent = [
        {"item_id": "a", "w": 2.0, "ts": 1.0},
        {"item_id": "b", "w": -2.0, "ts": 2.0},  # disliked: not a taste
        {"item_id": "c", "w": 1.0, "ts": 3.0},
        {"item_id": "missing", "w": 1.0, "ts": 4.0},
    ]
    parts = users.model_parts("u", {"recent": recent, "event_count": 4})
    np.testing.assert_allclose(np.array(parts.recent_text_vectors), [VECTORS["c"], VECTORS["a"]])


def test_retrievers_attach_vectors_only_when_the_ranker_can_compare_them(es: Elasticsearch, index: str) -> None:
    spy = CountingES(es)
    store = VectorStore(spy, index, "text_vector")  # type: ignore[arg-type]
    found = [Candidate("a", 1.0)]
    assert with_text_vectors(found, Query(personal=Personal()), store) is found  # no liked items' vectors
    assert with_text_vectors(found, Query(), store) is found and spy.mgets == 0  # unknown user
    liked = Query(personal=Personal(recent_text_vectors=((1.0, 0.0, 0.0),)))
    assert "text_vector" in with_text_vectors(found, liked, store)[0].item
    assert with_text_vectors(found, liked, None) is found  # no store configured


def test_zero_cache_size_turns_the_store_off(es: Elasticsearch) -> None:
    assert text_vector_store(es, "items", RetrievalConfig(text_vector_cache=0)) is None
    assert isinstance(text_vector_store(es, "items", RetrievalConfig()), VectorStore)
    with pytest.raises(ValueError, match="max_items"):
        VectorStore(es, "items", "text_vector", max_items=0)
    assert item_vector_store(es, "items", RetrievalConfig(item_vector_cache=0)) is None
    assert item_vector_store(es, "items", RetrievalConfig()).field == "item_vector"  # type: ignore[union-attr]


# --- item vectors: left out of the response, served from memory while the document is unchanged ---

FEED = RetrievalConfig(feed_popularity_weight=0.0)  # the kNN clause alone: no dates in these documents


@pytest.fixture
def items(es: Elasticsearch, names: IndexNames) -> Iterator[str]:
    name = names.items
    mappings = {"properties": {"item_vector": {"type": "dense_vector", "dims": 3, "similarity": "dot_product"}}}
    es.indices.create(index=name, mappings=mappings)
    for item_id, vector in VECTORS.items():
        es.index(index=name, id=item_id, document={"title": item_id, "item_vector": vector})
    es.index(index=name, id="no-vector", document={"title": "no vector"})
    es.indices.refresh(index=name)
    yield name


def _feed(es: Elasticsearch, index: str, cfg: RetrievalConfig, store: VectorStore | None = None) -> list[Candidate]:
    retriever = FeedRetriever(es, index, cfg, item_vectors=store)
    return retriever.retrieve(Query(user_id="u", personal=Personal(vector=(1.0, 0.0, 0.0))), k=10)


def test_the_feed_gets_item_vectors_from_memory_and_rereads_a_changed_document(es: Elasticsearch, items: str) -> None:
    spy = CountingES(es)
    store = VectorStore(spy, items, "item_vector")  # type: ignore[arg-type]
    body = feed_body(Personal(vector=(1.0, 0.0, 0.0)), Filters(), FEED, 10)
    assert "item_vector" in body["source_excludes"] and body["seq_no_primary_term"] is True
    first = {c.item_id: c.item.get("item_vector") for c in _feed(es, items, FEED, store)}
    assert set(first) == {"a", "b", "c"}  # what kNN finds: the documents with a vector
    np.testing.assert_allclose(first["c"], VECTORS["c"])
    assert spy.mgets == 1
    _feed(es, items, FEED, store)
    assert spy.mgets == 1  # every document unchanged: nothing read
    es.update(index=items, id="b", doc={"item_vector": [0.0, 0.0, 1.0]}, refresh=True)  # e.g. towers retrained
    again = {c.item_id: c.item.get("item_vector") for c in _feed(es, items, FEED, store)}
    np.testing.assert_allclose(again["b"], [0.0, 0.0, 1.0])
    assert spy.mgets == 2 and spy.ids_read[-1:] == ["b"]  # only the changed one


def test_without_the_cache_the_response_carries_the_item_vectors(es: Elasticsearch, items: str) -> None:
    cfg = FEED.model_copy(update={"item_vector_cache": 0})
    body = feed_body(Personal(vector=(1.0, 0.0, 0.0)), Filters(), cfg, 10)
    assert "item_vector" not in body["source_excludes"] and "seq_no_primary_term" not in body
    found = {c.item_id: c.item.get("item_vector") for c in _feed(es, items, cfg)}
    assert found["a"] == pytest.approx(VECTORS["a"]) and isinstance(found["a"], list)  # JSON, from the response


def test_a_hit_without_its_version_is_validated_by_age(es: Elasticsearch, items: str) -> None:
    spy, clock = CountingES(es), Clock()
    store = VectorStore(spy, items, "item_vector", ttl_s=60.0, clock=clock)  # type: ignore[arg-type]
    hits: list[dict[str, Any]] = [{"_id": "a", "_source": {}}, {"_id": "missing"}, {"_id": "no-vector", "_source": {}}]
    store.fill(hits)
    assert hits[0]["_source"]["item_vector"].tolist() == VECTORS["a"]
    assert "_source" not in hits[1] and hits[2]["_source"] == {}  # nothing to give: left as they were
    store.fill([{"_id": "a", "_source": {}}])
    assert spy.mgets == 1
    clock.now = 61.0
    store.fill([{"_id": "a", "_source": {}}])
    assert spy.mgets == 2


def test_threads_sharing_a_small_store_never_trip_over_an_eviction(es: Elasticsearch, index: str) -> None:
    """Serving's threads share one store; with more items than it holds, lookups race evictions."""
    store = VectorStore(es, index, "text_vector", max_items=1, ttl_s=0.0)  # every call reads and evicts
    errors: list[BaseException] = []
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the race needs a switch mid-lookup

    def work(ids: list[str]) -> None:
        try:
            for _ in range(200):
                found = store.get(ids)
                assert set(found) <= {"a", "b", "c"}
        except BaseException as exc:  # noqa: BLE001 - collected for the assert below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(ids,)) for ids in (["a", "b"], ["b", "c"], ["c", "a"], ["a"]) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sys.setswitchinterval(switch)
    assert errors == [] and len(store._cache) <= 1
