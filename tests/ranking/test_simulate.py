"""The click simulator: position bias, taste-driven attraction, seeded."""

from __future__ import annotations

import random

import pytest

from ranking.simulate import ClickModel, Taste, tastes_from_events

ITEMS = {
    "a": {"id": "a", "category": ["Kitchen"], "brand": "Brevara"},
    "b": {"id": "b", "category": "Garden", "brand": "Verdo"},
}


def test_tastes_are_shares_of_the_users_events_ignoring_dislikes() -> None:
    events = [
        {"user_id": "u", "item_id": "a", "type": "click"},
        {"user_id": "u", "item_id": "a", "type": "purchase"},
        {"user_id": "u", "item_id": "b", "type": "view"},
        {"user_id": "u", "item_id": "b", "type": "dislike"},
        {"user_id": "u", "item_id": "unknown", "type": "click"},
    ]
    taste = tastes_from_events(events, ITEMS)["u"]
    assert taste.categories == pytest.approx({"Kitchen": 2 / 3, "Garden": 1 / 3})
    assert taste.brands == pytest.approx({"Brevara": 2 / 3, "Verdo": 1 / 3})
    assert taste.top_category() == "Kitchen"


def test_clicks_fall_with_position_and_follow_taste() -> None:
    model = ClickModel()
    taste = Taste({"Kitchen": 1.0}, {})
    page = [ITEMS["a"]] * 10
    clicks = [0] * 10
    rng = random.Random(0)
    for _ in range(3000):
        for position, kind in model.react(rng, taste, page):
            clicks[position] += kind == "click"
    assert clicks[0] > 2 * clicks[3] > 0 and clicks[3] > clicks[9]
    liked = sum(k == "click" for _ in range(2000) for _, k in model.react(rng, taste, [ITEMS["a"]]))
    other = sum(k == "click" for _ in range(2000) for _, k in model.react(rng, taste, [ITEMS["b"]]))
    assert liked > 10 * other


def test_same_seed_same_reactions_and_carts_follow_clicks() -> None:
    model = ClickModel(cart_rate=1.0, purchase_rate=1.0)
    taste = Taste({"Kitchen": 1.0}, {"Brevara": 1.0})
    first = model.react(random.Random(7), taste, [ITEMS["a"]] * 5)
    assert first == model.react(random.Random(7), taste, [ITEMS["a"]] * 5)
    kinds = [k for _, k in first]
    assert kinds.count("click") == kinds.count("add_to_cart") == kinds.count("purchase") > 0
