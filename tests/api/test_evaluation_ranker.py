"""`tandem eval`'s feed ranker: the time-cut feed replay and labels (unit), and the whole
evaluation with the ranker and MMR rows on a tiny synthetic catalog through the real engine."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from elasticsearch import Elasticsearch
from typer.testing import CliRunner

from api.cli import app
from api.evaluation import (
    HYBRID,
    HYBRID_MMR,
    RANKED,
    RERANKED,
    SWEEPS,
    TWO_TOWER,
    ListScorer,
    describe_ranker,
    evaluate_all,
    format_sweep,
    format_table,
    save_report,
    score_feed_stages,
)
from api.settings import Settings
from indexer.embedding import TextEncoder
from indexer.mappings import IndexNames
from ranking.candidate import Candidate
from ranking.cf import Popularity
from ranking.config import RankerConfig, RerankConfig
from ranking.features import FEATURE_NAMES, feature_matrix
from ranking.feed_replay import (
    FeedRequest,
    cross_fitted_events,
    cut_feed_history,
    feature_rows,
    label_feeds,
    last_event_times,
    nested_cuts,
    request_feeds,
    user_folds,
)
from ranking.ranker import LightGBMRanker
from ranking.stages import Personal, Query
from ranking.two_tower import TowerConfig
from tests.ranking.test_two_tower import TINY

runner = CliRunner()
CATEGORIES = ("Tea", "Shoes", "Books", "Garden")
PER_CATEGORY = 18
N_USERS = 30
DAY = 86_400


def _rating(user: str, item: str, value: float, t: float) -> dict:
    return {"user_id": user, "item_id": item, "type": "rating", "value": value, "timestamp": t}


# --- the cut ------------------------------------------------------------------------------------


def test_cut_keeps_the_events_before_each_users_cut_and_labels_from_after() -> None:
    events = [_rating("u", f"i{n}", 5.0, n) for n in range(6)]
    events += [_rating("u", "x", 1.0, 4.5), _rating("v", "a", 5.0, 0.0)]  # a dislike after u's cut; v too short
    cut = cut_feed_history(events, n_holdout=2)
    assert [e["item_id"] for e in cut.before] == ["i0", "a", "i1", "i2", "i3"]  # v keeps all; u's end before i4
    assert cut.targets == {"u": {"i4", "i5"}}
    assert [e["item_id"] for e in cut.after["u"]] == ["i4", "x", "i5"]  # everything after u's last kept event
    assert cut.now == {"u": 3.0} and "v" not in cut.after


def test_nested_cuts_label_each_cut_with_the_positives_up_to_the_next() -> None:
    events = [_rating("u", f"i{n}", 5.0, n) for n in range(9)] + [_rating("u", "low", 1.0, 4.5)]
    events += [_rating("v", f"j{n}", 5.0, n) for n in range(6)]  # enough for one cut of 3, not two
    newest, older = nested_cuts(events, n_holdout=3, cuts=5)  # a third would leave u no positive
    assert newest.targets == {"u": {"i6", "i7", "i8"}, "v": {"j3", "j4", "j5"}}
    assert older.targets == {"u": {"i3", "i4", "i5"}}
    assert [e["item_id"] for e in older.after["u"]] == ["i3", "i4", "low", "i5"]  # ends where the newer cut begins
    assert older.now == {"u": 2.0} and newest.now == {"u": 5.0, "v": 2.0}
    assert {e["item_id"] for e in older.before} == {"i0", "i1", "i2", "j0", "j1", "j2"}
    assert nested_cuts(events, n_holdout=3, cuts=1) == [newest]


def test_user_folds_split_users_once_each_by_seed() -> None:
    users = [f"u{n}" for n in range(11)]
    folds = user_folds(users, 3, seed=1)
    assert sorted(len(f) for f in folds) == [3, 4, 4]
    assert sorted(u for f in folds for u in f) == sorted(users)  # disjoint and complete
    assert user_folds(reversed(users), 3, seed=1) == folds  # the input order does not matter
    assert user_folds(users, 3, seed=2) != folds
    assert user_folds(users, 1) == [sorted(users)]
    with pytest.raises(ValueError, match="folds must be at least 1"):
        user_folds(users, 0)


def test_cross_fitted_state_drops_only_the_folds_futures() -> None:
    events = [_rating(u, f"{u}{n}", 5.0, n) for u in "abc" for n in range(6)]
    events.append(_rating("d", "d0", 5.0, 9))  # too short to be cut: keeps everything in any fold
    cut = cut_feed_history(events, n_holdout=2)
    kept = cross_fitted_events(events, cut, ["a", "d"])
    by_user = {u: [e["item_id"] for e in kept if e["user_id"] == u] for u in "abcd"}
    assert by_user["a"] == [e["item_id"] for e in cut.before if e["user_id"] == "a"] == ["a0", "a1", "a2", "a3"]
    assert by_user["b"] == [f"b{n}" for n in range(6)]  # others keep their futures, as in the test's state
    assert by_user["d"] == ["d0"]
    assert not set(by_user["a"]) & cut.targets["a"]  # the labels stay unseen
    assert cross_fitted_events(events, cut, []) == events


def test_last_event_times_accepts_stored_timestamps() -> None:
    times = last_event_times([{"user_id": "u", "@timestamp": "1970-01-01T00:00:10Z"}, {"user_id": "u", "timestamp": 4}])
    assert times == {"u": 10.0}


# --- replaying requests -------------------------------------------------------------------------


class _Users:
    def personal(self, user_id: str) -> Personal | None:
        return None if user_id == "cold" else Personal(categories={"tea": 1.0})


class _Retriever:
    def __init__(self) -> None:
        self.queries: list[tuple[Query, int]] = []

    def retrieve(self, query: Query, k: int) -> list[Candidate]:
        self.queries.append((query, k))
        found = [Candidate(f"i{n}", 10.0 - n, {"knn_user": 1.0 - n / 10}, {"category": ["Tea"]}) for n in range(k + 3)]
        return [c for c in found if c.item_id not in query.filters.exclude_ids]


def test_request_feeds_asks_as_serving_does_minus_what_was_seen() -> None:
    retriever = _Retriever()
    requests = request_feeds(retriever, _Users(), ["u", "cold"], {"u": {"i1", "i0"}}, {"u": 7.0}, k=4)
    ((query, k),) = retriever.queries  # the cold user gets no request
    assert k == 4 and query.user_id == "u" and query.filters.exclude_ids == ("i0", "i1")
    assert query.personal is not None and query.text is None
    assert [c.item_id for c in requests["u"].candidates] == ["i2", "i3", "i4", "i5"]
    assert requests["u"].now == query.as_of == 7.0  # freshness is measured as of the replayed moment
    assert requests["cold"].candidates == [] and requests["cold"].query.personal is None
    with pytest.raises(ValueError, match="k must be positive"):
        request_feeds(retriever, _Users(), ["u"], {}, {}, k=0)


# --- labels and groups --------------------------------------------------------------------------


def _request(user: str, ids: list[str], now: float = 100.0) -> FeedRequest:
    candidates = [
        Candidate(i, 5.0 - n, {"knn_user": 0.9 - n / 10, "popular_fresh": 1.0}, {"category": ["Tea"], "popularity": n})
        for n, i in enumerate(ids)
    ]
    return FeedRequest(user, Query(user_id=user, personal=Personal(categories={"tea": 1.0})), candidates, now)


def test_labels_grade_what_the_user_did_after_the_cut() -> None:
    requests = {"u": _request("u", ["a", "b", "c", "d", "e"]), "v": _request("v", ["a", "b"])}
    after = {
        "u": [
            _rating("u", "b", 5.0, 1),  # like: 2
            _rating("u", "c", 3.0, 2),  # neutral: ignored, stays 0
            _rating("u", "d", 1.0, 3),  # dislike: 0
            {"user_id": "u", "item_id": "e", "type": "purchase", "timestamp": 4},  # 4
            _rating("u", "zz", 5.0, 5),  # liked but not retrieved: missed
        ],
        "v": [_rating("v", "c", 5.0, 1)],  # v's only positive was not retrieved: dropped
    }
    data = label_feeds(requests, after)
    assert data.y.tolist() == [0, 2, 0, 0, 4]
    assert data.group.tolist() == [5] and [k.user_id for k in data.keys] == ["u"] and data.keys[0].query == ""
    assert data.item_ids == [["a", "b", "c", "d", "e"]]
    stats = data.stats.as_dict()
    assert (stats["groups"], stats["groups_kept"], stats["groups_without_positive"]) == (2, 1, 1)
    assert (stats["positives"], stats["positives_retrieved"], stats["positives_missed"]) == (4, 2, 2)
    assert (stats["events"], stats["events_ignored"], stats["candidates"], stats["depth"]) == (6, 1, 5, 5)
    assert label_feeds(requests, after, uninteracted_grade=1).y.tolist() == [1, 2, 1, 0, 4]
    with pytest.raises(ValueError, match="uninteracted_grade"):
        label_feeds(requests, after, uninteracted_grade=2)


def test_training_rows_are_the_rows_the_served_ranker_computes() -> None:
    request = _request("u", ["a", "b", "c"], now=1234.0)
    rows = feature_rows(request)
    assert rows.shape == (3, len(FEATURE_NAMES))
    # LightGBMRanker.rank calls feature_matrix on the raw retrieval candidates with its clock.
    served = feature_matrix(request.query, request.candidates, 1234.0)
    np.testing.assert_array_equal(rows, served)
    assert rows[:, FEATURE_NAMES.index("retrieval_rank")].tolist() == [0.0, 1.0, 2.0]


def test_empty_replay_is_an_empty_set() -> None:
    data = label_feeds({}, {})
    assert len(data) == 0 and data.X.shape == (0, len(FEATURE_NAMES))


# --- scoring ------------------------------------------------------------------------------------


def test_ranker_rows_and_sweep_on_fixed_requests() -> None:
    rng = np.random.default_rng(0)
    requests = {f"u{n}": _request(f"u{n}", [f"i{j}" for j in rng.permutation(12)]) for n in range(8)}
    holdout = {u: {r.candidates[-1].item_id} for u, r in requests.items()}  # the last-retrieved item is the target
    data = label_feeds(requests, {u: [_rating(u, next(iter(t)), 5.0, 1)] for u, t in holdout.items()})
    ranker = LightGBMRanker(RankerConfig(n_estimators=5, min_data_in_leaf=1)).fit(data.X, data.y, data.group)
    items = [{"id": f"i{j}", "category": [("Tea", "Books")[j % 2]]} for j in range(12)]
    pages = ListScorer(items, rng.normal(size=(12, 4)))
    popularity = Popularity().fit([{"user_id": "p", "item_id": "i0", "type": "like", "timestamp": 0}])
    rows, sweep = score_feed_stages(
        requests, ranker, RerankConfig(), holdout, {}, popularity, pages, (10, 12), (1.0, 0.5), {HYBRID: {}}
    )
    assert list(rows) == [HYBRID_MMR, RANKED, RERANKED]
    for metrics in rows.values():
        assert all(0.0 <= metrics[m] <= 1.0 for m in ("recall@10", "recall@12", "ndcg@10", "coverage@10"))
        assert metrics["recall@12"] == 1.0  # re-ordering never loses a candidate
    assert rows[RANKED]["ndcg@10"] > 0.9  # it learnt "last retrieved" from retrieval_rank
    assert rows[HYBRID_MMR]["ndcg@10"] < 0.5  # retrieval order puts the target last; MMR moves it little
    assert rows[RERANKED]["lambda"] == 0.7 and "lambda" not in rows[RANKED]
    # the gain over retrieval order (target last of 12: NDCG@10 0 there), with its paired interval
    assert rows[RANKED]["ndcg@10_gain_gain"] == pytest.approx(rows[RANKED]["ndcg@10"])
    assert (
        0 < rows[RANKED]["ndcg@10_gain_low"] <= rows[RANKED]["ndcg@10_gain_gain"] <= rows[RANKED]["ndcg@10_gain_high"]
    )
    assert [(p["variant"], p["lambda"]) for p in sweep] == [
        (HYBRID, None),
        (HYBRID_MMR, None),
        (RANKED, None),
        (RERANKED, None),
        ("rules", 1.0),
        ("rules", 0.5),
        ("mmr_only", 1.0),
        ("mmr_only", 0.5),
    ]
    assert sweep[6]["ndcg@10"] == pytest.approx(rows[RANKED]["ndcg@10"])  # lambda 1 without rules = the ranker
    assert ranker.clock() == 100.0  # scored at the requests' own moment


def test_without_a_ranker_the_sweep_reranks_retrieval_order() -> None:
    requests = {"u": _request("u", [f"i{j}" for j in range(12)])}
    items = [{"id": f"i{j}", "category": ["Tea"]} for j in range(12)]
    popularity = Popularity().fit([{"user_id": "p", "item_id": "i0", "type": "like", "timestamp": 0}])
    pages = ListScorer(items, np.eye(12))
    rows, sweep = score_feed_stages(requests, None, RerankConfig(), {"u": {"i0"}}, {}, popularity, pages, (10,), (1.0,))
    assert list(rows) == [HYBRID_MMR]
    assert [p["variant"] for p in sweep] == [HYBRID_MMR, "rules", "mmr_only"]
    assert sweep[-1]["ndcg@10"] == 1.0  # lambda 1, no rules: retrieval order, the target first


def test_list_scorer_leaves_out_items_without_vectors() -> None:
    items = [{"id": "a", "category": "X"}, {"id": "b", "category": "Y"}, {"id": "c"}]
    scorer = ListScorer(items, np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 0.0]]), k=3)
    assert scorer.score({"u": ["a", "b", "c"]}) == {"ild@3": 0.0, "coverage@3": 1.0}
    with pytest.raises(ValueError, match="one row per item"):
        ListScorer(items, np.zeros((2, 2)))


def test_table_marks_methods_without_lists() -> None:
    table = format_table({"ALS": {"recall@10": 0.1, "ndcg@10": 0.2}, HYBRID: {"ild@10": 0.5}}, (10,))
    assert "| ALS | 0.1000 | 0.2000 | – | – |" in table
    assert "| HybridFeed (ES) | – | – | 0.5000 | – |" in table
    assert format_sweep({}) == ""


# --- end to end ---------------------------------------------------------------------------------


def _tiny_data(folder: Path) -> tuple[Path, Path]:
    """72 items in 4 categories; 30 users, each loving one category (rating 5) and rating a few
    items of the others low, 23 ratings each over 23 days: 18 positives, enough for the test
    split and two ranker cuts of 5."""
    rnd = random.Random(0)
    words = {
        "Tea": "green tea leaves",
        "Shoes": "running shoes",
        "Books": "mystery novel book",
        "Garden": "garden hose tool",
    }
    items = [
        {"id": f"{c[:2].lower()}{n}", "title": f"{words[c]} {n}", "category": c, "popularity": 1}
        for c in CATEGORIES
        for n in range(PER_CATEGORY)
    ]
    by_category = {c: [i["id"] for i in items if i["category"] == c] for c in CATEGORIES}
    events = []
    for u in range(N_USERS):
        user, favourite = f"user{u:02d}", CATEGORIES[u % len(CATEGORIES)]
        liked = rnd.sample(by_category[favourite], PER_CATEGORY)
        others = rnd.sample([i for c in CATEGORIES if c != favourite for i in by_category[c]], 5)
        history = liked + others
        rnd.shuffle(history)
        for day, item in enumerate(history):
            value = 5.0 if item in liked else rnd.choice([1.0, 2.0])
            events.append(_rating(user, item, value, 1_600_000_000 + day * DAY + u))
    rnd.shuffle(events)
    catalog, events_path = folder / "catalog.jsonl", folder / "events.jsonl"
    catalog.write_text("".join(json.dumps(i) + "\n" for i in items))
    events_path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return catalog, events_path


def _tiny_settings(es_url: str, names: IndexNames, tmp_path: Path) -> Settings:
    towers = TowerConfig(**{**TINY, "text_dim": 384})  # on MiniLM's 384-d text vectors
    return Settings(
        elasticsearch_url=es_url,
        index_prefix=names.prefix,
        data_dir=tmp_path / "state",
        towers=towers,
        ranker=RankerConfig(n_estimators=30, min_data_in_leaf=5, early_stopping_rounds=10),
        _env_file=None,
    )


@pytest.mark.es
def test_eval_scores_ranker_and_mmr_rows_and_cleans_up(
    es_url: str, es: Elasticsearch, encoder: TextEncoder, names: IndexNames, tmp_path: Path
) -> None:
    catalog, events = _tiny_data(tmp_path)
    ks = (10, 20)
    report = evaluate_all(
        _tiny_settings(es_url, names, tmp_path),
        es,
        catalog,
        events,
        ks=ks,
        lambdas=(1.0, 0.5),
        encoder=encoder,
        progress=False,
    )
    methods = report["methods"]
    assert list(methods)[-5:] == [TWO_TOWER, HYBRID, HYBRID_MMR, RANKED, RERANKED]
    assert {"Popularity", "ItemCF", "Swing", "ALS"} <= set(methods)
    for name in (TWO_TOWER, HYBRID, HYBRID_MMR, RANKED, RERANKED):
        for metric in ("recall@10", "recall@20", "ndcg@10", "coverage@10"):
            assert 0.0 <= methods[name][metric] <= 1.0, (name, metric)
        assert 0.0 <= methods[name]["ild@10"] <= 2.0, name  # cosine distance: up to 2 for opposite vectors
        assert methods[name]["users"] == N_USERS
    assert methods[RANKED]["recall@20"] == pytest.approx(methods[HYBRID]["recall@20"])  # same candidates
    # Tastes are one category each, and the feed boosts the user's top categories.
    assert methods[HYBRID]["recall@20"] > methods["Popularity"]["recall@20"]

    ranker = report["ranker"]
    # As many nested cuts as the users' positives allow (RANKER_CUTS is 4; 18 positives leave room
    # for 2 here), each replaying every user's feed once (in one of two cross-fitted states);
    # trees chosen on the newer cut, fit on both.
    assert ranker["cuts"] == 2 and ranker["folds"] == 2 and ranker["cut_users"] == 2 * N_USERS
    per_cut = ranker["replay_per_cut"]  # newest first
    assert [c["groups"] for c in per_cut] == [N_USERS, N_USERS]
    assert ranker["replay"]["groups_kept"] == sum(c["groups_kept"] for c in per_cut) >= 40
    assert ranker["trees"] >= 1 and ranker["validation"] == "newer cut" and "cv_folds" not in ranker
    assert ranker["train_users"] == ranker["replay"]["groups_kept"]
    assert ranker["validation_users"] == per_cut[0]["groups_kept"]
    assert len(report["mmr_sweep"]) == 4 + len(SWEEPS) * 2
    assert {"ranker_towers_fit_s", "ranker_replay_s", "ranker_fit_s", "test_feeds_s"} <= set(report["timings"])
    assert "(2 user folds each, in states without their futures)" in describe_ranker(report)
    assert not es.indices.get(index=f"{names.prefix}*", expand_wildcards="all")  # throw-away indices deleted

    paths = save_report(report, tmp_path / "out", ks)
    assert [p.name for p in paths] == ["eval.json", "eval.png", "eval_mmr.png"]
    assert json.loads(paths[0].read_text())["methods"][RERANKED]["lambda"] == 0.7
    assert f"| {RERANKED} |" in format_table(methods, ks) and "| MMR alone | 0.5 |" in format_sweep(report)


def test_cli_help_names_the_ranker_options() -> None:
    result = runner.invoke(app, ["eval", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--tune-ranker" in result.output and "--no-ranker" in result.output and "--replay-folds" in result.output
    refused = runner.invoke(app, ["eval", "--replay-folds", "0"], env={"COLUMNS": "200"})
    assert refused.exit_code == 2 and "replay-folds" in refused.output


def test_eval_refuses_zero_replay_folds_before_any_work(tmp_path: Path) -> None:
    es = Elasticsearch("http://127.0.0.1:9")  # never called: the check comes first
    with pytest.raises(ValueError, match="replay_folds must be at least 1, got 0"):
        evaluate_all(Settings(_env_file=None), es, tmp_path / "none.jsonl", tmp_path / "none.jsonl", replay_folds=0)


def test_replayed_requests_keep_the_trend_lists_serving_leaves_out() -> None:
    """Replays ask as of moments before the counters' last day, which their summary cannot answer."""
    from api.evaluation import _feed_stages
    from api.search_eval import retrievers
    from ranking.registry import Loaded

    settings = Settings(_env_file=None)
    assert not settings.retrieval.trend_history  # serving: the summary only
    es = Elasticsearch("http://127.0.0.1:9")  # never called
    feed, _ = _feed_stages(es, IndexNames(""), settings, Loaded("v", None), None)
    assert feed.cfg.trend_history
    assert all(r.cfg.trend_history for r in retrievers(es, "items", None, settings).values())  # type: ignore[arg-type, attr-defined]
