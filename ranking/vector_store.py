"""Items' vectors for the ranker and MMR, read from Elasticsearch once per stored version of an item
and kept in memory.

Why: the ranker's features and MMR's similarities need each candidate's `item_vector` (64 floats)
and, for `recent_text_similarity`, its `text_vector` (384). Shipped in every search response
they are most of its bytes (an item_vector is ~810 of a hit's ~950 bytes of JSON) and decoding
them is the API's largest cost per feed. A vector changes only when its document is written
again, so the search asks for each hit's `_seq_no`/`_primary_term` instead (`seq_no_primary_term`,
a standard search option) and the store reads a vector (one mget for a request's misses) only
for a document version it has not seen: a retrained tower's vectors, an edited item or a rebuilt
index (its new name is part of the key) are read again at once. Lookups by id alone (the user's
latest items) are validated by age: re-read after `ttl_s`. Bounded: least recently used out first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from elasticsearch import Elasticsearch

from ranking.candidate import Candidate
from ranking.config import RetrievalConfig
from ranking.timing import timed

TEXT_VECTOR = "text_vector"
ITEM_VECTOR = "item_vector"
Stamp = tuple[str, int, int] | None  # (index, _seq_no, _primary_term) of the document version read


def hit_stamp(hit: Mapping[str, Any]) -> Stamp:
    """The stored version a search hit or mget doc comes from, or None when the response lacks it."""
    seq_no, term = hit.get("_seq_no"), hit.get("_primary_term")
    if isinstance(seq_no, int) and isinstance(term, int):
        return str(hit.get("_index", "")), seq_no, term
    return None


class VectorStore:
    """item_id -> one vector field (float32, read-only), from one items index (or alias).

    Example:
        >>> store = VectorStore(es, "items", "text_vector")  # doctest: +SKIP
        >>> store.get(["item-1", "no-such-item"]).keys()  # doctest: +SKIP
        dict_keys(['item-1'])
    """

    def __init__(
        self,
        es: Elasticsearch,
        index: str,
        field: str,
        *,
        max_items: int = 100_000,
        ttl_s: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_items < 1:
            raise ValueError(f"max_items must be at least 1, got {max_items}")
        self.es = es
        self.index = index
        self.field = field
        self.max_items = max_items
        self.ttl_s = ttl_s
        self.clock = clock
        # id -> (read at, the version read, vector or None for "has none")
        self._cache: OrderedDict[str, tuple[float, Stamp, np.ndarray | None]] = OrderedDict()
        self._lock = threading.Lock()  # serving's threads share one store; eviction must not race a lookup

    def get(self, item_ids: Iterable[str]) -> dict[str, np.ndarray]:
        """The vectors of those ids that have one (items without the field, or unknown, are left out).
        By id alone the version is unknown: an entry is trusted for `ttl_s`."""
        ids = list(dict.fromkeys(item_ids))
        now = self.clock()
        stale = [i for i in ids if self._stale(i, None, now)]
        return self._lookup(ids, stale, now)

    def fill(self, hits: Sequence[MutableMapping[str, Any]]) -> None:
        """Put each hit's vector into its `_source`, for hits fresh from a search response (they are
        changed in place). A hit carrying its `_seq_no`/`_primary_term` is served from memory only
        when that is the version read; one without is validated by age, as `get` does."""
        now = self.clock()
        ids = [str(hit["_id"]) for hit in hits]
        stale = [i for i, hit in zip(ids, hits, strict=True) if self._stale(i, hit_stamp(hit), now)]
        found = self._lookup(ids, stale, now)
        for hit, item_id in zip(hits, ids, strict=True):
            if item_id in found:
                hit.setdefault("_source", {})[self.field] = found[item_id]

    def attach(self, candidates: Sequence[Candidate]) -> list[Candidate]:
        """Copies of the candidates whose item carries the vector (where it has one), by id (`get`)."""
        vectors = self.get(c.item_id for c in candidates)
        return [
            replace(c, item={**c.item, self.field: vectors[c.item_id]}) if c.item_id in vectors else c
            for c in candidates
        ]

    def _stale(self, item_id: str, stamp: Stamp, now: float) -> bool:
        """Whether to read the item again: never read, another version than `stamp`, or (no stamp)
        read more than `ttl_s` ago."""
        entry = self._cache.get(item_id)
        if entry is None:
            return True
        return entry[1] != stamp if stamp is not None else now - entry[0] > self.ttl_s

    def _lookup(self, ids: list[str], stale: list[str], now: float) -> dict[str, np.ndarray]:
        if stale:
            self._read(stale, now)
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for item_id in ids:
                entry = self._cache.get(item_id)
                if entry is None:
                    continue
                self._cache.move_to_end(item_id)
                if entry[2] is not None:
                    out[item_id] = entry[2]
        return out

    def _read(self, ids: list[str], now: float) -> None:
        with timed("es"):
            docs = self.es.mget(index=self.index, ids=ids, source_includes=[self.field])["docs"]
        entries = []
        for doc in docs:
            vector = (doc.get("_source") or {}).get(self.field) if doc.get("found") else None
            array = np.asarray(vector, dtype=np.float32) if isinstance(vector, list) and vector else None
            if array is not None:
                array.setflags(write=False)
            entries.append((str(doc["_id"]), (now, hit_stamp(doc), array)))  # a miss is remembered too
        with self._lock:
            for item_id, entry in entries:
                self._cache[item_id] = entry
                self._cache.move_to_end(item_id)
            while len(self._cache) > self.max_items:
                self._cache.popitem(last=False)


def text_vector_store(es: Elasticsearch, index: str, cfg: RetrievalConfig) -> VectorStore | None:
    """The text-vector store serving and evaluation share, sized by cfg.text_vector_cache (None when 0)."""
    return VectorStore(es, index, TEXT_VECTOR, max_items=cfg.text_vector_cache) if cfg.text_vector_cache else None


def item_vector_store(es: Elasticsearch, index: str, cfg: RetrievalConfig) -> VectorStore | None:
    """The item-vector store, sized by cfg.item_vector_cache (None when 0: responses then carry the vectors)."""
    return VectorStore(es, index, ITEM_VECTOR, max_items=cfg.item_vector_cache) if cfg.item_vector_cache else None
