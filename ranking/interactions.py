"""Event semantics shared by training, offline evaluation and user-profile updates.

One place decides how much an event says about a user's taste, so the two-tower, the CF
baselines, the splits and (later) the profile updater never disagree about what a
"positive" is.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

EventType = Literal["view", "click", "add_to_cart", "purchase", "like", "dislike", "rating"]
EVENT_TYPES: tuple[str, ...] = (
    "view",
    "click",
    "add_to_cart",
    "purchase",
    "like",
    "dislike",
    "rating",
)
SECONDS_PER_DAY = 86_400.0


def _default_weights() -> dict[str, float]:
    return {
        "view": 0.25,
        "click": 1.0,
        "add_to_cart": 2.0,
        "purchase": 3.0,
        "like": 2.0,
        "dislike": -2.0,
        "rating": 1.0,
    }


class InteractionConfig(BaseModel):
    """How events turn into signed weights and positives.

    Attributes:
        weights: Base weight per event type; negative means a negative signal. Default
            view 0.25, click 1, add_to_cart 2, purchase 3, like 2, dislike -2, rating 1
            (the rating weight scales the rating mapping below).
        rating_positive_threshold: A rating >= this is positive. Default 4.0.
        rating_negative_threshold: A rating <= this is negative. Default 2.0.
        rating_neutral_weight: Weight of a rating strictly between the thresholds, before
            the `rating` scale; 0 ignores such ratings. Default 0.0.
        positive_types: Non-rating types whose events count as positives (held-out targets,
            training targets). Views are left out: too weak to be a target. Default click,
            add_to_cart, purchase, like.
        recency_half_life_days: Half-life of the recency decay applied to history weights;
            None switches decay off. Default 30.0.
    """

    weights: dict[str, float] = Field(default_factory=_default_weights)
    rating_positive_threshold: float = 4.0
    rating_negative_threshold: float = 2.0
    rating_neutral_weight: float = 0.0
    positive_types: frozenset[str] = frozenset({"click", "add_to_cart", "purchase", "like"})
    recency_half_life_days: float | None = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> InteractionConfig:
        unknown = sorted((set(self.weights) | set(self.positive_types)) - set(EVENT_TYPES))
        if unknown:
            raise ValueError(f"unknown event types {unknown}; known: {list(EVENT_TYPES)}")
        if self.rating_negative_threshold >= self.rating_positive_threshold:
            raise ValueError(
                "rating_negative_threshold must be below rating_positive_threshold, got "
                f"{self.rating_negative_threshold} >= {self.rating_positive_threshold}"
            )
        return self


def event_timestamp(event: Mapping[str, Any]) -> float:
    """Epoch seconds of an event's `timestamp` (or `@timestamp`, as stored in ES).

    Accepts a datetime (naive means UTC), epoch seconds (int/float) or an ISO 8601 string.

    Raises:
        ValueError: if the timestamp is missing or unparseable.

    Example:
        >>> event_timestamp({"timestamp": "1970-01-02T00:00:00Z"})
        86400.0
    """
    raw = event.get("timestamp", event.get("@timestamp"))
    if isinstance(raw, datetime):
        moment = raw if raw.tzinfo else raw.replace(tzinfo=UTC)
        return moment.timestamp()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, str):
        try:
            return float(raw)
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"event timestamp {raw!r} is not ISO 8601 or epoch seconds") from exc
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    raise ValueError(f"event timestamp must be a datetime, number or ISO string, got {raw!r}")


def _rating_value(event: Mapping[str, Any]) -> float:
    value = event.get("value")
    if value is None:
        raise ValueError(f"rating event for item {event.get('item_id')!r} has no value")
    return float(value)


def event_weight(event: Mapping[str, Any], cfg: InteractionConfig | None = None) -> float:
    """Signed strength of one event; negative means the user signalled dislike.

    Ratings map linearly around the thresholds so that a 5 says more than a 4 and a 1 more
    than a 2: positive ratings give `1 + value - rating_positive_threshold`, negative ones
    `-(1 + rating_negative_threshold - value)`, both scaled by `weights["rating"]`.

    Raises:
        ValueError: for an unknown type or a rating without a value.

    Example:
        >>> event_weight({"type": "rating", "value": 5})
        2.0
    """
    cfg = cfg or InteractionConfig()
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        raise ValueError(f"unknown event type {kind!r}; known: {list(EVENT_TYPES)}")
    base = cfg.weights.get(kind, 0.0)
    if kind != "rating":
        return base
    value = _rating_value(event)
    if value >= cfg.rating_positive_threshold:
        return base * (1.0 + value - cfg.rating_positive_threshold)
    if value <= cfg.rating_negative_threshold:
        return -base * (1.0 + cfg.rating_negative_threshold - value)
    return base * cfg.rating_neutral_weight


def is_positive(event: Mapping[str, Any], cfg: InteractionConfig | None = None) -> bool:
    """Whether an event is a positive: a target to predict and to hold out.

    Example:
        >>> is_positive({"type": "rating", "value": 4.0}), is_positive({"type": "view"})
        (True, False)
    """
    cfg = cfg or InteractionConfig()
    kind = event.get("type")
    if kind == "rating":
        return _rating_value(event) >= cfg.rating_positive_threshold
    if kind not in EVENT_TYPES:
        raise ValueError(f"unknown event type {kind!r}; known: {list(EVENT_TYPES)}")
    return kind in cfg.positive_types and cfg.weights.get(kind, 0.0) > 0


def recency_decay(age_days: float, cfg: InteractionConfig | None = None) -> float:
    """Multiplier 0.5 ** (age / half-life) for an event `age_days` old (negative ages: 1).

    Example:
        >>> recency_decay(30.0, InteractionConfig(recency_half_life_days=30))
        0.5
    """
    cfg = cfg or InteractionConfig()
    if cfg.recency_half_life_days is None:
        return 1.0
    return math.pow(0.5, max(age_days, 0.0) / cfg.recency_half_life_days)


def user_histories(
    events: Iterable[Mapping[str, Any]],
    cfg: InteractionConfig | None = None,
    users: Collection[Hashable] | None = None,
) -> dict[Hashable, list[tuple[str, float, float]]]:
    """Per user: (item_id, event weight, age in days) of their events, oldest first.

    This is the serving-time view of a user: ages are measured from the user's last event
    ("now"), and events of weight 0 carry no signal and are dropped.

    Args:
        events: event dicts.
        cfg: event semantics.
        users: keep only these users (default: all).

    Example:
        >>> user_histories([{"user_id": "u", "item_id": 1, "type": "like", "timestamp": 0},
        ...                 {"user_id": "u", "item_id": 2, "type": "view", "timestamp": 86400}])
        {'u': [('1', 2.0, 1.0), ('2', 0.25, 0.0)]}
    """
    cfg = cfg or InteractionConfig()
    per_user: dict[Hashable, list[tuple[float, int, Mapping[str, Any]]]] = {}
    for order, event in enumerate(events):
        if users is None or event["user_id"] in users:
            per_user.setdefault(event["user_id"], []).append((event_timestamp(event), order, event))
    out: dict[Hashable, list[tuple[str, float, float]]] = {}
    for user_id, rows in per_user.items():
        rows.sort(key=lambda row: (row[0], row[1]))
        now = rows[-1][0]
        history = []
        for ts, _, event in rows:
            weight = event_weight(event, cfg)
            if weight != 0.0:
                history.append((str(event["item_id"]), weight, (now - ts) / SECONDS_PER_DAY))
        out[user_id] = history
    return out
