"""`tandem eval-search` end to end on a tiny BEIR folder, through the real engine (and, slow, on SciFact)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from elasticsearch import Elasticsearch
from typer.testing import CliRunner

from api.cli import app
from api.search_eval import (
    BM25,
    HYBRID,
    KNN,
    METHODS,
    RANKER,
    SearchRuns,
    by_clause,
    default_grid,
    evaluate_search,
    format_search_table,
    forward_validated_ranker,
    replay_ndcg,
    retrieval_scores,
    score_runs,
    train_ranker,
    tune_ranker,
)
from api.settings import Settings
from indexer.embedding import TextEncoder
from indexer.mappings import IndexNames
from ranking.candidate import Candidate
from ranking.config import RankerConfig
from ranking.ranker import LightGBMRanker
from ranking.replay import replay_search_events
from ranking.stages import Query
from tests.beir_tiny import write_tiny_beir
from tests.conftest import SHARED_DATA

runner = CliRunner()


def _settings(es_url: str, names: IndexNames, tmp_path: Path) -> Settings:
    return Settings(elasticsearch_url=es_url, index_prefix=names.prefix, data_dir=tmp_path / "state", _env_file=None)


@pytest.mark.es
def test_search_eval_scores_every_method_and_cleans_up(
    es_url: str, es: Elasticsearch, encoder: TextEncoder, names: IndexNames, tmp_path: Path
) -> None:
    folder = write_tiny_beir(tmp_path)
    report = evaluate_search(
        _settings(es_url, names, tmp_path),
        es,
        folder,
        encoder=encoder,
        held_out=0.25,
        depth=30,
        separate_baselines=True,
        progress=False,
    )
    assert list(report["methods"]) == list(METHODS)
    for name, metrics in report["methods"].items():
        assert 0.0 <= metrics["ndcg@10"] <= 1.0, name
        assert 0.0 <= metrics["recall@30"] <= 1.0, name
        assert metrics["queries"] == 3
    # Every topic is findable by its words, so the hybrid request finds every judged document.
    assert report["methods"][HYBRID]["recall@30"] == 1.0
    assert report["methods"][HYBRID]["ndcg@10"] > 0.5
    assert report["methods"][RANKER]["recall@30"] == 1.0  # the ranker re-orders, it never drops
    data, replay = report["data"], report["replay"]
    assert (data["train_queries"], data["held_out_queries"], data["documents_indexed"]) == (9, 3, 30)
    assert replay["groups"] == 9 and replay["groups_kept"] + replay["groups_without_positive"] == 9
    assert report["ranker"]["validation_queries"] >= 1
    table = format_search_table(report)
    assert all(f"| {name} |" in table for name in METHODS)
    assert not es.indices.get(index=f"{names.prefix}*", expand_wildcards="all")  # throw-away indices deleted


@pytest.mark.es
def test_cli_prints_the_table_and_saves_json(es_url: str, es: Elasticsearch, names: IndexNames, tmp_path: Path) -> None:
    folder = write_tiny_beir(tmp_path, split_qrels=True)
    env = {"ELASTICSEARCH_URL": es_url, "TANDEM_INDEX_PREFIX": names.prefix, "TANDEM_DATA_DIR": str(tmp_path / "s")}
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["eval-search", str(folder), "--depth", "20", "--out", str(out), "--no-progress"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "| method | ndcg@10 | recall@10 | recall@20 |" in result.output
    saved = json.loads((out / "eval_search.json").read_text())
    assert list(saved["methods"]) == list(METHODS)
    assert saved["data"]["qrels_splits"] == ["dev", "train"] and saved["data"]["queries_judged"] == 12


def test_cli_refuses_a_missing_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval-search", str(tmp_path / "nope")], env={"TANDEM_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert "no such folder" in result.output


@pytest.mark.slow
@pytest.mark.es
@pytest.mark.skipif(not (SHARED_DATA / "scifact-dev").exists(), reason="../shared/data/scifact-dev not present")
def test_scifact_ranker_beats_retrieval_order(
    es_url: str, es: Elasticsearch, encoder: TextEncoder, names: IndexNames, tmp_path: Path
) -> None:
    report = evaluate_search(
        _settings(es_url, names, tmp_path), es, SHARED_DATA / "scifact-dev", encoder=encoder, progress=False
    )
    methods = report["methods"]
    assert report["data"]["held_out_queries"] == 202
    assert methods[RANKER]["ndcg@10"] > methods[HYBRID]["ndcg@10"]
    assert methods[RANKER]["ndcg@10"] > methods["BM25 (ES)"]["ndcg@10"]


def _fake_runs(n_queries: int = 40, n: int = 20) -> SearchRuns:
    """Relevance planted in title_overlap while the retrieval order is noise, so a ranker can beat it."""
    rng = np.random.default_rng(0)
    events, lists, held, judged = [], {}, {}, {}
    for q in range(n_queries):
        text = f"query {q}"
        relevant = int(rng.integers(0, n))
        found = [
            Candidate(
                f"{q}-{i}",
                float(n - i),
                {"bm25": float(rng.uniform(0, 5))},
                {"title": text if i == relevant else f"other {i}"},
            )
            for i in range(n)
        ]
        lists[text] = found
        if q < 30:
            events.append(
                {"user_id": f"u{q}", "item_id": f"{q}-{relevant}", "type": "click", "timestamp": q, "query": text}
            )
        else:
            held[str(q)], judged[str(q)] = text, {f"{q}-{relevant}": 1}

    class Fixed:
        def retrieve(self, query: Query, k: int) -> list[Candidate]:
            return lists[query.text][:k]

    train = replay_search_events(events, Fixed(), k=n)
    retrieved = {name: {q: lists[t] for q, t in held.items()} for name in (BM25, KNN, HYBRID)}
    return SearchRuns("fake", n, train, held, judged, retrieved, data={"depth": n})


def test_ranker_learns_what_retrieval_order_misses_and_tuning_never_sees_held_out() -> None:
    runs = _fake_runs()
    fast = RankerConfig(n_estimators=40, learning_rate=0.2, num_leaves=4, min_data_in_leaf=5, early_stopping_rounds=10)
    ranker, info = train_ranker(runs.train, fast, validation=0.2)
    assert info["validation_queries"] == 6 and info["train_queries"] == 24
    assert info["validation_ndcg@10"] > info["validation_ndcg@10_retrieval_order"] + 0.3
    results = score_runs(runs, ranker)
    assert list(results) == list(METHODS)
    assert results[RANKER]["ndcg@10"] > results[HYBRID]["ndcg@10"] + 0.3
    assert results[RANKER]["recall@20"] == results[HYBRID]["recall@20"] == 1.0
    valid = runs.train.split(0.2, 0)[1]
    assert replay_ndcg(valid, retrieval_scores(valid)) == info["validation_ndcg@10_retrieval_order"]
    with pytest.raises(ValueError, match="tuning needs a validation share"):
        tune_ranker(runs.train, [fast], validation=0.0)
    _, best, trials = tune_ranker(runs.train, default_grid(fast)[:3], validation=0.2)
    assert len(trials) == 3 and best["validation_ndcg@10"] == max(t["validation_ndcg@10"] for t in trials)


def test_cross_validated_ranker_holds_out_every_search_once_and_refits_on_all() -> None:
    runs = _fake_runs()
    fast = RankerConfig(n_estimators=40, learning_rate=0.2, num_leaves=4, min_data_in_leaf=5, early_stopping_rounds=10)
    ranker, info = train_ranker(runs.train, fast, folds=5)
    assert info["cv_folds"] == 5 and info["train_queries"] == info["validation_queries"] == len(runs.train) == 30
    assert 1 <= info["trees"] <= 40 and ranker.best_iteration == info["trees"]
    assert ranker.booster is not None and ranker.booster.num_trees() == info["trees"]  # refit with exactly that many
    assert info["validation_ndcg@10"] > info["validation_ndcg@10_retrieval_order"] + 0.3
    assert score_runs(runs, ranker)[RANKER]["ndcg@10"] > score_runs(runs, ranker)[HYBRID]["ndcg@10"] + 0.3
    # Held-out retrieval order, averaged over folds that cover every search once, is the whole set's.
    assert info["validation_ndcg@10_retrieval_order"] == pytest.approx(
        replay_ndcg(runs.train, retrieval_scores(runs.train))
    )
    with pytest.raises(ValueError, match="k <= users"):
        train_ranker(runs.train.subset([0, 1, 2]), fast, folds=5)


def test_forward_validated_ranker_chooses_trees_on_the_newer_set_and_refits_on_both() -> None:
    runs = _fake_runs()
    fast = RankerConfig(n_estimators=40, learning_rate=0.2, num_leaves=4, min_data_in_leaf=5, early_stopping_rounds=10)
    older, newer = runs.train.subset(list(range(20))), runs.train.subset(list(range(20, 30)))
    ranker, info = forward_validated_ranker(older, newer, fast)
    probe = LightGBMRanker(fast.model_copy(update={"early_stopping_rounds": 0}))
    probe.fit(older.X, older.y, older.group, newer.X, newer.y, newer.group)
    assert info["trees"] == int(np.argmax(probe.validation_curve)) + 1  # the newer set's peak
    assert ranker.booster is not None and ranker.booster.num_trees() == info["trees"]
    assert info["train_queries"] == 30 and info["validation_queries"] == 10
    assert info["validation_ndcg@10_retrieval_order"] == replay_ndcg(newer, retrieval_scores(newer))
    assert info["validation_ndcg@10"] > info["validation_ndcg@10_retrieval_order"] + 0.3
    assert score_runs(runs, ranker)[RANKER]["ndcg@10"] > score_runs(runs, ranker)[HYBRID]["ndcg@10"] + 0.3
    with pytest.raises(ValueError, match="both cuts, got 20 older and 0 newer"):
        forward_validated_ranker(older, runs.train.subset([]), fast)


def test_single_clause_baselines_reorder_the_hybrid_candidates() -> None:
    found = [
        Candidate("both", 0.9, {"bm25": 3.0, "knn_text": 0.7}),
        Candidate("text", 0.8, {"bm25": 9.0, "knn_text": 0.0}),
        Candidate("meaning", 0.5, {"bm25": 0.0, "knn_text": 0.95}),
        Candidate("neither", 0.1, {}),
    ]
    assert [c.item_id for c in by_clause(found, "bm25")] == ["text", "both", "meaning", "neither"]
    assert [c.item_id for c in by_clause(found, "knn_text")] == ["meaning", "both", "text", "neither"]
