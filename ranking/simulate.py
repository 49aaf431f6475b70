"""A seeded simulator of how users react to what they are shown, to produce impression/click
logs for a ranker before real traffic exists (the demo), and to test the loop end to end.

Clicks follow the position-based model (Craswell et al. 2008): a user examines position p
with probability 1 / (1 + p) ** position_decay and clicks an examined item with its
attractiveness for that user. Attractiveness comes from the user's hidden taste, taken from
ALL their logged events (the simulator knows more than the system it tests): the share of
their interactions in the item's category and with its brand. Some clicks go on to a cart,
some carts to a purchase, and an unattractive examined item is sometimes disliked.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Taste:
    """A user's hidden preferences: share of their events per category and per brand."""

    categories: Mapping[str, float] = field(default_factory=dict)
    brands: Mapping[str, float] = field(default_factory=dict)

    def top_category(self) -> str | None:
        return max(self.categories, key=lambda c: (self.categories[c], c)) if self.categories else None


@dataclass(frozen=True)
class ClickModel:
    """Position bias and reaction probabilities. Defaults give a few clicks per page of 20.

    Attributes:
        position_decay: examination(p) = 1 / (1 + p) ** position_decay. Default 1.0.
        base_attraction: attractiveness of an item outside the user's taste. Default 0.02.
        category_weight: added attractiveness per unit of category share. Default 0.8.
        brand_weight: added attractiveness per unit of brand share. Default 0.6.
        cart_rate: P(add_to_cart | click). Default 0.25.
        purchase_rate: P(purchase | add_to_cart). Default 0.4.
        dislike_rate: P(dislike | examined and attractiveness below base * 2). Default 0.03.
    """

    position_decay: float = 1.0
    base_attraction: float = 0.02
    category_weight: float = 0.8
    brand_weight: float = 0.6
    cart_rate: float = 0.25
    purchase_rate: float = 0.4
    dislike_rate: float = 0.03

    def attractiveness(self, taste: Taste, item: Mapping[str, Any]) -> float:
        categories = item.get("category") or []
        categories = [categories] if isinstance(categories, str) else categories
        share = max((taste.categories.get(str(c), 0.0) for c in categories), default=0.0)
        brand = taste.brands.get(str(item.get("brand")), 0.0)
        return min(0.95, self.base_attraction + self.category_weight * share + self.brand_weight * brand)

    def react(self, rng: random.Random, taste: Taste, shown: Sequence[Mapping[str, Any]]) -> list[tuple[int, str]]:
        """(position, event type) for each reaction to a page, in page order; may be empty."""
        reactions: list[tuple[int, str]] = []
        for position, item in enumerate(shown):
            if rng.random() >= 1.0 / (1.0 + position) ** self.position_decay:
                continue  # not examined
            attraction = self.attractiveness(taste, item)
            if rng.random() < attraction:
                reactions.append((position, "click"))
                if rng.random() < self.cart_rate:
                    reactions.append((position, "add_to_cart"))
                    if rng.random() < self.purchase_rate:
                        reactions.append((position, "purchase"))
            elif attraction < 2 * self.base_attraction and rng.random() < self.dislike_rate:
                reactions.append((position, "dislike"))
        return reactions


def tastes_from_events(events: Iterable[Mapping[str, Any]], items: Mapping[str, Mapping[str, Any]]) -> dict[str, Taste]:
    """Each user's taste: the share of their (non-dislike) events per category and per brand."""
    categories: dict[str, Counter[str]] = defaultdict(Counter)
    brands: dict[str, Counter[str]] = defaultdict(Counter)
    for event in events:
        item = items.get(str(event["item_id"]))
        if item is None or event.get("type") == "dislike":
            continue
        user = str(event["user_id"])
        cats = item.get("category") or []
        for category in [cats] if isinstance(cats, str) else cats:
            categories[user][str(category)] += 1
        if item.get("brand"):
            brands[user][str(item["brand"])] += 1
    tastes = {}
    for user in categories.keys() | brands.keys():
        total_c, total_b = sum(categories[user].values()) or 1, sum(brands[user].values()) or 1
        tastes[user] = Taste(
            {c: n / total_c for c, n in categories[user].items()}, {b: n / total_b for b, n in brands[user].items()}
        )
    return tastes
