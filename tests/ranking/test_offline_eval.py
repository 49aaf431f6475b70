"""Offline evaluation: loader mapping, result shape, and (slow) real MovieLens numbers."""

from pathlib import Path

import numpy as np
import pytest

from ranking.cf import ALS, ItemCF, Popularity
from ranking.interactions import InteractionConfig
from ranking.offline_eval import evaluate_offline, item_text, load_movielens, recommend_all

MOVIELENS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "movielens-dev"


def test_loader_maps_catalog_roles(tmp_path: Path) -> None:
    (tmp_path / "movies.csv").write_text(
        "movieId,title,genres\n1,Toy Story (1995),Animation|Comedy\n2,Untitled,(no genres listed)\n"
    )
    (tmp_path / "ratings.csv").write_text("userId,movieId,rating,timestamp\n7,1,4.5,100\n")
    (tmp_path / "tags.csv").write_text("userId,movieId,tag,timestamp\n7,1,Pixar,5\n8,1,pixar,6\n")
    items, events = load_movielens(tmp_path)
    assert items[0] == {
        "id": "1",
        "title": "Toy Story (1995)",
        "category": ["Animation", "Comedy"],
        "tags": ["pixar"],
        "created_at": "1995-01-01T00:00:00+00:00",
    }
    assert items[1] == {"id": "2", "title": "Untitled"}
    assert "popularity" not in items[0]  # would leak the test period
    assert events == [{"user_id": "7", "item_id": "1", "type": "rating", "value": 4.5, "timestamp": 100.0}]
    assert item_text(items[0]) == "Toy Story (1995). Animation, Comedy. pixar"


def test_recommend_all_excludes_seen_and_tops_up_from_fallback() -> None:
    events = [
        {"user_id": u, "item_id": i, "type": "like", "timestamp": 0}
        for u, items in {"a": "12", "b": "23", "c": "4"}.items()
        for i in items
    ]
    cfg = InteractionConfig()
    itemcf, popularity = ItemCF().fit(events), Popularity().fit(events)
    ranked = recommend_all(itemcf, {"a": [("1", 2.0, 0.0)]}, {"a": {"1", "2"}}, 3, cfg, popularity)
    assert ranked["a"][0] == "3" and set(ranked["a"]) == {"3", "4"}


def test_evaluate_offline_reports_every_source() -> None:
    rng = np.random.default_rng(0)
    events = [
        {"user_id": f"u{u}", "item_id": str(int(i)), "type": "like", "timestamp": float(t)}
        for u in range(30)
        for t, i in enumerate(rng.choice(20, 8, replace=False))
    ]
    results = evaluate_offline(
        events,
        [{"id": str(i)} for i in range(20)],
        None,
        n_holdout=2,
        ks=(5, 10),
        sources={"pop": Popularity(), "cf": ItemCF()},
    )
    assert set(results) == {"pop", "cf"}
    assert set(results["pop"]) >= {"recall@5", "recall@10", "ndcg@10", "fit_s"}
    assert results["pop"]["users"] == 30


@pytest.mark.slow
@pytest.mark.skipif(not MOVIELENS.exists(), reason="../shared/data/movielens-dev not present")
def test_movielens_cf_baselines_beat_popularity() -> None:
    items, events = load_movielens(MOVIELENS)
    assert len(items) > 9_000 and len(events) > 50_000
    results = evaluate_offline(
        events, items, None, sources={"Popularity": Popularity(), "ALS": ALS(factors=32, alpha=5.0)}
    )
    assert results["ALS"]["ndcg@10"] > results["Popularity"]["ndcg@10"]
    assert results["ALS"]["recall@50"] > results["Popularity"]["recall@50"]
