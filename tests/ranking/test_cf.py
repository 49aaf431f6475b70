"""CF candidate sources: exact similarities, planted structure, persistence."""

from pathlib import Path

import numpy as np
import pytest

from ranking.cf import ALS, CandidateSource, ItemCF, Popularity, Swing
from ranking.errors import ModelLoadError, NotFittedError

N_CLUSTERS, PER_CLUSTER = 4, 15


def cluster_of(item_id: str) -> int:
    return int(item_id) // PER_CLUSTER


@pytest.fixture(scope="module")
def planted_events() -> list[dict]:
    """120 users, each liking 8 items of one cluster (plus one random noise item)."""
    rng = np.random.default_rng(7)
    events = []
    for user in range(120):
        cluster = user % N_CLUSTERS
        items = rng.choice(PER_CLUSTER, size=8, replace=False) + cluster * PER_CLUSTER
        noise = rng.integers(N_CLUSTERS * PER_CLUSTER)
        for t, item in enumerate([*items, noise]):
            events.append({"user_id": f"u{user}", "item_id": str(int(item)), "type": "like", "timestamp": float(t)})
    return events


def likes(pairs: dict[str, str]) -> list[dict]:
    return [{"user_id": u, "item_id": i, "type": "like", "timestamp": 0.0} for u, items in pairs.items() for i in items]


def test_itemcf_cosine_matches_hand_computation() -> None:
    model = ItemCF(binary=True).fit(likes({"A": "12", "B": "123", "C": "3"}))
    sims = dict(model.similar_items("1", k=5))
    assert sims["2"] == pytest.approx(2 / np.sqrt(2 * 2))  # W1 = W2 = {A, B}
    assert sims["3"] == pytest.approx(1 / np.sqrt(2 * 2))  # W1 ∩ W3 = {B}


def test_itemcf_weighted_is_cosine_of_weight_vectors() -> None:
    events = [
        {"user_id": "A", "item_id": "1", "type": "purchase", "timestamp": 0},
        {"user_id": "A", "item_id": "2", "type": "click", "timestamp": 0},
        {"user_id": "B", "item_id": "2", "type": "click", "timestamp": 0},
    ]
    sims = dict(ItemCF().fit(events).similar_items("1", k=5))
    assert sims["2"] == pytest.approx(3 * 1 / (3 * np.sqrt(2)))


def test_swing_matches_seed_formula() -> None:
    # every pair among A, B, C shares {1, 2} (C also likes 3): overlap 2 for all 3 pairs
    model = Swing(alpha=1.0).fit(likes({"A": "12", "B": "12", "C": "123", "D": "34"}))
    sims = dict(model.similar_items("1", k=5))
    assert sims["2"] == pytest.approx(3 / (1 + 2))
    assert "3" not in sims  # only C liked both 1 and 3: no user pair


def test_swing_penalises_tight_circles() -> None:
    # users A, B share many items (a circle); E, F share only x and y
    circle = likes({"A": "abcdexy"[:5] + "p", "B": "abcde" + "q"})
    loose = likes({"E": "xy", "F": "xy"})
    model = Swing(alpha=1.0).fit(circle + loose)
    assert dict(model.similar_items("x", 3))["y"] > dict(model.similar_items("a", 3))["b"]


@pytest.mark.parametrize("model", [ItemCF(), Swing(), ALS(factors=8, iterations=10)], ids=["itemcf", "swing", "als"])
def test_recovers_planted_clusters(model: CandidateSource, planted_events: list[dict]) -> None:
    model.fit(planted_events)
    for item in ("0", "20", "40"):
        neighbours = [i for i, _ in model.similar_items(item, k=5)]
        assert sum(cluster_of(i) == cluster_of(item) for i in neighbours) >= 4
    history = [("31", 1.0), ("33", 1.0)]
    recs = model.recommend(history, k=5, exclude={"31", "33"})
    assert len(recs) == 5 and {"31", "33"}.isdisjoint(i for i, _ in recs)
    assert sum(cluster_of(i) == 2 for i, _ in recs) >= 4
    scores = [s for _, s in recs]
    assert scores == sorted(scores, reverse=True)


def test_popularity_ranks_by_distinct_likers() -> None:
    model = Popularity().fit(likes({"A": "12", "B": "2", "C": "23"}))
    assert [i for i, _ in model.recommend([], k=3)] == ["2", "1", "3"]
    assert [i for i, _ in model.recommend([], k=3, exclude={"2"})] == ["1", "3"]


def test_unknown_history_and_items_are_ignored(planted_events: list[dict]) -> None:
    model = ItemCF().fit(planted_events)
    assert model.recommend([("nope", 1.0)], k=5) == []
    assert model.similar_items("nope") == []


def test_als_same_seed_same_factors(planted_events: list[dict]) -> None:
    a = ALS(factors=8, iterations=5, random_state=3).fit(planted_events)
    b = ALS(factors=8, iterations=5, random_state=3).fit(planted_events)
    assert a.recommend([("1", 1.0)], k=10) == b.recommend([("1", 1.0)], k=10)


@pytest.mark.parametrize("cls", [Popularity, ItemCF, Swing, ALS])
def test_not_fitted_raises(cls: type[CandidateSource]) -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        cls().recommend([("1", 1.0)], k=3)


@pytest.mark.parametrize(
    "model",
    [Popularity(), ItemCF(n_neighbors=5), Swing(alpha=2.0), ALS(factors=4, iterations=3)],
    ids=["popularity", "itemcf", "swing", "als"],
)
def test_save_load_round_trip(model: CandidateSource, planted_events: list[dict], tmp_path: Path) -> None:
    model.fit(planted_events)
    model.save(tmp_path / "m")
    loaded = type(model).load(tmp_path / "m")
    history = [("3", 1.0), ("5", 2.0)]
    assert loaded.recommend(history, k=10) == model.recommend(history, k=10)
    assert loaded.similar_items("3", k=5) == model.similar_items("3", k=5)


def test_load_errors_carry_the_path(planted_events: list[dict], tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="cannot read model config") as info:
        ItemCF.load(tmp_path / "missing")
    assert info.value.path == str(tmp_path / "missing" / "config.json")
    ItemCF().fit(planted_events).save(tmp_path / "m")
    with pytest.raises(ModelLoadError, match="expected a swing model"):
        Swing.load(tmp_path / "m")
    (tmp_path / "m" / "arrays.npz").write_bytes(b"garbage")
    with pytest.raises(ModelLoadError, match="cannot read model arrays") as info:
        ItemCF.load(tmp_path / "m")
    assert info.value.path.endswith("arrays.npz")


def test_invalid_parameters_raise() -> None:
    with pytest.raises(ValueError, match="n_neighbors must be positive"):
        ItemCF(n_neighbors=0)
    with pytest.raises(ValueError, match="alpha must be positive"):
        Swing(alpha=0)
