"""The ranker's features: ONE definition shared by training and serving.

Training (from logged impressions) and serving (`LightGBMRanker.rank`) both call
`feature_matrix`, so a model can never see a feature computed one way offline and another way
online. A missing value is NaN, which LightGBM routes down its learned "missing" branch; a
feature is never silently turned into 0 when 0 would mean something else.

The columns, in order, are FEATURE_DOCS (one line each); FEATURE_NAMES is its keys. Retrieval
clause scores (bm25 ... popular_fresh) have their boost divided out: 0 means the clause was in
the request but did not match, NaN that it was not in the request.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np

from ranking.candidate import Candidate
from ranking.item_stats import trend
from ranking.stages import Query

SECONDS_PER_DAY = 86_400.0
CLAUSE_FEATURES: tuple[str, ...] = (
    "bm25",
    "knn_text",
    "knn_user",
    "affinity_category",
    "affinity_brand",
    "cf",
    "popular_fresh",
)
FEATURE_DOCS: dict[str, str] = {
    "bm25": "BM25 score of the query on title/description/category/brand/tags.",
    "knn_text": "Cosine of the query's text embedding and the item's text_vector.",
    "knn_user": "Similarity of the user vector and the item_vector (the feed/personal kNN clause).",
    "affinity_category": "Retrieval boost for one of the user's top categories.",
    "affinity_brand": "Retrieval boost for one of the user's top brands.",
    "cf": "Item-to-item CF (Swing/ItemCF) boost from the user's recent items.",
    "popular_fresh": "Popular + fresh prior score.",
    "retrieval_rank": "0-based retrieval position (features['retrieval_rank'] if carried, else the input position).",
    "retrieval_score": "Fused retrieval score (features['retrieval_score'] if carried, else candidate.score).",
    "two_tower_dot": "Personal.vector . item_vector; NaN unless both are present with equal length.",
    "recent_item_similarity": "Highest item_vector . v over Personal.recent_vectors (the user's latest liked "
    "items); NaN without them.",
    "recent_text_similarity": "Highest text_vector cosine to Personal.recent_text_vectors (the same latest liked "
    "items; content: a sequel, the same year and genres); NaN without them or without the candidate's text_vector "
    "(attached by ranking.vector_store).",
    "created_gap_years": "Item created_at minus Personal.recent_created_at (the mean of the user's latest liked "
    "items), in years; NaN when either is unknown.",
    "log_price_gap": "log1p(price) minus Personal.recent_log_price (the mean over the user's latest liked items); "
    "NaN when either is unknown.",
    "title_overlap": "Share of the query's tokens found in the item title; NaN for a feed.",
    "description_overlap": "Share of the query's tokens found in the item description; NaN for a feed.",
    "user_category_affinity": "The user's strongest affinity among the item's categories; 0 none, NaN unknown user.",
    "user_brand_affinity": "The user's affinity for the item's brand; 0 none, NaN unknown user.",
    "log_popularity": "log1p(popularity); NaN when missing.",
    "trend": "log1p of the item's positives before the request's day, each weighted 0.5 ** (days before / 30) "
    "(daily_positives, counted by `tandem train`); NaN when the item was never counted.",
    "ctr": "Smoothed click-through rate (clicks + 1) / (impressions + 20), at most 1; counters default to 0.",
    "age_days": "Days from created_at to `now`, never negative; NaN when missing or unparseable.",
    "log_price": "log1p(price); NaN when missing.",
    "seen_before": "1 if the item is in Personal.exclude_ids or RequestContext.seen_ids, else 0.",
    "is_search": "1 when the query has text, 0 for a feed.",
    "query_tokens": "Tokens in the query text (0 for a feed).",
    "n_candidates": "Candidates in the request (RequestContext.n_candidates, else len(candidates)).",
    "hour_of_day": "The user's local hour 0..23 from RequestContext; NaN when not given.",
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURE_DOCS)
CTR_PRIOR_CLICKS = 1.0
CTR_PRIOR_IMPRESSIONS = 20.0
_COLUMN = {name: j for j, name in enumerate(FEATURE_NAMES)}
_TOKEN = re.compile(r"\w+")
_NAN = math.nan


@dataclass(frozen=True)
class RequestContext:
    """Request facts that are not part of the Query.

    Attributes:
        seen_ids: items the user has already been shown or interacted with. Personal.exclude_ids
            items are normally filtered out by retrieval, so this is where "seen" usually comes from.
        hour_of_day: the user's local hour (0..23), when the caller knows it.
        n_candidates: how many candidates the request ranked; set it when featurising a subset
            (e.g. only the shown items of a logged request) so the value matches serving.
    """

    seen_ids: Collection[str] = frozenset()
    hour_of_day: int | None = None
    n_candidates: int | None = None


def _number(value: Any) -> float:
    """A finite float, or NaN for anything missing, non-numeric or non-finite."""
    if isinstance(value, (int, float, str)):  # bool is an int: True counts as 1, like numpy does
        try:
            number = float(value)
        except (ValueError, OverflowError):
            return _NAN
        return number if math.isfinite(number) else _NAN
    return _NAN


def _column(values: list[Any]) -> np.ndarray:
    """Floats from arbitrary document values: numbers (and numeric strings) kept, the rest NaN.

    One numpy conversion for the usual all-numeric column; element by element only when some
    value is malformed. Infinities are left for the final sweep in `feature_matrix`.
    """
    try:
        out = np.array(values, dtype=np.float64)
        if out.shape == (len(values),):
            return out
    except (TypeError, ValueError, OverflowError):
        pass
    return np.array([_number(v) for v in values], dtype=np.float64).reshape(len(values))


def _log1p_nonneg(column: np.ndarray) -> np.ndarray:
    """log1p of counts and prices; negatives count as 0 and NaN stays NaN."""
    with np.errstate(invalid="ignore"):
        return np.log1p(np.maximum(column, 0.0))


def labels(value: Any) -> list[str]:
    """A category/brand field as a list of strings (a string, a list of strings, or nothing)."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str) and v]
    return []


@lru_cache(maxsize=65_536)
def _parse_iso(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return _number(text)  # epoch seconds stored as a string
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def numbers(items: Sequence[Mapping[str, Any]], field: str) -> np.ndarray:
    """Each item document's numeric `field` (numeric strings kept) as floats, NaN when missing or
    malformed; shape (n,)."""
    return _column([it.get(field) for it in items])


def created_at_seconds(items: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Each item document's created_at (ISO 8601 or epoch seconds) as epoch seconds, NaN when
    missing or unparseable; shape (n,)."""
    raw = [it.get("created_at") for it in items]
    return _column([_parse_iso(v) if type(v) is str else v for v in raw])


def ages_days(candidates: Sequence[Candidate], now: float) -> np.ndarray:
    """Days since each item's created_at (ISO 8601 or epoch seconds), 0 for future dates, NaN
    when missing or unparseable; shape (n,)."""
    return _ages_days(created_at_seconds([c.item for c in candidates]), now)


def _ages_days(created: np.ndarray, now: float) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        return np.maximum((now - created) / SECONDS_PER_DAY, 0.0)


@lru_cache(maxsize=65_536)  # the same titles and descriptions come back request after request
def _tokens(text: str) -> frozenset[str]:
    return frozenset(_TOKEN.findall(text.lower()))


# The last conversion per field, reused when the same vector lists come again: features and MMR
# both need a request's vectors, and turning 200 x 64 JSON floats into an array costs ~0.2 ms.
# Identity, not equality, decides; holding the lists keeps their ids from being reused.
_last_vectors: dict[str, tuple[list[Any], np.ndarray, np.ndarray]] = {}


def item_vectors(candidates: Sequence[Candidate], field: str = "item_vector") -> tuple[np.ndarray, np.ndarray]:
    """Each candidate's item vector as one float32 matrix, plus a mask of who has a usable one.

    The dimension is that of the first well-formed vector; vectors of another length or with
    non-finite values count as missing, so one bad document never breaks a request.

    Returns:
        (vectors of shape (n, d), has_vector of shape (n,) bool), both read-only; missing rows are zeros.
    """
    raw = [c.item.get(field) for c in candidates]
    last = _last_vectors.get(field)
    if last is not None and len(last[0]) == len(raw) and all(map(operator.is_, raw, last[0])):
        return last[1], last[2]
    vectors, has = _convert_vectors(raw)
    vectors.setflags(write=False)
    has.setflags(write=False)
    _last_vectors[field] = (raw, vectors, has)
    return vectors, has


def _closest_similarity(candidates: Sequence[Candidate], field: str, latest: Sequence[Sequence[float]]) -> np.ndarray:
    """Per candidate, the highest dot product of its `field` vector with any of `latest` (those of
    the candidates' dimension); NaN for a candidate without the vector or when none fits."""
    out = np.full(len(candidates), _NAN)
    vectors, has = item_vectors(candidates, field)
    fitting = [v for v in latest if len(v) == vectors.shape[1] > 0]
    if fitting and has.any():
        with np.errstate(over="ignore", invalid="ignore"):
            similarity = vectors[has].astype(np.float64) @ np.asarray(fitting, dtype=np.float64).T
        out[has] = similarity.max(axis=1)
    return out


_VECTOR_TYPES = (list, tuple, np.ndarray)  # JSON lists from a response; arrays from ranking.vector_store


def _convert_vectors(raw: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    n = len(raw)
    dim = next((len(v) for v in raw if isinstance(v, _VECTOR_TYPES) and len(v) > 0), 0)
    has = np.array([isinstance(v, _VECTOR_TYPES) and len(v) == dim for v in raw], dtype=bool) if dim else None
    if has is None or not has.any():
        return np.zeros((n, 0), dtype=np.float32), np.zeros(n, dtype=bool)
    vectors = np.zeros((n, dim), dtype=np.float32)
    rows = np.flatnonzero(has)
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            vectors[rows] = np.asarray([raw[i] for i in rows], dtype=np.float32)
    except (TypeError, ValueError, OverflowError):  # a non-numeric element somewhere: convert row by row
        for i in rows:
            try:
                with np.errstate(over="ignore", invalid="ignore"):
                    vectors[i] = np.asarray(raw[i], dtype=np.float32)
            except (TypeError, ValueError, OverflowError):
                has[i] = False
    has &= np.isfinite(vectors).all(axis=1)
    vectors[~has] = 0.0
    return vectors, has


def _affinity(values: list[Any], boosts: Mapping[str, float]) -> np.ndarray:
    """Per item, the strongest boost among its labels (a string or a list of them); 0 for none."""
    if not boosts:
        return np.zeros(len(values))
    out = []
    for value in values:
        if type(value) is list and len(value) == 1:  # the usual stored form: one label in a list
            value = value[0]
        if type(value) is str:
            out.append(boosts.get(value.lower(), 0.0))
        else:
            out.append(max((boosts.get(x.lower(), 0.0) for x in labels(value)), default=0.0))
    return np.array(out, dtype=np.float64)


def feature_matrix(
    query: Query, candidates: Sequence[Candidate], now: float, context: RequestContext | None = None
) -> np.ndarray:
    """The ranker's input for one request: one row per candidate, one column per FEATURE_NAMES.

    Never raises on odd item documents: a field that is missing or malformed becomes NaN.

    Args:
        query: the request (text, personal data).
        candidates: in retrieval order.
        now: epoch seconds the ages are measured from (the request time; the impression time in training).
        context: facts outside the Query; see RequestContext.

    Returns:
        float32 array of shape (len(candidates), len(FEATURE_NAMES)); finite or NaN.

    Example:
        >>> from ranking.stages import Query
        >>> shoe = Candidate("a", 1.0, {"bm25": 3.0}, {"title": "Red shoes"})
        >>> X = feature_matrix(Query(text="red shoes"), [shoe], now=0.0)
        >>> X.shape == (1, len(FEATURE_NAMES)), float(X[0, FEATURE_NAMES.index("title_overlap")])
        (True, 1.0)
    """
    context = context or RequestContext()
    n = len(candidates)
    col = _COLUMN
    out = np.full((n, len(FEATURE_NAMES)), _NAN)
    feats = [c.features for c in candidates]
    items = [c.item for c in candidates]

    for name in CLAUSE_FEATURES:
        out[:, col[name]] = _column([f.get(name) for f in feats])
    out[:, col["retrieval_rank"]] = _column([f.get("retrieval_rank", i) for i, f in enumerate(feats)])
    out[:, col["retrieval_score"]] = _column([f.get("retrieval_score", c.score) for f, c in zip(feats, candidates)])

    text = query.text or ""
    if text:
        query_tokens = _tokens(text)
        if query_tokens:
            titles = [it.get("title") for it in items]
            overlap = [len(query_tokens & _tokens(t)) if type(t) is str else 0 for t in titles]
            out[:, col["title_overlap"]] = np.array(overlap, dtype=np.float64) / len(query_tokens)
            texts = [it.get("description") for it in items]
            overlap = [len(query_tokens & _tokens(t)) if type(t) is str else 0 for t in texts]
            out[:, col["description_overlap"]] = np.array(overlap, dtype=np.float64) / len(query_tokens)
        else:
            out[:, col["title_overlap"]] = 0.0
            out[:, col["description_overlap"]] = 0.0
    out[:, col["is_search"]] = 1.0 if text else 0.0
    out[:, col["query_tokens"]] = len(_TOKEN.findall(text))

    created = created_at_seconds(items)
    log_price = _log1p_nonneg(numbers(items, "price"))
    seen = set(context.seen_ids)
    personal = query.personal
    if personal is not None:
        seen.update(personal.exclude_ids)
        categories = {k.lower(): _number(v) for k, v in personal.categories.items()}
        brands = {k.lower(): _number(v) for k, v in personal.brands.items()}
        out[:, col["user_category_affinity"]] = _affinity([it.get("category") for it in items], categories)
        out[:, col["user_brand_affinity"]] = _affinity([it.get("brand") for it in items], brands)
        if personal.vector and n:
            vectors, has = item_vectors(candidates)
            user = _column(list(personal.vector))
            if vectors.shape[1] == user.shape[0] and has.any():
                with np.errstate(over="ignore", invalid="ignore"):
                    out[has, col["two_tower_dot"]] = vectors[has].astype(np.float64) @ user
        for name, field, latest in (
            ("recent_item_similarity", "item_vector", personal.recent_vectors),
            ("recent_text_similarity", "text_vector", personal.recent_text_vectors),
        ):
            if latest and n:
                out[:, col[name]] = _closest_similarity(candidates, field, latest)
        with np.errstate(invalid="ignore", over="ignore"):
            if personal.recent_created_at is not None:
                gap = created - _number(personal.recent_created_at)
                out[:, col["created_gap_years"]] = gap / (SECONDS_PER_DAY * 365.25)
            if personal.recent_log_price is not None:
                out[:, col["log_price_gap"]] = log_price - _number(personal.recent_log_price)

    out[:, col["log_popularity"]] = _log1p_nonneg(_column([it.get("popularity") for it in items]))
    out[:, col["trend"]] = np.log1p(trend([it.get("daily_positives") for it in items], now))
    out[:, col["log_price"]] = log_price
    with np.errstate(invalid="ignore"):
        clicks = _column([it.get("clicks") for it in items])
        impressions = _column([it.get("impressions") for it in items])
        clicks = np.where(clicks >= 0, clicks, 0.0)  # missing (NaN) or negative counters count as 0
        impressions = np.where(impressions >= 0, impressions, 0.0)
        out[:, col["ctr"]] = np.minimum(1.0, (clicks + CTR_PRIOR_CLICKS) / (impressions + CTR_PRIOR_IMPRESSIONS))
    out[:, col["age_days"]] = _ages_days(created, now)
    out[:, col["seen_before"]] = [1.0 if c.item_id in seen else 0.0 for c in candidates] if seen else 0.0
    out[:, col["n_candidates"]] = context.n_candidates if context.n_candidates is not None else n
    out[:, col["hour_of_day"]] = _number(context.hour_of_day)
    with np.errstate(over="ignore", invalid="ignore"):
        matrix = out.astype(np.float32)
    matrix[~np.isfinite(matrix)] = np.nan  # inf (or float32 overflow) is as unusable as missing
    return matrix
