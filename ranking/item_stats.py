"""Per-item counters kept on the item document for the ranker: clicks and impressions (its `ctr`)
and positives per day (its `trend`).

They are counted from the events and the impression log at `tandem train` and written in place
(`indexer.stored.write_item_fields`). The daily counts, not one "recent positives" number, are
what is stored, so the trend can be read as of any moment: the request's own time when serving,
an earlier one when a ranker is trained on replayed history or evaluated (a single number counted
at training time would tell a replayed request from years ago what became popular after it).
"""

from __future__ import annotations

import bisect
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ranking.interactions import SECONDS_PER_DAY, InteractionConfig, event_timestamp, is_positive

TREND_HALF_LIFE_DAYS = 30.0  # the trend is positives decayed by 0.5 per 30 days before the request's day
KEEP_DAYS = 4 * 30  # days of daily counts kept before the newest event: older ones weigh < 1/16
logger = logging.getLogger(__name__)
_warned_no_summary = False


def day_number(epoch_seconds: float) -> int:
    """Days since 1970-01-01 (UTC) of a moment."""
    return math.floor(epoch_seconds / SECONDS_PER_DAY)


def item_stats(
    item_ids: Iterable[str],
    events: Iterable[Mapping[str, Any]],
    impressions: Iterable[Mapping[str, Any]] = (),
    cfg: InteractionConfig | None = None,
    keep_days: int | None = KEEP_DAYS,
) -> dict[str, dict[str, Any]]:
    """Every listed item's counters: {"clicks", "impressions", "daily_positives": {"day", "count", "decayed"}}.

    `daily_positives` holds the days with a positive (ascending), their counts, and the running sum
    of the counts decayed to the last day, which `trend` reads in O(log days).

    Clicks count only when they answer a logged impression (same `request_id` and item): clicks
    from before the impression log existed, or from pages that do not log, would push the CTR
    over 1 (the demo: 56 clicks on an item shown 23 times). Items without events get zeros and
    empty lists (counted, none), so the ranker tells them
    from items never counted (no fields: NaN). Events and impressions on other ids are ignored.

    Args:
        item_ids: the catalog.
        events: stored events (`item_id`, `type`, `@timestamp` or `timestamp`).
        impressions: the impression log (one document per shown item, `item_id`).
        cfg: which events are positives.
        keep_days: days of daily positives kept, counted back from the newest event's day; None
            keeps them all (offline evaluation replays requests from any point of the log).
    """
    cfg = cfg or InteractionConfig()
    ids = [str(i) for i in item_ids]
    known = set(ids)
    impressions = list(impressions)
    shown = Counter(str(i["item_id"]) for i in impressions)
    logged = {(str(i.get("request_id")), str(i["item_id"])) for i in impressions}
    clicks: Counter[str] = Counter()
    daily: defaultdict[str, Counter[int]] = defaultdict(Counter)
    for event in events:
        item_id = str(event["item_id"])
        if item_id not in known:
            continue
        if event["type"] == "click" and (str(event.get("request_id")), item_id) in logged:
            clicks[item_id] += 1  # on a logged impression: the CTR's numerator and denominator agree
        if is_positive(event, cfg):
            daily[item_id][day_number(event_timestamp(event))] += 1
    newest = max((d for days in daily.values() for d in days), default=0)
    first = -math.inf if keep_days is None else newest - keep_days
    out = {}
    for item_id in ids:
        days = sorted(d for d in daily.get(item_id, ()) if d > first)
        out[item_id] = {
            "clicks": clicks[item_id],
            "impressions": shown[item_id],
            "daily_positives": daily_positives(days, [daily[item_id][d] for d in days]),
        }
    return out


def trend(daily: Sequence[Any], now: float) -> np.ndarray:
    """Per item, its positives before the day of `now`, each weighted 0.5 ** (days before / half-life).

    Read in O(log days) per item from the stored running sum (`decayed`: see `daily_positives`):
    the sum over the days before `today` is decayed[i - 1] * 0.5 ** ((today - last day) / half-life),
    i the number of stored days before `today` (flattening every candidate's daily lists into
    arrays instead cost 2.3 ms per 200 candidates in the stage bench). The request's own day is left
    out: with daily buckets it would include the hours after the request. A value without its
    lists (serving's responses) is read from its summary (`daily_positives`), the same number for
    any request on or after the last counted day. Malformed `daily_positives` values (not the
    stored shape) give NaN, as missing ones do.

    Args:
        daily: per item, its `daily_positives` document value (or None).
        now: epoch seconds of the request.

    Returns:
        (len(daily),) float64.
    """
    today = day_number(now)
    out = np.full(len(daily), np.nan)
    for row, value in enumerate(daily):
        if not isinstance(value, Mapping):
            continue
        days, decayed = value.get("day"), value.get("decayed")
        if days is None and decayed is None:  # a serving response: the summary only
            out[row] = _from_summary(value, today)
            continue
        if type(days) is not list or type(decayed) is not list or len(days) != len(decayed):
            continue
        try:
            before = bisect.bisect_left(days, today)
            if before == 0:
                out[row] = 0.0
                continue
            out[row] = float(decayed[before - 1]) * 0.5 ** ((today - float(days[-1])) / TREND_HALF_LIFE_DAYS)
        except (TypeError, ValueError, OverflowError):
            continue
    out[~np.isfinite(out)] = np.nan
    return out


def _from_summary(value: Mapping[str, Any], today: int) -> float:
    """The trend from `last_day` / `total` / `before_last` alone: exact for a request on or after
    the last counted day; NaN before it (the lists are needed) or without a summary (counted by
    an older `tandem train`: the next one writes it)."""
    last, total, before_last = value.get("last_day"), value.get("total"), value.get("before_last")
    if not all(type(v) in (int, float) for v in (last, total, before_last)):
        global _warned_no_summary
        if not value and not _warned_no_summary:  # lists left out, no summary: an older `tandem train`
            _warned_no_summary = True
            logger.warning("items counted by an older `tandem train` have no trend summary: run `tandem train`")
        return math.nan
    if today > last:
        return float(total) * 0.5 ** ((today - last) / TREND_HALF_LIFE_DAYS)
    return float(before_last) if today == last else math.nan


def daily_positives(days: Sequence[int], counts: Sequence[int]) -> dict[str, Any]:
    """The stored `daily_positives` value: days ascending, their counts, and the running sum
    decayed[j] = sum over m <= j of counts[m] * 0.5 ** ((days[-1] - days[m]) / half-life);
    plus its summary for requests on or after the last day: `last_day`, `total` (decayed[-1])
    and `before_last` (decayed[-2], what a request on the last day itself counts).

    Anchored at the item's last day, every term is at most its count (no overflow however long
    the history); `trend` rescales it to any day. Serving reads only the summary (the lists are
    left out of its responses, `ranking.query.TREND_LISTS`: decoding them was most of a feed
    response's decoding time), since its requests come after the counts; replaying the past needs
    the lists (`RetrievalConfig.trend_history`).
    """
    last, total, decayed = (days[-1] if days else 0), 0.0, []
    for day, count in zip(days, counts):
        total += count * 0.5 ** ((last - day) / TREND_HALF_LIFE_DAYS)
        decayed.append(total)
    return {
        "day": list(days),
        "count": list(counts),
        "decayed": decayed,
        "last_day": last,
        "total": total,
        "before_last": decayed[-2] if len(decayed) > 1 else 0.0,
    }
