"""Replay of logged searches without impressions: grouping, labels, dropped groups, the serving features."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pytest

from ranking.candidate import Candidate
from ranking.config import RankerConfig
from ranking.features import FEATURE_NAMES, feature_matrix
from ranking.ranker import LightGBMRanker
from ranking.replay import ReplayKey, ReplaySet, group_search_events, label_candidates, replay_search_events
from ranking.stages import Query


class FixedRetriever:
    """Returns fixed candidates per query text (the unit under test is the replay, not retrieval)."""

    def __init__(self, lists: Mapping[str, Sequence[Candidate]]) -> None:
        self.lists = lists
        self.calls: list[tuple[Query, int]] = []

    def retrieve(self, query: Query, k: int) -> list[Candidate]:
        self.calls.append((query, k))
        return list(self.lists.get(query.text or "", []))[:k]


def _candidates(prefix: str, n: int) -> list[Candidate]:
    return [
        Candidate(
            f"{prefix}{i}", 1.0 - i / n, {"bm25": float(n - i), "knn_text": 0.9 - i / 100}, {"title": f"{prefix} {i}"}
        )
        for i in range(n)
    ]


def _event(user: str, item: str, kind: str, t: float, query: str | None = "tea", **extra: object) -> dict:
    event = {"user_id": user, "item_id": item, "type": kind, "timestamp": t, **extra}
    if query is not None:
        event["query"] = query
    return event


TEA, SHOES = _candidates("t", 6), _candidates("s", 4)


def test_groups_by_user_query_and_request_and_skips_events_without_query() -> None:
    events = [
        _event("u1", "t1", "click", 10),
        _event("u1", "t1", "add_to_cart", 12),
        _event("u1", "t3", "click", 11, query="  tea "),  # the same query once whitespace is collapsed
        _event("u2", "t2", "click", 5),
        _event("u1", "t4", "click", 30, request_id="r9"),  # a separate logged request
        _event("u1", "x", "purchase", 40, query=None),
        _event("u3", "t5", "rating", 3, value=3.0),  # neutral: no signal
    ]
    searches, stats = group_search_events(events)
    assert [s.key for s in searches] == [
        ReplayKey("u2", "tea"),
        ReplayKey("u1", "tea"),
        ReplayKey("u1", "tea", "r9"),
    ]
    assert dict(searches[1].actions) == {"t1": ("click", "add_to_cart"), "t3": ("click",)}
    assert searches[1].timestamp == 10
    assert (stats.events, stats.events_without_query, stats.events_ignored, stats.groups) == (7, 1, 1, 3)


def test_labels_grade_what_the_user_did_and_uninteracted_candidates_are_zero() -> None:
    actions = {"t0": ["view"], "t1": ["click"], "t2": ["click", "purchase"], "t3": ["click", "dislike"]}
    assert label_candidates(TEA, actions).tolist() == [1, 2, 4, 0, 0, 0]
    assert label_candidates(TEA, actions, uninteracted_grade=1).tolist() == [1, 2, 4, 0, 1, 1]


def test_replay_builds_fit_ready_groups_with_the_serving_features() -> None:
    retriever = FixedRetriever({"tea": TEA, "shoes": SHOES})
    events = [
        _event("u1", "t4", "click", 100),
        _event("u1", "t1", "rating", 101, value=5),  # >= 4: like
        _event("u2", "s0", "rating", 50, query="shoes", value=1),  # <= 2: dislike
        _event("u2", "s2", "purchase", 51, query="shoes"),
    ]
    data = replay_search_events(events, retriever, k=5)
    assert [call[1] for call in retriever.calls] == [5, 5]
    assert [call[0] for call in retriever.calls] == [Query(text="shoes"), Query(text="tea")]
    assert data.keys == [ReplayKey("u2", "shoes"), ReplayKey("u1", "tea")]
    assert data.group.tolist() == [4, 5]
    assert data.item_ids == [["s0", "s1", "s2", "s3"], ["t0", "t1", "t2", "t3", "t4"]]
    assert data.y.tolist() == [0, 0, 4, 0] + [0, 2, 0, 0, 2]
    # Exactly the matrix LightGBMRanker.rank computes for these candidates at serving time.
    expected = np.vstack(
        [feature_matrix(Query(text="shoes"), SHOES, 50.0), feature_matrix(Query(text="tea"), TEA[:5], 100.0)]
    )
    np.testing.assert_array_equal(data.X, expected)
    assert data.X.shape == (9, len(FEATURE_NAMES))
    LightGBMRanker(RankerConfig(n_estimators=5, min_data_in_leaf=1)).fit(data.X, data.y, data.group)


def test_searches_whose_positives_were_not_retrieved_are_dropped_and_counted() -> None:
    retriever = FixedRetriever({"tea": TEA, "shoes": SHOES})
    events = [
        _event("u1", "t5", "click", 1),  # t5 is below the depth of 3
        _event("u1", "t0", "view", 1),  # a view alone is not a positive
        _event("u2", "s1", "click", 2, query="shoes"),
        _event("u2", "s9", "purchase", 2, query="shoes"),  # never retrieved
        _event("u3", "t0", "click", 3, query="unknown words"),  # nothing retrieved at all
    ]
    data = replay_search_events(events, retriever, k=3, keep_candidates=True)
    assert data.keys == [ReplayKey("u2", "shoes")]
    assert data.y.tolist() == [0, 2, 0]
    assert data.candidates is not None and [c.item_id for c in data.candidates[0]] == ["s0", "s1", "s2"]
    stats = data.stats.as_dict()
    assert stats["groups"] == 3 and stats["groups_without_positive"] == 2 and stats["groups_kept"] == 1
    assert (stats["positives"], stats["positives_retrieved"], stats["positives_missed"]) == (4, 1, 3)
    assert stats["candidates"] == 3 and stats["depth"] == 3


def test_nothing_kept_gives_empty_arrays_of_the_right_width() -> None:
    data = replay_search_events([_event("u", "zz", "click", 0)], FixedRetriever({"tea": TEA}))
    assert data.X.shape == (0, len(FEATURE_NAMES)) and data.y.shape == (0,) and len(data) == 0


def test_split_keeps_groups_whole_and_is_seeded() -> None:
    lists = {f"q{i}": _candidates(f"q{i}-", 3 + i % 3) for i in range(10)}
    events = [_event(f"u{i}", f"q{i}-1", "click", i, query=f"q{i}") for i in range(10)]
    data = replay_search_events(events, FixedRetriever(lists))
    rest, held = data.split(0.3, seed=1)
    assert len(rest) == 7 and len(held) == 3 and not set(rest.keys) & set(held.keys)
    for part in (rest, held):
        assert part.X.shape[0] == part.y.shape[0] == int(part.group.sum())
        for key, ids, size in zip(part.keys, part.item_ids, part.group):
            assert ids[0].startswith(key.query + "-") and len(ids) == size
    again = data.split(0.3, seed=1)[1]
    assert again.keys == held.keys
    np.testing.assert_array_equal(again.X, held.X)
    assert data.subset([]).X.shape == (0, len(FEATURE_NAMES))


def test_folds_hold_out_each_user_once_with_all_their_groups() -> None:
    lists = {f"q{i}": _candidates(f"q{i}-", 3) for i in range(12)}
    events = [_event(f"u{i % 5}", f"q{i}-1", "click", i, query=f"q{i}") for i in range(12)]
    data = replay_search_events(events, FixedRetriever(lists))
    folds = data.folds(3, seed=2)
    held_users = [{k.user_id for k in held.keys} for _, held in folds]
    assert sorted(u for users in held_users for u in users) == sorted({k.user_id for k in data.keys})
    for (rest, held), users in zip(folds, held_users):
        assert len(rest) + len(held) == len(data) and not users & {k.user_id for k in rest.keys}
        assert rest.X.shape[0] == int(rest.group.sum())
    assert [h.keys for _, h in data.folds(3, seed=2)] == [h.keys for _, h in folds]  # seeded
    with pytest.raises(ValueError, match="k <= users"):
        data.folds(6)


def test_concat_keeps_groups_in_order_and_sums_the_stats() -> None:
    lists = {"tea": TEA, "shoes": SHOES}
    first = replay_search_events([_event("u", "t1", "click", 0), _event("v", "zz", "click", 0)], FixedRetriever(lists))
    second = replay_search_events([_event("w", "s0", "purchase", 5, query="shoes")], FixedRetriever(lists))
    both = ReplaySet.concat([first, second])
    assert [k.user_id for k in both.keys] == ["u", "w"] and both.group.tolist() == [len(TEA), len(SHOES)]
    np.testing.assert_array_equal(both.X, np.vstack([first.X, second.X]))
    assert both.y.tolist() == first.y.tolist() + second.y.tolist()
    assert both.stats.groups == 3 and both.stats.groups_without_positive == 1
    assert both.stats.positives == first.stats.positives + second.stats.positives == 3
    with pytest.raises(ValueError, match="at least one"):
        ReplaySet.concat([])


def test_bad_arguments_name_themselves() -> None:
    retriever = FixedRetriever({})
    with pytest.raises(ValueError, match="k must be positive"):
        replay_search_events([], retriever, k=0)
    with pytest.raises(ValueError, match="uninteracted_grade must be 0 or 1"):
        replay_search_events([], retriever, uninteracted_grade=2)
    with pytest.raises(ValueError, match="share must be in"):
        replay_search_events([], retriever).split(1.0)
    with pytest.raises(ValueError, match="event timestamp"):
        group_search_events([_event("u", "a", "click", "yesterday")])  # type: ignore[arg-type]
