"""Impressions written in bulk from one background thread, not one engine round trip per response.

Why. Every /search and /feed response logs what it showed (`api.impressions`). Written per
response, that cost two engine calls on a worker thread (an index-exists check and a bulk of ~20
documents), half of a feed's four, for a log nobody reads until `tandem train`. Here responses only
append to a buffer; a thread writes everything pending every `flush_s` seconds (sooner once
`flush_docs` more have arrived), and checks the index exists once, again only after a failed write.

Failures. What the engine may take later (it is unreachable, times out, or answers 429/5xx, for
the whole request or per document) goes back to the buffer, oldest first, and the thread waits
longer before each new try (doubling up to `MAX_BACKOFF_S`), so an outage costs no busy loop.
What it will never take (a document refused as malformed, a 4xx answer, a document that cannot
be serialised) is logged and dropped, so one bad document cannot block the log. Impressions are a
training log, not user data, so the buffer is bounded: past `max_pending` the oldest are dropped.
Every drop is counted (`dropped`). `stop()` writes what is pending, so a clean shutdown loses
nothing while the engine answers.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from elasticsearch import ApiError, ConnectionError, ConnectionTimeout, Elasticsearch

from indexer.config import IndexerConfig
from indexer.errors import BulkLoadError
from indexer.load import engine_side
from indexer.mappings import IndexNames
from indexer.stored import impression_id, store_impressions

logger = logging.getLogger(__name__)

MAX_BACKOFF_S = 30.0  # longest wait between tries while the engine is down


def _retryable(exc: Exception) -> bool:
    """Whether a failed bulk call may succeed later: the engine unreachable or slow, or overloaded."""
    if isinstance(exc, ConnectionError | ConnectionTimeout):
        return True
    return isinstance(exc, ApiError) and engine_side(exc.meta.status)


class ImpressionWriter:
    """A bounded buffer of impression documents and the thread that writes it (`start`/`stop`)."""

    def __init__(
        self,
        es: Elasticsearch,
        names: IndexNames,
        cfg: IndexerConfig,
        *,
        flush_s: float = 1.0,
        flush_docs: int = 1000,
        max_pending: int = 100_000,
    ) -> None:
        if flush_s <= 0 or flush_docs < 1 or max_pending < 1:
            raise ValueError(
                f"need flush_s > 0, flush_docs >= 1, max_pending >= 1; got {flush_s}, {flush_docs}, {max_pending}"
            )
        self.es, self.names, self.cfg = es, names, cfg
        self.flush_s, self.flush_docs, self.max_pending = flush_s, flush_docs, max_pending
        self.written = 0  # documents stored since start-up
        self.dropped = 0  # documents lost to the bound, refused by the engine, or unwritable
        self.last_error: str | None = None
        self._buffer: deque[Mapping[str, Any]] = deque()
        self._arrived = 0  # documents added since the last flush began: what `flush_docs` counts
        self._full_warned = False
        self._lock = threading.Lock()  # guards the buffer and the counters
        self._writing = threading.Lock()  # one flush at a time (the thread, stop(), callers)
        self._index_ready = False
        self._failures = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def pending(self) -> int:
        """Documents queued and not yet handed to the engine (a batch being written is not counted)."""
        with self._lock:
            return len(self._buffer)

    @property
    def consecutive_failures(self) -> int:
        """Failed tries since the last write that went through (0 while the engine takes them)."""
        return self._failures

    def add(self, docs: Sequence[Mapping[str, Any]]) -> None:
        """Queue documents for the next flush (never blocks on the engine)."""
        if not docs:
            return
        with self._lock:
            self._buffer.extend(docs)
            self._arrived += len(docs)
            self._drop_oldest_over_bound()
            due = self._arrived >= self.flush_docs
        if due:
            self._wake.set()

    def flush(self) -> int:
        """Write every queued document now. Returns how many were stored.

        Never raises (the caller is a background thread or a shutdown): what may succeed later
        goes back to the buffer, the rest is dropped and counted, and both are logged.
        """
        with self._writing:
            with self._lock:
                batch = list(self._buffer)
                self._buffer.clear()
                self._arrived = 0
            if not batch:
                return 0
            try:
                stored = store_impressions(self.es, self.names, batch, self.cfg, create_index=not self._index_ready)
                self._index_ready = True
            except BulkLoadError as exc:
                return self._partly_written(batch, exc)
            except Exception as exc:
                self._index_ready = False  # the index may be gone: check again next time
                self._failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                if _retryable(exc):
                    self._requeue(batch)
                    logger.warning("impressions not written (%s); %d wait for the next try", exc, self.pending)
                else:
                    self._drop(len(batch))
                    logger.error("%d impressions dropped: the engine will not take them", len(batch), exc_info=exc)
                return 0
            self._succeeded(stored)
            return stored

    def start(self) -> None:
        """Start the writing thread (again after a `stop`); a no-op while it runs."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="impression-writer", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0, *, flush: bool = True) -> None:
        """Stop the thread, then (unless `flush` is False) write what is queued."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        if flush:
            self.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._failures:  # the engine is failing: wait it out, whatever arrives meanwhile
                self._stop.wait(min(MAX_BACKOFF_S, self.flush_s * 2 ** (self._failures - 1)))
            else:
                self._wake.wait(self.flush_s)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.flush()
            except Exception:  # flush handles its own failures; this keeps the thread alive regardless
                logger.exception("impression writer: unexpected failure; it keeps running")

    def _partly_written(self, batch: list[Mapping[str, Any]], exc: BulkLoadError) -> int:
        """Some documents failed one by one: those the engine may take later go back, the rest are dropped."""
        later = {str(f.get("_id")) for f in exc.failed if engine_side(int(f.get("status") or 0))}
        again = [doc for doc in batch if impression_id(doc) in later]
        refused = len(exc.failed) - len(again)
        if again:
            self._failures += 1
            self._requeue(again)
        else:
            self._failures = 0
        self._drop(refused)
        self.last_error = f"{exc.message}: {len(again)} to retry, {refused} refused"
        if refused:
            logger.error(
                "%s: %d of %d impressions refused and dropped: %s", exc.message, refused, len(batch), exc.failed[:3]
            )
        stored = len(batch) - len(exc.failed)
        with self._lock:
            self.written += stored
        return stored

    def _succeeded(self, stored: int) -> None:
        self._failures = 0
        self.last_error = None
        with self._lock:
            self.written += stored
            self._full_warned = False

    def _requeue(self, docs: list[Mapping[str, Any]]) -> None:
        """Put documents back before those that arrived meanwhile (the order they were shown in)."""
        with self._lock:
            self._buffer.extendleft(reversed(docs))
            self._drop_oldest_over_bound()

    def _drop(self, n: int) -> None:
        with self._lock:
            self.dropped += n

    def _drop_oldest_over_bound(self) -> None:
        """Called with the lock held. Warns once until the next successful write, not per response."""
        over = len(self._buffer) - self.max_pending
        if over <= 0:
            return
        for _ in range(over):
            self._buffer.popleft()
        self.dropped += over
        if not self._full_warned:
            self._full_warned = True
            logger.warning("impression buffer full (%d): dropping the oldest until a write succeeds", self.max_pending)
