"""From a user id to what personalises a request: exclusions, affinity boosts, the user vector."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from elasticsearch import Elasticsearch

from ranking.config import RetrievalConfig
from ranking.interactions import InteractionConfig, recency_decay
from ranking.registry import Loaded
from ranking.stages import Personal
from ranking.timing import timed

SECONDS_PER_DAY = 86_400.0
RECENT_ITEMS = 5  # latest liked items whose vectors ride along in Personal.recent_vectors


class UserEncoder(Protocol):
    def encode_user(self, history_vectors: np.ndarray, weights: np.ndarray, ages_days: np.ndarray) -> np.ndarray: ...


def top_boosts(affinity: dict[str, float], n: int) -> dict[str, float]:
    """The n strongest positive affinities, scaled so the strongest is 1."""
    positive = sorted(((v, k) for k, v in affinity.items() if v > 0), reverse=True)[:n]
    if not positive:
        return {}
    top = positive[0][0]
    return {name: round(value / top, 4) for value, name in positive}


ModelParts = tuple[list[float] | None, tuple[tuple[float, ...], ...], dict[str, float]]
"""(user vector, recent item vectors newest first, CF neighbours) of one user."""


class CFSource(Protocol):
    def recommend(self, user_history: Any, k: int = 10, exclude: Any = frozenset()) -> list[tuple[str, float]]: ...


class UserContext:
    """Builds a request's Personal from the users index and the current models.

    The model-dependent parts (user vector, CF neighbours) are cached per (user, event count,
    model versions): a new event or a new model gives a new key, so nothing stale is served.
    """

    def __init__(
        self,
        es: Elasticsearch,
        users_index: str,
        items_index: str,
        towers: Callable[[], Loaded[Any] | None],
        cfg: RetrievalConfig,
        interactions: InteractionConfig,
        *,
        cf: Callable[[], Loaded[Any] | None] = lambda: None,
        cache_size: int = 10_000,
    ) -> None:
        self.es = es
        self.users_index = users_index
        self.items_index = items_index
        self.towers = towers
        self.cf = cf
        self.cfg = cfg
        self.interactions = interactions
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, int, str, str], ModelParts] = OrderedDict()

    def profile(self, user_id: str) -> dict[str, Any] | None:
        with timed("es"):
            response = self.es.options(ignore_status=404).get(index=self.users_index, id=user_id)
        return dict(response["_source"]) if response.get("found") else None

    def personal(self, user_id: str) -> Personal | None:
        """None for a user with no profile (cold start)."""
        profile = self.profile(user_id)
        if profile is None:
            return None
        vector, recent_vectors, cf = self.model_parts(user_id, profile)
        return Personal(
            vector=vector,
            recent_vectors=recent_vectors,
            categories=top_boosts(profile.get("category_affinity") or {}, self.cfg.affinity_top_n),
            brands=top_boosts(profile.get("brand_affinity") or {}, self.cfg.affinity_top_n),
            cf=cf,
            exclude_ids=tuple(dict.fromkeys([*profile.get("disliked", []), *profile.get("purchased", [])])),
        )

    def model_parts(self, user_id: str, profile: dict[str, Any]) -> ModelParts:
        towers, cf = self.towers(), self.cf()
        key = (user_id, int(profile.get("event_count", 0)), towers.version if towers else "", cf.version if cf else "")
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        recent = profile.get("recent") or []
        vector, recent_vectors = self._encode(towers.model, recent) if towers else (None, ())
        parts = (vector, recent_vectors, self._neighbours(cf.model, recent) if cf else {})
        self._cache[key] = parts
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return parts

    def _neighbours(self, model: CFSource, recent: list[dict[str, Any]]) -> dict[str, float]:
        """CF items for the user's history (weights decayed by age), scaled so the best is 1."""
        if not recent or self.cfg.cf_candidates == 0:
            return {}
        with timed("cf"):
            now = max(r["ts"] for r in recent)
            history = [
                (r["item_id"], r["w"] * recency_decay((now - r["ts"]) / SECONDS_PER_DAY, self.interactions))
                for r in recent
            ]
            found = model.recommend(history, self.cfg.cf_candidates, {r["item_id"] for r in recent})
        return top_boosts({item_id: score for item_id, score in found}, len(found))

    def _encode(
        self, model: UserEncoder, recent: list[dict[str, Any]]
    ) -> tuple[list[float] | None, tuple[tuple[float, ...], ...]]:
        """The user vector from the stored item_vectors of the recent items, and the vectors of
        the RECENT_ITEMS latest positively weighted ones (newest first)."""
        ids = list(dict.fromkeys(r["item_id"] for r in recent))
        stored: dict[str, list[float]] = {}
        if ids:
            with timed("es"):
                docs = self.es.mget(index=self.items_index, ids=ids, source_includes=["item_vector"])["docs"]
            stored = {
                d["_id"]: d["_source"]["item_vector"]
                for d in docs
                if d.get("found") and d["_source"].get("item_vector")
            }
        rows = [r for r in recent if r["item_id"] in stored]
        with timed("user_vector"):
            # Ages from the user's latest event, as in training (ranking.interactions.user_histories).
            now = max((r["ts"] for r in recent), default=0.0)
            dim = len(next(iter(stored.values()))) if stored else 0
            vectors = np.asarray([stored[r["item_id"]] for r in rows], dtype=np.float32).reshape(len(rows), dim)
            weights = np.asarray([r["w"] for r in rows], dtype=np.float32)
            ages = np.asarray([max(0.0, (now - r["ts"]) / SECONDS_PER_DAY) for r in rows], dtype=np.float32)
            if not rows:
                return None, ()  # no history with vectors yet: affinities and exclusions still apply
            latest = sorted((r for r in rows if r["w"] > 0), key=lambda r: r["ts"], reverse=True)
            latest_ids = list(dict.fromkeys(r["item_id"] for r in latest))[:RECENT_ITEMS]
            recent_vectors = tuple(tuple(float(x) for x in stored[i]) for i in latest_ids)
            return [float(x) for x in model.encode_user(vectors, weights, ages)], recent_vectors
