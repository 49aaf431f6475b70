"""From a user id to what personalises a request: exclusions, affinity boosts, the user vector."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from elasticsearch import Elasticsearch

from ranking.config import RetrievalConfig
from ranking.registry import Loaded
from ranking.stages import Personal
from ranking.timing import timed

SECONDS_PER_DAY = 86_400.0


class UserEncoder(Protocol):
    def encode_user(self, history_vectors: np.ndarray, weights: np.ndarray, ages_days: np.ndarray) -> np.ndarray: ...


def top_boosts(affinity: dict[str, float], n: int) -> dict[str, float]:
    """The n strongest positive affinities, scaled so the strongest is 1."""
    positive = sorted(((v, k) for k, v in affinity.items() if v > 0), reverse=True)[:n]
    if not positive:
        return {}
    top = positive[0][0]
    return {name: round(value / top, 4) for value, name in positive}


class UserContext:
    """Builds a request's Personal from the users index and the current user tower.

    User vectors are cached per (user, event count, model version): a new event or a new model
    gives a new key, so the cache never serves a stale vector.
    """

    def __init__(self, es: Elasticsearch, users_index: str, items_index: str, towers: Callable[[], Loaded[Any] | None],
                 cfg: RetrievalConfig, *, cache_size: int = 10_000) -> None:  # fmt: skip
        self.es = es
        self.users_index = users_index
        self.items_index = items_index
        self.towers = towers
        self.cfg = cfg
        self.cache_size = cache_size
        self._vectors: OrderedDict[tuple[str, int, str], list[float] | None] = OrderedDict()

    def profile(self, user_id: str) -> dict[str, Any] | None:
        with timed("es"):
            response = self.es.options(ignore_status=404).get(index=self.users_index, id=user_id)
        return dict(response["_source"]) if response.get("found") else None

    def personal(self, user_id: str) -> Personal | None:
        """None for a user with no profile (cold start)."""
        profile = self.profile(user_id)
        if profile is None:
            return None
        return Personal(
            vector=self.vector(user_id, profile),
            categories=top_boosts(profile.get("category_affinity") or {}, self.cfg.affinity_top_n),
            brands=top_boosts(profile.get("brand_affinity") or {}, self.cfg.affinity_top_n),
            exclude_ids=tuple(dict.fromkeys([*profile.get("disliked", []), *profile.get("purchased", [])])),
        )

    def vector(self, user_id: str, profile: dict[str, Any]) -> list[float] | None:
        towers = self.towers()
        if towers is None:
            return None
        key = (user_id, int(profile.get("event_count", 0)), towers.version)
        if key in self._vectors:
            self._vectors.move_to_end(key)
            return self._vectors[key]
        vector = self._encode(towers.model, profile.get("recent") or [])
        self._vectors[key] = vector
        while len(self._vectors) > self.cache_size:
            self._vectors.popitem(last=False)
        return vector

    def _encode(self, model: UserEncoder, recent: list[dict[str, Any]]) -> list[float] | None:
        ids = list(dict.fromkeys(r["item_id"] for r in recent))
        stored: dict[str, list[float]] = {}
        if ids:
            with timed("es"):
                docs = self.es.mget(index=self.items_index, ids=ids, source_includes=["item_vector"])["docs"]
            stored = {d["_id"]: d["_source"]["item_vector"] for d in docs if d.get("found") and d["_source"].get("item_vector")}
        rows = [r for r in recent if r["item_id"] in stored]
        with timed("user_vector"):
            # Ages from the user's latest event, as in training (ranking.interactions.user_histories).
            now = max((r["ts"] for r in recent), default=0.0)
            dim = len(next(iter(stored.values()))) if stored else 0
            vectors = np.asarray([stored[r["item_id"]] for r in rows], dtype=np.float32).reshape(len(rows), dim)
            weights = np.asarray([r["w"] for r in rows], dtype=np.float32)
            ages = np.asarray([max(0.0, (now - r["ts"]) / SECONDS_PER_DAY) for r in rows], dtype=np.float32)
            if not rows:
                return None  # no history with vectors yet: affinities and exclusions still apply
            return [float(x) for x in model.encode_user(vectors, weights, ages)]
