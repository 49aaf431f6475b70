"""retrieve -> rank -> rerank, with each stage timed for Server-Timing."""

from __future__ import annotations

from dataclasses import dataclass, field

from ranking.candidate import Candidate
from ranking.stages import NoopRanker, NoopReranker, Query, Ranker, Reranker, Retriever
from ranking.timing import timed


@dataclass(frozen=True)
class Page:
    """What one pipeline run shows, and how many candidates it chose from (a ranker feature)."""

    items: list[Candidate]
    retrieved: int


@dataclass
class Pipeline:
    """The three stages of one endpoint."""

    retriever: Retriever
    ranker: Ranker = field(default_factory=NoopRanker)
    reranker: Reranker = field(default_factory=NoopReranker)

    def run(self, query: Query, k: int, candidates: int) -> Page:
        """Return the top k for `query`, drawing on `candidates` retrieved items."""
        with timed("retrieve"):
            found = self.retriever.retrieve(query, max(k, candidates))
        with timed("rank"):
            ranked = self.ranker.rank(query, found)
        with timed("rerank"):
            return Page(self.reranker.rerank(query, ranked, k), len(found))
