"""ranking.personal's pure parts: the taste means behind created_gap_years and log_price_gap."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from ranking.personal import taste_means


def test_taste_means_average_what_is_known_and_skip_the_rest() -> None:
    jan = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    docs = [
        {"created_at": "2026-01-01T00:00:00Z", "price": 9.0},
        {"created_at": jan + 86_400, "price": "99"},  # epoch seconds and a numeric string both count
        {"created_at": "yesterday", "price": -5},  # unparseable date, negative price: skipped
        {},
    ]
    created, log_price = taste_means(docs)
    assert created == pytest.approx(jan + 43_200)
    assert log_price == pytest.approx((math.log1p(9.0) + math.log1p(99.0)) / 2)


def test_taste_means_are_none_without_usable_values() -> None:
    assert taste_means([]) == (None, None)
    assert taste_means([{"price": "free", "created_at": None}]) == (None, None)
