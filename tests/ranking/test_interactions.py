"""Event semantics: weights, positives, timestamps, recency."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from ranking.interactions import (
    InteractionConfig,
    event_timestamp,
    event_weight,
    is_positive,
    recency_decay,
    user_histories,
)


def ev(kind: str, value: float | None = None, ts: object = 0.0) -> dict:
    event = {"user_id": "u", "item_id": "i", "type": kind, "timestamp": ts}
    if value is not None:
        event["value"] = value
    return event


@pytest.mark.parametrize(
    ("kind", "weight"),
    [("view", 0.25), ("click", 1.0), ("add_to_cart", 2.0), ("purchase", 3.0), ("like", 2.0), ("dislike", -2.0)],
)
def test_default_type_weights(kind: str, weight: float) -> None:
    assert event_weight(ev(kind)) == weight


@pytest.mark.parametrize(
    ("value", "weight", "positive"),
    [
        (5.0, 2.0, True),
        (4.0, 1.0, True),
        (3.5, 0.0, False),
        (2.5, 0.0, False),
        (2.0, -1.0, False),
        (0.5, -2.5, False),
    ],
)
def test_rating_mapping_around_thresholds(value: float, weight: float, positive: bool) -> None:
    assert event_weight(ev("rating", value)) == pytest.approx(weight)
    assert is_positive(ev("rating", value)) is positive


def test_custom_thresholds_and_neutral_weight() -> None:
    cfg = InteractionConfig(rating_positive_threshold=3.0, rating_neutral_weight=0.5)
    assert is_positive(ev("rating", 3.0), cfg)
    assert event_weight(ev("rating", 2.5), cfg) == 0.5


def test_views_and_dislikes_are_not_positive() -> None:
    assert not is_positive(ev("view"))
    assert not is_positive(ev("dislike"))
    assert is_positive(ev("purchase"))


def test_unknown_type_and_missing_rating_value_raise() -> None:
    with pytest.raises(ValueError, match="unknown event type 'share'"):
        event_weight(ev("share"))
    with pytest.raises(ValueError, match="has no value"):
        is_positive(ev("rating"))


def test_config_rejects_reversed_thresholds_and_unknown_types() -> None:
    with pytest.raises(ValidationError, match="must be below"):
        InteractionConfig(rating_positive_threshold=2.0, rating_negative_threshold=3.0)
    with pytest.raises(ValidationError, match="unknown event types"):
        InteractionConfig(weights={"share": 1.0})


def test_timestamp_accepts_datetime_epoch_and_iso() -> None:
    moment = datetime(2024, 5, 1, 12, tzinfo=UTC)
    expected = moment.timestamp()
    assert event_timestamp(ev("click", ts=moment)) == expected
    assert event_timestamp(ev("click", ts=moment.replace(tzinfo=None))) == expected
    assert event_timestamp(ev("click", ts=expected)) == expected
    assert event_timestamp(ev("click", ts=int(expected))) == expected
    assert event_timestamp(ev("click", ts="2024-05-01T12:00:00Z")) == expected
    shifted = moment.astimezone(timezone(timedelta(hours=2))).isoformat()
    assert event_timestamp(ev("click", ts=shifted)) == expected
    assert event_timestamp({"@timestamp": "2024-05-01T12:00:00+00:00"}) == expected
    with pytest.raises(ValueError, match="not ISO 8601"):
        event_timestamp(ev("click", ts="yesterday"))


def test_recency_decay_halves_per_half_life() -> None:
    cfg = InteractionConfig(recency_half_life_days=10)
    assert recency_decay(0.0, cfg) == 1.0
    assert recency_decay(20.0, cfg) == pytest.approx(0.25)
    assert recency_decay(-5.0, cfg) == 1.0
    assert recency_decay(1e6, InteractionConfig(recency_half_life_days=None)) == 1.0


def test_user_histories_orders_ages_and_drops_zero_weights() -> None:
    day = 86_400.0
    events = [
        {"user_id": "u", "item_id": 2, "type": "click", "timestamp": 2 * day},
        {"user_id": "u", "item_id": 1, "type": "like", "timestamp": 0.0},
        {"user_id": "u", "item_id": 3, "type": "rating", "value": 3.0, "timestamp": day},
        {"user_id": "v", "item_id": 1, "type": "like", "timestamp": 0.0},
    ]
    assert user_histories(events, users={"u"}) == {"u": [("1", 2.0, 2.0), ("2", 1.0, 0.0)]}
