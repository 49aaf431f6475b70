"""One small protocol per stage, and the no-op of each.

retrieve (ES candidates) -> rank (re-score) -> rerank (order for diversity and rules).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ranking.candidate import Candidate


@dataclass(frozen=True)
class Filters:
    """Hard constraints every stage respects. Empty means no constraint."""

    category: tuple[str, ...] = ()
    brand: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    price_min: float | None = None
    price_max: float | None = None
    exclude_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Personal:
    """What personalises a request: the user vector, affinity boosts and items to leave out."""

    vector: list[float] | None = None
    categories: dict[str, float] = field(default_factory=dict)  # name -> boost in (0, 1]
    brands: dict[str, float] = field(default_factory=dict)
    cf: dict[str, float] = field(default_factory=dict)  # item_id -> boost in (0, 1], from item-to-item CF
    exclude_ids: tuple[str, ...] = ()
    # item_vectors of the user's latest positively weighted items, newest first: the ranker's
    # recent_item_similarity (what the user did last predicts the next pick better than the average).
    recent_vectors: tuple[tuple[float, ...], ...] = ()
    # The same items' text_vectors (ranking.vector_store's read-only arrays): the ranker's recent_text_similarity.
    recent_text_vectors: tuple[Sequence[float], ...] = ()
    # Mean created_at (epoch seconds) and mean log1p(price) of the latest liked items: the
    # ranker's created_gap_years / log_price_gap (people keep to an era, a price band).
    recent_created_at: float | None = None
    recent_log_price: float | None = None


@dataclass(frozen=True)
class Query:
    """What a request asks for. `text` is None for a feed; `personal` is None for unknown users.

    `explain` asks the stages to record why each item is where it is (the ranker then also
    computes per-feature contributions, which costs a second LightGBM pass).
    """

    text: str | None = None
    user_id: str | None = None
    filters: Filters = field(default_factory=Filters)
    personal: Personal | None = None
    explain: bool = False
    # The moment the request is made (epoch seconds); None = the engine's "now". Serving leaves it
    # None; a replayed past request sets it, so freshness is measured as of then, not as of today.
    as_of: float | None = None


class Retriever(Protocol):
    def retrieve(self, query: Query, k: int) -> list[Candidate]: ...


class Ranker(Protocol):
    def rank(self, query: Query, candidates: Sequence[Candidate]) -> list[Candidate]: ...


class Reranker(Protocol):
    def rerank(self, query: Query, candidates: Sequence[Candidate], k: int) -> list[Candidate]: ...


class NoopRanker:
    """Keeps retrieval order and scores."""

    def rank(self, query: Query, candidates: Sequence[Candidate]) -> list[Candidate]:
        return list(candidates)


class NoopReranker:
    """Keeps the ranker's order; only cuts to k."""

    def rerank(self, query: Query, candidates: Sequence[Candidate], k: int) -> list[Candidate]:
        return list(candidates)[:k]
