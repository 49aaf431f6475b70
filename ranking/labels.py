"""Ranker training data from the impression log: what was shown, joined with what users did next.

Every /search and /feed response logs its shown items with the feature rows the ranker sees
(api/impressions.py). An event joins an impression when it names the impression's request_id
(the web page sends it with clicks) or, for events that carry none (imported logs, other
clients), when the same user acted on the same item within `window_s` after it was shown.
Labels are `graded_label` of the joined events (shown only 1, click/like 2, add_to_cart 3,
purchase 4, dislike 0). Requests where nothing was clicked or better teach lambdarank nothing
and are dropped (counted).
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ranking.features import FEATURE_NAMES
from ranking.interactions import InteractionConfig, event_timestamp
from ranking.ranker import graded_label
from ranking.replay import POSITIVE_GRADE, ReplayKey, ReplaySet, ReplayStats, label_event_types

Impression = Mapping[str, Any]
Event = Mapping[str, Any]


def feature_row(features: Mapping[str, float], names: Sequence[str] = FEATURE_NAMES) -> np.ndarray:
    """A logged feature dict back into a row in `names` order; absent features are NaN (as served)."""
    return np.asarray([float(features.get(name, math.nan)) for name in names], dtype=np.float32)


def impressions_training_set(
    impressions: Sequence[Impression],
    events: Sequence[Event],
    cfg: InteractionConfig | None = None,
    *,
    window_s: float = 3600.0,
) -> ReplaySet:
    """Group impressions by request, label each shown item, keep requests with a positive.

    Args:
        impressions: impression documents (request_id, user_id, item_id, position, features, @timestamp).
        events: event documents (user_id, item_id, type, value, @timestamp, optional request_id).
        cfg: rating thresholds for mapping ratings to like/dislike.
        window_s: how long after an impression an event without request_id still counts. Default 1 h.

    Returns:
        A ReplaySet whose groups are requests, oldest first (so a time split is a tail slice).
    """
    cfg = cfg or InteractionConfig()
    by_request_item: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_user_item: dict[tuple[str, str], list[tuple[float, tuple[str, ...]]]] = defaultdict(list)
    for event in events:
        types = label_event_types(event, cfg)
        if not types:
            continue
        item_id = str(event["item_id"])
        if event.get("request_id"):
            by_request_item[(str(event["request_id"]), item_id)].extend(types)
        else:
            by_user_item[(str(event["user_id"]), item_id)].append((event_timestamp(event), types))
    for moments in by_user_item.values():
        moments.sort()

    requests: dict[str, list[Impression]] = defaultdict(list)
    for impression in impressions:
        requests[str(impression["request_id"])].append(impression)
    stats = ReplayStats(events=len(events), groups=len(requests), depth=0)
    rows, labels, sizes, keys, item_ids = [], [], [], [], []
    ordered = sorted(requests.items(), key=lambda kv: (event_timestamp(kv[1][0]), kv[0]))
    for request_id, shown in ordered:
        shown = sorted(shown, key=lambda i: i["position"])
        user_id = str(shown[0].get("user_id", ""))
        start = event_timestamp(shown[0])
        grades = []
        for impression in shown:
            item_id = str(impression["item_id"])
            types = list(by_request_item.get((request_id, item_id), ()))
            moments = by_user_item.get((user_id, item_id), [])
            first = bisect.bisect_left(moments, (start, ()))
            for moment, kinds in moments[first:]:
                if moment > start + window_s:
                    break
                types.extend(kinds)
            grades.append(graded_label(types))
        positives = sum(g >= POSITIVE_GRADE for g in grades)
        stats.positives += positives
        if not positives:
            stats.groups_without_positive += 1
            continue
        stats.positives_retrieved += positives
        rows.extend(feature_row(i.get("features", {})) for i in shown)
        labels.extend(grades)
        sizes.append(len(shown))
        keys.append(ReplayKey(user_id, str(shown[0].get("query", "")), request_id))
        item_ids.append([str(i["item_id"]) for i in shown])
    stats.candidates = len(labels)
    X = np.stack(rows) if rows else np.zeros((0, len(FEATURE_NAMES)), np.float32)
    return ReplaySet(X, np.asarray(labels, np.int32), np.asarray(sizes, np.int64), keys, item_ids, stats=stats)
