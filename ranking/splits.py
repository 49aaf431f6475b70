"""Leakage-free train/test splits for recommendation events.

Both splits cut by time, never at random: a random split lets a model see a user's future
and reports numbers that no deployed feed can reach.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from ranking.interactions import InteractionConfig, event_timestamp, is_positive

logger = logging.getLogger(__name__)

Event = Mapping[str, Any]
Holdout = dict[Hashable, set[Hashable]]


def sort_events(events: Sequence[Event]) -> list[Event]:
    """Events in time order; ties keep their input order (a stable sort), so runs repeat."""
    return [events[i] for i in sorted(range(len(events)), key=lambda i: event_timestamp(events[i]))]


def group_by_user(events: Sequence[Event]) -> dict[Hashable, list[Event]]:
    """Each user's events in time order, users in first-seen order."""
    per_user: dict[Hashable, list[Event]] = defaultdict(list)
    for event in sort_events(events):
        per_user[event["user_id"]].append(event)
    return dict(per_user)


def temporal_split(
    events: Sequence[Event],
    n_holdout: int = 5,
    cfg: InteractionConfig | None = None,
    min_train_positives: int = 1,
) -> tuple[list[Event], Holdout]:
    """Hold out each user's last `n_holdout` positives; train on what came strictly before.

    Per user: the last `n_holdout` positive events (by timestamp, ties in input order) are
    the test targets, and every event at or after the first held-out positive's timestamp
    leaves the training data (so positives tied at that instant are dropped, not leaked).
    Held-out items the user already had in training are removed from the targets: callers
    exclude training items from recommendations, so those could never be hit. Users with
    fewer than `n_holdout + min_train_positives` positives keep all their events in train.

    Args:
        events: event dicts (`user_id`, `item_id`, `type`, `timestamp`, optional `value`).
        n_holdout: positives held out per user.
        cfg: event semantics (what is positive); defaults to `InteractionConfig()`.
        min_train_positives: positives a user must keep in train to be evaluated.

    Returns:
        (train_events in time order, holdout: user_id -> set of held-out item_ids).

    Example:
        >>> ev = [{"user_id": "u", "item_id": str(i), "type": "like", "timestamp": i}
        ...       for i in range(4)]
        >>> train, held = temporal_split(ev, n_holdout=2)
        >>> [e["item_id"] for e in train], sorted(held["u"])
        (['0', '1'], ['2', '3'])
    """
    if n_holdout <= 0:
        raise ValueError(f"n_holdout must be positive, got {n_holdout}")
    cfg = cfg or InteractionConfig()
    train: list[Event] = []
    holdout: Holdout = {}
    for user_id, user_events in group_by_user(events).items():
        positives = [e for e in user_events if is_positive(e, cfg)]
        if len(positives) < n_holdout + min_train_positives:
            train.extend(user_events)
            continue
        held = positives[-n_holdout:]
        cutoff = event_timestamp(held[0])
        kept = [e for e in user_events if event_timestamp(e) < cutoff]
        train.extend(kept)
        seen = {e["item_id"] for e in kept}
        targets = {e["item_id"] for e in held} - seen
        if targets:
            holdout[user_id] = targets
    logger.info("temporal split: %d train events, %d users held out", len(train), len(holdout))
    return sort_events(train), holdout


def global_time_split(
    events: Sequence[Event],
    valid_fraction: float = 0.1,
    cfg: InteractionConfig | None = None,
) -> tuple[list[Event], Holdout]:
    """Split at one instant: the last `valid_fraction` of events (by time) become validation.

    For early stopping on logs where users arrive and leave over time (the per-user split
    suits fixed panels such as MovieLens better). Validation targets are the positives after
    the cut of users who have training events, minus items they already had in training.

    Returns:
        (train_events before the cut in time order, holdout: user_id -> set of item_ids).

    Example:
        >>> ev = [{"user_id": "u", "item_id": str(i), "type": "like", "timestamp": i}
        ...       for i in range(10)]
        >>> train, held = global_time_split(ev, valid_fraction=0.2)
        >>> len(train), sorted(held["u"])
        (8, ['8', '9'])
    """
    if not 0.0 < valid_fraction < 1.0:
        raise ValueError(f"valid_fraction must be in (0, 1), got {valid_fraction}")
    cfg = cfg or InteractionConfig()
    ordered = sort_events(events)
    if not ordered:
        return [], {}
    cut_index = min(len(ordered) - 1, int(len(ordered) * (1.0 - valid_fraction)))
    cutoff = event_timestamp(ordered[cut_index])
    train = [e for e in ordered if event_timestamp(e) < cutoff]
    seen: dict[Hashable, set[Hashable]] = defaultdict(set)
    for e in train:
        seen[e["user_id"]].add(e["item_id"])
    holdout: Holdout = defaultdict(set)
    for e in ordered:
        user_id = e["user_id"]
        if event_timestamp(e) >= cutoff and user_id in seen and is_positive(e, cfg):
            if e["item_id"] not in seen[user_id]:
                holdout[user_id].add(e["item_id"])
    return train, dict(holdout)
