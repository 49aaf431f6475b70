"""Live user profiles in the users index, updated from every stored event.

A profile holds what serving needs without scanning events: the recent weighted interactions
(the user tower's input), decayed category/brand affinities (the personalised boosts), and the
disliked / purchased / seen sets (the exclusions and the seen-before feature).

Affinities decay exponentially with `recency_half_life_days`. They are kept relative to the
profile's reference time and rescaled on update, which makes the result independent of the
order events arrive in. Writes use optimistic concurrency (if_seq_no), so two requests updating
one user never lose each other's events. Profiles can always be rebuilt from the events index,
the source of truth.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from elasticsearch import ConflictError, Elasticsearch

from indexer.errors import ProfileUpdateError
from indexer.load import ensure_index
from indexer.mappings import IndexNames, index_body
from indexer.values import iso, parse_timestamp
from ranking.interactions import InteractionConfig, event_weight

logger = logging.getLogger(__name__)

MAX_RECENT = 100  # interactions kept for the user tower
MAX_SET = 1000  # items kept per exclusion/seen set
SECONDS_PER_DAY = 86_400.0


def empty_profile(user_id: str) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "event_count": 0,
        "recent": [],
        "category_affinity": {},
        "brand_affinity": {},
        "disliked": [],
        "purchased": [],
        "seen": [],
    }


def _epoch(doc: Mapping[str, Any]) -> float:
    moment = parse_timestamp("@timestamp", doc.get("@timestamp"), required=True)
    assert moment is not None
    return moment.timestamp()


def _decay(days: float, cfg: InteractionConfig) -> float:
    return 1.0 if cfg.recency_half_life_days is None else math.pow(0.5, days / cfg.recency_half_life_days)


def _add_to_set(values: list[str], item_id: str) -> list[str]:
    """Most recent last, no duplicates, at most MAX_SET."""
    return ([v for v in values if v != item_id] + [item_id])[-MAX_SET:]


def apply_events(
    profile: Mapping[str, Any],
    events: Iterable[Mapping[str, Any]],
    items: Mapping[str, Mapping[str, Any]],
    cfg: InteractionConfig,
) -> dict[str, Any]:
    """A new profile with `events` (validated event documents of this user) applied.

    Args:
        profile: the current profile (see empty_profile).
        events: event documents as stored (`@timestamp`, `type`, `item_id`, `value`).
        items: item_id -> item document (category, brand) for the affinities; unknown items
            still count in recent/seen, just not in affinities.
        cfg: event weights and the recency half-life.

    Example:
        >>> p = apply_events(empty_profile("u"), [{"user_id": "u", "item_id": "i", "type": "like",
        ...                  "@timestamp": "2026-01-01T00:00:00Z"}], {"i": {"category": ["Tea"]}}, InteractionConfig())
        >>> p["category_affinity"], p["seen"]
        ({'Tea': 2.0}, ['i'])
    """
    out = {**empty_profile(profile["user_id"]), **profile}
    ordered = sorted(events, key=_epoch)
    if not ordered:
        return out
    ref = _epoch({"@timestamp": out["@timestamp"]}) if out.get("@timestamp") else _epoch(ordered[0])
    new_ref = max(ref, _epoch(ordered[-1]))
    rescale = _decay((new_ref - ref) / SECONDS_PER_DAY, cfg)
    affinities = {
        name: defaultdict(float, {k: v * rescale for k, v in out[name].items()})
        for name in ("category_affinity", "brand_affinity")
    }
    recent = list(out["recent"])
    for event in ordered:
        ts = _epoch(event)
        weight = event_weight(event, cfg)
        item_id = str(event["item_id"])
        out["event_count"] += 1
        if weight == 0.0:
            continue
        recent.append({"item_id": item_id, "w": weight, "ts": ts, "type": event["type"]})
        decayed = weight * _decay((new_ref - ts) / SECONDS_PER_DAY, cfg)
        item = items.get(item_id, {})
        for category in item.get("category") or []:
            affinities["category_affinity"][category] += decayed
        if item.get("brand"):
            affinities["brand_affinity"][item["brand"]] += decayed
        out["seen"] = _add_to_set(out["seen"], item_id)
        if weight < 0:
            out["disliked"] = _add_to_set(out["disliked"], item_id)
        elif event["type"] == "purchase":
            out["purchased"] = _add_to_set(out["purchased"], item_id)
        if weight > 0 and item_id in out["disliked"]:  # a later positive overrides an old dislike
            out["disliked"] = [v for v in out["disliked"] if v != item_id]
    recent.sort(key=lambda r: r["ts"])
    out["recent"] = recent[-MAX_RECENT:]
    for name, values in affinities.items():
        out[name] = {k: round(v, 6) for k, v in values.items() if abs(v) > 1e-6}
    out["@timestamp"] = iso(parse_timestamp("@timestamp", new_ref))  # type: ignore[arg-type]
    return out


def _item_facets(es: Elasticsearch, names: IndexNames, item_ids: set[str]) -> dict[str, dict[str, Any]]:
    if not item_ids or not es.indices.exists_alias(name=names.items):
        return {}
    docs = es.mget(index=names.items, ids=sorted(item_ids), source_includes=["category", "brand"])["docs"]
    return {doc["_id"]: doc["_source"] for doc in docs if doc.get("found")}


def update_profiles(
    es: Elasticsearch,
    names: IndexNames,
    events: Iterable[Mapping[str, Any]],
    cfg: InteractionConfig,
    *,
    attempts: int = 8,
) -> int:
    """Apply newly stored events to their users' profiles. Returns how many users were updated.

    Only pass events that were newly stored (not duplicates), or they are counted twice.

    Raises:
        ProfileUpdateError: a profile kept conflicting with concurrent writers.
    """
    by_user: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for event in events:
        by_user[str(event["user_id"])].append(event)
    if not by_user:
        return 0
    ensure_index(es, names.users, index_body("users"))
    items = _item_facets(es, names, {str(e["item_id"]) for batch in by_user.values() for e in batch})
    for user_id, user_events in by_user.items():
        for _attempt in range(attempts):
            current = es.options(ignore_status=404).get(index=names.users, id=user_id)
            try:
                if current.get("found"):
                    es.index(
                        index=names.users,
                        id=user_id,
                        document=apply_events(current["_source"], user_events, items, cfg),
                        if_seq_no=current["_seq_no"],
                        if_primary_term=current["_primary_term"],
                    )
                else:
                    es.create(
                        index=names.users,
                        id=user_id,
                        document=apply_events(empty_profile(user_id), user_events, items, cfg),
                    )
                break
            except ConflictError:
                logger.debug("profile of %s changed concurrently; retrying", user_id)
        else:
            raise ProfileUpdateError(user_id, attempts)
    return len(by_user)


def get_profile(es: Elasticsearch, names: IndexNames, user_id: str) -> dict[str, Any] | None:
    """The stored profile, or None for a user without events."""
    if not es.indices.exists(index=names.users):
        return None
    response = es.options(ignore_status=404).get(index=names.users, id=user_id)
    return dict(response["_source"]) if response.get("found") else None
