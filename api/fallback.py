"""The feed's degraded answer: the last good cold-start list, kept in memory.

When Elasticsearch is down a feed can still show something honest: the popular and fresh items
it last saw, marked `degraded: true` and `strategy: "cached_popular"`. Everything else answers 503.
"""

from __future__ import annotations

import logging
import threading
import time

from elasticsearch import ApiError, TransportError

from ranking.candidate import Candidate
from ranking.pipeline import Pipeline
from ranking.stages import Filters, Query

logger = logging.getLogger(__name__)

SIZE = 100  # the largest k a feed may ask for


def engine_failure(exc: BaseException) -> bool:
    """True for the errors a cached answer may stand in for: unreachable, timed out, overloaded."""
    if isinstance(exc, TransportError):
        return True
    return isinstance(exc, ApiError) and (exc.meta.status >= 500 or exc.meta.status == 429)


def _matches(item: Candidate, filters: Filters) -> bool:
    doc = item.item
    categories = doc.get("category") or []
    categories = [categories] if isinstance(categories, str) else categories
    tags = doc.get("tags") or []
    price = doc.get("price")
    return (
        item.item_id not in filters.exclude_ids
        and (not filters.category or bool(set(filters.category) & set(categories)))
        and (not filters.brand or doc.get("brand") in filters.brand)
        and (not filters.tags or bool(set(filters.tags) & set(tags)))
        and (filters.price_min is None or (price is not None and price >= filters.price_min))
        and (filters.price_max is None or (price is not None and price <= filters.price_max))
    )


class PopularCache:
    """Holds the cold-start pipeline's last good unfiltered list (at most SIZE items).

    Args:
        pipeline: the cold-start feed pipeline.
        candidates: candidates it draws on.
        refresh_s: how old the list may get before `stale()` says refresh.
    """

    def __init__(self, pipeline: Pipeline, candidates: int, refresh_s: float) -> None:
        self.pipeline = pipeline
        self.candidates = candidates
        self.refresh_s = refresh_s
        self.items: list[Candidate] = []
        self.refreshed_at: float | None = None
        self._lock = threading.Lock()

    def refresh(self) -> bool:
        """Fetch the list again; on an engine failure keep the old one. Returns True when refreshed."""
        if not self._lock.acquire(blocking=False):
            return False  # another request is refreshing it
        try:
            page = self.pipeline.run(Query(), SIZE, max(self.candidates, SIZE))
        except (TransportError, ApiError) as exc:
            logger.warning(
                "popular list not refreshed (%s); keeping %d cached items", type(exc).__name__, len(self.items)
            )
            return False
        finally:
            self._lock.release()
        self.items, self.refreshed_at = list(page.items), time.monotonic()
        return True

    def stale(self) -> bool:
        return self.refreshed_at is None or time.monotonic() - self.refreshed_at > self.refresh_s

    def serve(self, filters: Filters, k: int) -> list[Candidate]:
        """Up to k cached items that satisfy `filters` (checked here, without the engine)."""
        return [item for item in self.items if _matches(item, filters)][:k]

    def age_s(self) -> float | None:
        return None if self.refreshed_at is None else time.monotonic() - self.refreshed_at
