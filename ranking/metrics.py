"""Top-k ranking metrics (Recall@k, NDCG@k), exact and shared by training and evaluation.

Duplicate ids in a ranking count once (at their first position), so a buggy retriever
that repeats a hit cannot inflate its score.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

import numpy as np
from scipy import stats

Relevance = Iterable[Hashable] | Mapping[Hashable, float]


def _top_k_unique(ranked_ids: Sequence[Hashable], k: int) -> list[Hashable]:
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    seen: set[Hashable] = set()
    top: list[Hashable] = []
    for item_id in ranked_ids:
        if item_id not in seen:
            seen.add(item_id)
            top.append(item_id)
            if len(top) == k:
                break
    return top


def _gains(relevant: Relevance) -> dict[Hashable, float]:
    if isinstance(relevant, Mapping):
        gains = {item_id: float(g) for item_id, g in relevant.items()}
    else:
        gains = dict.fromkeys(relevant, 1.0)
    if not gains:
        raise ValueError("relevant is empty; skip users without held-out items")
    return gains


def recall_at_k(ranked_ids: Sequence[Hashable], relevant: Relevance, k: int) -> float:
    """Share of the relevant items found in the first k: |top-k ∩ relevant| / |relevant|.

    The denominator is |relevant| (not min(k, |relevant|)), the usual definition, so
    Recall@k can stay below 1 when k < |relevant|.

    Raises:
        ValueError: if k <= 0 or `relevant` is empty.

    Example:
        >>> recall_at_k(["a", "b", "c"], {"a", "c", "z", "y"}, 2)
        0.25
    """
    relevant_ids = set(_gains(relevant))
    top = _top_k_unique(ranked_ids, k)
    return sum(1 for item_id in top if item_id in relevant_ids) / len(relevant_ids)


def ndcg_at_k(ranked_ids: Sequence[Hashable], relevant_or_gains: Relevance, k: int) -> float:
    """NDCG@k with gain 2^g - 1 and discount 1/log2(rank + 1) (rank from 1).

    Args:
        ranked_ids: the ranking, best first.
        relevant_or_gains: a set of relevant ids (binary: g = 1, gain 1) or a dict of graded
            relevance g per id (gain 2^g - 1; g <= 0 contributes nothing).
        k: cut-off.

    Returns:
        DCG@k / IDCG@k in [0, 1]; 0 when no item has positive gain.

    Raises:
        ValueError: if k <= 0 or `relevant_or_gains` is empty.

    Example:
        >>> round(ndcg_at_k(["x", "a"], {"a"}, 2), 4)  # 1/log2(3)
        0.6309
    """
    grades = _gains(relevant_or_gains)
    top = _top_k_unique(ranked_ids, k)
    dcg = sum((2.0 ** grades.get(item_id, 0.0) - 1.0) / math.log2(rank + 2) for rank, item_id in enumerate(top))
    ideal = sorted((2.0**g - 1.0 for g in grades.values()), reverse=True)[:k]
    idcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(ideal) if gain > 0)
    return dcg / idcg if idcg > 0 else 0.0


def mean_metric(
    metric: Callable[[Sequence[Hashable], Relevance, int], float],
    rankings: Mapping[Hashable, Sequence[Hashable]],
    relevant: Mapping[Hashable, Relevance],
    k: int,
) -> float:
    """Mean of `metric` over the users in `relevant` (a user without a ranking scores 0).

    Users with an empty relevant set are skipped: they have nothing to find.

    Example:
        >>> mean_metric(recall_at_k, {"u": ["a"]}, {"u": {"a"}, "v": {"b"}}, 10)
        0.5
    """
    scores = [
        metric(rankings.get(user_id, ()), rel, k)
        for user_id, rel in relevant.items()
        if len(rel) > 0  # type: ignore[arg-type]
    ]
    return sum(scores) / len(scores) if scores else 0.0


def paired_gain(
    metric: Callable[[Sequence[Hashable], Relevance, int], float],
    baseline: Mapping[Hashable, Sequence[Hashable]],
    candidate: Mapping[Hashable, Sequence[Hashable]],
    relevant: Mapping[Hashable, Relevance],
    k: int,
    *,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> dict[str, float]:
    """Mean per-user gain of `candidate` over `baseline` on `metric`, with a bootstrap interval.

    Both lists are judged on the same users, so the per-user differences are resampled (a paired
    bootstrap, scipy's BCa interval): a gain whose interval excludes 0 is more than the luck of
    which users were held out. Users are those of `mean_metric`.

    Returns:
        {"gain": mean difference, "low": ..., "high": ... (the interval), "users": n}.

    Example:
        >>> paired_gain(ndcg_at_k, {"u": ["b", "a"]}, {"u": ["a", "b"]}, {"u": {"a"}}, 10, resamples=10)["gain"]
        0.36907024642854247
    """
    users = [u for u, rel in relevant.items() if len(rel) > 0]  # type: ignore[arg-type]
    diff = np.array([
        metric(candidate.get(u, ()), relevant[u], k) - metric(baseline.get(u, ()), relevant[u], k) for u in users
    ])  # fmt: skip
    if len(diff) < 2 or np.all(diff == diff[0]):  # no spread to resample
        gain = float(diff.mean()) if len(diff) else 0.0
        return {"gain": gain, "low": gain, "high": gain, "users": float(len(diff))}
    interval = stats.bootstrap(
        (diff,), np.mean, confidence_level=confidence, n_resamples=resamples, rng=np.random.default_rng(seed)
    ).confidence_interval
    return {
        "gain": float(diff.mean()),
        "low": float(interval.low),
        "high": float(interval.high),
        "users": float(len(diff)),
    }


def mean_recall_at_k(
    rankings: Mapping[Hashable, Sequence[Hashable]],
    relevant: Mapping[Hashable, Relevance],
    k: int,
) -> float:
    """Mean Recall@k over users; see `recall_at_k` and `mean_metric`."""
    return mean_metric(recall_at_k, rankings, relevant, k)


def mean_ndcg_at_k(
    rankings: Mapping[Hashable, Sequence[Hashable]],
    relevant: Mapping[Hashable, Relevance],
    k: int,
) -> float:
    """Mean NDCG@k over users; see `ndcg_at_k` and `mean_metric`."""
    return mean_metric(ndcg_at_k, rankings, relevant, k)


def intra_list_diversity(vectors: Sequence[Sequence[float]]) -> float:
    """Mean pairwise cosine distance (1 - cosine) of a list's item vectors; 0 for fewer than two.

    A page of near-copies scores ~0, a page of unrelated items ~1 (up to 2 for opposite vectors).

    Raises:
        ValueError: if a vector is all zeros (its cosine is undefined) or lengths differ.

    Example:
        >>> intra_list_diversity([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])  # pairs: 1, 0, 1
        0.6666666666666666
    """
    rows = [[float(x) for x in v] for v in vectors]
    if len({len(v) for v in rows}) > 1:
        raise ValueError(f"vectors must all have the same length, got {sorted({len(v) for v in rows})}")
    norms = [math.sqrt(sum(x * x for x in v)) for v in rows]
    if any(norm == 0 for norm in norms):
        raise ValueError("vectors: an all-zero vector has no cosine")
    unit = [[x / norm for x in v] for v, norm in zip(rows, norms)]
    distances = [
        1.0 - sum(a * b for a, b in zip(unit[i], unit[j])) for i in range(len(unit)) for j in range(i + 1, len(unit))
    ]
    return sum(distances) / len(distances) if distances else 0.0


def category_coverage(items: Iterable[Mapping[str, object]], categories: Iterable[str] | None = None) -> float:
    """How many categories a list spans: the share of `categories` present among `items`, or
    without `categories`, the number of distinct categories present.

    An item's `category` may be a string or a list; matching ignores case.

    Raises:
        ValueError: if `categories` is given but empty.

    Example:
        >>> page = [{"category": "Shoes"}, {"category": ["shoes", "Sport"]}, {"brand": "x"}]
        >>> category_coverage(page), category_coverage(page, ["Shoes", "Sport", "Kitchen", "Books"])
        (2.0, 0.5)
    """
    present: set[str] = set()
    for item in items:
        value = item.get("category")
        names = [value] if isinstance(value, str) else value if isinstance(value, (list, tuple)) else []
        present.update(name.lower() for name in names if isinstance(name, str) and name)
    if categories is None:
        return float(len(present))
    wanted = {name.lower() for name in categories}
    if not wanted:
        raise ValueError("categories is empty")
    return len(present & wanted) / len(wanted)
