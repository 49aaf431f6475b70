"""`tandem eval`: offline baselines, the two-tower, and the full feed (retrieval, ranker, MMR) through ES.

One temporal split (each user's last `n_holdout` positives held out) serves every method. The
catalog is indexed under a throw-away index prefix; item popularity there is recomputed from the
training split (a count over all events would leak the test period into the popular prior and
the tower's features). Profiles are built from training events only, then each held-out user's
feed is requested exactly as the API does it (user vector from item vectors in ES, affinity
boosts, popular prior), excluding what they touched in training, as every method does.

The feed rows, on the held-out users:

- HybridFeed (ES): the serving request's retrieval order.
- HybridFeed + MMR: that order diversified by the serving `MMRReranker` (feed lambda and
  business rules as configured): what serving shows without a ranker model.
- HybridFeed + LightGBM: the candidates re-scored by a LightGBM ranker, through the serving
  rank stage (`ModelRanker`).
- HybridFeed + LightGBM + MMR: then diversified by `MMRReranker`: the full serving feed.

The ranker never sees the test targets, nor a model that did. It is trained on earlier cuts carved
out of the TRAINING events only (`ranking.feed_replay.nested_cuts`: each user's last `n_holdout`
positives of train, the `n_holdout` before those, and so on: `RANKER_CUTS`). Each cut's users are split into two folds
(`REPLAY_FOLDS`), and each fold is replayed in a state built without its users' futures
(`ranking.feed_replay.cross_fitted_events`): popularity and the item counters (clicks, positives
per day: the ranker's trend), item vectors from a two-tower and CF neighbours, all from train
minus what the fold's users did after the cut (a tower trained on all of train has seen the
cut's targets as positives, so its kNN scores there would be inflated, and the ranker would learn
to trust them too much; one trained on the cut's events alone is thinner than the test's, which
has every other user's latest events, and the ranker learned to correct a weakness the test state
does not have). Profiles come from the events before the cut, oldest cut first. Each cut user's
feed is replayed through the serving FeedRetriever at their last event before the cut, and its
candidates are labelled with what the user went on to like up to the next cut;
then the engine moves on to the next cut and replays again. The ranker's number of trees is chosen
forward in time: fitted on the older cuts' feeds, validated on the newest cut's
(`forward_validated_ranker`), then refitted on all; with a single cut, by 5-fold cross-validation
over its users (`cross_validated_ranker`); with `tune_ranker`, a seeded 20% of them is the
validation split that chooses its hyper-parameters. Only then is the
engine moved on to the state as of all of train (popularity and counters, the train tower's
vectors, the remaining events applied to the profiles: profile updates do not depend on the order
events arrive in, so this equals building them from train at once) and the test feeds requested.
One index serves both states, one after the other, so the catalog is embedded once.

Each list is judged by NDCG@10 and Recall@k against the held-out positives, and its top 10 by
intra-list diversity (mean pairwise cosine distance of the train tower's item vectors) and
category coverage (the share of the catalog's categories it shows). A sweep of the MMR lambda
(with the serving rules, and MMR alone) traces the diversity / NDCG@10 trade-off.

Serving facts the feed rows inherit: the feed request leaves vectors out of `_source`, so the
ranker's `two_tower_dot` feature is missing (the `knn_user` clause score carries the same signal)
and MMR's similarity is the category/brand Jaccard fallback, not the item-vector cosine.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from elasticsearch import Elasticsearch

from api.search_eval import default_grid, feature_importance, forward_validated_ranker, train_ranker, tune_ranker
from api.settings import Settings
from indexer.embedding import TextEncoder
from indexer.errors import RowValidationError
from indexer.events import validate_event
from indexer.load import Encoder, alias_target, index_catalog, store_events
from indexer.mappings import IndexNames
from indexer.profiles import update_profiles
from indexer.readers import read_records
from indexer.stored import read_items, write_item_fields, write_item_vectors
from ranking.candidate import Candidate
from ranking.cf import CandidateSource, Popularity
from ranking.config import RerankConfig
from ranking.features import FEATURE_NAMES, labels
from ranking.feed_replay import (
    DEFAULT_DEPTH,
    FeedRequest,
    RequestClock,
    cross_fitted_events,
    label_feeds,
    last_event_times,
    nested_cuts,
    request_feeds,
    user_folds,
)
from ranking.item_stats import item_stats
from ranking.metrics import category_coverage, intra_list_diversity, ndcg_at_k, paired_gain
from ranking.models import CF_SOURCES
from ranking.offline_eval import (
    evaluate_offline,
    histories_and_seen,
    relevant_sets,
    score_rankings,
    with_train_popularity,
)
from ranking.personal import UserContext
from ranking.ranker import EVAL_AT, LightGBMRanker, ModelRanker
from ranking.registry import Loaded
from ranking.replay import ReplaySet
from ranking.rerank import MMRReranker
from ranking.retrieval import FeedRetriever
from ranking.splits import Holdout, temporal_split
from ranking.train_towers import rank_with_towers, train_towers
from ranking.vector_store import text_vector_store

logger = logging.getLogger(__name__)
HYBRID = "HybridFeed (ES)"
HYBRID_MMR = "HybridFeed + MMR"
RANKED = "HybridFeed + LightGBM"
RERANKED = "HybridFeed + LightGBM + MMR"
TWO_TOWER = "TwoTower"
LIST_K = 10  # the page that diversity and coverage judge
SWEEP_LAMBDAS: tuple[float, ...] = (1.0, 0.9, 0.8, 0.7, 0.5, 0.3)
VALIDATION_SHARE = 0.2  # cut users held out of ranker training for tuning (--tune-ranker)
# Nested cuts of train the feed ranker is replayed at (see train_feed_ranker), as many as users'
# positives allow. 4: validation on the newest cut rose with each older cut added on MovieLens
# (8 bags: 0.1641 / 0.1704 / 0.1758 for 1 / 2 / 3 older cuts; retrieval order 0.1484), at ~6 min
# of `tandem eval` per cut there.
RANKER_CUTS = 4
REPLAY_FOLDS = 2  # user folds per cut, each replayed in a state trained without its users' futures
CV_FOLDS = 5  # with one cut only, the feed ranker's trees are chosen by cross-validation over its users
NO_RULES = {
    "max_per_category": None,
    "max_per_brand": None,
    "freshness_weight": 0.0,
    "dedup_threshold": None,
    "dedup_titles": False,
}
SWEEPS = {"rules": "MMR + serving rules", "mmr_only": "MMR alone"}
REPORT_JSON, REPORT_PNG, SWEEP_PNG = "eval.json", "eval.png", "eval_mmr.png"
EVENT_CHUNK = 2000


def read_events_file(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Valid event documents of a file, and how many rows were rejected."""
    events, rejected = [], 0
    for record in read_records(path):
        try:
            if record.data is None:
                raise RowValidationError(None, record.error or "unreadable")
            events.append(validate_event(record.data))
        except RowValidationError:
            rejected += 1
    return events, rejected


class ListScorer:
    """Diversity and coverage of a list's first `k` items, averaged over users.

    Args:
        items: catalog item documents (`id`, `category`).
        vectors: (len(items), d) item vectors aligned with `items`; all-zero rows count as missing.
        k: the page length judged.

    Example:
        >>> scorer = ListScorer([{"id": "a", "category": "X"}, {"id": "b", "category": "Y"}],
        ...                     np.array([[1.0, 0.0], [0.0, 1.0]]), k=2)
        >>> scorer.score({"u": ["a", "b"], "v": ["a"]})
        {'ild@2': 0.5, 'coverage@2': 0.75}
    """

    def __init__(self, items: Sequence[Mapping[str, Any]], vectors: np.ndarray, k: int = LIST_K) -> None:
        if len(items) != len(vectors):
            raise ValueError(f"vectors must have one row per item ({len(items)}), got {len(vectors)}")
        usable = np.linalg.norm(vectors, axis=1) > 0 if len(vectors) else np.zeros(0, dtype=bool)
        self.vectors = {str(item["id"]): vectors[i] for i, item in enumerate(items) if usable[i]}
        self.items = {str(item["id"]): item for item in items}
        self.categories = sorted({name.lower() for item in items for name in labels(item.get("category"))})
        self.k = k

    def score(self, rankings: Mapping[Hashable, Sequence[str]]) -> dict[str, float]:
        """{"ild@k", "coverage@k"}: means over users of the intra-list diversity of the top k's
        item vectors (items without one are left out) and of the share of the catalog's categories
        the top k shows (NaN when the catalog has none)."""
        diversity, coverage = [], []
        for ranked in rankings.values():
            top = list(dict.fromkeys(ranked))[: self.k]
            diversity.append(intra_list_diversity([self.vectors[i] for i in top if i in self.vectors]))
            if self.categories:
                coverage.append(category_coverage([self.items.get(i, {}) for i in top], self.categories))
        return {
            f"ild@{self.k}": float(np.mean(diversity)) if diversity else float("nan"),
            f"coverage@{self.k}": float(np.mean(coverage)) if coverage else float("nan"),
        }


def evaluate_all(
    settings: Settings,
    es: Elasticsearch,
    catalog: Path,
    events_path: Path,
    *,
    n_holdout: int = 5,
    ks: Sequence[int] = (10, 50, 200),
    seed: int = 0,
    ranker: bool = True,
    tune_ranker: bool = False,
    replay_folds: int = REPLAY_FOLDS,
    lambdas: Sequence[float] = SWEEP_LAMBDAS,
    encoder: Encoder | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run every method on one split (see the module docstring).

    Args:
        settings: index prefix, towers, retrieval, ranker and rerank settings.
        es: client; every index is created under a throw-away prefix and deleted afterwards.
        catalog, events_path: the data files.
        n_holdout: positives held out per user (test), and again from train (each of the ranker's cuts).
        ks: Recall@k cut-offs; the feed requests max(ks) candidates (the ranker's depth too).
        seed: seed of every model and of the ranker's cross-validation folds (or validation split).
        ranker: also train the feed ranker and score its rows (the sweep then re-ranks its order).
        tune_ranker: choose the ranker's hyper-parameters on a validation share of its users (a 49-config grid).
        replay_folds: user folds per cut, each replayed in a state without its users' futures (1: the cut's own
            state); each fold costs one tower fit per cut.
        lambdas: the MMR lambdas swept.
        encoder: the text encoder (default: settings.embedding_model).
        progress: show progress bars.

    Returns:
        {"methods": {name: metrics}, "data": {...}, "mmr_sweep": [one point per lambda and variant],
        "timings": {...}}, plus "ranker" (its training data, validation figures, feature importance)
        when `ranker`.

    Raises:
        ValueError: if ks is empty, n_holdout <= 0 or replay_folds < 1.
    """
    if not ks:
        raise ValueError("ks must name at least one cut-off")
    if replay_folds < 1:
        raise ValueError(f"replay_folds must be at least 1, got {replay_folds}")
    cfg = settings.interactions
    tower_cfg = settings.towers.model_copy(update={"interaction": cfg})
    depth = max(ks)
    timings: dict[str, float] = {}
    events, rejected = read_events_file(events_path)
    train, holdout = temporal_split(events, n_holdout, cfg)
    names = IndexNames(f"{settings.index_prefix}eval-{uuid.uuid4().hex[:6]}-")
    encoder = encoder or TextEncoder(settings.embedding_model, batch_size=settings.indexer.embed_batch_size)
    report: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        index_catalog(
            es, str(catalog), encoder, names, settings.indexer, progress=progress, item_vector_dims=tower_cfg.dim
        )
        target = alias_target(es, names.items)
        assert target is not None
        items, text_vectors = read_items(es, target)
        timings["index_s"] = time.perf_counter() - started
        train_items = with_train_popularity(items, train, cfg)

        started = time.perf_counter()
        results = evaluate_offline(events, items, None, n_holdout, ks, cfg, seed=seed)
        timings["baselines_s"] = time.perf_counter() - started
        histories, seen = histories_and_seen(train, holdout, cfg)
        started = time.perf_counter()
        model, _metrics = train_towers(train, train_items, text_vectors, tower_cfg, seed=seed)
        fitted = timings["towers_fit_s"] = time.perf_counter() - started
        train_vectors = model.encode_items(train_items, text_vectors)
        pages = ListScorer(items, train_vectors)
        rankings = rank_with_towers(model, train_items, text_vectors, histories, seen, depth)
        results[TWO_TOWER] = {
            **score_rankings(rankings, holdout, ks),
            **pages.score(rankings),
            "fit_s": fitted,
            "users": float(len(holdout)),
        }

        fitted_ranker: LightGBMRanker | None = None
        stored_ids: set[str] = set()
        if ranker:
            started = time.perf_counter()
            fitted_ranker, report["ranker"], stored_ids = train_feed_ranker(
                es,
                names,
                target,
                settings,
                train,
                items,
                text_vectors,
                n_holdout=n_holdout,
                depth=depth,
                seed=seed,
                folds=replay_folds,
                tune=tune_ranker,
                progress=progress,
            )
            timings.update({f"ranker_{k}": v for k, v in report["ranker"].pop("timings").items()})
            timings["ranker_total_s"] = time.perf_counter() - started

        started = time.perf_counter()
        set_item_state(es, target, train_items, train, settings)
        write_item_vectors(es, target, train_items, train_vectors, settings.indexer, progress=progress)
        store_with_profiles(es, names, [e for e in train if e["event_id"] not in stored_ids], settings)
        popularity = Popularity(cfg).fit(train)
        cf = _fit_cf(settings, train)
        timings["test_state_s"] = time.perf_counter() - started
        started = time.perf_counter()
        requests = request_feeds(
            *_feed_stages(es, names, settings, Loaded("eval", model), cf and Loaded("eval", cf)),
            holdout,
            seen,
            last_event_times(train),
            depth,
            progress=progress,
        )
        feeds = retrieval_lists(requests, seen, popularity, depth)
        timings["test_feeds_s"] = time.perf_counter() - started
        results[HYBRID] = {
            **score_rankings(feeds, holdout, ks),
            **pages.score(feeds),
            "fit_s": fitted,
            "total_s": timings["test_state_s"] + timings["test_feeds_s"],
            "users": float(len(holdout)),
        }
        started = time.perf_counter()
        rows, report["mmr_sweep"] = score_feed_stages(
            requests,
            fitted_ranker,
            settings.rerank,
            holdout,
            seen,
            popularity,
            pages,
            ks,
            lambdas,
            reference={HYBRID: results[HYBRID]},
        )
        results.update(rows)
        timings["rank_rerank_sweep_s"] = time.perf_counter() - started
    finally:
        for index in es.indices.get(index=f"{names.prefix}*", expand_wildcards="all"):
            es.options(ignore_status=404).indices.delete(index=index)
    data = {
        "catalog": str(catalog),
        "events": str(events_path),
        "events_valid": len(events),
        "events_rejected": rejected,
        "items": len(items),
        "train_events": len(train),
        "users_evaluated": len(holdout),
        "n_holdout": n_holdout,
        "depth": depth,
        "list_k": LIST_K,
    }
    return {"methods": results, "data": data, **report, "timings": timings}


def train_feed_ranker(
    es: Elasticsearch,
    names: IndexNames,
    target: str,
    settings: Settings,
    train: Sequence[Mapping[str, Any]],
    items: Sequence[Mapping[str, Any]],
    text_vectors: np.ndarray,
    *,
    n_holdout: int = 5,
    cuts: int = RANKER_CUTS,
    folds: int = REPLAY_FOLDS,
    depth: int = DEFAULT_DEPTH,
    seed: int = 0,
    tune: bool = False,
    progress: bool = True,
) -> tuple[LightGBMRanker | None, dict[str, Any], set[str]]:
    """Bring the engine to the state as of each of `cuts` nested cuts inside `train`
    (`nested_cuts`), replay the cut users' feeds at each, fit the ranker on all of them.

    The cuts are replayed oldest first, so the engine only moves forward in time (see the module
    docstring). Why several: one cut gives one group per user, a few hundred, too few for the
    ranker to learn more than a few trees from.

    With `folds` > 1 each cut's users are split into folds, and each fold is replayed in a state
    (towers, CF, popularity, item counters) trained on `train` minus that fold's futures
    (`cross_fitted_events`), so replayed scores come from models as well fed as the test's; the
    profiles are always the cut's. With `folds` = 1 the state is the cut's `before`.

    The engine's indices are left in the newest cut's state: popularity and item vectors of its last
    fold, profiles from the events before it (their ids are returned, so the caller applies only
    the rest).

    Returns:
        (the ranker, or None when no replayed feed retrieved a positive; a report with the replay
        stats, validation figures, feature importance and "timings"; the event ids stored).
    """
    cfg = settings.interactions
    tower_cfg = settings.towers.model_copy(update={"interaction": cfg})
    timings: dict[str, float] = dict.fromkeys(("towers_fit_s", "state_s", "replay_s"), 0.0)
    nested = nested_cuts(train, n_holdout, cuts, cfg)
    stored: set[str] = set()
    replays: list[ReplaySet] = []
    for cut in reversed(nested):  # oldest first: events are only ever added to the engine
        started = time.perf_counter()
        store_with_profiles(es, names, [e for e in cut.before if str(e["event_id"]) not in stored], settings)
        stored.update(str(e["event_id"]) for e in cut.before)
        _, seen = histories_and_seen(cut.before, cut.targets, cfg)
        timings["state_s"] += time.perf_counter() - started
        requests: dict[Hashable, FeedRequest] = {}
        for fold in user_folds(cut.targets, folds, seed) if folds > 1 else [list(cut.targets)]:
            state_events = cross_fitted_events(train, cut, fold) if folds > 1 else cut.before
            started = time.perf_counter()
            cut_items = with_train_popularity(items, state_events, cfg)
            set_item_state(es, target, cut_items, state_events, settings)
            model, _ = train_towers(state_events, cut_items, text_vectors, tower_cfg, seed=seed)
            timings["towers_fit_s"] += time.perf_counter() - started
            started = time.perf_counter()
            vectors = model.encode_items(cut_items, text_vectors)
            write_item_vectors(es, target, cut_items, vectors, settings.indexer, progress=progress)
            cf = _fit_cf(settings, state_events)
            timings["state_s"] += time.perf_counter() - started
            started = time.perf_counter()
            requests |= request_feeds(
                *_feed_stages(es, names, settings, Loaded("cut", model), cf and Loaded("cut", cf)),
                fold,
                seen,
                cut.now,
                depth,
                progress=progress,
            )
            timings["replay_s"] += time.perf_counter() - started
        replays.append(label_feeds(requests, cut.after, cfg))
    data = ReplaySet.concat(replays) if replays else label_feeds({}, {}, cfg)
    report: dict[str, Any] = {
        "cuts": len(nested),
        "folds": folds,
        "cut_users": sum(len(cut.targets) for cut in nested),
        "cut_events_before": len(nested[0].before) if nested else 0,
        "replay": data.stats.as_dict(),
        "replay_per_cut": [r.stats.as_dict() for r in reversed(replays)],  # newest first, as `cuts` counts
        "label": "graded_label of the user's events up to the next cut (ratings >= 4: like = 2); others 0",
    }
    if len(data) < 2:
        logger.warning("feed ranker not trained: %d replayed feeds retrieved a positive", len(data))
        return None, {**report, "skipped": "fewer than 2 replayed feeds with a retrieved positive", "timings": timings}
    started = time.perf_counter()
    trials: list[dict[str, Any]] = []
    if tune:
        ranker, info, trials = tune_ranker(data, default_grid(settings.ranker), validation=VALIDATION_SHARE, seed=seed)
    elif len(replays) >= 2 and len(replays[-1]) and sum(len(r) for r in replays[:-1]):
        ranker, info = forward_validated_ranker(ReplaySet.concat(replays[:-1]), replays[-1], settings.ranker)
    else:
        ranker, info = train_ranker(data, settings.ranker, seed=seed, folds=CV_FOLDS)
    timings["fit_s"] = time.perf_counter() - started
    report.update(
        {
            **{k.replace("queries", "users"): v for k, v in info.items()},
            "config": ranker.cfg.model_dump(mode="json"),
            "features": len(FEATURE_NAMES),
            "feature_importance_gain": feature_importance(ranker),
            "tuning": trials,
            "timings": timings,
        }
    )
    return ranker, report, stored


def score_feed_stages(
    requests: Mapping[Hashable, FeedRequest],
    ranker: LightGBMRanker | None,
    rerank_cfg: RerankConfig,
    holdout: Holdout,
    seen: Mapping[Hashable, set[str]],
    popularity: Popularity,
    pages: ListScorer,
    ks: Sequence[int],
    lambdas: Sequence[float] = SWEEP_LAMBDAS,
    reference: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[dict[str, dict[str, float]], list[dict[str, Any]]]:
    """The rank and rerank rows on the test feeds, and the MMR lambda sweep.

    Rows: HYBRID_MMR (retrieval order, then MMR: serving without a ranker model) and, with a
    ranker, RANKED and RERANKED. Every stage runs through its serving class (`ModelRanker`,
    `MMRReranker`, the feed lambda and rules of `rerank_cfg`) at each request's own moment; lists
    are topped up from popularity as the retrieval row is. The sweep re-ranks the ranker's order
    (the retrieval order without a ranker) for each lambda, once with `rerank_cfg`'s rules and
    once with MMR alone (no caps, freshness or de-duplication), judging the top `pages.k`.

    The RANKED row also carries its NDCG@10 gain over retrieval order with a 95% paired-bootstrap
    interval over the users (`ndcg@10_gain_gain`, `_low`, `_high`).

    Returns:
        (row name -> metrics, sweep points: one dict per (variant, lambda) with "variant",
        "lambda", "ndcg@10", "recall@k", "ild@k", "coverage@k"; the first points are the rows
        (`reference` first) with "lambda" None).
    """
    depth = max(ks)
    clock = RequestClock()
    mmr = MMRReranker(rerank_cfg, clock=clock)
    chains: dict[str, ModelRanker] = {HYBRID_MMR: ModelRanker(lambda: None)}
    if ranker is not None:
        ranker.clock = clock
        chains[RERANKED] = ModelRanker(lambda: Loaded("eval", ranker))
    lists: dict[str, dict[Hashable, list[str]]] = {name: {} for name in (*chains, RANKED)}
    ranked: dict[Hashable, list[Candidate]] = {}  # input of the sweep: the last chain's order
    seconds = dict.fromkeys(lists, 0.0)
    for user_id, request in requests.items():
        clock.moment = request.now
        exclude = seen.get(user_id, set())
        for name, stage in chains.items():
            started = time.perf_counter()
            ranked[user_id] = stage.rank(request.query, request.candidates)
            rank_s = time.perf_counter() - started
            page = mmr.rerank(request.query, ranked[user_id], depth) if ranked[user_id] else []
            seconds[name] += time.perf_counter() - started
            lists[name][user_id] = top_up([c.item_id for c in page], exclude, popularity, depth)
            if name == RERANKED:
                seconds[RANKED] += rank_s
                lists[RANKED][user_id] = top_up([c.item_id for c in ranked[user_id]], exclude, popularity, depth)
    n = max(len(requests), 1)
    lam = rerank_cfg.lambda_ if rerank_cfg.lambda_ is not None else rerank_cfg.feed_lambda
    rows = {
        name: {
            **score_rankings(lists[name], holdout, ks),
            **pages.score(lists[name]),
            **({} if name == RANKED else {"lambda": lam}),
            "ms_per_request": 1000 * seconds[name] / n,
            "users": float(len(holdout)),
        }
        for name in (HYBRID_MMR, RANKED, RERANKED)
        if lists.get(name)
    }
    if RANKED in rows:
        retrieval = retrieval_lists(requests, seen, popularity, depth)
        gain = paired_gain(ndcg_at_k, retrieval, lists[RANKED], relevant_sets(holdout), 10)
        rows[RANKED].update({f"ndcg@10_gain_{k}": v for k, v in gain.items() if k != "users"})
    sweep = [
        {"variant": name, "lambda": None, **_sweep_figures(metrics, pages.k)}
        for name, metrics in {**(reference or {}), **rows}.items()
    ]
    for variant in SWEEPS:
        cfg = rerank_cfg if variant == "rules" else rerank_cfg.model_copy(update=NO_RULES)
        for lam in lambdas:
            reranker = MMRReranker(cfg.model_copy(update={"lambda_": lam}), clock=clock)
            tops: dict[Hashable, list[str]] = {}
            for user_id, request in requests.items():
                clock.moment = request.now
                page = reranker.rerank(request.query, ranked[user_id], pages.k) if ranked[user_id] else []
                tops[user_id] = top_up([c.item_id for c in page], seen.get(user_id, set()), popularity, pages.k)
            figures = {**score_rankings(tops, holdout, (pages.k,)), **pages.score(tops)}
            sweep.append({"variant": variant, "lambda": lam, **_sweep_figures(figures, pages.k)})
            logger.info("MMR sweep %s: %s", variant, sweep[-1])
    return rows, sweep


def _sweep_figures(metrics: Mapping[str, float], k: int) -> dict[str, float]:
    return {
        name: float(metrics.get(name, float("nan"))) for name in ("ndcg@10", f"recall@{k}", f"ild@{k}", f"coverage@{k}")
    }


def store_with_profiles(
    es: Elasticsearch, names: IndexNames, events: Sequence[Mapping[str, Any]], settings: Settings
) -> int:
    """Store events in time-ordered chunks and apply the newly stored ones to the profiles; returns how many."""
    stored = 0
    for start in range(0, len(events), EVENT_CHUNK):
        chunk = store_events(es, names, list(events[start : start + EVENT_CHUNK]), settings.indexer).stored
        update_profiles(es, names, chunk, settings.interactions)
        stored += len(chunk)
    return stored


def _fit_cf(settings: Settings, events: Sequence[Mapping[str, Any]]) -> CandidateSource | None:
    source = CF_SOURCES.get(settings.cf_source)
    return source(settings.interactions).fit(events) if source is not None else None


def _feed_stages(
    es: Elasticsearch,
    names: IndexNames,
    settings: Settings,
    towers: Loaded[Any],
    cf: Loaded[Any] | None,
) -> tuple[FeedRetriever, UserContext]:
    """The feed's retriever and user context as serving wires them (api.services), for these models;
    the retriever keeps the trend's daily lists, since replayed requests come before their last day."""
    texts = text_vector_store(es, names.items, settings.retrieval)
    users = UserContext(
        es,
        names.users,
        names.items,
        lambda: towers,
        settings.retrieval,
        settings.interactions,
        cf=lambda: cf,
        text_vectors=texts,
    )
    return FeedRetriever(es, names.items, settings.retrieval.for_replay(), texts), users


def set_item_state(
    es: Elasticsearch,
    index: str,
    items: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    settings: Settings,
) -> None:
    """The items as of `events`: their popularity (counted from them in `items`) and the counters
    `tandem train` writes (`item_stats`; every day kept, since replayed requests reach back years)."""
    counters = item_stats([str(i["id"]) for i in items], events, (), settings.interactions, keep_days=None)
    docs = {str(item["id"]): {"popularity": item["popularity"], **counters[str(item["id"])]} for item in items}
    write_item_fields(es, index, docs, settings.indexer, what="item state", progress=False)


def top_up(ranked: Sequence[str], exclude: Iterable[str], popularity: Popularity, k: int) -> list[str]:
    """`ranked` cut to k, filled from popularity (minus `exclude` and what is already there) when short.

    Example:
        >>> pop = Popularity().fit([{"user_id": "u", "item_id": i, "type": "like", "timestamp": 0} for i in "abc"])
        >>> top_up(["c"], {"a"}, pop, 2)
        ['c', 'b']
    """
    out = list(ranked[:k])
    if len(out) < k:
        taken = set(out) | set(exclude)
        extra = popularity.recommend([], k + len(taken), set())
        out += [i for i, _ in extra if i not in taken][: k - len(out)]
    return out


def hybrid_feeds(
    es: Elasticsearch,
    names: IndexNames,
    towers: Loaded[Any],
    cf: Loaded[Any] | None,
    settings: Settings,
    holdout: Mapping[Hashable, Any],
    seen: Mapping[Hashable, set[str]],
    popularity: Popularity,
    k: int,
) -> dict[Hashable, list[str]]:
    """Each held-out user's feed through the same request the API makes, topped up from popularity."""
    requests = request_feeds(
        *_feed_stages(es, names, settings, towers, cf),
        holdout,
        seen,
        {},
        k,
    )
    return retrieval_lists(requests, seen, popularity, k)


def retrieval_lists(
    requests: Mapping[Hashable, FeedRequest], seen: Mapping[Hashable, set[str]], popularity: Popularity, k: int
) -> dict[Hashable, list[str]]:
    """Each request's candidates in retrieval order, topped up from popularity to k (the HybridFeed row)."""
    return {
        u: top_up([c.item_id for c in r.candidates], seen.get(u, set()), popularity, k) for u, r in requests.items()
    }


def _cell(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, (int, float)) and np.isfinite(value) else "–"


def format_table(results: Mapping[str, Mapping[str, float]], ks: Sequence[int]) -> str:
    """A Markdown table, one row per method ('–' where a method has no list to judge)."""
    columns = [f"recall@{k}" for k in ks] + ["ndcg@10", f"ild@{LIST_K}", f"coverage@{LIST_K}"]
    lines = ["| method | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for name, metrics in results.items():
        lines.append(f"| {name} | " + " | ".join(_cell(metrics.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def format_sweep(report: Mapping[str, Any]) -> str:
    """The MMR lambda sweep as a Markdown table ('' without one)."""
    points = report.get("mmr_sweep") or []
    if not points:
        return ""
    columns = ["ndcg@10", f"recall@{LIST_K}", f"ild@{LIST_K}", f"coverage@{LIST_K}"]
    lines = ["| list | lambda | " + " | ".join(columns) + " |", "|---|---:|" + "---:|" * len(columns)]
    for point in points:
        name = SWEEPS.get(point["variant"], point["variant"])
        lam = "–" if point["lambda"] is None else f"{point['lambda']:g}"
        lines.append(f"| {name} | {lam} | " + " | ".join(_cell(point.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def describe_ranker(report: Mapping[str, Any]) -> str:
    """One paragraph on the ranker's training data and validation ('' without a ranker)."""
    info = report.get("ranker")
    if not info:
        return ""
    replay, folds = info["replay"], info.get("folds", 1)
    folded = f" ({folds} user folds each, in states without their futures)" if folds > 1 else ""
    text = (
        f"Ranker: replayed {replay['groups']} feeds at {info.get('cuts', 1)} cuts of train{folded}, "
        f"depth {replay['depth']}, "
        f"{replay['positives_retrieved']} of {replay['positives']} later positives retrieved, "
        f"{replay['groups_kept']} feeds kept"
    )
    if "skipped" in info:
        return text + f"; not trained ({info['skipped']})."
    key = f"validation_ndcg@{EVAL_AT}"
    bags = info.get("config", {}).get("bags", 1)
    trees = f"{bags} bags of {info['trees']} trees" if bags > 1 else f"{info['trees']} trees"
    text += f"; {trees} on {info['train_users']} users"
    if key in info:
        held = (
            f"{info['cv_folds']}-fold cross-validation"
            if "cv_folds" in info
            else f"{info.get('validation', 'held-out')} validation"
        )
        text += (
            f", {held} NDCG@10 {info[key]:.4f} on {info['validation_users']} feeds "
            f"(retrieval order {info[key + '_retrieval_order']:.4f})"
        )
    test = report.get("methods", {}).get(RANKED, {})
    if "ndcg@10_gain_gain" in test:
        text += (
            f". On the test users NDCG@10 {test['ndcg@10_gain_gain']:+.4f} over retrieval order "
            f"(95% paired bootstrap {test['ndcg@10_gain_low']:+.4f} .. {test['ndcg@10_gain_high']:+.4f})"
        )
    return text + "."


def save_report(report: Mapping[str, Any], out_dir: Path, ks: Sequence[int]) -> tuple[Path, ...]:
    """eval.json, eval.png (NDCG@10 and Recall@50 per method) and, with a sweep, eval_mmr.png
    (NDCG@10 against intra-list diversity per MMR lambda) in out_dir; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, png_path = out_dir / REPORT_JSON, out_dir / REPORT_PNG
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    methods = list(report["methods"])
    metrics = ["ndcg@10", f"recall@{sorted(ks)[len(ks) // 2]}"]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 0.5 * len(methods) + 1.8))
    feed_rows = (HYBRID, HYBRID_MMR, RANKED, RERANKED, TWO_TOWER)
    for ax, metric in zip(axes, metrics):
        values = [report["methods"][m].get(metric, 0.0) for m in methods]
        ax.barh(methods, values, color=["#4c72b0" if m in feed_rows else "#999999" for m in methods])
        ax.set_title(metric)
        ax.invert_yaxis()
        for y, value in enumerate(values):
            ax.text(value, y, f" {value:.3f}", va="center", fontsize=8)
    fig.suptitle(
        f"{Path(report['data']['events']).name}: last {report['data']['n_holdout']} positives held out, "
        f"{report['data']['users_evaluated']} users",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(png_path, dpi=120)
    plt.close(fig)
    paths: tuple[Path, ...] = (json_path, png_path)
    if report.get("mmr_sweep"):
        paths += (save_sweep_chart(report, out_dir / SWEEP_PNG),)
    return paths


def save_sweep_chart(report: Mapping[str, Any], path: Path) -> Path:
    """NDCG@10 against intra-list diversity of the top 10: one line per sweep variant, labelled
    with lambda, and the reference lists (retrieval order, ranker, ranker + MMR) as points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ild = f"ild@{LIST_K}"
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    points = report["mmr_sweep"]
    for variant, label in SWEEPS.items():
        line = [p for p in points if p["variant"] == variant and p["lambda"] is not None]
        if not line:
            continue
        ax.plot([p[ild] for p in line], [p["ndcg@10"] for p in line], marker="o", label=label)
        for p in line:
            ax.annotate(
                f"λ={p['lambda']:g}", (p[ild], p["ndcg@10"]), fontsize=7, xytext=(3, 3), textcoords="offset points"
            )
    for p, marker in zip([p for p in points if p["lambda"] is None], "s^D*"):
        ax.scatter([p[ild]], [p["ndcg@10"]], marker=marker, s=50, color="black", label=p["variant"], zorder=3)
    ax.set_xlabel(f"intra-list diversity of the top {LIST_K} (mean cosine distance, item vectors)")
    ax.set_ylabel("NDCG@10")
    ax.set_title(f"MMR trade-off, {report['data']['users_evaluated']} held-out users", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
