"""From a user id to what personalises a request: exclusions, affinity boosts, the user vector."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from elasticsearch import Elasticsearch

from ranking.config import RetrievalConfig
from ranking.features import created_at_seconds, numbers
from ranking.interactions import InteractionConfig, recency_decay
from ranking.registry import Loaded
from ranking.stages import Personal
from ranking.timing import timed
from ranking.vector_store import VectorStore

SECONDS_PER_DAY = 86_400.0
RECENT_ITEMS = 5  # latest liked items whose vectors ride along in Personal.recent_vectors
TASTE_ITEMS = 10  # latest liked items whose mean created_at and log price describe the user's taste
_RECENT_FIELDS = ["item_vector", "created_at", "price"]


class UserEncoder(Protocol):
    def encode_user(self, history_vectors: np.ndarray, weights: np.ndarray, ages_days: np.ndarray) -> np.ndarray: ...


def top_boosts(affinity: dict[str, float], n: int) -> dict[str, float]:
    """The n strongest positive affinities, scaled so the strongest is 1."""
    positive = sorted(((v, k) for k, v in affinity.items() if v > 0), reverse=True)[:n]
    if not positive:
        return {}
    top = positive[0][0]
    return {name: round(value / top, 4) for value, name in positive}


@dataclass(frozen=True)
class ModelParts:
    """What a user's recent items and the current models give a request (cached per user)."""

    vector: list[float] | None = None
    recent_vectors: tuple[tuple[float, ...], ...] = ()  # newest first
    cf: dict[str, float] = field(default_factory=dict)
    recent_created_at: float | None = None  # mean created_at (epoch s) of the TASTE_ITEMS latest liked items
    recent_log_price: float | None = None  # their mean log1p(price)
    recent_text_vectors: tuple[Sequence[float], ...] = ()  # text_vectors of the RECENT_ITEMS latest liked


def taste_means(docs: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    """Mean created_at (epoch seconds) and mean log1p(price) over item documents; None where
    none has a usable value (the features then read NaN)."""
    created, prices = created_at_seconds(docs), numbers(docs, "price")
    created, prices = created[np.isfinite(created)], prices[np.isfinite(prices) & (prices >= 0)]
    return (float(created.mean()) if created.size else None, float(np.log1p(prices).mean()) if prices.size else None)


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
        text_vectors: VectorStore | None = None,
        cache_size: int = 10_000,
    ) -> None:
        self.es = es
        self.users_index = users_index
        self.items_index = items_index
        self.towers = towers
        self.cf = cf
        self.text_vectors = text_vectors
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
        parts = self.model_parts(user_id, profile)
        return Personal(
            vector=parts.vector,
            recent_vectors=parts.recent_vectors,
            recent_created_at=parts.recent_created_at,
            recent_log_price=parts.recent_log_price,
            recent_text_vectors=parts.recent_text_vectors,
            categories=top_boosts(profile.get("category_affinity") or {}, self.cfg.affinity_top_n),
            brands=top_boosts(profile.get("brand_affinity") or {}, self.cfg.affinity_top_n),
            cf=parts.cf,
            exclude_ids=tuple(dict.fromkeys([*profile.get("disliked", []), *profile.get("purchased", [])])),
        )

    def model_parts(self, user_id: str, profile: dict[str, Any]) -> ModelParts:
        towers, cf = self.towers(), self.cf()
        key = (user_id, int(profile.get("event_count", 0)), towers.version if towers else "", cf.version if cf else "")
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        recent = profile.get("recent") or []
        docs = self._recent_items(recent)
        vector, recent_vectors = self._encode(towers.model, recent, docs) if towers else (None, ())
        liked = [docs[i] for i in _latest_liked(recent) if i in docs][:TASTE_ITEMS]
        created, log_price = taste_means(liked)
        cf_items = self._neighbours(cf.model, recent) if cf else {}
        parts = ModelParts(
            vector=vector,
            recent_vectors=recent_vectors,
            cf=cf_items,
            recent_created_at=created,
            recent_log_price=log_price,
            recent_text_vectors=self._recent_text_vectors(recent),
        )
        self._cache[key] = parts
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return parts

    def _recent_text_vectors(self, recent: list[dict[str, Any]]) -> tuple[Sequence[float], ...]:
        """The text_vectors of the RECENT_ITEMS latest liked items, newest first (none without a store):
        the store's read-only arrays as they are, so no request converts them again."""
        if self.text_vectors is None:
            return ()
        latest = _latest_liked(recent)[:RECENT_ITEMS]
        found = self.text_vectors.get(latest)
        return tuple(found[i] for i in latest if i in found)

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

    def _recent_items(self, recent: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """item_id -> the stored vector, created_at and price of the profile's recent items (one mget)."""
        ids = list(dict.fromkeys(r["item_id"] for r in recent))
        if not ids:
            return {}
        with timed("es"):
            docs = self.es.mget(index=self.items_index, ids=ids, source_includes=_RECENT_FIELDS)["docs"]
        return {d["_id"]: d.get("_source") or {} for d in docs if d.get("found")}

    def _encode(
        self, model: UserEncoder, recent: list[dict[str, Any]], docs: dict[str, dict[str, Any]]
    ) -> tuple[list[float] | None, tuple[tuple[float, ...], ...]]:
        """The user vector from the stored item_vectors of the recent items, and the vectors of
        the RECENT_ITEMS latest positively weighted ones (newest first)."""
        stored = {item_id: doc["item_vector"] for item_id, doc in docs.items() if doc.get("item_vector")}
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
            latest_ids = _latest_liked(rows)[:RECENT_ITEMS]
            recent_vectors = tuple(tuple(float(x) for x in stored[i]) for i in latest_ids)
            return [float(x) for x in model.encode_user(vectors, weights, ages)], recent_vectors


def _latest_liked(recent: list[dict[str, Any]]) -> list[str]:
    """Ids of the positively weighted recent items, newest first, each once."""
    latest = sorted((r for r in recent if r["w"] > 0), key=lambda r: r["ts"], reverse=True)
    return list(dict.fromkeys(r["item_id"] for r in latest))
