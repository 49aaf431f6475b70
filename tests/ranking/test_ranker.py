"""LightGBMRanker: learns a planted signal through feature_matrix, persists exactly, refuses foreign models."""

from __future__ import annotations

import json
import pickle
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from ranking.candidate import Candidate
from ranking.config import MONOTONE_RETRIEVAL, RankerConfig
from ranking.errors import FeatureMismatchError, ModelLoadError, NotFittedError
from ranking.features import FEATURE_NAMES, feature_matrix
from ranking.metrics import ndcg_at_k
from ranking.ranker import LightGBMRanker, bootstrap_groups, graded_label, lightgbm_ndcg, top_contributions
from ranking.stages import NoopRanker, Query, Ranker

NOW = 1_800_000_000.0
QUERY = Query(text="trail shoes")
# Retrieval order is noise in this data (see _request): no retrieval prior, so the explanations
# name the planted feature alone.
FAST = RankerConfig(
    n_estimators=60, learning_rate=0.1, num_leaves=15, early_stopping_rounds=10, num_threads=1, retrieval_prior=0.0
)

Request = tuple[list[Candidate], dict[str, int]]


def _request(rng: np.random.Generator, index: int, n: int = 30) -> Request:
    """Relevance (0..3) is planted in knn_user alone, in bands with gaps; retrieval order is noise."""
    labels = rng.integers(0, 4, size=n)
    knn_user = labels / 4 + rng.uniform(0.02, 0.2, size=n)
    retrieval = rng.uniform(0, 1, size=n)
    found = [
        Candidate(
            f"r{index}-{i}",
            float(retrieval[i]),
            {"bm25": float(rng.uniform(0, 10)), "knn_text": float(rng.uniform(0.5, 1)), "knn_user": float(knn_user[i])},
            {"popularity": int(rng.integers(0, 100)), "price": float(rng.uniform(5, 500)), "category": "Shoes"},
        )
        for i in range(n)
    ]
    found.sort(key=lambda c: -c.score)  # retrieval order
    return found, {f"r{index}-{i}": int(labels[i]) for i in range(n)}


def _stack(requests: Sequence[Request]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    X = np.vstack([feature_matrix(QUERY, found, NOW) for found, _ in requests])
    y = np.concatenate([[gains[c.item_id] for c in found] for found, gains in requests])
    return X, y, [len(found) for found, _ in requests]


@pytest.fixture(scope="module")
def data() -> dict[str, list[Request]]:
    rng = np.random.default_rng(7)
    requests = [_request(rng, i) for i in range(110)]
    return {"train": requests[:70], "valid": requests[70:90], "test": requests[90:]}


@pytest.fixture(scope="module")
def ranker(data: dict[str, list[Request]]) -> LightGBMRanker:
    X, y, group = _stack(data["train"])
    Xv, yv, gv = _stack(data["valid"])
    return LightGBMRanker(FAST, clock=lambda: NOW).fit(X, y, group, Xv, yv, gv)


def _mean_ndcg(rankings: Sequence[Sequence[str]], requests: Sequence[Request]) -> float:
    return float(np.mean([ndcg_at_k(ids, gains, 10) for ids, (_, gains) in zip(rankings, requests)]))


# --- contract shared by every Ranker -------------------------------------------------------------
class RankerContract:
    @pytest.fixture
    def stage(self) -> Ranker:
        raise NotImplementedError

    def test_returns_a_permutation_of_its_input(self, stage: Ranker, data: dict[str, list[Request]]) -> None:
        found, _ = data["test"][0]
        ranked = stage.rank(QUERY, found)
        assert sorted(c.item_id for c in ranked) == sorted(c.item_id for c in found)
        assert all(isinstance(c, Candidate) for c in ranked)

    def test_no_candidates_gives_none(self, stage: Ranker) -> None:
        assert stage.rank(QUERY, []) == []


class TestNoopRankerContract(RankerContract):
    @pytest.fixture
    def stage(self) -> Ranker:
        return NoopRanker()


class TestLightGBMRankerContract(RankerContract):
    @pytest.fixture
    def stage(self, ranker: LightGBMRanker) -> Ranker:
        return ranker


# --- learning -----------------------------------------------------------------------------------
def test_ranker_beats_retrieval_and_random_order(ranker: LightGBMRanker, data: dict[str, list[Request]]) -> None:
    test = data["test"]
    rng = np.random.default_rng(1)
    learned = _mean_ndcg([[c.item_id for c in ranker.rank(QUERY, found)] for found, _ in test], test)
    retrieval = _mean_ndcg([[c.item_id for c in found] for found, _ in test], test)
    shuffled = _mean_ndcg([list(rng.permutation([c.item_id for c in found])) for found, _ in test], test)
    assert learned > 0.95
    assert learned > retrieval + 0.2 and learned > shuffled + 0.2
    assert ranker.validation["ndcg@10"] > 0.95
    assert 0 < ranker.best_iteration <= FAST.n_estimators


def test_rank_puts_the_most_relevant_first_and_records_scores(
    ranker: LightGBMRanker, data: dict[str, list[Request]]
) -> None:
    found, gains = data["test"][0]
    ranked = ranker.rank(QUERY, found)
    labels = [gains[c.item_id] for c in ranked]
    assert labels == sorted(labels, reverse=True)  # the planted bands come out in order
    scores = [c.score for c in ranked]
    assert scores == sorted(scores, reverse=True)
    by_id = {c.item_id: (position, c) for position, c in enumerate(found)}
    for c in ranked:
        position, original = by_id[c.item_id]
        assert c.features["ranker"] == c.score
        assert c.features["retrieval_score"] == original.score
        assert c.features["retrieval_rank"] == position
        assert c.features["knn_user"] == original.features["knn_user"]


def test_re_featurising_ranked_candidates_reproduces_the_serving_rows(
    ranker: LightGBMRanker, data: dict[str, list[Request]]
) -> None:
    """The impression log can recompute features from what was shown and get what the model saw."""
    found, _ = data["test"][1]
    served = feature_matrix(QUERY, found, NOW)
    ranked = ranker.rank(QUERY, found)
    again = feature_matrix(QUERY, ranked, NOW)
    order = [next(i for i, c in enumerate(found) if c.item_id == r.item_id) for r in ranked]
    np.testing.assert_array_equal(again, served[order])


def test_ties_keep_retrieval_order(data: dict[str, list[Request]]) -> None:
    X, y, group = _stack(data["train"][:10])
    flat = LightGBMRanker(RankerConfig(n_estimators=5, early_stopping_rounds=0)).fit(X, np.ones_like(y), group)
    found, _ = data["test"][0]
    assert [c.item_id for c in flat.rank(QUERY, found)] == [c.item_id for c in found]


@pytest.mark.parametrize("objective", ["lambdarank", "rank_xendcg"])
def test_both_objectives_learn_and_training_is_deterministic(objective: str, data: dict[str, list[Request]]) -> None:
    cfg = FAST.model_copy(update={"objective": objective, "n_estimators": 30})
    X, y, group = _stack(data["train"][:40])
    Xt, _, _ = _stack(data["test"])
    first = LightGBMRanker(cfg).fit(X, y, group)
    second = LightGBMRanker(cfg).fit(X, y, group)
    np.testing.assert_array_equal(first.predict(Xt), second.predict(Xt))
    ranked = [[c.item_id for c in first.rank(QUERY, found)] for found, _ in data["test"]]
    assert _mean_ndcg(ranked, data["test"]) > 0.9


def test_unknown_objective_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="lambdarank"):
        RankerConfig(objective="lambdamart")
    with pytest.raises(ValueError, match=r"objective must be one of \['lambdarank', 'rank_xendcg'\]"):
        LightGBMRanker(RankerConfig.model_construct(objective="lambdamart"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"group": [30, 29]}, "group sizes sum to 59, but X has 60 rows"),
        ({"group": [60, 0]}, "group must be a 1-D list of positive request sizes"),
        ({"y": np.full(60, -1)}, r"y grades must lie in 0\.\.30"),
        ({"y": np.full(60, 0.5)}, "y must hold integer relevance grades"),
        ({"y": np.zeros(59, dtype=int)}, r"y must have shape \(60,\)"),
        ({"X": np.zeros((60, 3))}, r"X must have shape \(rows, " + str(len(FEATURE_NAMES)) + r"\)"),
        ({"X_valid": np.zeros((30, len(FEATURE_NAMES)))}, "must be given together"),
        (
            {"X_valid": np.zeros((30, len(FEATURE_NAMES))), "y_valid": np.zeros(30, dtype=int), "group_valid": [31]},
            "group_valid sizes sum to 31, but X_valid has 30 rows",
        ),
    ],
)
def test_fit_checks_its_inputs_first(change: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"X": np.zeros((60, len(FEATURE_NAMES))), "y": np.zeros(60, dtype=int), "group": [30, 30]}
    with pytest.raises(ValueError, match=message):
        LightGBMRanker(FAST).fit(**{**args, **change})  # type: ignore[arg-type]


def test_unfitted_ranker_raises(tmp_path: Path) -> None:
    ranker = LightGBMRanker()
    with pytest.raises(NotFittedError, match="fit"):
        ranker.rank(QUERY, [Candidate("a", 1.0)])
    with pytest.raises(NotFittedError):
        ranker.predict(np.zeros((1, len(FEATURE_NAMES))))
    with pytest.raises(NotFittedError):
        ranker.save(tmp_path / "ranker")


# --- explanations --------------------------------------------------------------------------------
def test_contributions_sum_to_the_score_and_name_the_planted_feature(
    ranker: LightGBMRanker, data: dict[str, list[Request]]
) -> None:
    found, _ = data["test"][2]
    X = feature_matrix(QUERY, found, NOW)
    contributions = ranker.contributions(X)
    assert contributions.shape == (len(found), len(FEATURE_NAMES) + 1)
    np.testing.assert_allclose(contributions.sum(axis=1), ranker.predict(X), atol=1e-6)
    ranked, explanations = ranker.rank_explained(QUERY, found, n=2)
    assert [c.item_id for c in ranked] == [c.item_id for c in ranker.rank(QUERY, found)]
    assert set(explanations) == {c.item_id for c in found}
    assert all(len(pairs) == 2 for pairs in explanations.values())
    top_features = [pairs[0][0] for pairs in explanations.values()]
    assert top_features.count("knn_user") >= 0.9 * len(found)


def test_top_contributions_orders_by_magnitude_and_checks_shape() -> None:
    rows = np.array([[0.1, -0.5, 0.2, 9.0], [0.0, 0.0, 0.3, 9.0]])
    assert top_contributions(rows, ["a", "b", "c"], n=2) == [[("b", -0.5), ("c", 0.2)], [("c", 0.3), ("a", 0.0)]]
    with pytest.raises(ValueError, match=r"shape \(rows, 4\)"):
        top_contributions(rows[:, :3], ["a", "b", "c"])


# --- persistence ---------------------------------------------------------------------------------
def test_save_load_round_trip_gives_identical_predictions(data: dict[str, list[Request]], tmp_path: Path) -> None:
    X, y, group = _stack(data["train"])
    Xv, yv, gv = _stack(data["valid"])
    rng = np.random.default_rng(3)
    noisy = np.where(rng.uniform(size=y.shape) < 0.3, rng.integers(0, 4, size=y.shape), y)  # many real trees
    ranker = LightGBMRanker(FAST.model_copy(update={"early_stopping_rounds": 0}), clock=lambda: NOW)
    ranker.fit(X, noisy, group, Xv, yv, gv)
    assert ranker.best_iteration == FAST.n_estimators
    ranker.save(tmp_path / "ranker")
    manifest = json.loads((tmp_path / "ranker" / "manifest.json").read_text())
    assert manifest["features"] == list(FEATURE_NAMES)
    assert manifest["objective"] == "lambdarank" and manifest["params"]["deterministic"] is True
    assert manifest["best_iteration"] == ranker.best_iteration
    assert manifest["validation"] == ranker.validation and 0 < manifest["validation"]["ndcg@10"] <= 1
    loaded = LightGBMRanker.load(tmp_path / "ranker", clock=lambda: NOW)
    assert loaded.best_iteration == ranker.best_iteration
    Xt, _, _ = _stack(data["test"])
    np.testing.assert_array_equal(loaded.predict(Xt), ranker.predict(Xt))
    found, _ = data["test"][0]
    assert [c.item_id for c in loaded.rank(QUERY, found)] == [c.item_id for c in ranker.rank(QUERY, found)]


def test_a_model_with_other_features_is_refused(ranker: LightGBMRanker, tmp_path: Path) -> None:
    ranker.save(tmp_path / "ranker")
    manifest_path = tmp_path / "ranker" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["features"] = [*FEATURE_NAMES[:-1], "hour_of_week"]
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(FeatureMismatchError, match=r"missing \['hour_of_day'\], unexpected \['hour_of_week'\]") as err:
        LightGBMRanker.load(tmp_path / "ranker")
    assert err.value.expected == list(FEATURE_NAMES) and err.value.found[-1] == "hour_of_week"
    with pytest.raises(FeatureMismatchError, match="another order"):
        LightGBMRanker.load(tmp_path / "ranker", expected_features=[*FEATURE_NAMES[:-1], "hour_of_week"][::-1])
    copy = pickle.loads(pickle.dumps(err.value))
    assert (copy.expected, copy.found) == (err.value.expected, err.value.found)


def test_missing_or_corrupt_files_raise_model_load_error(ranker: LightGBMRanker, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="manifest.json"):
        LightGBMRanker.load(tmp_path / "nowhere")
    ranker.save(tmp_path / "ranker")
    (tmp_path / "ranker" / "model.txt").write_text("not a model")
    with pytest.raises(ModelLoadError, match="cannot read LightGBM model"):
        LightGBMRanker.load(tmp_path / "ranker")
    (tmp_path / "ranker" / "model.txt").unlink()
    with pytest.raises(ModelLoadError, match="model.txt"):
        LightGBMRanker.load(tmp_path / "ranker")
    (tmp_path / "ranker" / "manifest.json").write_text("{")
    with pytest.raises(ModelLoadError, match="cannot read ranker manifest"):
        LightGBMRanker.load(tmp_path / "ranker")


# --- labels --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("events", "label"),
    [
        ([], 1),
        (["view"], 1),
        (["dislike"], 0),
        (["click"], 2),
        (["like"], 2),
        (["view", "click", "add_to_cart"], 3),
        (["add_to_cart", "purchase", "click"], 4),
        (["click", "dislike"], 0),
    ],
)
def test_graded_label_is_the_strongest_event(events: list[str], label: int) -> None:
    assert graded_label(events) == label


def test_graded_label_refuses_ratings_and_unknown_types() -> None:
    with pytest.raises(ValueError, match="map ratings"):
        graded_label(["rating"])
    with pytest.raises(ValueError, match="'share'"):
        graded_label(["click", "share"])


def test_retrieval_prior_starts_boosting_from_retrieval_order(data: dict[str, list[Request]], tmp_path: Path) -> None:
    """One barely-weighted tree on top of the prior keeps retrieval order; without it, that tree's
    leaves alone decide. Contributions still sum to the score, and the prior survives save/load."""
    X, y, group = _stack(data["train"])
    one_tree = FAST.model_copy(update={"n_estimators": 1, "learning_rate": 1e-4, "early_stopping_rounds": 0})
    with_prior = LightGBMRanker(one_tree.model_copy(update={"retrieval_prior": 1.0}), clock=lambda: NOW)
    without = LightGBMRanker(one_tree, clock=lambda: NOW)
    with_prior.fit(X, y, group)
    without.fit(X, y, group)
    found, _ = data["test"][0]
    assert [c.item_id for c in with_prior.rank(QUERY, found)] == [c.item_id for c in found]
    assert [c.item_id for c in without.rank(QUERY, found)] != [c.item_id for c in found]

    Xt = feature_matrix(QUERY, found, NOW)
    assert with_prior.contributions(Xt).sum(axis=1) == pytest.approx(with_prior.predict(Xt), abs=1e-6)
    with_prior.save(tmp_path / "m")
    loaded = LightGBMRanker.load(tmp_path / "m")
    assert loaded.cfg.retrieval_prior == 1.0 and loaded.predict(Xt) == pytest.approx(with_prior.predict(Xt))


def test_monotone_features_only_move_the_score_one_way(data: dict[str, list[Request]]) -> None:
    """Relevance is planted in knn_user. Allowed to rise with it, the ranker learns it; made to
    fall with it, it can never score a higher knn_user above a lower one (other features equal),
    so it cannot use the signal. Each test row is swept over a grid of knn_user values."""
    X, y, group = _stack(data["train"])
    column = FEATURE_NAMES.index("knn_user")
    grid = np.linspace(0.0, 1.2, 25)
    rows = np.repeat(_stack(data["test"])[0][:40], len(grid), axis=0)
    rows[:, column] = np.tile(grid, 40)
    ndcg = {}
    for sign in (1, -1):
        cfg = FAST.model_copy(update={"monotone": {"knn_user": sign}, "early_stopping_rounds": 0})
        ranker = LightGBMRanker(cfg, clock=lambda: NOW).fit(X, y, group)
        assert ranker.params()["monotone_constraints"][column] == sign
        steps = np.diff(ranker.predict(rows).reshape(40, len(grid)), axis=1)
        assert (sign * steps >= -1e-12).all()
        rankings = [[c.item_id for c in ranker.rank(QUERY, found)] for found, _ in data["test"]]
        ndcg[sign] = _mean_ndcg(rankings, data["test"])
    assert ndcg[1] > ndcg[-1] + 0.1


def test_monotone_retrieval_names_the_retrieval_evidence_and_unknown_names_are_refused() -> None:
    params = LightGBMRanker(RankerConfig(monotone=MONOTONE_RETRIEVAL)).params()
    signs = dict(zip(FEATURE_NAMES, params["monotone_constraints"]))
    assert {n: s for n, s in signs.items() if s} == {
        "retrieval_rank": -1,
        "retrieval_score": 1,
        "knn_user": 1,
        "two_tower_dot": 1,
    }
    assert "monotone_constraints" not in LightGBMRanker(RankerConfig()).params()  # off by default
    with pytest.raises(ValueError, match=r"monotone names unknown features \['knn_usr'\]"):
        RankerConfig(monotone={"knn_usr": 1})


# --- bagging -------------------------------------------------------------------------------------
BAGGED = FAST.model_copy(update={"bags": 3, "n_estimators": 20, "early_stopping_rounds": 5})


@pytest.fixture(scope="module")
def bagged(data: dict[str, list[Request]]) -> LightGBMRanker:
    X, y, group = _stack(data["train"])
    Xv, yv, gv = _stack(data["valid"])
    return LightGBMRanker(BAGGED, clock=lambda: NOW).fit(X, y, group, Xv, yv, gv)


def test_bootstrap_draws_whole_requests_with_replacement() -> None:
    group = np.array([3, 1, 2, 4])
    starts = np.concatenate([[0], np.cumsum(group)[:-1]])
    rows, sizes = bootstrap_groups(group, np.random.default_rng(5))
    assert len(sizes) == len(group) and rows.size == sizes.sum()
    offset = 0
    for size in sizes:  # each drawn block is one request's rows, contiguous and in order
        block = rows[offset : offset + size]
        (g,) = np.flatnonzero(starts == block[0])
        assert group[g] == size and block.tolist() == list(range(starts[g], starts[g] + size))
        offset += size
    again, _ = bootstrap_groups(group, np.random.default_rng(5))
    assert again.tolist() == rows.tolist()
    drawn = [bootstrap_groups(group, np.random.default_rng(s))[1].tolist() for s in range(20)]
    assert any(len(set(d)) < len(d) for d in drawn)  # with replacement: some draw repeats a request


def test_lightgbm_ndcg_is_the_metric_lightgbm_records(data: dict[str, list[Request]]) -> None:
    X, y, group = _stack(data["train"])
    Xv, yv, gv = _stack(data["valid"])
    one = LightGBMRanker(FAST.model_copy(update={"early_stopping_rounds": 0, "n_estimators": 8})).fit(
        X, y, group, Xv, yv, gv
    )
    assert len(one.validation_curve) == 8
    ours = one._ensemble_curve(Xv, yv.astype(np.int32), np.asarray(gv))
    np.testing.assert_allclose(ours, one.validation_curve, atol=1e-12)
    # a request with nothing relevant counts as 1, as LightGBM counts it
    assert lightgbm_ndcg(np.array([0.3, 0.1, 0.2]), np.array([0, 0, 1]), np.array([2, 1])) == 1.0
    assert lightgbm_ndcg(np.array([0.3, 0.1]), np.array([0, 1]), np.array([2])) == pytest.approx(1 / np.log2(3))


def test_bagged_ranker_predicts_its_bags_mean_and_early_stops_on_the_mean(
    bagged: LightGBMRanker, data: dict[str, list[Request]]
) -> None:
    assert len(bagged.boosters) == 3 and bagged.booster is bagged.boosters[0]
    Xv, yv, gv = _stack(data["valid"])
    each = [b.predict(Xv, num_iteration=bagged.best_iteration) for b in bagged.boosters]
    assert not np.allclose(each[0], each[1])  # different bootstraps, different models
    np.testing.assert_allclose(bagged.predict(Xv), np.mean(each, axis=0))  # no retrieval prior in FAST
    curve = bagged.validation_curve
    assert len(curve) == BAGGED.n_estimators and bagged.best_iteration == int(np.argmax(curve)) + 1
    assert bagged.validation["ndcg@10"] == pytest.approx(lightgbm_ndcg(bagged.predict(Xv), yv, np.asarray(gv)))
    np.testing.assert_allclose(bagged.contributions(Xv[:20]).sum(axis=1), bagged.predict(Xv[:20]))
    rankings = [[c.item_id for c in bagged.rank(QUERY, found)] for found, _ in data["test"]]
    retrieval = [[c.item_id for c in found] for found, _ in data["test"]]
    assert _mean_ndcg(rankings, data["test"]) > _mean_ndcg(retrieval, data["test"]) + 0.2


def test_bagged_ranker_round_trips_every_bag(
    bagged: LightGBMRanker, data: dict[str, list[Request]], tmp_path: Path
) -> None:
    bagged.save(tmp_path / "ranker")
    manifest = json.loads((tmp_path / "ranker" / "manifest.json").read_text())
    assert manifest["model_files"] == ["model.txt", "model-1.txt", "model-2.txt"]
    assert all((tmp_path / "ranker" / name).exists() for name in manifest["model_files"])
    loaded = LightGBMRanker.load(tmp_path / "ranker", clock=lambda: NOW)
    Xt, _, _ = _stack(data["test"])
    assert len(loaded.boosters) == 3 and loaded.best_iteration == bagged.best_iteration
    np.testing.assert_array_equal(loaded.predict(Xt), bagged.predict(Xt))
    (tmp_path / "ranker" / "model-2.txt").unlink()
    with pytest.raises(ModelLoadError, match="model-2.txt"):
        LightGBMRanker.load(tmp_path / "ranker")


def test_a_manifest_from_before_bagging_loads_its_one_model(ranker: LightGBMRanker, tmp_path: Path) -> None:
    ranker.save(tmp_path / "ranker")
    manifest_path = tmp_path / "ranker" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["model_files"], manifest["config"]["bags"]
    manifest_path.write_text(json.dumps(manifest))
    loaded = LightGBMRanker.load(tmp_path / "ranker")
    assert len(loaded.boosters) == 1 and loaded.cfg.bags == 1


def test_bags_must_be_at_least_one() -> None:
    with pytest.raises(ValueError, match="bags"):
        RankerConfig(bags=0)
