"""Items' text vectors for the ranker, read from Elasticsearch once per item and kept in memory.

Why: the ranker's `recent_text_similarity` compares each candidate's text_vector with those of
the user's latest liked items (content the towers' item vectors blur: a sequel, a film of the
same year and genres). Candidates leave text_vector out of the search response (200 x 384 floats
is ~1 MB of JSON per request); a text vector changes only when the item's text does, so each is
read once (one mget for a request's misses) and kept: bounded (least recently used out first)
and re-read after `ttl_s`, so an edited item is picked up within that time.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import numpy as np
from elasticsearch import Elasticsearch

from ranking.candidate import Candidate
from ranking.config import RetrievalConfig
from ranking.timing import timed

FIELD = "text_vector"


class TextVectorStore:
    """item_id -> text_vector (float32, read-only), from one items index (or alias).

    Example:
        >>> store = TextVectorStore(es, "items")  # doctest: +SKIP
        >>> store.get(["item-1", "no-such-item"]).keys()  # doctest: +SKIP
        dict_keys(['item-1'])
    """

    def __init__(
        self,
        es: Elasticsearch,
        index: str,
        *,
        max_items: int = 100_000,
        ttl_s: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_items < 1:
            raise ValueError(f"max_items must be at least 1, got {max_items}")
        self.es = es
        self.index = index
        self.max_items = max_items
        self.ttl_s = ttl_s
        self.clock = clock
        self._cache: OrderedDict[str, tuple[float, np.ndarray | None]] = OrderedDict()  # id -> (read at, vector)

    def get(self, item_ids: Iterable[str]) -> dict[str, np.ndarray]:
        """The vectors of those ids that have one (items without a text_vector, or unknown, are left out)."""
        ids = list(dict.fromkeys(item_ids))
        now = self.clock()
        stale = [i for i in ids if i not in self._cache or now - self._cache[i][0] > self.ttl_s]
        if stale:
            self._read(stale, now)
        out: dict[str, np.ndarray] = {}
        for item_id in ids:
            entry = self._cache.get(item_id)
            if entry is None:
                continue
            self._cache.move_to_end(item_id)
            if entry[1] is not None:
                out[item_id] = entry[1]
        return out

    def attach(self, candidates: Sequence[Candidate]) -> list[Candidate]:
        """Copies of the candidates whose item carries its text_vector (where it has one)."""
        vectors = self.get(c.item_id for c in candidates)
        return [
            replace(c, item={**c.item, FIELD: vectors[c.item_id]}) if c.item_id in vectors else c for c in candidates
        ]

    def _read(self, ids: list[str], now: float) -> None:
        with timed("es"):
            docs = self.es.mget(index=self.index, ids=ids, source_includes=[FIELD])["docs"]
        for doc in docs:
            vector = (doc.get("_source") or {}).get(FIELD) if doc.get("found") else None
            array = np.asarray(vector, dtype=np.float32) if isinstance(vector, list) and vector else None
            if array is not None:
                array.setflags(write=False)
            self._cache[str(doc["_id"])] = (now, array)  # a miss is remembered too: no re-read per request
            self._cache.move_to_end(str(doc["_id"]))
        while len(self._cache) > self.max_items:
            self._cache.popitem(last=False)


def text_vector_store(es: Elasticsearch, index: str, cfg: RetrievalConfig) -> TextVectorStore | None:
    """The store serving and evaluation share, sized by cfg.text_vector_cache (None when it is 0)."""
    return TextVectorStore(es, index, max_items=cfg.text_vector_cache) if cfg.text_vector_cache else None
