"""The event spool and its replayer, without an engine: order, dedup, crash-safe append, back-off."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from elastic_transport import ConnectionError as EngineDown

from indexer.errors import SpoolError, SpoolFullError
from indexer.spool import Delivery, EventSpool, SpoolReplayer, claim_spool, spool_file


def events(*ids: str) -> list[dict[str, Any]]:
    return [{"event_id": i, "user_id": "u1", "item_id": "i1", "type": "click"} for i in ids]


class FakeEngine:
    """Stores events by event_id like op_type=create: a repeated id is a duplicate."""

    def __init__(self) -> None:
        self.stored: list[str] = []
        self.down = False

    def deliver(self, docs: list[dict[str, Any]]) -> Delivery:
        if self.down:
            raise EngineDown("engine down")
        delivery = Delivery()
        for doc in docs:
            if doc["event_id"] in self.stored:
                delivery.duplicates += 1
            else:
                self.stored.append(doc["event_id"])
                delivery.stored += 1
        return delivery


def test_segments_are_replayed_in_order_and_the_file_emptied(tmp_path: Path) -> None:
    spool = EventSpool(tmp_path / "events.jsonl", resend_window_s=0)
    for batch in (events("a", "b"), events("c"), events("d", "e")):
        spool.release(spool.append(batch))
    engine = FakeEngine()
    assert SpoolReplayer(spool, engine.deliver).replay_once() == 5
    assert engine.stored == ["a", "b", "c", "d", "e"]
    assert spool.backlog() == 0 and spool.path.stat().st_size == 0


def test_a_segment_in_flight_is_not_replayed_until_released(tmp_path: Path) -> None:
    spool = EventSpool(tmp_path / "events.jsonl")
    writing = spool.append(events("a"))
    engine = FakeEngine()
    replayer = SpoolReplayer(spool, engine.deliver)
    assert replayer.replay_once() == 0 and spool.backlog() == 1
    spool.settle(writing)
    assert spool.backlog() == 0 and engine.stored == []


def test_the_spool_survives_a_restart_and_replays_without_double_counting(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    spool = EventSpool(path)
    engine = FakeEngine()
    first = spool.append(events("a", "b"))
    engine.deliver(spool.read(first))  # stored, then the process died before settling it
    spool.append(events("c"))  # spooled, never stored
    # no close(): a crash. A new process opens the same file.
    again = EventSpool(path)
    assert again.backlog() == 3
    assert SpoolReplayer(again, engine.deliver).replay_once() == 1  # a, b come back as duplicates
    assert engine.stored == ["a", "b", "c"] and again.backlog() == 0


def test_a_torn_last_line_is_dropped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "events.jsonl"
    good = "".join(json.dumps(e) + "\n" for e in events("a", "b"))
    path.write_text(good + '{"event_id": "c", "user_')  # crashed mid-append: never acknowledged
    with caplog.at_level(logging.WARNING, logger="indexer.spool"):
        spool = EventSpool(path)
    assert "torn last line" in caplog.text
    assert path.read_text() == good  # cut off, so the next append starts on a fresh line
    spool.release(spool.append(events("d")))
    engine = FakeEngine()
    SpoolReplayer(spool, engine.deliver).replay_once()
    assert engine.stored == ["a", "b", "d"]


def test_an_unreadable_line_inside_is_skipped_not_fatal(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(events("a")[0]) + "\nnot json\n" + json.dumps(events("b")[0]) + "\n")
    engine = FakeEngine()
    with caplog.at_level(logging.WARNING, logger="indexer.spool"):
        SpoolReplayer(EventSpool(path), engine.deliver).replay_once()
    assert engine.stored == ["a", "b"] and "unreadable line" in caplog.text


def test_replay_stops_at_the_first_failure_and_keeps_the_order(tmp_path: Path) -> None:
    spool = EventSpool(tmp_path / "events.jsonl")
    for batch in (events("a"), events("b")):
        spool.release(spool.append(batch))
    engine = FakeEngine()
    engine.down = True
    replayer = SpoolReplayer(spool, engine.deliver)
    with pytest.raises(SpoolError, match="replay failed: ConnectionError"):
        replayer.replay_once()
    assert spool.backlog() == 2
    engine.down = False
    assert replayer.replay_once() == 2 and engine.stored == ["a", "b"]


def test_a_settled_prefix_is_compacted_while_later_events_wait(tmp_path: Path) -> None:
    spool = EventSpool(tmp_path / "events.jsonl", compact_bytes=1, resend_window_s=0)
    first = spool.append(events("a"))
    second = spool.append(events("b"))
    spool.settle(first)
    assert [json.loads(line)["event_id"] for line in spool.path.read_text().splitlines()] == ["b"]
    assert spool.read(second) == events("b")


def test_refused_events_go_to_a_rejects_file_not_away(tmp_path: Path) -> None:
    spool = EventSpool(tmp_path / "events.jsonl")
    spool.release(spool.append(events("a")))
    refused = {"_id": "a", "status": 400, "error": {"reason": "mapping conflict"}}
    SpoolReplayer(spool, lambda docs: Delivery(refused=[refused])).replay_once()
    assert spool.backlog() == 0
    assert json.loads((tmp_path / "rejected.jsonl").read_text())["_id"] == "a"


def test_spool_error_survives_pickling() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(SpoolError("/x", "disk full")))
    assert (error.path, error.reason) == ("/x", "disk full")


def test_events_settled_just_before_an_outage_are_sent_again(tmp_path: Path) -> None:
    spool = EventSpool(tmp_path / "events.jsonl", resend_window_s=60)
    engine = FakeEngine()
    first = spool.append(events("a", "b"))
    engine.deliver(spool.read(first))
    spool.settle(first)  # acknowledged...
    engine.stored.remove("b")  # ...then lost by a crashing engine
    engine.down = True
    spool.release(spool.append(events("c")))  # the outage is noticed
    replayer = SpoolReplayer(spool, engine.deliver)
    with pytest.raises(SpoolError, match="resend failed"):
        replayer.replay_once()
    engine.down = False
    assert replayer.replay_once() == 2  # b again (a is a duplicate), then c
    assert sorted(engine.stored) == ["a", "b", "c"]
    assert replayer.replay_once() == 0  # nothing is re-sent twice without a new outage


def test_recently_settled_events_stay_on_disk_for_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    spool = EventSpool(path, resend_window_s=60)
    engine = FakeEngine()
    first = spool.append(events("a"))
    engine.deliver(spool.read(first))
    spool.settle(first)
    assert spool.backlog() == 0 and path.stat().st_size > 0  # kept for the window
    engine.stored.clear()  # the engine crashed and lost it; so did the API
    again = EventSpool(path, resend_window_s=60)
    assert SpoolReplayer(again, engine.deliver).replay_once() == 1 and engine.stored == ["a"]


def test_a_full_spool_refuses_the_batch_and_keeps_what_it_holds(tmp_path: Path) -> None:
    one = len(json.dumps(events("a")[0], separators=(",", ":"))) + 1  # bytes per event line
    spool = EventSpool(tmp_path / "events.jsonl", max_bytes=3 * one, resend_window_s=0)
    for name in "abc":
        spool.release(spool.append(events(name)))
    size = spool.path.stat().st_size
    with pytest.raises(SpoolFullError) as full:
        spool.append(events("d"))
    assert (full.value.backlog, full.value.backlog_bytes, full.value.max_bytes) == (3, 3 * one, 3 * one)
    assert "3 events" in str(full.value) and str(spool.path) in str(full.value)
    assert spool.path.stat().st_size == size and spool.backlog() == 3  # nothing written, nothing lost
    assert spool.full and spool.refused == 1
    engine = FakeEngine()
    assert SpoolReplayer(spool, engine.deliver).replay_once() == 3  # stored: room again
    assert not spool.full  # /health stops saying so as soon as the replayer frees room
    spool.release(spool.append(events("d")))
    assert spool.backlog() == 1 and spool.backlog_bytes() == one and not spool.full


def test_a_spool_over_a_lowered_cap_is_kept_whole(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    first = EventSpool(path)
    first.release(first.append(events("a", "b", "c")))
    first.close()
    spool = EventSpool(path, max_bytes=10)  # smaller than what is already there
    assert spool.backlog() == 3
    with pytest.raises(SpoolFullError):
        spool.append(events("d"))
    engine = FakeEngine()
    assert SpoolReplayer(spool, engine.deliver).replay_once() == 3 and engine.stored == ["a", "b", "c"]


def test_spool_full_error_survives_pickling() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(SpoolFullError("/x", 10, 8, 2)))
    assert (error.path, error.backlog_bytes, error.max_bytes, error.backlog) == ("/x", 10, 8, 2)


@pytest.mark.parametrize("cap", [0, -1])
def test_a_cap_must_be_positive(tmp_path: Path, cap: int) -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        EventSpool(tmp_path / "events.jsonl", max_bytes=cap)


def test_each_process_claims_its_own_spool_file_and_a_freed_one_is_reused(tmp_path: Path) -> None:
    first, second = claim_spool(tmp_path), claim_spool(tmp_path)  # two claims conflict even in one process
    assert (first.path, second.path) == (spool_file(tmp_path, 0), spool_file(tmp_path, 1))
    first.release(first.append(events("a", "b")))
    first.close()  # the process stops (or dies: the kernel drops its lock either way)
    again = claim_spool(tmp_path)
    assert again.path == first.path and again.backlog() == 2  # a restarted worker recovers its file
    assert claim_spool(tmp_path).path == spool_file(tmp_path, 2)


def test_all_spool_files_held_is_a_clear_error(tmp_path: Path) -> None:
    held = [claim_spool(tmp_path, max_spools=2) for _ in range(2)]
    with pytest.raises(SpoolError, match="all 2 spool files are held"):
        claim_spool(tmp_path, max_spools=2)
    assert len({s.path for s in held}) == 2


CHILD = """
import sys, time
from pathlib import Path
from indexer.spool import claim_spool
spool = claim_spool(Path(sys.argv[1]))
spool.release(spool.append([{"event_id": e, "user_id": "u1", "item_id": "i1", "type": "click"} for e in ("x", "y")]))
print(spool.path.name, flush=True)
time.sleep(60)
"""


def test_a_killed_workers_spool_is_adopted_by_another_process(tmp_path: Path) -> None:
    mine = claim_spool(tmp_path, resend_window_s=60)  # slot 0
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == spool_file(tmp_path, 1).name
        engine = FakeEngine()
        replayer = SpoolReplayer(mine, engine.deliver)
        assert replayer.adopt_orphans() == 0 and mine.backlog() == 0  # held by a live process: not touched
        child.kill()  # SIGKILL: no clean shutdown
        child.wait()
        assert replayer.adopt_orphans() == 2 and mine.backlog() == 2  # moved into this process's spool
        assert spool_file(tmp_path, 1).stat().st_size == 0 and replayer.adopt_orphans() == 0  # once
        assert claim_spool(tmp_path).path == spool_file(tmp_path, 1)  # the adopter let the file go again
        assert replayer.replay_once() == 2 and engine.stored == ["x", "y"]
        engine.stored.clear()  # the engine crashed right after and lost what it had acknowledged
        mine.mark_outage()
        assert replayer.replay_once() == 2 and engine.stored == ["x", "y"]  # re-sent, as for its own events
    finally:
        child.kill()
        child.wait()


def test_orphans_are_adopted_while_the_engine_is_down_and_stored_when_it_is_back(tmp_path: Path) -> None:
    gone = claim_spool(tmp_path)
    gone.release(gone.append(events("a")))
    mine = claim_spool(tmp_path, max_bytes=10)  # adopted events were accepted already: no cap refuses them
    gone.close()
    engine = FakeEngine()
    engine.down = True
    replayer = SpoolReplayer(mine, engine.deliver)
    assert replayer.adopt_orphans() == 1 and mine.backlog() == 1
    with pytest.raises(SpoolError):
        replayer.replay_once()
    engine.down = False
    assert replayer.replay_once() == 1 and engine.stored == ["a"]


def test_the_replayer_thread_adopts_orphans_by_itself(tmp_path: Path) -> None:
    gone = claim_spool(tmp_path)
    gone.release(gone.append(events("a", "b")))
    mine = claim_spool(tmp_path)
    gone.close()
    engine = FakeEngine()
    replayer = SpoolReplayer(mine, engine.deliver, idle_s=0.05, adopt_every_s=0.1)
    replayer.start()
    try:
        deadline = time.monotonic() + 10
        while engine.stored != ["a", "b"] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        assert replayer.stop()
    assert engine.stored == ["a", "b"]


def test_a_closed_spool_takes_no_append_and_leaves_its_file_alone(tmp_path: Path) -> None:
    spool = EventSpool(tmp_path / "events.jsonl", resend_window_s=0)
    segment = spool.append(events("a"))
    spool.close()
    with pytest.raises(SpoolError, match="closed"):
        spool.append(events("b"))
    spool.settle(segment)  # a replay that ends after the close: another process may own the file now
    spool.compact()
    assert EventSpool(tmp_path / "events.jsonl").backlog() == 1  # still there, replayed (a duplicate) later


def test_a_stopping_replayer_leaves_the_rest_spooled(tmp_path: Path) -> None:
    spool = EventSpool(tmp_path / "events.jsonl")
    for name in "ab":
        spool.release(spool.append(events(name)))
    engine = FakeEngine()
    replayer = SpoolReplayer(spool, engine.deliver)
    assert replayer.stop()  # no thread running; a replay still in progress stops at its next segment
    assert replayer.replay_once() == 0 and spool.backlog() == 2 and engine.stored == []
