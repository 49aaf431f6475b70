"""Temporal splits: the held-out future never reaches training."""

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from ranking.interactions import event_timestamp, is_positive
from ranking.splits import global_time_split, temporal_split


def like(user: str, item: str, ts: float, kind: str = "like") -> dict:
    return {"user_id": user, "item_id": item, "type": kind, "timestamp": ts}


def test_last_positives_held_out_and_later_events_removed() -> None:
    events = [
        like("u", "a", 1),
        like("u", "b", 2),
        like("u", "v0", 3, "view"),
        like("u", "c", 4),
        like("u", "v1", 5, "view"),
        like("u", "d", 6),
    ]
    train, holdout = temporal_split(events, n_holdout=2)
    assert [e["item_id"] for e in train] == ["a", "b", "v0"]
    assert holdout == {"u": {"c", "d"}}


def test_users_with_too_few_positives_keep_everything() -> None:
    events = [like("u", "a", 1), like("u", "b", 2), like("v", "x", 1)]
    train, holdout = temporal_split(events, n_holdout=2)
    assert len(train) == 3 and holdout == {}


def test_ties_at_cutoff_are_dropped_not_leaked() -> None:
    events = [like("u", "a", 1), like("u", "b", 5), like("u", "c", 5), like("u", "d", 6)]
    train, holdout = temporal_split(events, n_holdout=2)
    assert [e["item_id"] for e in train] == ["a"]  # b shares the cutoff instant with c
    assert holdout == {"u": {"c", "d"}}


def test_items_already_in_train_are_not_targets() -> None:
    events = [like("u", "a", 1), like("u", "b", 2, "view"), like("u", "b", 3, "purchase"), like("u", "c", 4)]
    train, holdout = temporal_split(events, n_holdout=2)
    assert holdout == {"u": {"c"}}


event_lists = st.lists(
    st.tuples(
        st.sampled_from("uvw"),
        st.integers(0, 9),
        st.integers(0, 30),
        st.sampled_from(["view", "click", "like", "dislike"]),
    ),
    max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(event_lists)
def test_temporal_split_never_leaks(rows: list) -> None:
    events = [like(u, str(i), float(t), k) for u, i, t, k in rows]
    train, holdout = temporal_split(events, n_holdout=2)
    by_user = defaultdict(list)
    for e in events:
        by_user[e["user_id"]].append(e)
    for user, items in holdout.items():
        user_train = [e for e in train if e["user_id"] == user]
        positives = sorted((e for e in by_user[user] if is_positive(e)), key=event_timestamp)
        cutoff = event_timestamp(positives[-2])
        assert 1 <= len(items) <= 2
        assert all(event_timestamp(e) < cutoff for e in user_train)
        assert not items & {e["item_id"] for e in user_train}
    assert len(train) <= len(events)
    assert [event_timestamp(e) for e in train] == sorted(event_timestamp(e) for e in train)


def test_global_time_split_cuts_at_one_instant() -> None:
    events = [like("u", str(i), i) for i in range(8)] + [like("v", "x", 9), like("w", "y", 1)]
    train, holdout = global_time_split(events, valid_fraction=0.3)
    cut = min(event_timestamp(e) for e in events if e not in train)
    assert all(event_timestamp(e) < cut for e in train)
    assert holdout == {"u": {"6", "7"}}  # v has no training history; w nothing after the cut
