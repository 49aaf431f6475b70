"""`tandem eval-search`: search quality on a BEIR-format folder, every stage through the real ES request.

The folder's documents are indexed under a throw-away index prefix (deleted afterwards), exactly as
`tandem index` would index a catalog. Its judged queries are split at random, seeded
(`ranking.beir.split_queries`, 25% held out by default). The train queries' judgements are imported
as the search-click events a log would hold (validated like `tandem events import`) and replayed
through the serving HybridRetriever (`ranking.replay`) to train the LightGBM ranker; a seeded 20% of
those train queries is its validation split for early stopping and, with `tune`, for choosing its
hyper-parameters. The held-out queries are never seen before they are scored.

Methods, each judged by NDCG@10 and by Recall@10 / Recall@depth of its list on the held-out queries:

- BM25 (ES): the `bm25` multi_match clause's order.
- kNN text (ES): the `knn_text` clause's order.
- Hybrid (fused): the serving retrieval order (min-max fusion of the two clause scores).
- Hybrid + LightGBM: the hybrid candidates re-scored by the ranker trained on the replayed clicks.
- Hybrid + LightGBM + MMR: then diversified by MMRReranker with its search lambda.

By default the two single-clause baselines order the hybrid request's candidates by their own
clause score (one request per query: on the linear-scan dev engine a SciFact query costs seconds);
with `separate_baselines` each is a request of its own, so its Recall@depth is the method's alone.
"""

from __future__ import annotations

import json
import logging
import random
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from elasticsearch import Elasticsearch
from tqdm import tqdm

from api.settings import Settings
from indexer.embedding import TextEncoder
from indexer.errors import RowValidationError
from indexer.events import validate_event
from indexer.load import Encoder, index_catalog
from indexer.mappings import IndexNames
from ranking.beir import judgements_to_events, load_beir, split_queries, write_catalog
from ranking.candidate import Candidate
from ranking.config import RankerConfig, RerankConfig
from ranking.features import FEATURE_NAMES
from ranking.metrics import mean_ndcg_at_k, mean_recall_at_k, ndcg_at_k
from ranking.ranker import EVAL_AT, LightGBMRanker
from ranking.replay import DEFAULT_DEPTH, POSITIVE_GRADE, ReplaySet, replay_search_events
from ranking.rerank import MMRReranker
from ranking.retrieval import HybridRetriever, QueryEncoder
from ranking.stages import Query, Retriever

logger = logging.getLogger(__name__)

BM25 = "BM25 (ES)"
KNN = "kNN text (ES)"
HYBRID = "Hybrid (fused)"
RANKER = "Hybrid + LightGBM"
MMR = "Hybrid + LightGBM + MMR"
METHODS: tuple[str, ...] = (BM25, KNN, HYBRID, RANKER, MMR)
RETRIEVED: tuple[str, ...] = (BM25, KNN, HYBRID)
REPORT_JSON = "eval_search.json"
REPORT_MD = "eval_search.md"


class SearchEncoder(Encoder, QueryEncoder, Protocol):
    """Encodes documents for indexing and queries for retrieval (TextEncoder does both)."""


@dataclass
class SearchRuns:
    """Everything the Elasticsearch part of an evaluation produced; scoring needs no engine.

    Attributes:
        dataset: the BEIR folder's name.
        depth: candidates per request.
        train: the train queries' replayed searches (ranker training data).
        held_out: held-out query id -> text.
        judgements: held-out query id -> {relevant corpus id: grade}.
        retrieved: method (BM25, KNN, HYBRID) -> held-out query id -> candidates in the method's order.
        data: counts describing the split.
        timings: seconds per phase.
    """

    dataset: str
    depth: int
    train: ReplaySet
    held_out: dict[str, str]
    judgements: dict[str, dict[str, int]]
    retrieved: dict[str, dict[str, list[Candidate]]]
    data: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def import_events(events: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Events as `tandem events import` stores them (validated documents), and how many were rejected."""
    valid, rejected = [], 0
    for event in events:
        try:
            valid.append(validate_event(event))
        except RowValidationError:
            rejected += 1
    return valid, rejected


def retrievers(es: Elasticsearch, index: str, encoder: QueryEncoder, settings: Settings) -> dict[str, Retriever]:
    """The three retrieval methods as separate requests, all built by the serving HybridRetriever from
    settings.retrieval: BM25 without the kNN clause, kNN with the BM25 clause weighted 0, and hybrid."""
    cfg = settings.retrieval.for_replay()
    return {
        BM25: HybridRetriever(es, index, None, cfg),
        KNN: HybridRetriever(es, index, encoder, cfg.model_copy(update={"bm25_weight": 0.0})),
        HYBRID: HybridRetriever(es, index, encoder, cfg),
    }


def by_clause(candidates: Sequence[Candidate], clause: str) -> list[Candidate]:
    """Candidates re-ordered by one clause's own score, best first (ties and non-matches keep their order).

    Example:
        >>> found = [Candidate("a", 1.0, {"bm25": 2.0, "knn_text": 0.9}), Candidate("b", 0.5, {"bm25": 5.0})]
        >>> [c.item_id for c in by_clause(found, "bm25")], [c.item_id for c in by_clause(found, "knn_text")]
        (['b', 'a'], ['a', 'b'])
    """
    return sorted(candidates, key=lambda c: -c.features.get(clause, 0.0))


def collect_runs(
    settings: Settings,
    es: Elasticsearch,
    folder: str | Path,
    *,
    encoder: SearchEncoder | None = None,
    held_out: float = 0.25,
    seed: int = 0,
    depth: int = DEFAULT_DEPTH,
    max_queries: int | None = None,
    keep_candidates: bool = False,
    separate_baselines: bool = False,
    progress: bool = True,
) -> SearchRuns:
    """Index the folder under a throw-away prefix, replay the train queries, retrieve the held-out ones.

    Args:
        settings: retrieval, indexer and interaction settings; `index_prefix` prefixes the throw-away indices.
        es: client.
        folder: a BEIR folder (corpus.jsonl, queries.jsonl, qrels/*.tsv); every qrels split is used.
        encoder: the text encoder (default: settings.embedding_model).
        held_out: share of judged queries held out. Default 0.25.
        seed: seed of the query split (and of the max_queries sample).
        depth: candidates per request. Default 100.
        max_queries: judge at most this many queries (a seeded sample), for quick runs. Default: all.
        keep_candidates: keep the train replay's candidates (for analysis).
        separate_baselines: send BM25 and kNN as requests of their own (`retrievers`), so their
            Recall@depth is that of each method alone. Default off: both are the hybrid request's
            candidates ordered by that clause's score (one request per held-out query instead of
            three; the top 10 by either clause is all but always among the hybrid top 100, since the
            hybrid request ranks by the sum of the two clause scores).
        progress: show progress bars.

    Raises:
        ValueError: bad arguments, or a folder without judged queries.
        FileNotFoundError: not a BEIR folder.
    """
    if depth <= 0:
        raise ValueError(f"depth must be positive, got {depth}")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    data = load_beir(folder)
    judgements = data.judgements()
    if len(judgements) < 2:
        raise ValueError(f"folder: {data.name} has {len(judgements)} judged queries; at least 2 are needed")
    query_ids = sorted(judgements)
    if max_queries is not None and max_queries < len(query_ids):
        query_ids = sorted(random.Random(seed).sample(query_ids, max_queries))
    split = split_queries(query_ids, held_out, seed)
    events, rejected = import_events(judgements_to_events(data.queries, judgements, split.train))
    timings["load_s"] = time.perf_counter() - started

    encoder = encoder or TextEncoder(settings.embedding_model, batch_size=settings.indexer.embed_batch_size)
    names = IndexNames(f"{settings.index_prefix}search-eval-{uuid.uuid4().hex[:6]}-")
    try:
        with tempfile.TemporaryDirectory(prefix="tandem-beir-") as tmp:
            catalog = write_catalog(data.items, Path(tmp) / f"{data.name}.jsonl")
            started = time.perf_counter()
            report = index_catalog(es, str(catalog), encoder, names, settings.indexer, progress=progress)
            timings["index_s"] = time.perf_counter() - started
        methods = retrievers(es, names.items, encoder, settings)

        started = time.perf_counter()
        train = replay_search_events(
            events,
            methods[HYBRID],
            k=depth,
            interactions=settings.interactions,
            keep_candidates=keep_candidates,
            progress=progress,
        )
        timings["replay_s"] = time.perf_counter() - started

        retrieved: dict[str, dict[str, list[Candidate]]] = {name: {} for name in RETRIEVED}
        for name in RETRIEVED if separate_baselines else (HYBRID,):
            started = time.perf_counter()
            for query_id in tqdm(split.held_out, desc=name, unit="query", disable=not progress):
                retrieved[name][query_id] = methods[name].retrieve(Query(text=data.queries[query_id]), depth)[:depth]
            timings[f"retrieve_s[{name}]"] = time.perf_counter() - started
        if not separate_baselines:
            for name, clause in ((BM25, "bm25"), (KNN, "knn_text")):
                retrieved[name] = {q: by_clause(found, clause) for q, found in retrieved[HYBRID].items()}
    finally:
        for index in es.indices.get(index=f"{names.prefix}*", expand_wildcards="all"):
            es.options(ignore_status=404).indices.delete(index=index)

    counts = {
        "folder": str(folder),
        "documents": len(data.items),
        "documents_indexed": report.accepted,
        "queries_judged": len(judgements),
        "queries_used": len(query_ids),
        "train_queries": len(split.train),
        "held_out_queries": len(split.held_out),
        "held_out_share": held_out,
        "seed": seed,
        "depth": depth,
        "baselines": "separate requests" if separate_baselines else "hybrid candidates by clause score",
        "train_events": len(events),
        "train_events_rejected": rejected,
        "qrels_splits": sorted(data.qrels),
    }
    return SearchRuns(
        dataset=data.name,
        depth=depth,
        train=train,
        held_out={q: data.queries[q] for q in split.held_out},
        judgements={q: judgements[q] for q in split.held_out},
        retrieved=retrieved,
        data=counts,
        timings=timings,
    )


def replay_ndcg(data: ReplaySet, scores: np.ndarray, k: int = EVAL_AT) -> float:
    """Mean NDCG@k over replayed searches when each group's candidates are ordered by `scores`.

    Relevance is what the user did: grades >= POSITIVE_GRADE (click or better), gain 2^grade - 1.
    Scores tie-break by retrieval order. Pass `-retrieval position` to score the retrieval order itself.
    """
    if len(data) == 0:
        return 0.0
    total, start = 0.0, 0
    for size in data.group:
        y, s = data.y[start : start + size], scores[start : start + size]
        order = np.lexsort((np.arange(size), -s))
        relevant = {int(i): float(y[i]) for i in range(size) if y[i] >= POSITIVE_GRADE}
        total += ndcg_at_k([int(i) for i in order], relevant, k)
        start += size
    return total / len(data)


def retrieval_scores(data: ReplaySet) -> np.ndarray:
    """Scores that put each group's candidates in their retrieval order (for `replay_ndcg`)."""
    return -np.concatenate([np.arange(size) for size in data.group]) if len(data) else np.zeros(0)


def train_ranker(
    train: ReplaySet, cfg: RankerConfig | None = None, *, validation: float = 0.2, seed: int = 0, folds: int = 0
) -> tuple[LightGBMRanker, dict[str, Any]]:
    """Fit the ranker on the replayed train searches, early-stopped on a seeded validation share of
    them, or, with `folds` >= 2, with its number of trees chosen by cross-validation
    (`cross_validated_ranker`).

    Returns:
        (the fitted ranker, {"validation_queries", "validation_ndcg@10" of the ranker and of the
        retrieval order on the validation searches, "trees"}).

    Raises:
        ValueError: if there is nothing to train on.
    """
    if len(train) == 0:
        raise ValueError("train: no replayed search with a retrieved positive; nothing to train the ranker on")
    if folds >= 2:
        return cross_validated_ranker(train, cfg, folds=folds, seed=seed)
    fit, valid = train.split(validation, seed) if validation > 0 else (train, train.subset([]))
    if len(fit) == 0:
        fit, valid = train, train.subset([])
    ranker = LightGBMRanker(cfg or RankerConfig())
    if len(valid):
        ranker.fit(fit.X, fit.y, fit.group, valid.X, valid.y, valid.group)
    else:
        ranker.fit(fit.X, fit.y, fit.group)
    info: dict[str, Any] = {"train_queries": len(fit), "validation_queries": len(valid), "trees": ranker.best_iteration}
    if len(valid):
        info[f"validation_ndcg@{EVAL_AT}"] = replay_ndcg(valid, ranker.predict(valid.X))
        info[f"validation_ndcg@{EVAL_AT}_retrieval_order"] = replay_ndcg(valid, retrieval_scores(valid))
    return ranker, info


def _refit_at_peak(data: ReplaySet, full_curve: RankerConfig, curve: np.ndarray) -> tuple[int, LightGBMRanker]:
    """The tree count at the validation curve's first peak (fewer trees on a tie), and a ranker of
    that many trees fitted on all of `data`: the last step of both ways of choosing trees."""
    trees = int(np.argmax(curve)) + 1
    return trees, LightGBMRanker(full_curve.model_copy(update={"n_estimators": trees})).fit(data.X, data.y, data.group)


def cross_validated_ranker(
    train: ReplaySet, cfg: RankerConfig | None = None, *, folds: int = 5, seed: int = 0
) -> tuple[LightGBMRanker, dict[str, Any]]:
    """Choose the number of trees by k-fold cross-validation over users, then fit on every group.

    Why: a feed replay has one group per user, a few hundred in all. Early stopping on a 20%
    validation share then watches ~60 users, whose NDCG@10 curve is noise that peaks after a
    handful of trees (3 on the MovieLens replay: +0.0017 NDCG@10 over retrieval order on the test
    users), and those users are never trained on. Averaged over folds that hold out every user
    once, the curve is smooth enough to place its peak (55 trees on two cuts there: +0.0075), and
    the final model sees everyone.

    Returns:
        (the ranker fitted on all of `train` with the chosen number of trees (at most
        cfg.n_estimators), {"train_queries", "cv_folds", "trees", "validation_queries" (all of
        them, each held out once), "validation_ndcg@10" of the fold models at that many trees and
        "validation_ndcg@10_retrieval_order", both averaged over the held-out groups}).

    Raises:
        ValueError: if there are fewer users than folds.
    """
    cfg = cfg or RankerConfig()
    full_curve = cfg.model_copy(update={"early_stopping_rounds": 0})
    splits = train.folds(folds, seed)
    fitted = [LightGBMRanker(full_curve).fit(a.X, a.y, a.group, b.X, b.y, b.group) for a, b in splits]
    weights = np.array([len(b) for _, b in splits], dtype=np.float64)
    curve = np.average(np.array([f.validation_curve for f in fitted]), axis=0, weights=weights)
    trees, final = _refit_at_peak(train, full_curve, curve)
    held_ndcg, retrieval_ndcg = 0.0, 0.0
    for ranker, (_, held) in zip(fitted, splits):
        ranker.best_iteration = trees
        held_ndcg += replay_ndcg(held, ranker.predict(held.X)) * len(held)
        retrieval_ndcg += replay_ndcg(held, retrieval_scores(held)) * len(held)
    info: dict[str, Any] = {
        "train_queries": len(train),
        "cv_folds": folds,
        "trees": trees,
        "validation_queries": len(train),
        f"validation_ndcg@{EVAL_AT}": held_ndcg / len(train),
        f"validation_ndcg@{EVAL_AT}_retrieval_order": retrieval_ndcg / len(train),
    }
    logger.info("cross-validated ranker: %d trees over %d folds, %s", trees, folds, info)
    return final, info


def forward_validated_ranker(
    older: ReplaySet, newer: ReplaySet, cfg: RankerConfig | None = None
) -> tuple[LightGBMRanker, dict[str, Any]]:
    """Choose the number of trees on `newer` with a ranker fitted on `older`, then fit on both.

    Why: a feed ranker is trained on the past and serves the future. Cross-validation over the
    users of feeds replayed at two cuts measures a gain across users at the same moments, and on
    MovieLens that gain did not carry forward: fitted on the older cut, a ranker gained +0.0005
    NDCG@10 on the newer one; fitted on the newer, +0.0106 on the older (it learns to correct
    retrieval where the towers had seen less). Validating on the newer cut asks the question the
    test split asks, as `tandem train ranker` validates on the latest requests.

    Returns:
        (the ranker fitted on older + newer with the chosen number of trees (at most
        cfg.n_estimators), {"train_queries" (both), "validation_queries" (newer's), "trees",
        "validation": "newer cut", "validation_ndcg@10" of the ranker fitted on `older` at that
        many trees and "validation_ndcg@10_retrieval_order", on `newer`}).

    Raises:
        ValueError: if either set is empty.
    """
    if len(older) == 0 or len(newer) == 0:
        raise ValueError(f"need replayed feeds at both cuts, got {len(older)} older and {len(newer)} newer")
    cfg = cfg or RankerConfig()
    full_curve = cfg.model_copy(update={"early_stopping_rounds": 0})
    probe = LightGBMRanker(full_curve).fit(older.X, older.y, older.group, newer.X, newer.y, newer.group)
    both = ReplaySet.concat([older, newer])
    trees, final = _refit_at_peak(both, full_curve, np.asarray(probe.validation_curve))
    probe.best_iteration = trees
    info: dict[str, Any] = {
        "train_queries": len(both),
        "validation_queries": len(newer),
        "trees": trees,
        "validation": "newer cut",
        f"validation_ndcg@{EVAL_AT}": replay_ndcg(newer, probe.predict(newer.X)),
        f"validation_ndcg@{EVAL_AT}_retrieval_order": replay_ndcg(newer, retrieval_scores(newer)),
    }
    logger.info("forward-validated ranker: %d trees, %s", trees, info)
    return final, info


def default_grid(base: RankerConfig | None = None) -> list[RankerConfig]:
    """`base` first (it wins ties), then objective x num_leaves x min_data_in_leaf x learning_rate x
    retrieval_prior (48 configs)."""
    base = base or RankerConfig()
    return [base] + [
        base.model_copy(
            update={
                "objective": objective,
                "num_leaves": leaves,
                "min_data_in_leaf": min_leaf,
                "learning_rate": rate,
                "retrieval_prior": prior,
            }
        )
        for objective in ("lambdarank", "rank_xendcg")
        for leaves in (7, 15, 31)
        for min_leaf in (20, 100)
        for rate in (0.03, 0.1)
        for prior in (0.0, 0.25)
    ]


TUNED_FIELDS = ("objective", "num_leaves", "min_data_in_leaf", "learning_rate", "retrieval_prior")


def tune_ranker(
    train: ReplaySet, grid: Sequence[RankerConfig], *, validation: float = 0.2, seed: int = 0
) -> tuple[LightGBMRanker, dict[str, Any], list[dict[str, Any]]]:
    """Train one ranker per config and keep the best by validation NDCG@10 (the validation split only).

    Returns:
        (best ranker, its info from `train_ranker`, one dict per trial).

    Raises:
        ValueError: if `grid` is empty or there is no validation split to choose on.
    """
    if not grid:
        raise ValueError("grid is empty")
    if validation <= 0:
        raise ValueError("tuning needs a validation share > 0; it never looks at the held-out queries")
    best: tuple[float, LightGBMRanker, dict[str, Any]] | None = None
    trials: list[dict[str, Any]] = []
    key = f"validation_ndcg@{EVAL_AT}"
    for cfg in grid:
        ranker, info = train_ranker(train, cfg, validation=validation, seed=seed)
        score = float(info.get(key, 0.0))
        trials.append({**{name: getattr(cfg, name) for name in TUNED_FIELDS}, key: score, "trees": info["trees"]})
        logger.info("ranker %s: %s %.4f (%d trees)", trials[-1], key, score, info["trees"])
        if best is None or score > best[0]:
            best = (score, ranker, info)
    assert best is not None
    return best[1], best[2], trials


def _metrics(
    rankings: Mapping[str, Sequence[str]], judgements: Mapping[str, Mapping[str, int]], depth: int
) -> dict[str, float]:
    return {
        "ndcg@10": mean_ndcg_at_k(rankings, judgements, 10),
        "recall@10": mean_recall_at_k(rankings, judgements, 10),
        f"recall@{depth}": mean_recall_at_k(rankings, judgements, depth),
    }


def score_runs(
    runs: SearchRuns, ranker: LightGBMRanker, reranker: MMRReranker | None = None
) -> dict[str, dict[str, float]]:
    """Every method's metrics on the held-out queries (see the module docstring).

    The ranker and MMR go through their serving calls (`rank`, `rerank`) on the hybrid candidates;
    their mean time per query is reported as `ms_per_query`.
    """
    reranker = reranker or MMRReranker(RerankConfig())
    results: dict[str, dict[str, float]] = {}
    for name in RETRIEVED:
        rankings = {q: [c.item_id for c in found] for q, found in runs.retrieved[name].items()}
        results[name] = _metrics(rankings, runs.judgements, runs.depth)
    ranked_ids: dict[str, list[str]] = {}
    reranked_ids: dict[str, list[str]] = {}
    rank_s = rerank_s = 0.0
    for query_id, found in runs.retrieved[HYBRID].items():
        query = Query(text=runs.held_out[query_id])
        started = time.perf_counter()
        ranked = ranker.rank(query, found)
        rank_s += time.perf_counter() - started
        started = time.perf_counter()
        page = reranker.rerank(query, ranked, runs.depth) if ranked else []
        rerank_s += time.perf_counter() - started
        ranked_ids[query_id] = [c.item_id for c in ranked]
        reranked_ids[query_id] = [c.item_id for c in page]
    n = max(len(runs.retrieved[HYBRID]), 1)
    results[RANKER] = {**_metrics(ranked_ids, runs.judgements, runs.depth), "ms_per_query": 1000 * rank_s / n}
    results[MMR] = {
        **_metrics(reranked_ids, runs.judgements, runs.depth),
        "ms_per_query": 1000 * (rank_s + rerank_s) / n,
    }
    for metrics in results.values():
        metrics["queries"] = float(len(runs.judgements))
    return results


def feature_importance(ranker: LightGBMRanker, top: int = 10) -> dict[str, float]:
    """The ranker's `top` features by total gain, largest first."""
    if not ranker.boosters:
        return {}
    gains = ranker.feature_importance()
    pairs = sorted(zip(ranker.feature_names, gains), key=lambda p: -p[1])[:top]
    return {name: round(float(gain), 3) for name, gain in pairs if gain > 0}


def evaluate_runs(
    runs: SearchRuns,
    *,
    ranker_cfg: RankerConfig | None = None,
    rerank_cfg: RerankConfig | None = None,
    validation: float = 0.2,
    tune: bool = False,
    seed: int = 0,
) -> dict[str, Any]:
    """Train the ranker on `runs.train` (optionally tuned on its validation split) and score every method.

    Returns:
        {"methods": {method: metrics}, "data": {...}, "replay": replay stats, "ranker": {...}, "timings": {...}}.
    """
    started = time.perf_counter()
    trials: list[dict[str, Any]] = []
    if tune:
        ranker, info, trials = tune_ranker(runs.train, default_grid(ranker_cfg), validation=validation, seed=seed)
    else:
        ranker, info = train_ranker(runs.train, ranker_cfg, validation=validation, seed=seed)
    fit_s = time.perf_counter() - started
    methods = score_runs(runs, ranker, MMRReranker(rerank_cfg or RerankConfig()))
    ranker_report = {
        **info,
        "config": ranker.cfg.model_dump(mode="json"),
        "features": len(FEATURE_NAMES),
        "feature_importance_gain": feature_importance(ranker),
        "tuning": trials,
        "fit_s": fit_s,
    }
    return {
        "dataset": runs.dataset,
        "methods": methods,
        "data": runs.data,
        "replay": runs.train.stats.as_dict(),
        "ranker": ranker_report,
        "timings": {**runs.timings, "ranker_fit_s": fit_s},
    }


def evaluate_search(
    settings: Settings,
    es: Elasticsearch,
    folder: str | Path,
    *,
    encoder: SearchEncoder | None = None,
    held_out: float = 0.25,
    validation: float = 0.2,
    seed: int = 0,
    depth: int = DEFAULT_DEPTH,
    max_queries: int | None = None,
    ranker_cfg: RankerConfig | None = None,
    rerank_cfg: RerankConfig | None = None,
    tune: bool = False,
    separate_baselines: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """`collect_runs` then `evaluate_runs`: the whole search evaluation of one BEIR folder.

    Example:
        >>> report = evaluate_search(Settings(), es, "../shared/data/scifact-dev")  # doctest: +SKIP
        >>> print(format_search_table(report))  # doctest: +SKIP
    """
    runs = collect_runs(
        settings,
        es,
        folder,
        encoder=encoder,
        held_out=held_out,
        seed=seed,
        depth=depth,
        max_queries=max_queries,
        separate_baselines=separate_baselines,
        progress=progress,
    )
    return evaluate_runs(
        runs, ranker_cfg=ranker_cfg, rerank_cfg=rerank_cfg, validation=validation, tune=tune, seed=seed
    )


def format_search_table(report: Mapping[str, Any]) -> str:
    """A Markdown table, one row per method: NDCG@10, Recall@10, Recall@depth."""
    depth = report["data"]["depth"]
    columns = ["ndcg@10", "recall@10", f"recall@{depth}"]
    lines = ["| method | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for name, metrics in report["methods"].items():
        lines.append(f"| {name} | " + " | ".join(f"{metrics.get(c, float('nan')):.4f}" for c in columns) + " |")
    return "\n".join(lines)


def describe(report: Mapping[str, Any]) -> str:
    """One paragraph: the split, what the replay kept, and the ranker's validation figures."""
    data, replay, ranker = report["data"], report["replay"], report["ranker"]
    key = f"validation_ndcg@{EVAL_AT}"
    text = (
        f"{report['dataset']}: {data['documents_indexed']} documents; {data['train_queries']} train / "
        f"{data['held_out_queries']} held-out queries (seed {data['seed']}). Replay at depth {replay['depth']}: "
        f"{replay['groups_kept']} of {replay['groups']} train searches kept ({replay['groups_without_positive']} "
        f"without a retrieved click dropped), {replay['positives_retrieved']} of {replay['positives']} clicks "
        f"retrieved. Ranker: {ranker['trees']} trees, trained on {ranker['train_queries']} searches"
    )
    if key in ranker:
        text += (
            f", validation NDCG@10 {ranker[key]:.4f} on {ranker['validation_queries']} searches "
            f"(retrieval order {ranker[key + '_retrieval_order']:.4f})"
        )
    return text + "."


def save_search_report(report: Mapping[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """eval_search.json (the whole report) and eval_search.md (the table) in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / REPORT_JSON, out_dir / REPORT_MD
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    md_path.write_text(format_search_table(report) + "\n\n" + describe(report) + "\n")
    return json_path, md_path
