"""Two-tower model and training on tiny planted-cluster data."""

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from ranking.cf import Popularity
from ranking.errors import ModelLoadError
from ranking.interactions import user_histories
from ranking.metrics import mean_recall_at_k
from ranking.splits import temporal_split
from ranking.train_towers import (
    build_examples,
    popularity_at_cut,
    rank_by_vectors,
    rank_with_towers,
    train_towers,
)
from ranking.two_tower import ENSEMBLE_FILE, TowerConfig, TowerEnsemble, TwoTowerModel, load_towers

N_CLUSTERS, PER_CLUSTER, TEXT_DIM = 4, 15, 8
TINY = dict(
    dim=16,
    text_dim=TEXT_DIM,
    hidden=32,
    id_buckets=1024,
    id_dim=8,
    field_buckets=64,
    field_dim=4,
    batch_size=64,
    n_negatives=5,
    lr=1e-2,
    validation="none",
    epochs=4,
    ensemble=1,  # these tests are about one tower; the ensemble's own tests set ensemble=2
)


@pytest.fixture(scope="module", autouse=True)
def _threads() -> None:
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def catalog() -> tuple[list[dict], np.ndarray]:
    rng = np.random.default_rng(0)
    items = [
        {
            "id": str(i),
            "category": f"c{i // PER_CLUSTER}",
            "tags": ["t", f"x{i % 3}"],
            "price": float(i),
            "created_at": "2020-01-01T00:00:00Z",
        }
        for i in range(N_CLUSTERS * PER_CLUSTER)
    ]
    return items, rng.normal(size=(len(items), TEXT_DIM)).astype(np.float32)


@pytest.fixture(scope="module")
def events() -> list[dict]:
    """80 users, each liking 10 items of one cluster over time, plus some dislikes."""
    rng = np.random.default_rng(1)
    out = []
    for user in range(80):
        cluster = user % N_CLUSTERS
        items = rng.choice(PER_CLUSTER, size=10, replace=False) + cluster * PER_CLUSTER
        for t, item in enumerate(items):
            out.append(
                {"user_id": f"u{user}", "item_id": str(int(item)), "type": "like", "timestamp": 1.6e9 + 86_400.0 * t}
            )
        other = (cluster + 1) % N_CLUSTERS * PER_CLUSTER + int(rng.integers(PER_CLUSTER))
        out.append({"user_id": f"u{user}", "item_id": str(other), "type": "dislike", "timestamp": 1.6e9 + 3600.0})
    return out


def tiny(**changes: object) -> TowerConfig:
    return TowerConfig(**{**TINY, **changes})


@pytest.fixture(scope="module")
def trained(events: list[dict], catalog: tuple[list[dict], np.ndarray]) -> TwoTowerModel:
    items, text = catalog
    return train_towers(events, items, text, tiny(), seed=0)[0]


def test_examples_use_only_strictly_earlier_history(events: list[dict], catalog: tuple[list[dict], np.ndarray]) -> None:
    items, _ = catalog
    ex = build_examples(events, {i["id"]: n for n, i in enumerate(items)}, tiny(max_history=4))
    assert len(ex) == 80 * 10  # one example per like
    real = ex.hist_weight != 0
    assert (ex.hist_age[real] > 0).all()
    assert not (ex.hist_item == ex.target[:, None])[real].any()  # each item liked once
    assert real.sum(axis=1).max() == 4
    assert (real.sum(axis=1) == 0).sum() == 80  # each user's first like has no history


def test_same_seed_gives_identical_vectors(
    events: list[dict], catalog: tuple[list[dict], np.ndarray], trained: TwoTowerModel
) -> None:
    items, text = catalog
    again = train_towers(events, items, text, tiny(), seed=0)[0]
    np.testing.assert_array_equal(again.encode_items(items, text), trained.encode_items(items, text))
    other = train_towers(events, items, text, tiny(), seed=1)[0]
    assert not np.allclose(other.encode_items(items, text), trained.encode_items(items, text))


def test_same_seed_is_bit_identical_when_torch_runs_threaded_kernels() -> None:
    """Batches big enough for torch's multi-threaded CPU kernels, whose accumulation order varies
    between runs unless the deterministic ones are used (differences ~1e-7 after two epochs)."""
    rng = np.random.default_rng(0)
    items = [{"id": f"i{i}", "category": f"c{i % 7}"} for i in range(500)]
    text = rng.normal(size=(500, 384)).astype(np.float32)  # the default text_dim and tower sizes
    events = [
        {"user_id": f"u{u}", "item_id": f"i{int(rng.integers(500))}", "type": "like", "timestamp": 1.6e9 + 86_400.0 * t}
        for u in range(200)
        for t in range(10)
    ]
    cfg = TowerConfig(epochs=2, refit_full=False, validation="none", batch_size=512)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # this module otherwise runs single-threaded
    try:
        runs = [train_towers(events, items, text, cfg, seed=0)[0].encode_items(items, text) for _ in range(2)]
    finally:
        torch.set_num_threads(threads)
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not torch.are_deterministic_algorithms_enabled()  # the global mode is restored


def test_save_load_round_trip(trained: TwoTowerModel, catalog: tuple[list[dict], np.ndarray], tmp_path: Path) -> None:
    items, text = catalog
    trained.save(tmp_path / "towers")
    loaded = TwoTowerModel.load(tmp_path / "towers")
    vectors = trained.encode_items(items, text)
    np.testing.assert_array_equal(loaded.encode_items(items, text), vectors)
    args = (vectors[:5], np.array([2.0, 1.0, -2.0, 0.25, 1.0]), np.arange(5.0))
    np.testing.assert_array_equal(loaded.encode_user(*args), trained.encode_user(*args))


def test_load_reports_missing_or_corrupt_file(trained: TwoTowerModel, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="cannot read two-tower config") as info:
        TwoTowerModel.load(tmp_path / "nothing")
    assert info.value.path.endswith("config.json")
    trained.save(tmp_path / "m")
    (tmp_path / "m" / "model.safetensors").write_bytes(b"\x00" * 16)
    with pytest.raises(ModelLoadError, match="cannot read two-tower weights") as info:
        TwoTowerModel.load(tmp_path / "m")
    assert info.value.path.endswith("model.safetensors")


def test_unseen_item_gets_content_only_unit_vector(
    trained: TwoTowerModel, catalog: tuple[list[dict], np.ndarray]
) -> None:
    items, text = catalog
    new = [
        {"id": "brand-new", "category": "c1", "brand": "never-seen"},
        {"id": "also-new", "category": "c1", "brand": "never-seen"},
        {"id": "bare"},
    ]
    vectors = trained.encode_items(new, np.stack([text[20], text[20], np.zeros(TEXT_DIM)]))
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-6)  # unseen ids: no id signal


def test_empty_and_long_histories(trained: TwoTowerModel, catalog: tuple[list[dict], np.ndarray]) -> None:
    items, text = catalog
    cold = trained.encode_user(np.zeros((0, 16)), np.zeros(0), np.zeros(0))
    assert cold.shape == (16,) and np.linalg.norm(cold) == pytest.approx(1.0, rel=1e-5)
    vectors = trained.encode_items(items, text)
    ages = np.arange(60.0)
    full = trained.encode_user(vectors, np.ones(60), ages)
    recent = trained.encode_user(vectors[:50], np.ones(50), ages[:50])  # max_history = 50
    np.testing.assert_allclose(full, recent, rtol=1e-6)
    with pytest.raises(ValueError, match="history_vectors must be"):
        trained.encode_user(vectors[:3], np.ones(2), np.ones(2))


def test_popularity_prior_is_temperature_times_beta_times_log_popularity(trained: TwoTowerModel) -> None:
    items = [{"id": "a", "popularity": 0}, {"id": "b", "popularity": 99}, {"id": "c"}, {"id": "d", "popularity": "x"}]
    prior = trained.popularity_prior(items)
    cfg = trained.cfg
    expected = [0.0, cfg.temperature * cfg.popularity_prior * np.log(100.0), 0.0, 0.0]
    np.testing.assert_allclose(prior, expected, rtol=1e-6)
    off = TwoTowerModel(cfg.model_copy(update={"popularity_prior": 0.0}))
    assert not off.popularity_prior(items).any()


def test_prior_reorders_near_ties_only(trained: TwoTowerModel, catalog: tuple[list[dict], np.ndarray]) -> None:
    """A popular item overtakes a slightly closer one; a much closer one keeps its place."""
    vectors = np.eye(3, 16, dtype=np.float32)
    user = trained.encode_user(vectors[:1], np.ones(1), np.zeros(1))
    # Items: 0 = the user's direction, 1 = nearly the same, 2 = orthogonal; scores are cosines.
    items = np.stack([user, 0.99 * user + 0.141 * vectors[2], vectors[2]])
    items /= np.linalg.norm(items, axis=1, keepdims=True)
    histories = {"u": [("h", 1.0, 0.0)]}
    ids = ["closest", "close-and-popular", "far"]
    hist_vectors = np.concatenate([items, vectors[:1]])
    plain = rank_by_vectors(trained, hist_vectors, [*ids, "h"], histories, {"u": {"h"}}, 3)
    assert plain["u"][0] == "closest"
    prior = np.asarray([0.0, 0.05, 0.05, 0.0], np.float32)
    boosted = rank_by_vectors(trained, hist_vectors, [*ids, "h"], histories, {"u": {"h"}}, 3, prior)
    assert boosted["u"][:2] == ["close-and-popular", "closest"] and boosted["u"][2] == "far"


def test_featurize_checks_text_vector_shape(trained: TwoTowerModel) -> None:
    with pytest.raises(ValueError, match=r"text_vectors must have shape \(1, 8\)"):
        trained.encode_items([{"id": "1"}], np.zeros((1, 384), np.float32))


@pytest.mark.parametrize("ensemble", [1, 2])
def test_beats_popularity_on_planted_clusters(
    events: list[dict], catalog: tuple[list[dict], np.ndarray], ensemble: int
) -> None:
    items, text = catalog
    train, holdout = temporal_split(events, n_holdout=2)
    cfg = tiny(ensemble=ensemble, epochs=15, validation="per_user", valid_holdout=2, eval_k=10)
    model, metrics = train_towers(train, items, text, cfg, seed=0)
    assert metrics["best_epoch"] >= 1
    if ensemble > 1:  # each member early-stopped on its own validation run
        assert isinstance(model, TowerEnsemble)
        assert [m["best_epoch"] >= 1 for m in metrics["members"]] == [True] * ensemble
        assert metrics["fit_s"] == pytest.approx(sum(m["fit_s"] for m in metrics["members"]))
    histories = user_histories(train, users=set(holdout))
    seen = {u: {i for i, _, _ in rows} for u, rows in histories.items()}
    ranked = rank_with_towers(model, items, text, histories, seen, 10)
    popularity = Popularity().fit(train)
    pop_ranked = {u: [i for i, _ in popularity.recommend([], 10, seen[u])] for u in holdout}
    towers, pop = mean_recall_at_k(ranked, holdout, 10), mean_recall_at_k(pop_ranked, holdout, 10)
    assert towers > 0.6
    assert towers > pop + 0.2


@pytest.mark.parametrize("loss", ["softmax", "pointwise", "pairwise", "listwise"])
def test_each_loss_trains_without_nan(loss: str, events: list[dict], catalog: tuple[list[dict], np.ndarray]) -> None:
    items, text = catalog
    model, metrics = train_towers(events, items, text, tiny(loss=loss, epochs=3, hard_negative_ratio=0.4), seed=0)
    assert all(np.isfinite(metrics["train_loss"]))
    assert metrics["train_loss"][-1] < metrics["train_loss"][0]
    assert np.isfinite(model.encode_items(items, text)).all()


def test_empty_validation_split_trains_without_early_stopping(
    events: list[dict], catalog: tuple[list[dict], np.ndarray], caplog: pytest.LogCaptureFixture
) -> None:
    items, text = catalog
    few = [e for e in events if e["user_id"] in {"u0", "u1"}]  # 10 positives each
    cfg = tiny(validation="per_user", valid_holdout=20, epochs=3)  # nobody can spare 20
    with caplog.at_level("WARNING", logger="ranking.train_towers"):
        model, metrics = train_towers(few, items, text, cfg, seed=0)
    assert "validation split is empty" in caplog.text
    assert metrics["validation"] == "skipped"
    assert metrics["epochs_run"] == metrics["best_epoch"] == 3
    assert np.isfinite(model.encode_items(items, text)).all()


@pytest.mark.parametrize("stop_metric", ["ndcg", "recall", "mix"])
def test_validation_reports_ndcg_and_recall(
    stop_metric: str, events: list[dict], catalog: tuple[list[dict], np.ndarray]
) -> None:
    items, text = catalog
    cfg = tiny(
        validation="per_user",
        valid_holdout=2,
        eval_k=10,
        epochs=3,
        patience=5,
        stop_metric=stop_metric,
        refit_full=False,
    )
    _, metrics = train_towers(events, items, text, cfg, seed=0)
    assert len(metrics["valid_ndcg@10"]) == len(metrics["valid_recall@10"]) == 3
    best = {"ndcg": metrics["valid_ndcg@10"], "recall": metrics["valid_recall@10"], "mix": metrics["valid_score"]}[
        stop_metric
    ]
    assert metrics["best_epoch"] == 1 + int(np.argmax(best))


def test_mixed_negatives_dropout_and_cosine_schedule_train(
    events: list[dict], catalog: tuple[list[dict], np.ndarray]
) -> None:
    items, text = catalog
    cfg = tiny(epochs=3, n_uniform_negatives=16, dropout=0.2, lr_schedule="cosine")
    model, metrics = train_towers(events, items, text, cfg, seed=0)
    assert metrics["train_loss"][-1] < metrics["train_loss"][0]
    assert np.isfinite(model.encode_items(items, text)).all()


def test_validation_popularity_leaves_out_the_held_out_positives() -> None:
    """Early stopping must not see the validation targets through the popularity input."""
    t = "2026-01-0{}T00:00:00Z"
    events = [
        {"event_id": "1", "user_id": "u", "item_id": "a", "type": "click", "timestamp": t.format(1)},
        {"event_id": "2", "user_id": "u", "item_id": "b", "type": "view", "timestamp": t.format(2)},
        {"event_id": "3", "user_id": "u", "item_id": "b", "type": "purchase", "timestamp": t.format(3)},
        {"event_id": "4", "user_id": "v", "item_id": "b", "type": "click", "timestamp": t.format(4)},
    ]
    items = [{"id": "a", "popularity": 1}, {"id": "b", "popularity": 3}, {"id": "c"}]
    at_cut = popularity_at_cut(items, events, events[:2], TowerConfig())
    assert [i.get("popularity") for i in at_cut] == [1, 1.0, None]  # b lost its two later positives
    assert items[1]["popularity"] == 3  # the caller's items are not modified


def test_id_residual_learns_co_occurrence_that_content_does_not_show(events: list[dict]) -> None:
    """Items with no content at all (zero text, no fields): only the per-item residual vectors can
    place the clusters, as the demo's random-subset taste clusters need."""
    items = [{"id": str(i)} for i in range(N_CLUSTERS * PER_CLUSTER)]
    text = np.zeros((len(items), TEXT_DIM), np.float32)
    model = train_towers(events, items, text, tiny(epochs=8), seed=0)[0]
    assert model.item_tower.residual is not None
    with torch.no_grad():
        residual = model.item_tower.residual(model.featurize(items, text).item_id[:, None]).numpy()
    residual /= np.linalg.norm(residual, axis=1, keepdims=True)
    cosine = residual @ residual.T
    cluster = np.arange(len(items)) // PER_CLUSTER
    same = cluster[:, None] == cluster[None, :]
    np.fill_diagonal(same, False)
    different = cluster[:, None] != cluster[None, :]
    assert cosine[same].mean() > cosine[different].mean() + 0.3


def test_short_term_interest_pulls_the_user_towards_the_latest_likes(
    trained: TwoTowerModel, catalog: tuple[list[dict], np.ndarray]
) -> None:
    items, text = catalog
    vectors = trained.encode_items(items, text)
    plain = copy.deepcopy(trained)
    plain.cfg = trained.cfg.model_copy(update={"short_term_weight": 0.0})
    assert trained.cfg.short_term_weight == 0.3 and trained.cfg.short_term_items == 5
    # 8 old likes in cluster 0, then 6 recent likes in cluster 1, and a dislike newest of all
    rows = list(range(8)) + [PER_CLUSTER + j for j in range(6)] + [2 * PER_CLUSTER]
    weights = np.array([1.0] * 14 + [-1.0], np.float32)
    ages = np.array([100.0 - j for j in range(8)] + [6.0 - j for j in range(6)] + [0.0], np.float32)
    history = vectors[rows]
    pooled = plain.encode_user(history, weights, ages)
    blended = trained.encode_user(history, weights, ages)
    latest = vectors[[PER_CLUSTER + 5, PER_CLUSTER + 4, PER_CLUSTER + 3, PER_CLUSTER + 2, PER_CLUSTER + 1]]
    short = (np.array([1, 0.5, 0.25, 0.125, 0.0625]) @ latest) / 1.9375  # the dislike is not an interest
    expected = pooled + 0.3 * short
    np.testing.assert_allclose(blended, expected / np.linalg.norm(expected), rtol=1e-5, atol=1e-6)
    assert blended @ vectors[PER_CLUSTER + 5] > pooled @ vectors[PER_CLUSTER + 5]
    order = np.random.default_rng(0).permutation(len(rows))  # the ages, not the row order, say what is latest
    np.testing.assert_allclose(trained.encode_user(history[order], weights[order], ages[order]), blended, atol=1e-6)


def test_models_saved_before_id_residual_and_short_term_load_without_them(
    events: list[dict], catalog: tuple[list[dict], np.ndarray], tmp_path: Path
) -> None:
    items, text = catalog
    old = train_towers(events, items, text, tiny(id_residual=False, epochs=1), seed=0)[0]
    old.save(tmp_path / "old")
    config = json.loads((tmp_path / "old" / "config.json").read_text())
    del config["tower_config"]["id_residual"]  # what a model saved before the settings looks like
    del config["tower_config"]["short_term_weight"]
    (tmp_path / "old" / "config.json").write_text(json.dumps(config))
    loaded = TwoTowerModel.load(tmp_path / "old")
    assert loaded.item_tower.residual is None and loaded.cfg.short_term_weight == 0.0
    np.testing.assert_array_equal(loaded.encode_items(items, text), old.encode_items(items, text))


def test_views_are_extra_training_targets(catalog: tuple[list[dict], np.ndarray]) -> None:
    items, _ = catalog
    index = {i["id"]: n for n, i in enumerate(items)}
    events = [
        {"user_id": "u", "item_id": "1", "type": "view", "timestamp": 1.0},
        {"user_id": "u", "item_id": "2", "type": "click", "timestamp": 2.0},
        {"user_id": "u", "item_id": "3", "type": "view", "timestamp": 3.0},
    ]
    assert sorted(build_examples(events, index, tiny()).target.tolist()) == [1, 2, 3]
    assert build_examples(events, index, tiny(extra_target_types=[])).target.tolist() == [2]


@pytest.mark.parametrize(("types", "message"), [(["glance"], "unknown event types"), (["dislike"], "negative signal")])
def test_extra_target_types_are_checked(types: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        tiny(extra_target_types=types)


@pytest.fixture(scope="module")
def ensemble(events: list[dict], catalog: tuple[list[dict], np.ndarray]) -> TowerEnsemble:
    items, text = catalog
    model = train_towers(events, items, text, tiny(ensemble=2), seed=0)[0]
    assert isinstance(model, TowerEnsemble)
    return model


def test_ensemble_members_are_the_seeds_towers_and_scores_are_their_mean_cosine(
    events: list[dict], catalog: tuple[list[dict], np.ndarray], ensemble: TowerEnsemble
) -> None:
    items, text = catalog
    first, second = ensemble.members
    # Member j is the one tower of dim 16 / 2 that seed j trains.
    alone = train_towers(events, items, text, tiny(dim=8), seed=1)[0]
    np.testing.assert_array_equal(second.encode_items(items, text), alone.encode_items(items, text))
    vectors = ensemble.encode_items(items, text)
    assert vectors.shape == (len(items), 16)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    a, b = first.encode_items(items, text), second.encode_items(items, text)
    np.testing.assert_allclose(vectors @ vectors[0], ((a @ a[0]) + (b @ b[0])) / 2, atol=1e-5)
    # The user vector is built from the stored ensemble vectors: each member reads its own slice.
    args = (np.array([2.0, 1.0, -2.0]), np.array([0.0, 1.0, 2.0]))
    user = ensemble.encode_user(vectors[:3], *args)
    expected = np.concatenate([first.encode_user(a[:3], *args), second.encode_user(b[:3], *args)]) / np.sqrt(2)
    np.testing.assert_allclose(user, expected, atol=1e-5)
    assert abs(float(np.linalg.norm(user)) - 1.0) < 1e-5
    assert ensemble.encode_user(np.zeros((0, 16)), np.zeros(0), np.zeros(0)).shape == (16,)  # cold start
    with pytest.raises(ValueError, match=r"history_vectors must be \(3, 16\)"):
        ensemble.encode_user(a[:3], *args)  # a member's 8-d vectors are not what ES stores


def test_ensemble_save_load_round_trip_and_old_single_towers_still_load(
    trained: TwoTowerModel, ensemble: TowerEnsemble, catalog: tuple[list[dict], np.ndarray], tmp_path: Path
) -> None:
    items, text = catalog
    ensemble.save(tmp_path / "ens")
    loaded = load_towers(tmp_path / "ens")
    assert isinstance(loaded, TowerEnsemble) and loaded.cfg == ensemble.cfg
    vectors = ensemble.encode_items(items, text)
    np.testing.assert_array_equal(loaded.encode_items(items, text), vectors)
    args = (vectors[:4], np.array([2.0, 1.0, -2.0, 0.25]), np.arange(4.0))
    np.testing.assert_array_equal(loaded.encode_user(*args), ensemble.encode_user(*args))
    trained.save(tmp_path / "one")  # a version saved before ensembles existed: one tower, no ENSEMBLE_FILE
    assert isinstance(load_towers(tmp_path / "one"), TwoTowerModel)
    (tmp_path / "ens" / ENSEMBLE_FILE).write_text("{not json")
    with pytest.raises(ModelLoadError, match="tower ensemble config") as info:
        load_towers(tmp_path / "ens")
    assert info.value.path.endswith(ENSEMBLE_FILE)


def test_ensemble_must_divide_dim_and_members_must_fit(trained: TwoTowerModel) -> None:
    with pytest.raises(ValueError, match=r"ensemble \(3\) must divide dim \(16\)"):
        tiny(ensemble=3)
    assert tiny(ensemble=4).member().dim == 4 and tiny(ensemble=4).member().ensemble == 1
    with pytest.raises(ValueError, match="members must be 2 towers of dim 8"):
        TowerEnsemble(tiny(ensemble=2), [trained, trained])  # 16-d towers
