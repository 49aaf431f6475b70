"""Impression log + events -> graded ranker training data."""

from __future__ import annotations

import math

import numpy as np

from ranking.features import FEATURE_NAMES
from ranking.labels import feature_row, impressions_training_set


def _shown(request_id: str, user: str, items: list[str], ts: str) -> list[dict]:
    return [
        {"@timestamp": ts, "request_id": request_id, "user_id": user, "item_id": item, "position": p,
         "features": {"retrieval_rank": float(p), "bm25": 1.0 + p}}
        for p, item in enumerate(items)
    ]  # fmt: skip


def test_request_id_join_window_join_grades_and_dropped_requests() -> None:
    impressions = (
        _shown("r2", "u", ["x", "y", "z"], "2026-01-01T10:00:00Z")
        + _shown("r1", "u", ["a", "b"], "2026-01-01T09:00:00Z")
        + _shown("r3", "v", ["a", "b"], "2026-01-01T11:00:00Z")  # nobody reacted: dropped
    )
    events = [
        {"user_id": "u", "item_id": "y", "type": "click", "@timestamp": "2026-01-01T10:00:05Z", "request_id": "r2"},
        {"user_id": "u", "item_id": "y", "type": "purchase", "@timestamp": "2026-01-01T10:01:00Z", "request_id": "r2"},
        {"user_id": "u", "item_id": "z", "type": "click", "@timestamp": "2026-01-01T10:00:09Z", "request_id": "r2"},
        {"user_id": "u", "item_id": "z", "type": "dislike", "@timestamp": "2026-01-01T10:02:00Z", "request_id": "r2"},
        # no request_id: joined by user + item within the hour after r1 was shown
        {"user_id": "u", "item_id": "b", "type": "rating", "value": 5, "@timestamp": "2026-01-01T09:30:00Z"},
        # too late for r1, and the other user's request does not match it
        {"user_id": "u", "item_id": "a", "type": "click", "@timestamp": "2026-01-01T11:30:00Z"},
    ]
    data = impressions_training_set(impressions, events)
    assert [k.request_id for k in data.keys] == ["r1", "r2"]  # oldest first; r3 dropped
    assert data.group.tolist() == [2, 3]
    assert data.y.tolist() == [1, 2, 1, 4, 0]  # shown only, like(rating 5), shown, purchase, click+dislike
    assert data.stats.groups == 3 and data.stats.groups_without_positive == 1
    assert data.X.shape == (5, len(FEATURE_NAMES))
    assert data.X[1, FEATURE_NAMES.index("retrieval_rank")] == 1.0


def test_feature_row_keeps_missing_as_nan() -> None:
    row = feature_row({"bm25": 2.5})
    assert row[FEATURE_NAMES.index("bm25")] == 2.5
    assert all(math.isnan(v) for i, v in enumerate(row) if FEATURE_NAMES[i] != "bm25")
    assert row.dtype == np.float32
