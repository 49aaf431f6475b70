"""Ranker training data from logged searches that have no impressions: replay the query.

An imported search log often holds only what users did (a click, a purchase, a rating, each with
the query it came from), not the list they were shown. Such events still train the ranker: each
logged search is replayed through the live retriever (the same HybridRetriever request serving
makes) to rebuild its candidate list, the candidates get their features from
`ranking.features.feature_matrix` (the very call `LightGBMRanker.rank` makes at serving time), and
each candidate is labelled with what the user went on to do with it (`ranking.ranker.graded_label`).

Groups. Events are grouped into one logged search per (user_id, query text, request_id): with a
`request_id` each request is its own group; without one, a user's events on the same query text
form one group. Events without a `query` are not search events and are skipped (counted).

Labels. A candidate the user acted on gets `graded_label` of those events (view 1, click/like 2,
add_to_cart 3, purchase 4, dislike 0; ratings map through InteractionConfig's thresholds to like /
dislike, neutral ones are ignored). A candidate the user did NOT act on gets `uninteracted_grade`,
0 by default, not graded_label's "shown only" 1: a replayed candidate was most likely never shown
(the user saw another, older ranking, perhaps ten items of it), so it is unknown rather than
seen-and-skipped, and unknown counts as not relevant, as unjudged documents do in offline IR. It
also keeps the lambdarank objective and its NDCG@10 early-stopping metric about the items users
chose: with 99 un-clicked candidates at grade 1 the ideal DCG is mostly theirs, which shrinks the
gradient for putting the clicked item first and makes a model that buries it look nearly as good.
The price is that an explicit dislike (0) ties with "not interacted"; pass uninteracted_grade=1
where the log's candidates were really shown (e.g. with positions), to keep dislikes below them.

What is dropped. The replay cannot label an item it did not retrieve (its clause scores are
unknown, and filling them in would teach the model that "missing" means "relevant"), so a clicked
item outside the top `k` is lost (counted as positives_missed), and a group none of whose positives
(click or better, grade >= 2) was retrieved teaches nothing and is dropped (counted).

Context. A replay is an anonymous search (no Personal: a user's profile as of that moment is not
in the log, and today's would leak the future) without filters (logged events carry none); the
features are measured at the group's first event, just after the search was made.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from ranking.candidate import Candidate
from ranking.features import FEATURE_NAMES, RequestContext, feature_matrix
from ranking.interactions import InteractionConfig, event_timestamp
from ranking.ranker import LABEL_GRADES, graded_label
from ranking.stages import Query, Retriever

logger = logging.getLogger(__name__)

DEFAULT_DEPTH = 100  # candidates replayed per search: what the search endpoint retrieves and ranks
UNINTERACTED_GRADE = 0
POSITIVE_GRADE = LABEL_GRADES["click"]  # click, like, add_to_cart, purchase


@dataclass(frozen=True)
class ReplayKey:
    """One logged search: who searched what (and, when logged, which request it was)."""

    user_id: str
    query: str
    request_id: str | None = None


@dataclass(frozen=True)
class LoggedSearch:
    """The events of one logged search.

    Attributes:
        key: the search.
        actions: item_id -> the event types the user produced on it (ratings already mapped).
        timestamp: epoch seconds of the group's first event.
    """

    key: ReplayKey
    actions: Mapping[str, tuple[str, ...]]
    timestamp: float


@dataclass
class ReplayStats:
    """What the replay kept and lost; `as_dict` for reports.

    Attributes:
        events: events read.
        events_without_query: skipped: not search events.
        events_ignored: skipped: neutral ratings (no signal).
        groups: logged searches found.
        groups_without_positive: dropped: no positive (click or better) among the candidates.
        positives: distinct (search, item) pairs with a positive grade.
        positives_retrieved: of those, how many the replayed candidates contained.
        candidates: rows kept (candidates of the kept groups).
        depth: candidates requested per replay.
    """

    events: int = 0
    events_without_query: int = 0
    events_ignored: int = 0
    groups: int = 0
    groups_without_positive: int = 0
    positives: int = 0
    positives_retrieved: int = 0
    candidates: int = 0
    depth: int = DEFAULT_DEPTH

    @property
    def positives_missed(self) -> int:
        return self.positives - self.positives_retrieved

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.__dict__)
        out["positives_missed"] = self.positives_missed
        out["groups_kept"] = self.groups - self.groups_without_positive
        return out


@dataclass
class ReplaySet:
    """Replayed searches laid out for `LightGBMRanker.fit(X, y, group)`.

    Attributes:
        X: (rows, len(FEATURE_NAMES)) float32, the groups' rows stacked in `keys` order.
        y: (rows,) int32 grades.
        group: (len(keys),) rows per group.
        keys: the logged search of each group.
        item_ids: each group's candidate ids, in retrieval order (the rows of X).
        candidates: each group's candidates, when the replay kept them (keep_candidates=True).
        stats: what was kept and dropped.
    """

    X: np.ndarray
    y: np.ndarray
    group: np.ndarray
    keys: list[ReplayKey]
    item_ids: list[list[str]]
    candidates: list[list[Candidate]] | None = None
    stats: ReplayStats = field(default_factory=ReplayStats)

    def __len__(self) -> int:
        return len(self.keys)

    def subset(self, groups: Sequence[int]) -> ReplaySet:
        """The chosen groups (by position), in the order given; stats are carried over unchanged."""
        starts = np.concatenate([[0], np.cumsum(self.group)]).astype(np.int64)
        rows = [np.arange(starts[g], starts[g + 1]) for g in groups]
        index = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        return ReplaySet(
            X=self.X[index],
            y=self.y[index],
            group=self.group[list(groups)] if len(groups) else np.zeros(0, dtype=np.int64),
            keys=[self.keys[g] for g in groups],
            item_ids=[self.item_ids[g] for g in groups],
            candidates=None if self.candidates is None else [self.candidates[g] for g in groups],
            stats=self.stats,
        )

    def split(self, share: float, seed: int = 0) -> tuple[ReplaySet, ReplaySet]:
        """(rest, a seeded random `share` of the groups), e.g. a validation split for early stopping.

        Whole groups move together, so no search is on both sides.

        Raises:
            ValueError: if `share` is not in [0, 1).
        """
        if not 0 <= share < 1:
            raise ValueError(f"share must be in [0, 1), got {share}")
        order = list(range(len(self)))
        random.Random(seed).shuffle(order)
        n_held = round(len(order) * share)
        return self.subset(sorted(order[n_held:])), self.subset(sorted(order[:n_held]))

    @classmethod
    def concat(cls, sets: Sequence[ReplaySet]) -> ReplaySet:
        """One set of the groups of `sets`, in order (e.g. feeds replayed at several cuts); stats summed."""
        if not sets:
            raise ValueError("concat needs at least one ReplaySet")
        stats = ReplayStats(depth=max(s.stats.depth for s in sets))
        for name in ReplayStats.__dataclass_fields__:
            if name != "depth":
                setattr(stats, name, sum(getattr(s.stats, name) for s in sets))
        with_candidates = all(s.candidates is not None for s in sets)
        return cls(
            X=np.vstack([s.X for s in sets]),
            y=np.concatenate([s.y for s in sets]),
            group=np.concatenate([s.group for s in sets]).astype(np.int64),
            keys=[k for s in sets for k in s.keys],
            item_ids=[ids for s in sets for ids in s.item_ids],
            candidates=[c for s in sets for c in (s.candidates or [])] if with_candidates else None,
            stats=stats,
        )

    def folds(self, k: int, seed: int = 0) -> list[tuple[ReplaySet, ReplaySet]]:
        """k (rest, held-out) pairs for cross-validation; every user is held out in exactly one.

        A user's groups move together (a feed replayed at two cuts is two groups of one user), so
        no fold is validated on someone it was trained on.

        Raises:
            ValueError: if k < 2 or there are fewer users than folds.
        """
        users = sorted({key.user_id for key in self.keys})
        if k < 2 or len(users) < k:
            raise ValueError(f"need 2 <= k <= users ({len(users)}), got k={k}")
        random.Random(seed).shuffle(users)
        fold_of = {user: j % k for j, user in enumerate(users)}
        out = []
        for fold in range(k):
            held = [g for g, key in enumerate(self.keys) if fold_of[key.user_id] == fold]
            rest = [g for g, key in enumerate(self.keys) if fold_of[key.user_id] != fold]
            out.append((self.subset(rest), self.subset(held)))
        return out


def label_event_types(event: Mapping[str, Any], cfg: InteractionConfig) -> tuple[str, ...]:
    """The label event types of one event: ratings become like/dislike by value, neutral ones nothing."""
    kind = str(event.get("type"))
    if kind != "rating":
        return (kind,)
    value = event.get("value")
    if value is None:
        return ()
    if float(value) >= cfg.rating_positive_threshold:
        return ("like",)
    if float(value) <= cfg.rating_negative_threshold:
        return ("dislike",)
    return ()


def group_search_events(
    events: Iterable[Mapping[str, Any]], interactions: InteractionConfig | None = None
) -> tuple[list[LoggedSearch], ReplayStats]:
    """Group logged search events into searches (see the module docstring), first search first.

    Accepts events as imported (`timestamp`) or as stored in ES (`@timestamp`).

    Returns:
        (searches ordered by their first event, then key; stats counting the events).

    Raises:
        ValueError: for an unknown event type or an unparseable timestamp.

    Example:
        >>> searches, stats = group_search_events([
        ...     {"user_id": "u", "item_id": "a", "type": "click", "timestamp": 5, "query": "tea"},
        ...     {"user_id": "u", "item_id": "a", "type": "purchase", "timestamp": 9, "query": "tea"},
        ...     {"user_id": "u", "item_id": "b", "type": "click", "timestamp": 7}])
        >>> [(s.key.query, dict(s.actions)) for s in searches], stats.events_without_query
        ([('tea', {'a': ('click', 'purchase')})], 1)
    """
    cfg = interactions or InteractionConfig()
    stats = ReplayStats()
    actions: dict[ReplayKey, dict[str, list[str]]] = {}
    first: dict[ReplayKey, float] = {}
    for event in events:
        stats.events += 1
        query = " ".join(str(event.get("query") or "").split())
        if not query:
            stats.events_without_query += 1
            continue
        kinds = label_event_types(event, cfg)
        for kind in kinds:
            if kind not in LABEL_GRADES:
                raise ValueError(f"events: no label for event type {kind!r}; known: {sorted(LABEL_GRADES)}")
        if not kinds:
            stats.events_ignored += 1
            continue
        request_id = event.get("request_id")
        key = ReplayKey(str(event["user_id"]), query, str(request_id) if request_id else None)
        moment = event_timestamp(event)
        first[key] = min(moment, first.get(key, moment))
        actions.setdefault(key, {}).setdefault(str(event["item_id"]), []).extend(kinds)
    order = sorted(actions, key=lambda k: (first[k], k.user_id, k.query, k.request_id or ""))
    stats.groups = len(order)
    searches = [LoggedSearch(k, {item: tuple(kinds) for item, kinds in actions[k].items()}, first[k]) for k in order]
    return searches, stats


def label_candidates(
    candidates: Sequence[Candidate], actions: Mapping[str, Sequence[str]], uninteracted_grade: int = UNINTERACTED_GRADE
) -> np.ndarray:
    """Each candidate's grade: `graded_label` of the user's events on it, else `uninteracted_grade`.

    Returns:
        int32 array of shape (len(candidates),).

    Example:
        >>> found = [Candidate("a", 2.0), Candidate("b", 1.0), Candidate("c", 0.5)]
        >>> label_candidates(found, {"b": ["click", "purchase"], "c": ["view"]}).tolist()
        [0, 4, 1]
    """
    return np.array(
        [graded_label(actions[c.item_id]) if c.item_id in actions else uninteracted_grade for c in candidates],
        dtype=np.int32,
    )


def replay_search_events(
    events: Iterable[Mapping[str, Any]],
    retriever: Retriever,
    *,
    k: int = DEFAULT_DEPTH,
    interactions: InteractionConfig | None = None,
    uninteracted_grade: int = UNINTERACTED_GRADE,
    keep_candidates: bool = False,
    progress: bool = False,
) -> ReplaySet:
    """Replay every logged search through `retriever` and label its candidates.

    Args:
        events: logged events; those with a `query` are used (see the module docstring).
        retriever: rebuilds the candidates, e.g. the serving HybridRetriever.
        k: candidates per search (the depth), 100 by default, as the search endpoint ranks.
        interactions: rating thresholds (default InteractionConfig()).
        uninteracted_grade: the grade of a candidate the user did nothing with (0 by default; see above).
        keep_candidates: also return each group's candidates (for analysis; costs memory).
        progress: show a progress bar (searches/s, ETA).

    Returns:
        A ReplaySet ready for `LightGBMRanker.fit(X, y, group)`; groups without a retrieved
        positive are dropped and counted in `stats`.

    Raises:
        ValueError: if k <= 0, uninteracted_grade is not 0 or 1, or an event is malformed.

    Example:
        >>> class Fixed:
        ...     def retrieve(self, query, k):
        ...         return [Candidate("a", 2.0, {"bm25": 3.0}), Candidate("b", 1.0, {"bm25": 1.0})]
        >>> logged = [{"user_id": "u", "item_id": "b", "type": "click", "timestamp": 0, "query": "tea"}]
        >>> data = replay_search_events(logged, Fixed(), k=2)
        >>> data.X.shape == (2, len(FEATURE_NAMES)), data.y.tolist(), data.group.tolist()
        (True, [0, 2], [2])
    """
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    if uninteracted_grade not in (0, LABEL_GRADES["view"]):
        raise ValueError(f"uninteracted_grade must be 0 or {LABEL_GRADES['view']}, got {uninteracted_grade}")
    searches, stats = group_search_events(events, interactions)
    stats.depth = k
    blocks: list[np.ndarray] = []
    grades: list[np.ndarray] = []
    keys: list[ReplayKey] = []
    item_ids: list[list[str]] = []
    kept: list[list[Candidate]] = []
    for search in tqdm(searches, desc="replaying", unit="search", disable=not progress):
        positives = {item for item, kinds in search.actions.items() if graded_label(kinds) >= POSITIVE_GRADE}
        stats.positives += len(positives)
        candidates = retriever.retrieve(Query(text=search.key.query), k)[:k]
        stats.positives_retrieved += len(positives & {c.item_id for c in candidates})
        y = label_candidates(candidates, search.actions, uninteracted_grade)
        if not candidates or not (y >= POSITIVE_GRADE).any():
            stats.groups_without_positive += 1
            continue
        # The call serving makes (LightGBMRanker.rank): the retriever's candidates, in its order.
        blocks.append(feature_matrix(Query(text=search.key.query), candidates, search.timestamp, RequestContext()))
        grades.append(y)
        keys.append(search.key)
        item_ids.append([c.item_id for c in candidates])
        if keep_candidates:
            kept.append(list(candidates))
    stats.candidates = int(sum(len(y) for y in grades))
    logger.info(
        "replayed %d searches at depth %d: kept %d, dropped %d without a retrieved positive; "
        "%d of %d positives retrieved",
        stats.groups,
        k,
        len(keys),
        stats.groups_without_positive,
        stats.positives_retrieved,
        stats.positives,
    )
    X = np.vstack(blocks) if blocks else np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    y_all = np.concatenate(grades) if grades else np.zeros(0, dtype=np.int32)
    return ReplaySet(
        X=X,
        y=y_all,
        group=np.array([len(ids) for ids in item_ids], dtype=np.int64),
        keys=keys,
        item_ids=item_ids,
        candidates=kept if keep_candidates else None,
        stats=stats,
    )
