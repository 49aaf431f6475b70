"""Retrievers: turn a Query into candidates with one Elasticsearch request each."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from elasticsearch import Elasticsearch, NotFoundError

from ranking.candidate import Candidate
from ranking.config import RetrievalConfig
from ranking.errors import ItemNotFoundError
from ranking.query import SOURCE_EXCLUDES, popular_body, search_body, suggest_body
from ranking.stages import Query
from ranking.timing import timed

logger = logging.getLogger(__name__)


class QueryEncoder(Protocol):
    def encode_query(self, text: str) -> Sequence[float]: ...


def _minmax(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    if high - low < 1e-12:
        return [1.0 if high > 0 else 0.0 for _ in values]
    return [(v - low) / (high - low) for v in values]


def fuse(candidates: list[Candidate], alpha: float) -> list[Candidate]:
    """Retrieval score = alpha * minmax(bm25) + (1 - alpha) * minmax(knn_text), over this request.

    BM25 is unbounded and query-dependent while the kNN score lies in [0, 1]; a raw sum lets
    whichever is larger dominate. Min-max per request puts both on [0, 1] so alpha means the same
    for every query (a convex combination, Bruch et al. 2023). A clause that did not match counts
    as the request's minimum.
    """
    if not candidates:
        return []
    bm25 = _minmax([c.features.get("bm25", 0.0) for c in candidates])
    knn = _minmax([c.features.get("knn_text", 0.0) for c in candidates])
    fused = [c.rescored(alpha * b + (1 - alpha) * v) for c, b, v in zip(candidates, bm25, knn)]
    return sorted(fused, key=lambda c: -c.score)


class HybridRetriever:
    """BM25 + text kNN in one request; each candidate keeps its clause scores as features.

    Example:
        >>> retriever = HybridRetriever(es, "items", encoder, RetrievalConfig())  # doctest: +SKIP
        >>> [c.item_id for c in retriever.retrieve(Query(text="espresso machine"), k=3)]  # doctest: +SKIP
        ['item-00042', ...]
    """

    def __init__(self, es: Elasticsearch, index: str, encoder: QueryEncoder | None, cfg: RetrievalConfig) -> None:
        self.es = es
        self.index = index
        self.encoder = encoder
        self.cfg = cfg

    def retrieve(self, query: Query, k: int) -> list[Candidate]:
        if not query.text:
            raise ValueError("HybridRetriever needs query.text; use PopularRetriever for a feed")
        vector = None
        if self.encoder is not None and self.cfg.knn_text_weight > 0:
            with timed("encode"):
                vector = list(self.encoder.encode_query(query.text))
        body = search_body(query.text, vector, query.filters, self.cfg, max(k, self.cfg.candidates))
        with timed("es"):
            response = self.es.search(index=self.index, **body)
        boosts = {"bm25": self.cfg.bm25_weight, "knn_text": self.cfg.knn_text_weight}
        candidates = []
        for hit in response["hits"]["hits"]:
            named: Mapping[str, float] = hit.get("matched_queries") or {}
            if isinstance(named, list):  # an engine that ignores include_named_queries_score
                named = {}
            features = {name: float(named.get(name, 0.0)) / boost for name, boost in boosts.items() if boost > 0}
            features["es_score"] = float(hit["_score"] or 0.0)
            candidates.append(Candidate(hit["_id"], float(hit["_score"] or 0.0), features, hit["_source"]))
        return fuse(candidates, self.cfg.fusion_alpha)[:k]


class PopularRetriever:
    """Cold-start candidates: popular and fresh items under the filters."""

    def __init__(self, es: Elasticsearch, index: str, cfg: RetrievalConfig) -> None:
        self.es = es
        self.index = index
        self.cfg = cfg

    def retrieve(self, query: Query, k: int) -> list[Candidate]:
        with timed("es"):
            response = self.es.search(index=self.index, **popular_body(query.filters, self.cfg, k))
        return [
            Candidate(hit["_id"], float(hit["_score"] or 0.0), {"popular_fresh": float(hit["_score"] or 0.0)}, hit["_source"])
            for hit in response["hits"]["hits"]
        ]


class CategorySpreadReranker:
    """Interleaves categories round-robin (best first within each), so no category floods the top.

    A stand-in for diversity until the MMR stage exists; it keeps each category's own order.
    """

    def rerank(self, query: Query, candidates: Sequence[Candidate], k: int) -> list[Candidate]:
        groups: OrderedDict[str, list[Candidate]] = OrderedDict()
        for candidate in candidates:
            categories = candidate.item.get("category") or [""]
            groups.setdefault(categories[0], []).append(candidate)
        out: list[Candidate] = []
        queues = [list(reversed(group)) for group in groups.values()]
        while len(out) < k and any(queues):
            for group in queues:
                if group and len(out) < k:
                    out.append(group.pop())
        return out


def fetch_item(es: Elasticsearch, index: str, item_id: str) -> dict[str, Any]:
    """One stored item (without vectors).

    Raises:
        ItemNotFoundError: no item with that id.
    """
    try:
        with timed("es"):
            response = es.get(index=index, id=item_id, source_excludes=SOURCE_EXCLUDES)
    except NotFoundError as exc:
        raise ItemNotFoundError(item_id) from exc
    return dict(response["_source"])


def suggest(es: Elasticsearch, index: str, prefix: str, k: int) -> list[dict[str, Any]]:
    """Titles that complete `prefix`, best first."""
    with timed("es"):
        response = es.search(index=index, **suggest_body(prefix, k))
    return [{"id": hit["_id"], "title": hit["_source"].get("title")} for hit in response["hits"]["hits"]]
