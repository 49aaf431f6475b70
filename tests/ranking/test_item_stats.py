"""item_stats: the counters `tandem train` writes onto items; trend: reading them as of a moment."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ranking.interactions import InteractionConfig
from ranking.item_stats import SECONDS_PER_DAY, daily_positives, day_number, item_stats, trend

DAY = SECONDS_PER_DAY
T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
EVENTS = [
    {"user_id": "u1", "item_id": "a", "type": "click", "@timestamp": "2023-11-14T22:13:20Z", "request_id": "r1"},
    {"user_id": "u2", "item_id": "a", "type": "click", "timestamp": T0 + 0.5 * DAY, "request_id": "r2"},
    {
        "user_id": "u2",
        "item_id": "c",
        "type": "click",
        "timestamp": T0 + 0.6 * DAY,
        "request_id": "r2",
    },  # c not shown in r2
    {"user_id": "u1", "item_id": "a", "type": "purchase", "timestamp": T0 + 3 * DAY},
    {"user_id": "u1", "item_id": "b", "type": "view", "timestamp": T0},  # not a positive, not a click
    {"user_id": "u3", "item_id": "b", "type": "rating", "value": 5, "timestamp": T0 + 200 * DAY},
    {"user_id": "u3", "item_id": "zzz", "type": "click", "timestamp": T0},  # not in the catalog
]


def test_counts_clicks_impressions_and_positives_per_day() -> None:
    shown = [
        {"request_id": "r1", "item_id": "a"},
        {"request_id": "r2", "item_id": "a"},
        {"request_id": "r1", "item_id": "c"},
        {"request_id": "r1", "item_id": "zzz"},
    ]
    stats = item_stats(["a", "b", "c"], EVENTS, shown, InteractionConfig(), keep_days=None)
    assert set(stats) == {"a", "b", "c"}
    day = day_number(T0)
    assert (stats["a"]["clicks"], stats["a"]["impressions"]) == (2, 2)
    decayed = [0.5 ** (3 / 30), 0.5 ** (3 / 30) + 0.5 ** (2 / 30), 0.5 ** (3 / 30) + 0.5 ** (2 / 30) + 1]
    assert stats["a"]["daily_positives"] == {
        "day": [day, day + 1, day + 3],
        "count": [1, 1, 1],
        "decayed": pytest.approx(decayed),
        "last_day": day + 3,
        "total": pytest.approx(decayed[-1]),
        "before_last": pytest.approx(decayed[-2]),
    }
    assert stats["b"] == {
        "clicks": 0,
        "impressions": 0,
        "daily_positives": {
            "day": [day + 200],
            "count": [1],
            "decayed": [1.0],
            "last_day": day + 200,
            "total": 1.0,
            "before_last": 0.0,
        },
    }
    # c's click answered no impression of c: it counts as a positive, not towards the CTR
    assert (stats["c"]["clicks"], stats["c"]["impressions"], stats["c"]["daily_positives"]["count"]) == (0, 1, [1])


def test_keep_days_drops_days_long_before_the_newest_event() -> None:
    stats = item_stats(["a", "b"], EVENTS, keep_days=120)
    assert stats["a"]["daily_positives"]["day"] == []  # 200 days before b's rating
    assert stats["a"]["clicks"] == 0  # no impression log: no click counts towards a CTR
    assert stats["b"]["daily_positives"]["count"] == [1]


def test_trend_decays_counts_before_the_requests_day_only() -> None:
    stats = item_stats(["a", "b"], EVENTS, keep_days=None)
    daily = [stats["a"]["daily_positives"], stats["b"]["daily_positives"], None]
    on_day_3 = trend(daily, T0 + 3 * DAY)  # a's purchase is on that day: not yet counted
    assert on_day_3[0] == pytest.approx(0.5 ** (3 / 30) + 0.5 ** (2 / 30))
    assert on_day_3[1] == 0.0 and math.isnan(on_day_3[2])
    assert trend(daily, T0 - DAY)[0] == 0.0  # before any of it
    later = trend(daily, T0 + 33 * DAY)[0]
    assert later == pytest.approx(0.5 ** (33 / 30) + 0.5 ** (32 / 30) + 0.5 ** (30 / 30))


@pytest.mark.parametrize(
    "value",
    [
        {"day": [1, 2], "decayed": [1]},
        {"day": "1", "decayed": [1]},
        {"day": ["x"], "decayed": [1]},
        {"day": [1], "decayed": ["x"]},
        {"day": [1], "count": [1]},
        {"day": [1, 1e308], "decayed": [1, 1]},
        [1, 2],
        "3",
        7,
    ],
)
def test_malformed_daily_positives_are_missing_not_an_error(value: object) -> None:
    good = daily_positives([day_number(T0) - 1], [3])
    out = trend([value, good], T0)
    assert math.isnan(out[0]) and out[1] == pytest.approx(3 * 0.5 ** (1 / 30))


def test_trend_matches_the_direct_decayed_sum_on_any_history() -> None:
    rng = np.random.default_rng(0)
    days = sorted(rng.choice(20_000, size=300, replace=False).tolist())  # 55 years of history
    counts = rng.integers(1, 9, size=300).tolist()
    stored = daily_positives(days, counts)
    for today in (days[0], days[0] + 1, days[150], days[-1] + 1, days[-1] + 400):
        direct = sum(c * 0.5 ** ((today - d) / 30) for d, c in zip(days, counts) if d < today)
        assert trend([stored], today * DAY + 3600)[0] == pytest.approx(direct, rel=1e-9, abs=1e-300)


def summary(stored: dict[str, object]) -> dict[str, object]:
    """What a serving response holds of `daily_positives`: the lists left out (ranking.query.TREND_LISTS)."""
    return {k: v for k, v in stored.items() if k not in ("day", "count", "decayed")}


@pytest.mark.parametrize("n_days", [0, 1, 2, 300])
def test_the_summary_gives_the_lists_trend_on_and_after_the_last_day(n_days: int) -> None:
    rng = np.random.default_rng(n_days)
    days = sorted(rng.choice(20_000, size=n_days, replace=False).tolist())
    stored = daily_positives(days, rng.integers(1, 9, size=n_days).tolist())
    last = days[-1] if days else 0
    for today in (last, last + 1, last + 45, last + 4000):
        moment = today * DAY + 3600
        assert trend([summary(stored)], moment)[0] == pytest.approx(trend([stored], moment)[0], rel=1e-12, abs=0)


def test_the_summary_cannot_answer_for_a_day_before_the_last_one() -> None:
    stored = daily_positives([100, 200], [1, 2])
    assert trend([stored], 150 * DAY)[0] == 1.0 * 0.5 ** (50 / 30)  # the lists can
    assert math.isnan(trend([summary(stored)], 150 * DAY)[0])  # unknown, never a wrong number


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"last_day": 5, "total": 1.0},
        {"last_day": "5", "total": 1.0, "before_last": 0.0},
        {"last_day": True, "total": 1, "before_last": 0},
    ],
)
def test_a_missing_or_malformed_summary_is_missing(value: dict[str, object]) -> None:
    assert math.isnan(trend([value], 10 * DAY)[0])  # e.g. counted by a `tandem train` before the summary existed
