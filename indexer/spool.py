"""A local write-ahead spool for events, so an accepted event is never lost to an engine outage.

Design (write-ahead): `POST /events` appends the validated batch to the spool file and fsyncs
it *before* writing to Elasticsearch. Then it tries the engine:

- stored: the batch's segment is settled (done) and the request answers 200;
- engine unreachable or overloaded: the segment is released to the replayer and the request
  answers 202 `spooled: N`. The event is durable on local disk either way.

A crash anywhere after the fsync leaves the batch in the file; at start-up everything still in the
file is replayed. Replays are safe because events are written with `op_type=create` and
`_id=event_id` (deterministic when the client gives none): an event already stored comes back
409 and counts as a duplicate, never twice. Once every segment is settled the file is truncated;
a settled prefix is compacted away when it grows past `compact_bytes`.

An engine may lose writes it acknowledged when it crashes (ES with `translog.durability: async`;
the dev engine saves every second or so). So the events settled in the last `resend_window_s`
before an outage is noticed are kept in memory and re-sent, first, when the engine answers again:
409 for those it kept, stored for those it lost.

One API process per spool file. Several processes (uvicorn workers, or two `tandem serve` on one
data directory) each claim a file of their own in the spool directory (`claim_spool`: events.jsonl,
events-1.jsonl, ..., an exclusive `flock` on each, which the kernel drops when the process dies,
even by SIGKILL). A restarted worker claims the first free file, and so recovers what the one
before it left there; the events of files no running process holds (fewer workers than before)
are moved into another process's spool by its replayer (`SpoolReplayer.adopt_orphans`). The file is JSON Lines,
one event per line; a torn last line (a crash mid-append, never acknowledged) is dropped with a
warning.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from elasticsearch import ApiError, Elasticsearch, TransportError

from indexer.config import IndexerConfig
from indexer.errors import IndexerError, SpoolError, SpoolFullError
from indexer.load import engine_side, store_events
from indexer.mappings import IndexNames
from indexer.profiles import update_profiles
from ranking.interactions import InteractionConfig

logger = logging.getLogger(__name__)

SegmentState = Literal["writing", "pending", "done"]


@dataclass
class Segment:
    """A run of lines [start, end) in the spool file: one request's batch, or a recovered chunk."""

    start: int
    end: int
    count: int
    state: SegmentState
    settled_at: float | None = None


class EventSpool:
    """Append-only, fsynced JSON Lines file of events not yet confirmed in Elasticsearch.

    Args:
        path: the spool file (created with its directory).
        recover_chunk: events per segment when reading back a file left by an earlier run.
        compact_bytes: rewrite the file without its settled prefix once that prefix is this big.
        resend_window_s: events settled this recently before an outage are re-sent after it.
        max_bytes: cap on the backlog (events not yet in Elasticsearch), so a long outage cannot fill
            the disk; an append past it raises SpoolFullError and writes nothing. None: no cap.
            What is already spooled is always kept, even beyond a lowered cap.

    Example:
        >>> import tempfile
        >>> spool = EventSpool(Path(tempfile.mkdtemp()) / "events.jsonl")
        >>> segment = spool.append([{"event_id": "e1"}])
        >>> spool.backlog(), spool.read(segment)
        (1, [{'event_id': 'e1'}])
        >>> spool.settle(segment); spool.backlog()
        0
    """

    def __init__(
        self,
        path: Path,
        *,
        recover_chunk: int = 500,
        compact_bytes: int = 1 << 20,
        resend_window_s: float = 10.0,
        max_bytes: int | None = None,
    ) -> None:
        if max_bytes is not None and max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive (or None for no cap), got {max_bytes}")
        self.path = path
        self.max_bytes = max_bytes
        self.claim: SpoolClaim | None = None  # set by claim_spool: this process's hold on the file
        self.full = False  # an append was refused for the cap, and nothing was stored since
        self._closed = False
        self.refused = 0  # batches refused for the cap
        self.compact_bytes = compact_bytes
        self.resend_window_s = resend_window_s
        self._outage_at: float | None = None
        self._lock = threading.Lock()
        self._segments: list[Segment] = []
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._segments = self._recover(recover_chunk)
            self._fh = open(path, "ab")
            _fsync_dir(path.parent)
        except OSError as exc:
            raise SpoolError(str(path), f"cannot open: {exc}") from exc
        self._size = self._fh.tell()

    def _recover(self, chunk: int) -> list[Segment]:
        """Segments (pending) for what an earlier run left; a torn last line is cut off."""
        if not self.path.exists():
            return []
        segments: list[Segment] = []
        offset, start, count, good_end = 0, 0, 0, 0
        with open(self.path, "rb") as fh:
            for line in fh:
                if not line.endswith(b"\n"):
                    logger.warning(
                        "spool %s: dropping a torn last line (%d bytes; never acknowledged)", self.path, len(line)
                    )
                    break
                offset += len(line)
                good_end = offset
                count += 1
                if count >= chunk:
                    segments.append(Segment(start, offset, count, "pending"))
                    start, count = offset, 0
        if count:
            segments.append(Segment(start, good_end, count, "pending"))
        if good_end != self.path.stat().st_size:
            with open(self.path, "r+b") as fh:
                fh.truncate(good_end)
                os.fsync(fh.fileno())
        if segments:
            logger.warning(
                "spool %s: %d events from an earlier run to replay", self.path, sum(s.count for s in segments)
            )
        return segments

    def append(self, docs: list[dict[str, Any]], *, accepted: bool = False) -> Segment:
        """Write `docs` durably (flush + fsync) and return their segment, owned by the caller.

        The caller must `settle` it (stored) or `release` it (let the replayer store it).
        `accepted`: events acknowledged before (another process's, adopted), which the cap never refuses.

        Raises:
            SpoolFullError: the backlog would pass `max_bytes`; nothing was written.
            SpoolError: the disk refused the write, or the spool is closed; nothing was acknowledged.
        """
        data = b"".join(json.dumps(doc, separators=(",", ":")).encode() + b"\n" for doc in docs)
        with self._lock:
            if self._closed:
                raise SpoolError(str(self.path), "closed (the API is stopping)")
            backlog_bytes = self._backlog_bytes()
            if not accepted and self.max_bytes is not None and backlog_bytes + len(data) > self.max_bytes:
                self.refused += 1
                self.full = True
                raise SpoolFullError(str(self.path), backlog_bytes, self.max_bytes, self._backlog())
            self.full = False
            try:
                self._fh.write(data)
                self._fh.flush()
                os.fsync(self._fh.fileno())
            except OSError as exc:
                raise SpoolError(str(self.path), f"append failed: {exc}") from exc
            segment = Segment(self._size, self._size + len(data), len(docs), "writing")
            self._size += len(data)
            self._segments.append(segment)
            return segment

    def _bytes(self, segment: Segment) -> bytes:
        with open(self.path, "rb") as fh:
            fh.seek(segment.start)
            return fh.read(segment.end - segment.start)

    def read(self, segment: Segment) -> list[dict[str, Any]]:
        """The events of `segment`, in order; an unreadable line is skipped with a warning."""
        with self._lock:
            return self._parse(self._bytes(segment), segment.start)

    def _parse(self, data: bytes, start: int) -> list[dict[str, Any]]:
        docs = []
        for number, line in enumerate(data.splitlines(), 1):
            try:
                docs.append(json.loads(line))
            except ValueError:
                logger.warning(
                    "spool %s: skipping unreadable line %d of a segment at byte %d", self.path, number, start
                )
        return docs

    def release(self, segment: Segment) -> None:
        """Hand `segment` to the replayer (the engine did not take it: an outage)."""
        with self._lock:
            segment.state = "pending"
            self._mark_outage()

    def settle(self, segment: Segment) -> None:
        """`segment` is in Elasticsearch. It stays in the file for `resend_window_s` (re-sent after
        an outage or a restart, see the module docstring), then compaction drops it."""
        with self._lock:
            if self._closed:  # stays in the file: the next process replays it (a duplicate)
                return
            if segment.state != "done":
                segment.state, segment.settled_at = "done", time.monotonic()
                self.full = False  # room again
            self._compact()

    def compact(self) -> None:
        """Drop settled segments older than the resend window from the file (called periodically)."""
        with self._lock:
            if not self._closed:
                self._compact()

    def mark_outage(self) -> None:
        """The engine failed: what it acknowledged lately may be lost (see `take_resend`)."""
        with self._lock:
            self._mark_outage()

    def _mark_outage(self) -> None:
        if self._outage_at is None:
            self._outage_at = time.monotonic()

    def take_resend(self) -> list[dict[str, Any]]:
        """After an outage: the events settled within `resend_window_s` before it, to send again.

        Returns [] when no outage was noticed since the last call.
        """
        with self._lock:
            if self._outage_at is None:
                return []
            since = self._outage_at - self.resend_window_s
            data = b"".join(
                self._bytes(s) for s in self._segments if s.settled_at is not None and s.settled_at >= since
            )
            self._outage_at = None
        return self._parse(data, 0)

    def restore_resend(self) -> None:
        """Sending what `take_resend` gave failed (the engine is still down): keep it for later."""
        with self._lock:
            self._mark_outage()

    def pending(self) -> list[Segment]:
        """Released segments, in file order (the replayer's queue)."""
        with self._lock:
            return [s for s in self._segments if s.state == "pending"]

    def backlog(self) -> int:
        """Events spooled and not yet confirmed in Elasticsearch."""
        with self._lock:
            return self._backlog()

    def _backlog(self) -> int:
        return sum(s.count for s in self._segments if s.state != "done")

    def backlog_bytes(self) -> int:
        """Bytes of those events in the file (what `max_bytes` caps)."""
        with self._lock:
            return self._backlog_bytes()

    def _backlog_bytes(self) -> int:
        return sum(s.end - s.start for s in self._segments if s.state != "done")

    def _compact(self) -> None:
        horizon = time.monotonic() if self._outage_at is None else self._outage_at  # keep what may be re-sent
        old = horizon - self.resend_window_s
        settled = 0
        while settled < len(self._segments) and (self._segments[settled].settled_at or old + 1) <= old:
            settled += 1
        if settled == len(self._segments):  # everything is in Elasticsearch
            if self._size:
                self._fh.truncate(0)
                os.fsync(self._fh.fileno())
            self._segments, self._size = [], 0
            return
        cut = self._segments[settled].start
        if cut < self.compact_bytes:
            return
        tmp = self.path.with_suffix(".compact")
        with open(self.path, "rb") as src, open(tmp, "wb") as dst:
            src.seek(cut)
            while block := src.read(1 << 20):
                dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
        self._fh.close()
        self._fh = open(self.path, "ab")
        self._segments = self._segments[settled:]
        for segment in self._segments:
            segment.start -= cut
            segment.end -= cut
        self._size -= cut

    def close(self) -> None:
        """Close the file (a no-op for what it holds: every append was fsynced) and give up its claim.
        Later appends raise and settles leave the file alone: another process may own it by then."""
        with self._lock:
            self._closed = True
            self._fh.close()
            if self.claim is not None:
                self.claim.release()
                self.claim = None


SPOOL_NAME = "events.jsonl"
MAX_SPOOLS = 64


class SpoolClaim:
    """One process's exclusive hold (`flock` on `<file>.lock`) on a spool file; `try_take` or nothing.

    The kernel drops it when the process ends, however it ends, so a dead worker's file is free
    for the next one. Each claim opens the lock file anew, so two claims on one file conflict
    even inside one process.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def try_take(cls, path: Path) -> SpoolClaim | None:
        """Claim `path`, or None when another process (or another claim here) holds it.

        Raises:
            SpoolError: the lock file cannot be created.
        """
        lock = path.with_name(path.name + ".lock")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise SpoolError(str(path), f"cannot create its lock file {lock}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


def spool_file(directory: Path, slot: int) -> Path:
    """The spool file of `slot`: events.jsonl for the first (the single-process layout), then events-N.jsonl."""
    return directory / (SPOOL_NAME if slot == 0 else f"events-{slot}.jsonl")


def claim_spool(directory: Path, *, max_spools: int = MAX_SPOOLS, **options: Any) -> EventSpool:
    """The first spool file in `directory` no other process holds, claimed for this one and opened
    (`options` go to EventSpool). What an earlier process left in that file is recovered as usual.

    Raises:
        SpoolError: all `max_spools` files are held, or the directory or file cannot be used.
    """
    for slot in range(max_spools):
        path = spool_file(directory, slot)
        claim = SpoolClaim.try_take(path)
        if claim is None:
            continue
        try:
            spool = EventSpool(path, **options)
        except BaseException:
            claim.release()
            raise
        spool.claim = claim
        return spool
    raise SpoolError(str(directory), f"all {max_spools} spool files are held by running API processes")


def _spool_files(directory: Path) -> list[Path]:
    """Every spool file in `directory`, in slot order."""
    slots = [p for p in directory.glob("events-*.jsonl") if p.stem.removeprefix("events-").isdigit()]
    head = [directory / SPOOL_NAME] if (directory / SPOOL_NAME).exists() else []
    return head + sorted(slots, key=lambda p: int(p.stem.removeprefix("events-")))


def _fsync_dir(path: Path) -> None:
    """Make a file's creation or rename durable (POSIX: fsync the directory)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Delivery:
    """What one attempt to write spooled events to Elasticsearch did."""

    stored: int = 0
    duplicates: int = 0
    users_updated: int = 0
    retryable: list[dict[str, Any]] = field(default_factory=list)  # overload: try again later
    refused: list[dict[str, Any]] = field(default_factory=list)  # the engine will never take these


def deliver_events(
    es: Elasticsearch,
    names: IndexNames,
    docs: list[dict[str, Any]],
    cfg: IndexerConfig,
    interactions: InteractionConfig,
) -> Delivery:
    """Store events (idempotent by event_id) and apply the newly stored ones to user profiles.

    Raises:
        TransportError, ApiError: the engine is unreachable or failing; nothing is known stored.
    """
    result = store_events(es, names, docs, cfg)
    delivery = Delivery(stored=len(result.stored), duplicates=result.duplicates)
    for item in result.failed:
        status = int(item.get("status", 0))
        (delivery.retryable if engine_side(status) else delivery.refused).append(item)
    if result.stored:
        delivery.users_updated = update_profiles(es, names, result.stored, interactions)
    return delivery


class SpoolReplayer:
    """Background thread that drains the spool into Elasticsearch, in order, when the engine answers.

    Failures back off exponentially with jitter up to `max_backoff_s`; the first success resets
    it, so the API recovers by itself when the engine comes back. Events the engine refuses for
    good (e.g. a mapping conflict) go to `rejected.jsonl` beside the spool, never silently away.

    Args:
        spool: the spool to drain.
        deliver: writes a list of events (see `deliver_events`); raises when the engine is down.
        idle_s: how often an empty spool is looked at.
        max_backoff_s: the longest wait between attempts while the engine is down.
        adopt_every_s: how often other processes' abandoned spool files are looked for (`adopt_orphans`).
    """

    def __init__(
        self,
        spool: EventSpool,
        deliver: Callable[[list[dict[str, Any]]], Delivery],
        *,
        idle_s: float = 0.5,
        max_backoff_s: float = 30.0,
        adopt_every_s: float = 30.0,
    ) -> None:
        self.spool = spool
        self.deliver = deliver
        self.idle_s = idle_s
        self.max_backoff_s = max_backoff_s
        self.adopt_every_s = adopt_every_s
        self.last_error: str | None = None
        self.replayed = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def replay_once(self) -> int:
        """Deliver every released segment in order; stop at the first failure. Returns events stored.

        Raises:
            SpoolError: an engine failure (the segment stays spooled), carrying the reason.
        """
        stored = 0
        resend = self.spool.take_resend()
        if resend:
            try:
                delivery = self.deliver(resend)
            except (TransportError, ApiError, IndexerError) as exc:
                self.spool.restore_resend()
                raise SpoolError(str(self.spool.path), f"resend failed: {type(exc).__name__}: {exc}") from exc
            if delivery.stored:
                logger.warning("%d acknowledged events were missing after the outage; stored again", delivery.stored)
            stored += delivery.stored
        for segment in self.spool.pending():
            if self._stop.is_set():  # shutting down: the rest stays spooled for the next start
                break
            docs = self.spool.read(segment)
            try:
                delivery = self.deliver(docs) if docs else Delivery()
            except (TransportError, ApiError, IndexerError) as exc:
                raise SpoolError(str(self.spool.path), f"replay failed: {type(exc).__name__}: {exc}") from exc
            if delivery.retryable:
                raise SpoolError(str(self.spool.path), f"{len(delivery.retryable)} events refused for overload")
            if delivery.refused:
                self._reject(delivery.refused)
            stored += delivery.stored
            self.replayed += delivery.stored
            self.spool.settle(segment)
        return stored

    def adopt_orphans(self) -> int:
        """Move into this process's spool the events of the other spool files in its directory that no
        running process holds (a worker that is gone and not replaced, e.g. after a restart with
        fewer workers); the replayer then stores them like its own, re-sent after an outage too.

        Segment by segment: each is appended here (fsync) before the orphan file is emptied, so a
        crash in between leaves duplicates, never a loss. What the orphan held is moved whole,
        recently stored events included (the dead process's resend window). Returns events moved.
        """
        moved = 0
        for path in _spool_files(self.spool.path.parent):
            if self._stop.is_set():
                break
            if path == self.spool.path or not path.stat().st_size:
                continue
            claim = SpoolClaim.try_take(path)
            if claim is None:  # a live process's own spool
                continue
            adopted = 0
            try:
                orphan = EventSpool(path, resend_window_s=0)
                try:
                    segments = orphan.pending()
                    for segment in segments:
                        docs = orphan.read(segment)
                        if docs:
                            self.spool.release(self.spool.append(docs, accepted=True))
                            adopted += len(docs)
                    for segment in segments:
                        orphan.settle(segment)  # all settled, no window: the file is emptied
                finally:
                    orphan.close()
            except SpoolError as exc:
                logger.error("spool %s left by a stopped process not adopted: %s; tried again later", path, exc.reason)
                continue
            finally:
                claim.release()
                moved += adopted
            if adopted:
                logger.warning("adopted %d events a stopped API process had left in %s", adopted, path)
        return moved

    def _reject(self, refused: list[dict[str, Any]]) -> None:
        path = self.spool.path.with_name("rejected.jsonl")
        logger.error("%d spooled events refused by Elasticsearch; kept in %s", len(refused), path)
        data = "".join(json.dumps(item, default=str) + "\n" for item in refused)
        with open(path, "a", encoding="utf-8") as fh:  # one write: other processes append here too
            fh.write(data)

    def run(self) -> None:
        failures = 0
        delay = 0.0  # replay what an earlier run left at once
        next_adoption = 0.0  # and what stopped processes left, at once, then every adopt_every_s
        while not self._stop.wait(delay):
            try:
                stored = self.replay_once()
            except SpoolError as exc:
                self.spool.mark_outage()
                failures += 1
                self.last_error = exc.reason
                capped = min(self.max_backoff_s, 0.5 * 2 ** (failures - 1))
                delay = capped / 2 + capped / 2 * random.random()
                logger.warning("%s; %d spooled events wait, next try in %.1f s", exc, self.spool.backlog(), delay)
                continue
            if stored or failures:
                logger.info("spool replayed %d events; %d left", stored, self.spool.backlog())
            failures, delay, self.last_error = 0, self.idle_s, None
            self.spool.compact()
            if time.monotonic() >= next_adoption:
                next_adoption = time.monotonic() + self.adopt_every_s
                try:
                    self.adopt_orphans()
                except Exception:  # a stray file must not stop this process's own replays
                    logger.exception("adopting other spool files failed")

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="spool-replayer", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop the thread; True once it has ended (the spool may then be closed safely)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            return not self._thread.is_alive()
        return True
