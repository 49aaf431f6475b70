"""Compiled trees (lleaves): the same scores as LightGBM, used once compiled, never a reason to fail."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pytest

from ranking.compiled_trees import CompiledTrees
from ranking.config import RankerConfig
from ranking.features import FEATURE_NAMES
from ranking.models import load_ranker
from ranking.ranker import LightGBMRanker
from tests.ranking.test_ranker import NOW, QUERY, _request, _stack

CFG = RankerConfig(n_estimators=40, learning_rate=0.1, num_leaves=7, min_data_in_leaf=20, early_stopping_rounds=0)


def _data(seed: int = 3) -> tuple[np.ndarray, np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    return _stack([_request(rng, i) for i in range(40)])


def _with_missing(X: np.ndarray) -> np.ndarray:
    """Rows with NaN in features the trees split on, so the compiled missing-value branches run."""
    X = X.copy()
    X[::3, FEATURE_NAMES.index("knn_user")] = np.nan
    X[::4, FEATURE_NAMES.index("bm25")] = np.nan
    return X


def _lightgbm_mean(ranker: LightGBMRanker, X: np.ndarray) -> np.ndarray:
    return np.mean([b.predict(X, num_iteration=ranker.best_iteration) for b in ranker.boosters], axis=0)


@pytest.mark.parametrize(("objective", "bags"), [("lambdarank", 1), ("lambdarank", 3), ("rank_xendcg", 2)])
def test_compiled_scores_equal_lightgbm(objective: str, bags: int) -> None:
    X, y, group = _data()
    ranker = LightGBMRanker(CFG.model_copy(update={"objective": objective, "bags": bags})).fit(X, y, group)
    rows = _with_missing(X[:300])
    compiled = CompiledTrees.compile(ranker.boosters, ranker.best_iteration)
    assert len(compiled.models) == bags
    np.testing.assert_allclose(compiled.predict(rows), _lightgbm_mean(ranker, rows), rtol=0, atol=1e-9)
    assert np.std(compiled.predict(rows)) > 0  # the trees split: a constant would also "match"


def test_compile_keeps_only_the_best_iteration() -> None:
    X, y, group = _data()
    ranker = LightGBMRanker(CFG).fit(X, y, group)
    ranker.best_iteration = 5  # as early stopping leaves it: 40 trees trained, 5 kept
    compiled = CompiledTrees.compile(ranker.boosters, ranker.best_iteration)
    np.testing.assert_allclose(compiled.predict(X), _lightgbm_mean(ranker, X), atol=1e-9)
    all_trees = np.mean([b.predict(X) for b in ranker.boosters], axis=0)
    assert not np.allclose(compiled.predict(X), all_trees)


def test_compiled_ranker_predicts_and_ranks_as_before() -> None:
    X, y, group = _data()
    ranker = LightGBMRanker(CFG.model_copy(update={"bags": 2}), clock=lambda: NOW).fit(X, y, group)
    found, _ = _request(np.random.default_rng(11), 999)
    before_scores, before_order = ranker.predict(X), [c.item_id for c in ranker.rank(QUERY, found)]
    assert ranker.compile() is None
    assert ranker.compiled is not None
    np.testing.assert_allclose(ranker.predict(X), before_scores, atol=1e-9)  # the retrieval prior included
    assert [c.item_id for c in ranker.rank(QUERY, found)] == before_order


def test_background_compile_serves_lightgbm_until_done_and_refit_drops_it() -> None:
    X, y, group = _data()
    ranker = LightGBMRanker(CFG).fit(X, y, group)
    thread = ranker.compile(background=True)
    assert thread is not None
    thread.join(timeout=120)
    assert not thread.is_alive() and ranker.compiled is not None
    ranker.fit(X[:600], y[:600], [30] * 20)  # new trees: the compiled old ones must not answer
    assert ranker.compiled is None
    np.testing.assert_allclose(ranker.predict(X), _lightgbm_mean(ranker, X) + ranker._prior(X), atol=1e-12)


def test_a_failed_compile_is_logged_and_lightgbm_keeps_predicting(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    X, y, group = _data()
    ranker = LightGBMRanker(CFG).fit(X, y, group)
    expected = ranker.predict(X)

    def broken(*_args: object) -> CompiledTrees:
        raise ImportError("No module named 'llvmlite'")  # as on a platform without llvmlite wheels

    monkeypatch.setattr(CompiledTrees, "compile", broken)
    with caplog.at_level(logging.WARNING, logger="ranking.ranker"):
        ranker.compile()
    assert ranker.compiled is None
    assert "not compiled" in caplog.text and "llvmlite" in caplog.text
    np.testing.assert_array_equal(ranker.predict(X), expected)


@pytest.mark.parametrize("compile_trees", [True, False])
def test_serving_loader_compiles_in_the_background_when_asked(tmp_path: Path, compile_trees: bool) -> None:
    X, y, group = _data()
    LightGBMRanker(CFG.model_copy(update={"bags": 2})).fit(X, y, group).save(tmp_path / "ranker")
    loaded = load_ranker(tmp_path / "ranker", compile_trees=compile_trees)
    expected = _lightgbm_mean(loaded, X) + loaded._prior(X)
    np.testing.assert_allclose(loaded.predict(X), expected, atol=1e-9)  # at once, compiled or not yet
    for _ in range(600):
        if loaded.compiled is not None or not compile_trees:
            break
        time.sleep(0.1)
    assert (loaded.compiled is not None) == compile_trees
    np.testing.assert_allclose(loaded.predict(X), expected, atol=1e-9)


def test_empty_compiled_trees_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        CompiledTrees([])
