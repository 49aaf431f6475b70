"""Search quality on BEIR SciFact (or any BEIR folder): BM25, text kNN, hybrid, + LightGBM, + MMR.

What `tandem eval-search` does, plus timings and, with --experiments, ranker variants that the
product does not ship (yet), each judged on the VALIDATION split of the train queries (the numbers
that choose) and, for information only, on the held-out queries:

- labels: un-interacted replayed candidates at grade 1 ("shown only") instead of 0;
- extra features (a proposal for ranking/features.py): each clause score normalised within the
  request (BM25 / max BM25, min-max kNN, the gap to the best kNN), each candidate's rank by each
  clause, and the share of the query's tokens found in the description.

Needs a running engine (ELASTICSEARCH_URL, e.g. the local dev engine; on a busy shared machine
raise TANDEM_ELASTICSEARCH_TIMEOUT_S, e.g. to 120: the dev engine can take longer than the default
5 s per bulk request). Document vectors are cached under /tmp/tandem-cache (never in the
repository); --runs-cache keeps everything the engine produced, so ranker variants can be re-run
without re-indexing.

Usage:
    ELASTICSEARCH_URL=http://localhost:19200 python bench/eval_scifact.py [--data ../shared/data/scifact-dev]
        [--tune] [--experiments] [--runs-cache /tmp/scifact-runs.pkl]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import pickle
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from api.engine import make_client
from api.search_eval import (
    HYBRID,
    SearchRuns,
    collect_runs,
    describe,
    evaluate_runs,
    format_search_table,
    replay_ndcg,
    retrieval_scores,
    save_search_report,
    train_ranker,
)
from api.settings import Settings
from indexer.embedding import TextEncoder
from ranking.candidate import Candidate
from ranking.config import RankerConfig
from ranking.features import FEATURE_NAMES, feature_matrix
from ranking.metrics import mean_ndcg_at_k
from ranking.ranker import LightGBMRanker
from ranking.replay import ReplaySet
from ranking.stages import Query

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "scifact-dev"
CACHE_DIR = Path("/tmp/tandem-cache")
_TOKEN = re.compile(r"\w+")


class CachedEncoder(TextEncoder):
    """TextEncoder whose document vectors are cached on disk by a hash of each text (benchmarks only)."""

    def __init__(self, model: str, cache_file: Path, **kwargs: object) -> None:
        super().__init__(model, **kwargs)  # type: ignore[arg-type]
        self.cache_file = cache_file
        self.cache: dict[str, np.ndarray] = {}
        if cache_file.exists():
            self.cache = pickle.loads(cache_file.read_bytes())
        self.misses = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.blake2b(t.encode(), digest_size=12).hexdigest() for t in texts]
        missing = [i for i, key in enumerate(keys) if key not in self.cache]
        if missing:
            fresh = super().encode([texts[i] for i in missing])
            for i, vector in zip(missing, fresh):
                self.cache[keys[i]] = vector
            self.misses += len(missing)
        if not texts:
            return super().encode(texts)
        return np.vstack([self.cache[key] for key in keys]).astype(np.float32)

    def save(self) -> None:
        if self.misses:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            self.cache_file.write_bytes(pickle.dumps(self.cache))


# --- experiments: a proposed feature block ------------------------------------------------------
EXTRA_NAMES = ("bm25_rel_max", "knn_minmax", "knn_gap", "bm25_rank", "knn_rank", "description_overlap")


def _rank(values: np.ndarray) -> np.ndarray:
    order = np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return ranks


def extra_features(text: str, candidates: Sequence[Candidate]) -> np.ndarray:
    """Request-relative clause scores and a description overlap, shape (n, len(EXTRA_NAMES))."""
    n = len(candidates)
    bm25 = np.array([c.features.get("bm25", np.nan) for c in candidates], dtype=np.float64)
    knn = np.array([c.features.get("knn_text", np.nan) for c in candidates], dtype=np.float64)
    out = np.full((n, len(EXTRA_NAMES)), np.nan)
    if n == 0:
        return out
    top = np.nanmax(bm25) if np.isfinite(bm25).any() else np.nan
    out[:, 0] = bm25 / top if top and top > 0 else np.nan
    low, high = (np.nanmin(knn), np.nanmax(knn)) if np.isfinite(knn).any() else (np.nan, np.nan)
    out[:, 1] = (knn - low) / (high - low) if high - low > 1e-12 else 1.0
    out[:, 2] = high - knn
    out[:, 3] = _rank(bm25)
    out[:, 4] = _rank(knn)
    tokens = set(_TOKEN.findall(text.lower()))
    if tokens:
        for i, c in enumerate(candidates):
            words = set(_TOKEN.findall(str(c.item.get("description") or "").lower()))
            out[i, 5] = len(tokens & words) / len(tokens)
    return out


def with_extras(data: ReplaySet) -> np.ndarray:
    assert data.candidates is not None, "collect the runs with keep_candidates=True"
    extras = [extra_features(key.query, found) for key, found in zip(data.keys, data.candidates)]
    return np.hstack([data.X, np.vstack(extras)]).astype(np.float32)


def experiment_rows(runs: SearchRuns, cfg: RankerConfig, validation: float, seed: int) -> list[dict[str, object]]:
    """Validation and held-out NDCG@10 of ranker variants (the choice is made on validation only)."""
    fit, valid = runs.train.split(validation, seed)
    rows: list[dict[str, object]] = []
    found_by_query = runs.retrieved[HYBRID]

    def held_out(predict: object, extras: bool) -> float:
        rankings = {}
        for query_id, found in found_by_query.items():
            text = runs.held_out[query_id]
            X = feature_matrix(Query(text=text), found, time.time())
            if extras:
                X = np.hstack([X, extra_features(text, found)]).astype(np.float32)
            scores = predict(X)  # type: ignore[operator]
            order = np.lexsort((np.arange(len(found)), -scores))
            rankings[query_id] = [found[i].item_id for i in order]
        return mean_ndcg_at_k(rankings, runs.judgements, 10)

    rows.append(
        {
            "variant": "retrieval order (hybrid)",
            "validation": replay_ndcg(valid, retrieval_scores(valid)),
            "held_out": mean_ndcg_at_k(
                {q: [c.item_id for c in f] for q, f in found_by_query.items()}, runs.judgements, 10
            ),
        }
    )
    ranker, info = train_ranker(runs.train, cfg, validation=validation, seed=seed)
    rows.append(
        {
            "variant": "ranker (shipped features, labels 0/2)",
            "validation": info["validation_ndcg@10"],
            "held_out": held_out(ranker.predict, False),
            "trees": ranker.best_iteration,
        }
    )
    shown = LightGBMRanker(cfg).fit(
        fit.X, np.where(fit.y == 0, 1, fit.y), fit.group, valid.X, np.where(valid.y == 0, 1, valid.y), valid.group
    )
    rows.append(
        {
            "variant": "ranker, un-interacted = 1 (shown only)",
            "validation": replay_ndcg(valid, shown.predict(valid.X)),
            "held_out": held_out(shown.predict, False),
            "trees": shown.best_iteration,
        }
    )
    if runs.train.candidates is not None:
        names = (*FEATURE_NAMES, *EXTRA_NAMES)
        Xf, Xv = with_extras(fit), with_extras(valid)
        extra = LightGBMRanker(cfg, feature_names=names).fit(Xf, fit.y, fit.group, Xv, valid.y, valid.group)
        rows.append(
            {
                "variant": "ranker + proposed request-relative features",
                "validation": replay_ndcg(valid, extra.predict(Xv)),
                "held_out": held_out(extra.predict, True),
                "trees": extra.best_iteration,
            }
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="BEIR folder. Default: SciFact.")
    parser.add_argument("--held-out", type=float, default=0.25)
    parser.add_argument("--validation", type=float, default=0.2)
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-queries", type=int, default=None)
    parser.add_argument("--tune", action="store_true", help="choose RankerConfig on the validation split")
    parser.add_argument("--separate-baselines", action="store_true", help="BM25 and kNN as their own requests")
    parser.add_argument("--experiments", action="store_true", help="also run the ranker variants above")
    parser.add_argument("--runs-cache", type=Path, default=None, help="pickle of the engine's results, reused")
    parser.add_argument("--out", type=Path, default=Path(".tandem/eval"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("elastic_transport", "httpx", "sentence_transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not args.data.is_dir():
        print(f"no data at {args.data}", file=sys.stderr)
        return 1

    settings = Settings()
    started = time.perf_counter()
    if args.runs_cache is not None and args.runs_cache.exists():
        runs: SearchRuns = pickle.loads(args.runs_cache.read_bytes())
        print(f"engine results from {args.runs_cache}")
    else:
        encoder = CachedEncoder(
            settings.embedding_model,
            CACHE_DIR / f"beir-{args.data.name}-{settings.embedding_model.replace('/', '_')}.pkl",
            batch_size=settings.indexer.embed_batch_size,
        )
        try:
            runs = collect_runs(
                settings,
                make_client(settings),
                args.data,
                encoder=encoder,
                held_out=args.held_out,
                seed=args.seed,
                depth=args.depth,
                max_queries=args.max_queries,
                keep_candidates=args.experiments or args.runs_cache is not None,
                separate_baselines=args.separate_baselines,
            )
        finally:
            encoder.save()  # what was embedded before a failure is kept for the next run
        if args.runs_cache is not None:
            args.runs_cache.write_bytes(pickle.dumps(runs))
    collected = time.perf_counter() - started

    report = evaluate_runs(runs, ranker_cfg=settings.ranker, validation=args.validation, tune=args.tune, seed=args.seed)
    json_path, md_path = save_search_report(report, args.out / runs.dataset)
    print(format_search_table(report))
    print()
    print(describe(report))
    print("importance (gain):", report["ranker"]["feature_importance_gain"])
    if report["ranker"]["tuning"]:
        print("\n| objective | num_leaves | min_data_in_leaf | learning_rate | validation ndcg@10 | trees |")
        print("|---|---:|---:|---:|---:|---:|")
        for trial in sorted(report["ranker"]["tuning"], key=lambda t: -t["validation_ndcg@10"]):
            print(
                f"| {trial['objective']} | {trial['num_leaves']} | {trial['min_data_in_leaf']} | "
                f"{trial['learning_rate']} | {trial['validation_ndcg@10']:.4f} | {trial['trees']} |"
            )
    print("\ntimings (s):", {k: round(v, 1) for k, v in report["timings"].items()}, f"engine part {collected:.1f}")
    per_query = {k: round(v["ms_per_query"], 2) for k, v in report["methods"].items() if "ms_per_query" in v}
    print("rank (+ rerank) ms per query:", per_query)

    if args.experiments:
        cfg = RankerConfig(**report["ranker"]["config"])
        print("\n| variant | validation ndcg@10 | held-out ndcg@10 | trees |")
        print("|---|---:|---:|---:|")
        for row in experiment_rows(runs, cfg, args.validation, args.seed):
            print(f"| {row['variant']} | {row['validation']:.4f} | {row['held_out']:.4f} | {row.get('trees', '')} |")
    print(f"\nresults: {json_path}, {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
