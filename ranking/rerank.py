"""Diversity and business rules after ranking: MMR, exclusions, caps, freshness, de-duplication.

The ranker scores each item on its own; a list of ten near-identical items can still be a bad
page. Maximal Marginal Relevance (Carbonell & Goldstein 1998) builds the page greedily, each
time taking the item that maximises

    lambda * relevance(i) - (1 - lambda) * max_{j already shown} similarity(i, j)

where relevance is the incoming score min-max normalised within the request (plus an optional
freshness boost) and similarity is the cosine of item vectors, or the Jaccard overlap of
category/brand labels when either item has no vector. Each step costs O(n), so a page of k
from n candidates is O(k * n).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ranking.candidate import Candidate
from ranking.config import RerankConfig
from ranking.features import ages_days, item_vectors, labels
from ranking.stages import Query

_NON_ALNUM = re.compile(r"[\W_]+")

# Rule names, as they appear in RerankExplanation.rules and (prefixed 'rule_') in candidate features.
RULE_FRESHNESS = "freshness_boost"
RULE_CAPPED_CATEGORY = "capped_category"
RULE_CAPPED_BRAND = "capped_brand"
RULE_CAP_RELAXED = "cap_relaxed"


@dataclass(frozen=True)
class RerankExplanation:
    """What the reranker did to one request, for explain=true and debugging.

    Attributes:
        lambda_: the MMR relevance weight used.
        excluded: dropped because they are in exclude_ids (disliked, purchased, filtered out).
        duplicates: dropped near-duplicates, item_id -> the shown item it duplicates.
        rules: shown item_id -> names of the rules that changed its place (see RULE_*).
    """

    lambda_: float
    excluded: tuple[str, ...] = ()
    duplicates: Mapping[str, str] = field(default_factory=dict)
    rules: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def normalise_title(title: object) -> str:
    """Lower-case title with punctuation and spacing collapsed ('' for a missing title)."""
    return _normalise_title(title) if isinstance(title, str) else ""


@lru_cache(maxsize=65_536)  # the same items come back request after request
def _normalise_title(title: str) -> str:
    return _NON_ALNUM.sub(" ", title.lower()).strip()


def _minmax(scores: np.ndarray) -> np.ndarray:
    finite = np.isfinite(scores)
    if not finite.any():
        return np.ones_like(scores)
    low, high = scores[finite].min(), scores[finite].max()
    if high - low < 1e-12:
        return np.ones_like(scores)
    return np.where(finite, (scores - low) / (high - low), 0.0)


class _Labels:
    """Category and brand membership as small arrays, for caps and the Jaccard fallback."""

    def __init__(self, candidates: Sequence[Candidate]) -> None:
        categories: dict[str, int] = {}  # lower-cased name -> column
        brands: dict[str, int] = {}
        seen: dict[str, int] = {}  # the name as stored -> column: skips lower() for repeats
        rows: list[int] = []
        cols: list[int] = []
        brand_ids = []
        for row, c in enumerate(candidates):
            value = c.item.get("category")
            if type(value) is list and len(value) == 1:  # the usual stored form: one category in a list
                value = value[0]
            for name in (value,) if type(value) is str and value else labels(value):
                j = seen.get(name)
                if j is None:
                    j = seen[name] = categories.setdefault(name.lower(), len(categories))
                rows.append(row)
                cols.append(j)
            brand = c.item.get("brand")
            if type(brand) is not str or not brand:
                brand = next(iter(labels(brand)), None)
            brand_ids.append(-1 if brand is None else brands.setdefault(brand.lower(), len(brands)))
        self.category = np.zeros((len(candidates), len(categories)), dtype=bool)
        self.category[rows, cols] = True
        self.brand = np.array(brand_ids, dtype=np.int64)
        self.n_brands = len(brands)
        self._onehot: np.ndarray | None = None

    def jaccard(self, j: int) -> np.ndarray:
        """|labels(i) & labels(j)| / |labels(i) | labels(j)| for every i, category and brand together."""
        if self._onehot is None:
            brands = np.zeros((len(self.brand), self.n_brands), dtype=np.float32)
            has = self.brand >= 0
            brands[np.flatnonzero(has), self.brand[has]] = 1.0
            self._onehot = np.hstack([self.category.astype(np.float32), brands])
            self._sizes = self._onehot.sum(axis=1)
        inter = self._onehot @ self._onehot[j]
        union = self._sizes + self._sizes[j] - inter
        return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


class MMRReranker:
    """MMR over the ranked candidates, with exclusions, category/brand caps, a freshness boost
    and near-duplicate removal; each rule is set (or switched off) in RerankConfig.

    Each returned candidate keeps its incoming score (the ranker's relevance; the order is MMR's)
    and gains the features 'relevance' (normalised, with any freshness boost), 'mmr_penalty'
    (the max-similarity term subtracted), 'mmr_score', 'freshness_boost' when that rule is on,
    and 'rule_<name>': 1.0 for each cap rule that moved it.

    Example:
        >>> items = [Candidate(f"i{n}", 1.0 - n / 10, item={"category": "Shoes"}) for n in range(5)]
        >>> reranker = MMRReranker(RerankConfig(lambda_=1.0, freshness_weight=0, max_per_category=2))
        >>> [c.item_id for c in reranker.rerank(Query(), items, k=3)]  # a feed: caps apply
        ['i0', 'i1', 'i2']
    """

    def __init__(self, cfg: RerankConfig | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self.cfg = cfg or RerankConfig()
        self.clock = clock

    def lambda_for(self, query: Query) -> float:
        """The configured lambda_, else search_lambda for a query with text and feed_lambda for a feed."""
        if self.cfg.lambda_ is not None:
            return self.cfg.lambda_
        return self.cfg.search_lambda if query.text else self.cfg.feed_lambda

    def rerank(self, query: Query, candidates: Sequence[Candidate], k: int) -> list[Candidate]:
        """The page of at most k items, diversified and with the business rules applied.

        Raises:
            ValueError: if k <= 0.
        """
        return self.rerank_explained(query, candidates, k)[0]

    def rerank_explained(
        self, query: Query, candidates: Sequence[Candidate], k: int
    ) -> tuple[list[Candidate], RerankExplanation]:
        """`rerank`, plus what each rule did (including the items it dropped)."""
        if k <= 0:
            raise ValueError(f"k must be positive, got {k}")
        cfg = self.cfg
        lam = self.lambda_for(query)
        pool, excluded = self._drop_excluded(query, candidates)
        n = len(pool)
        if n == 0:
            return [], RerankExplanation(lam, excluded)

        relevance = _minmax(np.array([c.score for c in pool], dtype=np.float64))
        boost = np.zeros(n)
        if cfg.freshness_weight > 0:
            ages = ages_days(pool, self.clock())
            boost = np.nan_to_num(cfg.freshness_weight * np.exp2(-ages / cfg.freshness_half_life_days), nan=0.0)
            relevance = relevance + boost

        vectors, has_vector = item_vectors(pool)
        if vectors.shape[1]:
            norms = np.linalg.norm(vectors, axis=1)
            has_vector = has_vector & (norms > 0)
            vectors = vectors / np.where(norms > 0, norms, 1.0)[:, None]
        all_vectors = bool(has_vector.all())
        caps_on = not query.text or cfg.caps_on_search  # the same test as lambda_for: no text is a feed
        cat_cap = cfg.max_per_category if caps_on else None
        brand_cap = cfg.max_per_brand if caps_on else None
        facets = _Labels(pool) if not all_vectors or cat_cap or brand_cap else None
        title_ids = self._title_ids(pool)
        dedup_titles = bool((title_ids >= 0).any())

        # Per-request state; every step below is O(n) numpy work.
        weighted = lam * relevance
        gone = np.zeros(n)  # -inf once shown or removed as a duplicate
        max_sim = np.zeros(n)  # similarity to the closest shown item: the MMR penalty
        blocked_cat = np.zeros(n, dtype=bool)
        blocked_brand = np.zeros(n, dtype=bool)
        cat_count = np.zeros(facets.category.shape[1] if facets else 0, dtype=np.int64)
        brand_count = np.zeros(facets.n_brands if facets else 0, dtype=np.int64)
        penalty = np.zeros(n)
        mmr_score = np.zeros(n)
        order: list[int] = []
        rules: dict[int, list[str]] = {}
        duplicates: dict[str, str] = {}

        for position in range(min(k, n)):
            mmr = weighted - (1.0 - lam) * max_sim if order else weighted
            scored = mmr + gone
            pick = int(np.argmax(scored))
            if scored[pick] == -np.inf:
                break  # everything left was a duplicate
            if position < cfg.cap_top_k and (blocked_cat[pick] or blocked_brand[pick]):
                eligible = np.where(blocked_cat | blocked_brand, -np.inf, scored)
                alternative = int(np.argmax(eligible))
                if eligible[alternative] > -np.inf:  # the best item waits: its category or brand is full
                    held = rules.setdefault(pick, [])
                    for rule, blocked in ((RULE_CAPPED_CATEGORY, blocked_cat), (RULE_CAPPED_BRAND, blocked_brand)):
                        if blocked[pick] and rule not in held:
                            held.append(rule)
                    pick = alternative
                else:  # nothing else left: it is pushed down as far as it can go, not lost
                    rules.setdefault(pick, []).append(RULE_CAP_RELAXED)

            order.append(pick)
            gone[pick] = -np.inf
            penalty[pick] = max_sim[pick] if len(order) > 1 else 0.0
            mmr_score[pick] = mmr[pick]
            if facets is not None:
                for j in np.flatnonzero(facets.category[pick]):
                    cat_count[j] += 1
                    if cat_cap is not None and cat_count[j] == cat_cap:
                        blocked_cat |= facets.category[:, j]
                brand = facets.brand[pick]
                if brand >= 0:
                    brand_count[brand] += 1
                    if brand_cap is not None and brand_count[brand] == brand_cap:
                        blocked_brand |= facets.brand == brand

            cosine = vectors @ vectors[pick] if has_vector[pick] else None
            if all_vectors and cosine is not None:
                similarity = cosine
            else:
                assert facets is not None  # built whenever some item lacks a vector
                jaccard = facets.jaccard(pick)
                similarity = jaccard if cosine is None else np.where(has_vector, cosine, jaccard)
            max_sim = similarity.astype(np.float64) if len(order) == 1 else np.maximum(max_sim, similarity)

            duplicate = None
            if cfg.dedup_threshold is not None and cosine is not None:
                duplicate = has_vector & (cosine >= cfg.dedup_threshold)
            if dedup_titles and title_ids[pick] >= 0:
                same_title = title_ids == title_ids[pick]
                duplicate = same_title if duplicate is None else duplicate | same_title
            if duplicate is not None:
                for i in np.flatnonzero(duplicate & (gone == 0)):
                    duplicates[pool[i].item_id] = pool[pick].item_id
                    gone[i] = -np.inf

        out = []
        for i in order:
            extra = {
                "relevance": float(relevance[i]),
                "mmr_penalty": float(penalty[i]),
                "mmr_score": float(mmr_score[i]),
            }
            applied = list(rules.get(i, []))
            extra.update({f"rule_{rule}": 1.0 for rule in applied})
            if cfg.freshness_weight > 0:
                extra[RULE_FRESHNESS] = float(boost[i])
                if boost[i] > 0:
                    applied.insert(0, RULE_FRESHNESS)
            rules[i] = applied
            out.append(pool[i].rescored(pool[i].score, **extra))
        explanation = RerankExplanation(
            lam,
            excluded,
            duplicates,
            {pool[i].item_id: tuple(rules[i]) for i in order if rules[i]},
        )
        return out, explanation

    def _drop_excluded(self, query: Query, candidates: Sequence[Candidate]) -> tuple[list[Candidate], tuple[str, ...]]:
        if not self.cfg.drop_excluded:
            return list(candidates), ()
        exclude = set(query.filters.exclude_ids)
        if query.personal is not None:
            exclude.update(query.personal.exclude_ids)
        if not exclude:
            return list(candidates), ()
        kept = [c for c in candidates if c.item_id not in exclude]
        dropped = tuple(c.item_id for c in candidates if c.item_id in exclude)
        return kept, dropped

    def _title_ids(self, pool: Sequence[Candidate]) -> np.ndarray:
        """An integer per distinct normalised title (-1 for none), so equal titles compare in numpy."""
        if not self.cfg.dedup_titles:
            return np.full(len(pool), -1, dtype=np.int64)
        index: dict[str, int] = {}
        ids = []
        for c in pool:
            title = c.item.get("title")
            key = _normalise_title(title) if type(title) is str else ""
            ids.append(index.setdefault(key, len(index)) if key else -1)
        return np.array(ids, dtype=np.int64)
