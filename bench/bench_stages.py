"""Latency of Tandem's own ranking work for one request: features + LightGBM + MMR.

A LightGBM lambdarank model (--bags bags of --trees trees; RankerConfig's 8 bags by default,
`--bags 8 --trees 21` is the size of the MovieLens feed model) is trained on synthetic requests, then one request
of 200 candidates (realistic item documents and clause scores, a known user) goes through
`LightGBMRanker.rank` (features + predict) and `MMRReranker.rerank` (k=20) many times, first with
LightGBM's predict, then with the trees compiled (`ranking.compiled_trees`, what serving uses once
compiled). Prints the median and p99 of each part, with and without vectors in the documents: with them, each
candidate carries its 64-d item_vector and 384-d text_vector (both from `ranking.vector_store`'s
memory), and the user five liked items' vectors of each; without
them MMR uses category/brand Jaccard and the similarity features are missing.
Target (DESIGN.md): features + LightGBM + MMR for 200 candidates <= 3 ms median on 2 cores.
Prints figures, asserts nothing.

Usage:
    python bench/bench_stages.py [--candidates 200] [--k 20] [--repeats 2000] [--trees 300] [--bags 8]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import numpy as np

from ranking.candidate import Candidate
from ranking.config import RankerConfig, RerankConfig
from ranking.features import feature_matrix
from ranking.item_stats import daily_positives, day_number
from ranking.ranker import LightGBMRanker
from ranking.rerank import MMRReranker
from ranking.stages import Personal, Query

NOW = 1_780_000_000.0
TODAY = day_number(NOW)
CATEGORIES = [f"Category {i}" for i in range(12)]
WORDS = "espresso machine trail running shoes steel kettle wool jacket desk lamp garden hose book".split()


def out(line: str) -> None:
    """Write one line of the report to stdout."""
    sys.stdout.write(line + "\n")


def candidates(rng: np.random.Generator, n: int, vectors: bool, offset: int = 0) -> list[Candidate]:
    """One request's retrieval output: clause scores as HybridRetriever + personal boosts fill them."""
    found = []
    for i in range(n):
        item = {
            "id": f"item-{offset + i}",
            "title": " ".join(rng.choice(WORDS, size=5)),
            "category": [CATEGORIES[int(rng.integers(12))]],
            "brand": f"Brand {int(rng.integers(60))}",
            "tags": ["a", "b"],
            "price": float(rng.gamma(2, 40)),
            "popularity": int(rng.integers(0, 500)),
            "created_at": f"2025-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}T10:00:00Z",
            "impressions": int(rng.integers(0, 1000)),
            "clicks": int(rng.integers(0, 50)),
            # up to 120 days of daily positives (what `tandem train` keeps), as a busy shop's item holds
            "daily_positives": daily_positives(list(range(TODAY - 120, TODAY)), rng.integers(1, 5, 120).tolist()),
        }
        if vectors:
            item["item_vector"] = unit(rng, 64)  # read-only float32 arrays, as ranking.vector_store attaches both
            item["text_vector"] = unit(rng, 384)
        features = {
            "bm25": float(rng.gamma(2, 3)),
            "knn_text": float(rng.uniform(0.5, 1.0)),
            "knn_user": float(rng.uniform(0.0, 1.0)),
            "affinity_category": float(rng.integers(0, 2)),
            "affinity_brand": float(rng.integers(0, 2)),
            "cf": 0.0,
            "es_score": float(rng.gamma(2, 5)),
        }
        found.append(Candidate(item["id"], float(rng.uniform()), features, item))
    found.sort(key=lambda c: -c.score)
    return found


def train(rng: np.random.Generator, query: Query, trees: int, bags: int) -> LightGBMRanker:
    """A model of `bags` bags of `trees` real trees: noisy labels and no early stopping."""
    requests = [candidates(rng, 50, vectors=False, offset=1000 * r) for r in range(200)]
    X = np.vstack([feature_matrix(query, found, NOW) for found in requests])
    signal = X[:, 2] + 0.3 * X[:, 1] + rng.normal(0, 0.3, size=len(X))  # knn_user, knn_text, noise
    y = np.digitize(signal, np.quantile(signal, [0.5, 0.8, 0.95]))
    cfg = RankerConfig(n_estimators=trees, bags=bags, early_stopping_rounds=0, learning_rate=0.05)
    return LightGBMRanker(cfg, clock=lambda: NOW).fit(X, y, [50] * len(requests))


def timings(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(median, p99) in milliseconds over `repeats` calls after a warm-up."""
    for _ in range(min(50, repeats)):
        fn()
    samples = np.empty(repeats)
    for r in range(repeats):
        start = time.perf_counter_ns()
        fn()
        samples[r] = (time.perf_counter_ns() - start) / 1e6
    return float(np.median(samples)), float(np.percentile(samples, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=2000)
    parser.add_argument("--trees", type=int, default=300)
    parser.add_argument("--bags", type=int, default=RankerConfig().bags, help="Default: RankerConfig's.")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    personal = Personal(
        vector=[float(x) for x in rng.normal(size=64)],
        categories={CATEGORIES[0]: 1.0, CATEGORIES[3]: 0.5},
        brands={"Brand 1": 1.0},
        exclude_ids=("item-3", "item-17"),
        recent_vectors=tuple(tuple(float(x) for x in rng.normal(size=64)) for _ in range(5)),
        recent_text_vectors=tuple(tuple(float(x) for x in unit(rng, 384)) for _ in range(5)),
    )
    query = Query(text="trail running shoes", user_id="u1", personal=personal)
    started = time.perf_counter()
    ranker = train(rng, query, args.trees, args.bags)
    trees = sum(b.num_trees() for b in ranker.boosters)
    out(f"trained {len(ranker.boosters)} bag(s), {trees} trees in all, in {time.perf_counter() - started:.1f} s")
    reranker = MMRReranker(RerankConfig(), clock=lambda: NOW)

    out(f"{args.candidates} candidates, k={args.k}, {args.repeats} repeats; milliseconds (median / p99)")
    pages = {vectors: candidates(rng, args.candidates, vectors) for vectors in (True, False)}
    for trees_label in ("LightGBM predict", "compiled trees (serving default)"):
        if trees_label.startswith("compiled"):
            started = time.perf_counter()
            ranker.compile()
            if ranker.compiled is None:
                out("trees not compiled (see the warning); skipping")
                break
            out(f"compiled the trees in {time.perf_counter() - started:.1f} s")
        out(trees_label)
        for label, vectors in (("with vectors (MMR cosine)", True), ("without vectors (MMR Jaccard)", False)):
            out(f"  {label}")
            for name, (median, p99) in measure(ranker, reranker, query, pages[vectors], args.k, args.repeats).items():
                out(f"    {name:<26} {median:6.3f} / {p99:6.3f}")


def measure(
    ranker: LightGBMRanker, reranker: MMRReranker, query: Query, found: list[Candidate], k: int, repeats: int
) -> dict[str, tuple[float, float]]:
    """(median, p99) of each part for one request."""
    # Two copies with their own vector lists, used in turn, so no call reuses the previous
    # request's converted vectors (ranking.features.item_vectors); MMR within a request does.
    pair = [found, [Candidate(c.item_id, c.score, c.features, _copy_vectors(c.item)) for c in found]]
    ranked = [ranker.rank(query, page) for page in pair]
    X = feature_matrix(query, found, NOW)
    feed = Query(user_id=query.user_id, personal=query.personal)  # MMR as for a feed: caps on, the slower case
    turn = iter(range(10**12))
    parts: dict[str, Callable[[], object]] = {
        "features": lambda: feature_matrix(query, pair[next(turn) % 2], NOW),
        "trees predict": lambda: ranker.predict(X),
        "rank (features+predict)": lambda: ranker.rank(query, pair[next(turn) % 2]),
        "mmr + rules (feed)": lambda: reranker.rerank(feed, ranked[next(turn) % 2], k),
        "total: rank + mmr": lambda: reranker.rerank(feed, ranker.rank(query, pair[next(turn) % 2]), k),
    }
    return {name: timings(fn, repeats) for name, fn in parts.items()}


def _copy_vectors(item: dict) -> dict:
    if "item_vector" not in item:
        return dict(item)
    return {**item, "item_vector": item["item_vector"].copy(), "text_vector": item["text_vector"].copy()}


def unit(rng: np.random.Generator, dim: int) -> np.ndarray:
    """A random L2-normalised float32 vector, as the text encoder stores them."""
    v = rng.normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


if __name__ == "__main__":
    main()
