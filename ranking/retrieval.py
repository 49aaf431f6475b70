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
from ranking.query import (
    INTERNAL_FIELDS,
    SOURCE_EXCLUDES,
    feed_body,
    personalise_search,
    popular_body,
    search_body,
    similar_body,
    suggest_body,
)
from ranking.stages import Filters, Query
from ranking.timing import timed
from ranking.vector_store import VectorStore, item_vector_store

logger = logging.getLogger(__name__)


class QueryEncoder(Protocol):
    def encode_query(self, text: str) -> Sequence[float]: ...


def _minmax(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    if high - low < 1e-12:
        return [1.0 if high > 0 else 0.0 for _ in values]
    return [(v - low) / (high - low) for v in values]


PERSONAL_CLAUSES = ("knn_user", "affinity_category", "affinity_brand", "cf")


def fuse(candidates: list[Candidate], alpha: float, personal_weight: float = 0.0) -> list[Candidate]:
    """Retrieval score = alpha * minmax(bm25) + (1 - alpha) * minmax(knn_text), over this request,
    plus personal_weight * minmax(sum of the personal clause scores) when the user is known.

    BM25 is unbounded and query-dependent while the kNN score lies in [0, 1]; a raw sum lets
    whichever is larger dominate. Min-max per request puts both on [0, 1] so alpha means the same
    for every query (a convex combination, Bruch et al. 2023). A clause that did not match counts
    as the request's minimum.
    """
    if not candidates:
        return []
    bm25 = _minmax([c.features.get("bm25", 0.0) for c in candidates])
    knn = _minmax([c.features.get("knn_text", 0.0) for c in candidates])
    personal = _minmax([sum(c.features.get(name, 0.0) for name in PERSONAL_CLAUSES) for c in candidates])
    fused = [
        c.rescored(alpha * b + (1 - alpha) * v + personal_weight * p)
        for c, b, v, p in zip(candidates, bm25, knn, personal)
    ]
    return sorted(fused, key=lambda c: -c.score)


def _candidates(response: Mapping[str, Any], boosts: Mapping[str, float]) -> list[Candidate]:
    """Hits -> candidates whose features are each named clause's own score (its boost divided out)."""
    out = []
    for hit in response["hits"]["hits"]:
        named: Mapping[str, float] = hit.get("matched_queries") or {}
        if isinstance(named, list):  # an engine that ignores include_named_queries_score
            named = {}
        features = {name: float(named.get(name, 0.0)) / boost for name, boost in boosts.items() if boost > 0}
        features["es_score"] = float(hit["_score"] or 0.0)
        out.append(Candidate(hit["_id"], float(hit["_score"] or 0.0), features, hit["_source"]))
    return out


class HybridRetriever:
    """BM25 + text kNN in one request; each candidate keeps its clause scores as features.

    Example:
        >>> retriever = HybridRetriever(es, "items", encoder, RetrievalConfig())  # doctest: +SKIP
        >>> [c.item_id for c in retriever.retrieve(Query(text="espresso machine"), k=3)]  # doctest: +SKIP
        ['item-00042', ...]
    """

    def __init__(
        self,
        es: Elasticsearch,
        index: str,
        encoder: QueryEncoder | None,
        cfg: RetrievalConfig,
        text_vectors: VectorStore | None = None,
        item_vectors: VectorStore | None = None,
    ) -> None:
        self.es = es
        self.index = index
        self.encoder = encoder
        self.cfg = cfg
        self.text_vectors = text_vectors  # attached to candidates for the ranker's recent_text_similarity
        self.item_vectors = _item_vectors(es, index, cfg, item_vectors)

    def retrieve(self, query: Query, k: int) -> list[Candidate]:
        if not query.text:
            raise ValueError("HybridRetriever needs query.text; use PopularRetriever for a feed")
        vector = None
        if self.encoder is not None and self.cfg.knn_text_weight > 0:
            with timed("encode"):
                vector = list(self.encoder.encode_query(query.text))
        body = search_body(query.text, vector, query.filters, self.cfg, max(k, self.cfg.candidates))
        boosts = {"bm25": self.cfg.bm25_weight, "knn_text": self.cfg.knn_text_weight}
        personal_weight = 0.0
        if query.personal is not None:
            body = personalise_search(body, query.personal, self.cfg)
            boosts.update(_personal_boosts(self.cfg))
            personal_weight = self.cfg.search_personal_weight
        with timed("es"):
            response = self.es.search(index=self.index, **body)
        with_item_vectors(response, self.item_vectors)
        found = fuse(_candidates(response, boosts), self.cfg.fusion_alpha, personal_weight)[:k]
        return with_text_vectors(found, query, self.text_vectors)


def _item_vectors(
    es: Elasticsearch, index: str, cfg: RetrievalConfig, shared: VectorStore | None
) -> VectorStore | None:
    """The store that puts item vectors into the hits a response leaves them out of: `shared` (serving
    shares one between search and feed) or one of the retriever's own; None when cfg.item_vector_cache is 0."""
    if not cfg.item_vector_cache:
        return None
    return shared or item_vector_store(es, index, cfg)


def with_item_vectors(response: Mapping[str, Any], store: VectorStore | None) -> None:
    """Give the response's hits their item_vector from `store` (in place). A store exists exactly when
    cfg.item_vector_cache is set, which is when the request left the vectors out (`query.candidate_source`)."""
    if store is not None:
        store.fill(response["hits"]["hits"])


def with_text_vectors(candidates: list[Candidate], query: Query, store: VectorStore | None) -> list[Candidate]:
    """The candidates with their text_vectors attached, when the ranker can use them: a store is
    configured and the user has recent liked items' text vectors to compare with."""
    if store is None or query.personal is None or not query.personal.recent_text_vectors:
        return candidates
    return store.attach(candidates)


def _personal_boosts(cfg: RetrievalConfig) -> dict[str, float]:
    return {
        "knn_user": cfg.knn_user_weight,
        "affinity_category": cfg.category_affinity_weight,
        "affinity_brand": cfg.brand_affinity_weight,
        "cf": cfg.cf_weight,
    }


class FeedRetriever:
    """The personalised feed in one request (user-vector kNN + affinity boosts + popular prior).

    Needs query.personal; users without a profile go to PopularRetriever instead.
    """

    def __init__(
        self,
        es: Elasticsearch,
        index: str,
        cfg: RetrievalConfig,
        text_vectors: VectorStore | None = None,
        item_vectors: VectorStore | None = None,
    ) -> None:
        self.es = es
        self.index = index
        self.cfg = cfg
        self.text_vectors = text_vectors  # attached to candidates for the ranker's recent_text_similarity
        self.item_vectors = _item_vectors(es, index, cfg, item_vectors)

    def retrieve(self, query: Query, k: int) -> list[Candidate]:
        if query.personal is None:
            raise ValueError("FeedRetriever needs query.personal; use PopularRetriever for unknown users")
        body = feed_body(query.personal, query.filters, self.cfg, k, query.as_of)
        with timed("es"):
            response = self.es.search(index=self.index, **body)
        with_item_vectors(response, self.item_vectors)
        boosts = {**_personal_boosts(self.cfg), "popular_fresh": self.cfg.feed_popularity_weight}
        return with_text_vectors(_candidates(response, boosts)[:k], query, self.text_vectors)


class PopularRetriever:
    """Cold-start candidates: popular and fresh items under the filters."""

    def __init__(self, es: Elasticsearch, index: str, cfg: RetrievalConfig) -> None:
        self.es = es
        self.index = index
        self.cfg = cfg

    def retrieve(self, query: Query, k: int) -> list[Candidate]:
        with timed("es"):
            response = self.es.search(index=self.index, **popular_body(query.filters, self.cfg, k, query.as_of))
        return [
            Candidate(
                hit["_id"], float(hit["_score"] or 0.0), {"popular_fresh": float(hit["_score"] or 0.0)}, hit["_source"]
            )
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
    """One stored item (without vectors and other INTERNAL_FIELDS).

    Raises:
        ItemNotFoundError: no item with that id.
    """
    try:
        with timed("es"):
            response = es.get(index=index, id=item_id, source_excludes=list(INTERNAL_FIELDS))
    except NotFoundError as exc:
        raise ItemNotFoundError(item_id) from exc
    return dict(response["_source"])


def suggest(es: Elasticsearch, index: str, prefix: str, k: int) -> list[dict[str, Any]]:
    """Titles that complete `prefix`, best first."""
    with timed("es"):
        response = es.search(index=index, **suggest_body(prefix, k))
    return [{"id": hit["_id"], "title": hit["_source"].get("title")} for hit in response["hits"]["hits"]]


def similar_items(
    es: Elasticsearch, index: str, item_id: str, filters: Filters, cfg: RetrievalConfig, k: int
) -> list[Candidate]:
    """Nearest items by the two-tower `item_vector`, or by `text_vector` before towers are trained.

    Raises:
        ItemNotFoundError: no item with that id.
    """
    try:
        with timed("es"):
            doc = es.get(index=index, id=item_id, source_includes=list(SOURCE_EXCLUDES))["_source"]
    except NotFoundError as exc:
        raise ItemNotFoundError(item_id) from exc
    field_name = "item_vector" if doc.get("item_vector") else "text_vector"
    if not doc.get(field_name):
        return []
    with timed("es"):
        response = es.search(index=index, **similar_body(item_id, doc[field_name], field_name, filters, cfg, k))
    name = f"knn_{field_name.removesuffix('_vector')}"
    return [
        Candidate(h["_id"], float(h["_score"] or 0.0), {name: float(h["_score"] or 0.0)}, h["_source"])
        for h in response["hits"]["hits"]
    ]
