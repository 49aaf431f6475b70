from __future__ import annotations

import threading

import pytest
from elasticsearch import Elasticsearch

from indexer.mappings import IndexNames
from indexer.profiles import MAX_RECENT, apply_events, empty_profile, get_profile, update_profiles
from ranking.interactions import InteractionConfig

CFG = InteractionConfig(recency_half_life_days=10)
ITEMS = {"i1": {"category": ["Tea"], "brand": "Leafy"}, "i2": {"category": ["Coffee"], "brand": "Bean"}}


def ev(item: str, kind: str, day: int, **extra: object) -> dict:
    return {"user_id": "u", "item_id": item, "type": kind, "@timestamp": f"2026-01-{day:02d}T00:00:00Z", **extra}


def test_affinities_decay_and_do_not_depend_on_arrival_order() -> None:
    events = [ev("i1", "like", 1), ev("i2", "click", 11), ev("i1", "purchase", 21)]
    at_once = apply_events(empty_profile("u"), events, ITEMS, CFG)
    one_by_one = empty_profile("u")
    for event in reversed(events):
        one_by_one = apply_events(one_by_one, [event], ITEMS, CFG)
    assert at_once["category_affinity"] == pytest.approx(one_by_one["category_affinity"])
    # like (2) twenty days before the last event decays to 2 * 0.25; the purchase (3) counts fully
    assert at_once["category_affinity"]["Tea"] == pytest.approx(3.5)
    assert at_once["category_affinity"]["Coffee"] == pytest.approx(0.5)
    assert at_once["brand_affinity"]["Leafy"] == pytest.approx(3.5)
    assert at_once["purchased"] == ["i1"] and at_once["seen"] == ["i2", "i1"]
    assert [r["item_id"] for r in at_once["recent"]] == ["i1", "i2", "i1"] and at_once["event_count"] == 3


def test_dislikes_low_ratings_and_later_positives() -> None:
    profile = apply_events(empty_profile("u"), [ev("i2", "dislike", 1), ev("i1", "rating", 2, value=1)], ITEMS, CFG)
    assert set(profile["disliked"]) == {"i1", "i2"} and profile["category_affinity"]["Coffee"] < 0
    profile = apply_events(profile, [ev("i1", "like", 3)], ITEMS, CFG)
    assert profile["disliked"] == ["i2"]


def test_views_count_but_recent_is_capped() -> None:
    events = [ev(f"x{i}", "view", 1 + i % 28) for i in range(MAX_RECENT + 20)]
    profile = apply_events(empty_profile("u"), events, {}, CFG)
    assert len(profile["recent"]) == MAX_RECENT and profile["event_count"] == MAX_RECENT + 20
    assert profile["category_affinity"] == {}  # unknown items: no facets, still seen


@pytest.mark.es
def test_concurrent_updates_lose_nothing(es: Elasticsearch, names: IndexNames) -> None:
    batches = [
        [{**ev("i1", "click", 1 + (t * 5 + j) % 28), "event_id": f"e{t}-{j}"} for j in range(5)] for t in range(6)
    ]
    errors: list[BaseException] = []

    def worker(batch: list[dict]) -> None:
        try:
            update_profiles(es, names, batch, CFG)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    profile = get_profile(es, names, "u")
    assert profile is not None and profile["event_count"] == 30 and len(profile["recent"]) == 30
    assert get_profile(es, names, "nobody") is None
