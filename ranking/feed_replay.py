"""Feed ranker training data from logs without impressions: replay a time-cut feed request.

Imported interaction logs (ratings, purchases, likes) say what users did, not what they were
shown. They still train the feed ranker. Cut each user's history in time (`cut_feed_history`:
their last `n_holdout` positives and everything from that moment on are "after the cut"), build
the serving state without what the replayed users did after it (profiles from the events before
the cut; item vectors, CF neighbours and popularity from those too, or, cross-fitted, from every
event but one fold of users' futures: `user_folds`, `cross_fitted_events`; building it is the
caller's job, it owns the engine), and request each user's feed through the serving
FeedRetriever (`request_feeds`): that rebuilds the candidate list the user would have been
served just before the cut. Its rows come from `ranking.features.feature_matrix`, the call
`LightGBMRanker.rank` makes at serving time, on the candidates in retrieval order; each candidate
is labelled with what the user went on to do after the cut (`label_feeds`).

When. A replayed request is made at the user's last event before the cut (`last_event_times`),
the moment their profile describes; ages and freshness are measured from it. The first held-out
event's time would be closer to when they chose, but it is a fact about the targets (when the
user came back), so it stays out.

Labels. `graded_label` of the user's events on the item after the cut (click/like 2,
add_to_cart 3, purchase 4, view 1, dislike 0; ratings become like/dislike by the
InteractionConfig thresholds, neutral ones nothing). A candidate the user did nothing with gets
`uninteracted_grade`, 0 by default, for the reasons `ranking.replay` gives: it was most likely
never shown, so it is unknown rather than seen-and-skipped, and 99 candidates at grade 1 would
swamp the ideal DCG that lambdarank optimises. The cost: an explicit dislike ties with "unknown".

What is dropped. An item the user liked after the cut that the replayed request did not retrieve
cannot be labelled (its clause scores are unknown); it is counted (`positives_missed`). A user none
of whose positives (grade >= 2) was retrieved teaches the ranker nothing and is dropped (counted).

Groups are users (one replayed request each); `ReplaySet.keys` hold `ReplayKey(user_id, "")`,
the empty query marking a feed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from ranking.candidate import Candidate
from ranking.features import FEATURE_NAMES, RequestContext, feature_matrix
from ranking.interactions import InteractionConfig, event_timestamp
from ranking.ranker import ModelRanker, graded_label
from ranking.replay import (
    POSITIVE_GRADE,
    UNINTERACTED_GRADE,
    ReplayKey,
    ReplaySet,
    ReplayStats,
    label_candidates,
    label_event_types,
)
from ranking.splits import Holdout, group_by_user, temporal_split
from ranking.stages import Filters, Personal, Query, Retriever

logger = logging.getLogger(__name__)

Event = Mapping[str, Any]
DEFAULT_DEPTH = 200  # candidates per replayed feed: the evaluation's deepest cut-off (Recall@200)


class PersonalSource(Protocol):
    """Builds a request's Personal for a user (ranking.personal.UserContext), None for cold start."""

    def personal(self, user_id: str) -> Personal | None: ...


class RequestClock:
    """A settable clock for the stages that read the time (`LightGBMRanker`, `MMRReranker` take
    `clock=`): a replayed request is scored at its own moment, not at today's.

    Example:
        >>> clock = RequestClock(5.0)
        >>> clock(), (setattr(clock, "moment", 9.0), clock())[1]
        (5.0, 9.0)
    """

    def __init__(self, moment: float = 0.0) -> None:
        self.moment = moment

    def __call__(self) -> float:
        return self.moment


@dataclass(frozen=True)
class FeedCut:
    """A time cut of every user's history, for training the ranker without the test targets.

    Attributes:
        before: events before each user's cut (all events of users without enough positives), in
            time order: what the replayed serving state is built from.
        targets: user_id -> the held-out positives (`temporal_split`'s holdout).
        after: user_id -> that user's events after the cut, in time order (what labels come from).
        now: user_id -> the replayed request's moment: the user's last event before the cut.
    """

    before: list[Event]
    targets: Holdout
    after: dict[Hashable, list[Event]]
    now: dict[Hashable, float]


@dataclass(frozen=True)
class FeedRequest:
    """One replayed feed request.

    Attributes:
        user_id: whose feed.
        query: the request as serving makes it (Personal, filters).
        candidates: what FeedRetriever returned, in retrieval order (empty for a user without a profile).
        now: epoch seconds the request is made at (features' ages, MMR's freshness).
    """

    user_id: str
    query: Query
    candidates: list[Candidate]
    now: float


def last_event_times(events: Iterable[Event]) -> dict[Hashable, float]:
    """Each user's latest event time (epoch seconds).

    Example:
        >>> last_event_times([{"user_id": "u", "timestamp": 3}, {"user_id": "u", "timestamp": 1}])
        {'u': 3.0}
    """
    latest: dict[Hashable, float] = {}
    for event in events:
        moment = event_timestamp(event)
        user_id = event["user_id"]
        if moment > latest.get(user_id, -np.inf):
            latest[user_id] = moment
    return latest


def cut_feed_history(events: Sequence[Event], n_holdout: int = 5, cfg: InteractionConfig | None = None) -> FeedCut:
    """Cut each user's history before their last `n_holdout` positives (`temporal_split`).

    Users the split holds out get `after` (their events later than their last event before the
    cut, i.e. every event from the first held-out positive on) and `now`.

    Raises:
        ValueError: if n_holdout <= 0.

    Example:
        >>> ev = [{"user_id": "u", "item_id": str(i), "type": "like", "timestamp": i} for i in range(4)]
        >>> cut = cut_feed_history(ev, n_holdout=2)
        >>> [e["item_id"] for e in cut.before], sorted(cut.targets["u"]), [e["item_id"] for e in cut.after["u"]]
        (['0', '1'], ['2', '3'], ['2', '3'])
        >>> cut.now
        {'u': 1.0}
    """
    before, targets = temporal_split(events, n_holdout, cfg)
    now = {u: t for u, t in last_event_times(before).items() if u in targets}
    after: dict[Hashable, list[Event]] = {}
    for user_id, user_events in group_by_user(events).items():
        if user_id in now:
            after[user_id] = [e for e in user_events if event_timestamp(e) > now[user_id]]
    return FeedCut(before, targets, after, now)


def nested_cuts(
    events: Sequence[Event], n_holdout: int = 5, cuts: int = 2, cfg: InteractionConfig | None = None
) -> list[FeedCut]:
    """Up to `cuts` cuts, newest first, each `cut_feed_history` of the previous one's `before`.

    The first holds out each user's last `n_holdout` positives, the next the `n_holdout` before
    those, and so on, as long as some user has enough positives left. A cut's `after` therefore
    ends where the newer cut begins: its labels are the user's next `n_holdout` positives, the
    task the test split poses, and more cuts give the ranker more groups (one per user per cut).

    Example:
        >>> ev = [{"user_id": "u", "item_id": str(i), "type": "like", "timestamp": i} for i in range(5)]
        >>> [sorted(c.targets["u"]) for c in nested_cuts(ev, n_holdout=2, cuts=3)]
        [['3', '4'], ['1', '2']]
    """
    out: list[FeedCut] = []
    for _ in range(cuts):
        cut = cut_feed_history(out[-1].before if out else events, n_holdout, cfg)
        if not cut.targets:
            break
        out.append(cut)
    return out


def user_folds(user_ids: Iterable[Hashable], folds: int, seed: int = 0) -> list[list[Hashable]]:
    """Split users into `folds` disjoint, near-equal, seeded folds (each in sorted order).

    Raises:
        ValueError: if folds < 1.

    Example:
        >>> [len(f) for f in user_folds(range(7), 2)]
        [4, 3]
    """
    if folds < 1:
        raise ValueError(f"folds must be at least 1, got {folds}")
    users = sorted(user_ids, key=str)
    order = np.random.default_rng(seed).permutation(len(users))
    return [sorted((users[i] for i in order[f::folds]), key=str) for f in range(folds)]


def cross_fitted_events(events: Iterable[Event], cut: FeedCut, fold: Iterable[Hashable]) -> list[Event]:
    """`events` minus what the `fold`'s users did after `cut`: the training data of the state
    their feeds are replayed in.

    Why. The test's serving state is trained on every event before the test cut; a cut's own
    `before` lacks every user's latest positives, so a state built from it scores candidates
    from a thinner model than the test's, and a ranker learns that model's score scale. Leaving
    out only the replayed users' futures (the other users keep theirs, as at test time, where
    everyone's history runs up to their own cut) keeps the labels unseen and the state as
    close to the test's as the data allows. The price: one state per fold.

    A fold user keeps their events up to `cut.now` (exactly their events in `cut.before`); users
    outside the fold, and fold users the cut holds nothing out for, keep everything.

    Example:
        >>> ev = [{"user_id": u, "item_id": str(i), "type": "like", "timestamp": i} for u in "ab" for i in range(4)]
        >>> cut = cut_feed_history(ev, n_holdout=2)
        >>> [(e["user_id"], e["item_id"]) for e in cross_fitted_events(ev, cut, ["a"])]
        [('a', '0'), ('a', '1'), ('b', '0'), ('b', '1'), ('b', '2'), ('b', '3')]
    """
    fold_now = {u: cut.now[u] for u in fold if u in cut.now}
    return [e for e in events if e["user_id"] not in fold_now or event_timestamp(e) <= fold_now[e["user_id"]]]


def request_feeds(
    retriever: Retriever,
    users: PersonalSource,
    user_ids: Iterable[Hashable],
    seen: Mapping[Hashable, Iterable[str]],
    now: Mapping[Hashable, float],
    k: int = DEFAULT_DEPTH,
    *,
    progress: bool = False,
) -> dict[Hashable, FeedRequest]:
    """Each user's personalised feed request, made as serving makes it, minus what they have seen.

    Serving's feed request (`GET /users/{id}/feed`) is `Query(user_id, filters, personal)` through
    FeedRetriever; here the filters also exclude everything the user touched before (`seen`), as
    every evaluated method does (a seen item is a free hit offline). A user without a profile gets
    no candidates (serving would show the cold-start feed).

    Args:
        retriever: the serving FeedRetriever (or any Retriever taking a Personal query).
        users: builds each user's Personal from the profile and models (UserContext).
        user_ids: whose feeds to request.
        seen: user_id -> item ids to exclude.
        now: user_id -> the request's moment (default 0 for users missing from it); retrieval measures
            freshness as of it too (Query.as_of).
        k: candidates per request.
        progress: show a progress bar.

    Returns:
        user_id -> FeedRequest, in `user_ids` order.

    Raises:
        ValueError: if k <= 0.
    """
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    out: dict[Hashable, FeedRequest] = {}
    for user_id in tqdm(list(user_ids), desc="feeds", unit="user", disable=not progress):
        exclude = tuple(sorted(set(seen.get(user_id, ()))))
        personal = users.personal(str(user_id))
        moment = float(now.get(user_id, 0.0))
        query = Query(user_id=str(user_id), filters=Filters(exclude_ids=exclude), personal=personal, as_of=moment)
        found = retriever.retrieve(query, k)[:k] if personal is not None else []
        out[user_id] = FeedRequest(str(user_id), query, found, moment)
    return out


def user_actions(events: Iterable[Event], cfg: InteractionConfig | None = None) -> tuple[dict[str, list[str]], int]:
    """item_id -> the label event types of one user's events (ratings mapped), and how many were ignored.

    Example:
        >>> user_actions([{"item_id": "a", "type": "rating", "value": 5}, {"item_id": "b", "type": "rating",
        ...               "value": 3}, {"item_id": "a", "type": "purchase"}])
        ({'a': ['like', 'purchase']}, 1)
    """
    cfg = cfg or InteractionConfig()
    actions: dict[str, list[str]] = defaultdict(list)
    ignored = 0
    for event in events:
        kinds = label_event_types(event, cfg)
        if kinds:
            actions[str(event["item_id"])].extend(kinds)
        else:
            ignored += 1
    return dict(actions), ignored


def feature_rows(request: FeedRequest) -> np.ndarray:
    """The rows a served ranker sees for this request: `feature_matrix` on the candidates after
    the model-less serving rank stage (which adds `retrieval_rank`/`retrieval_score`), at `now`.

    Returns:
        float32 array of shape (len(request.candidates), len(FEATURE_NAMES)).
    """
    carried = ModelRanker(lambda: None).rank(request.query, request.candidates)
    return feature_matrix(request.query, carried, request.now, RequestContext())


def label_feeds(
    requests: Mapping[Hashable, FeedRequest],
    after: Mapping[Hashable, Sequence[Event]],
    cfg: InteractionConfig | None = None,
    *,
    uninteracted_grade: int = UNINTERACTED_GRADE,
    rows: Callable[[FeedRequest], np.ndarray] = feature_rows,
) -> ReplaySet:
    """Label each replayed feed with what its user went on to do, laid out for `LightGBMRanker.fit`.

    Args:
        requests: user_id -> replayed request (see `request_feeds`).
        after: user_id -> the user's events after the cut (see `cut_feed_history`).
        cfg: rating thresholds.
        uninteracted_grade: the grade of a candidate the user did nothing with (0 or 1; see the module docstring).
        rows: the feature rows of a request (default `feature_rows`, serving's).

    Returns:
        A ReplaySet with one group per user that had a retrieved positive, in `requests` order.

    Raises:
        ValueError: if uninteracted_grade is not 0 or 1, or an event is malformed.

    Example:
        >>> req = FeedRequest("u", Query(user_id="u"), [Candidate("a", 2.0), Candidate("b", 1.0)], 0.0)
        >>> data = label_feeds({"u": req}, {"u": [{"item_id": "b", "type": "rating", "value": 5.0}]})
        >>> data.y.tolist(), data.group.tolist(), data.X.shape == (2, len(FEATURE_NAMES))
        ([0, 2], [2], True)
    """
    if uninteracted_grade not in (0, 1):
        raise ValueError(f"uninteracted_grade must be 0 or 1, got {uninteracted_grade}")
    stats = ReplayStats(depth=max((len(r.candidates) for r in requests.values()), default=0))
    blocks: list[np.ndarray] = []
    grades: list[np.ndarray] = []
    keys: list[ReplayKey] = []
    item_ids: list[list[str]] = []
    for user_id, request in requests.items():
        events = after.get(user_id, ())
        stats.events += len(events)
        stats.groups += 1
        actions, ignored = user_actions(events, cfg)
        stats.events_ignored += ignored
        positives = {item for item, kinds in actions.items() if graded_label(kinds) >= POSITIVE_GRADE}
        stats.positives += len(positives)
        stats.positives_retrieved += len(positives & {c.item_id for c in request.candidates})
        y = label_candidates(request.candidates, actions, uninteracted_grade)
        if not (y >= POSITIVE_GRADE).any():
            stats.groups_without_positive += 1
            continue
        blocks.append(rows(request))
        grades.append(y)
        keys.append(ReplayKey(request.user_id, ""))
        item_ids.append([c.item_id for c in request.candidates])
    stats.candidates = int(sum(len(y) for y in grades))
    logger.info(
        "replayed %d feeds: kept %d, dropped %d without a retrieved positive; %d of %d positives retrieved",
        stats.groups,
        len(keys),
        stats.groups_without_positive,
        stats.positives_retrieved,
        stats.positives,
    )
    return ReplaySet(
        X=np.vstack(blocks) if blocks else np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32),
        y=np.concatenate(grades) if grades else np.zeros(0, dtype=np.int32),
        group=np.array([len(ids) for ids in item_ids], dtype=np.int64),
        keys=keys,
        item_ids=item_ids,
        stats=stats,
    )
