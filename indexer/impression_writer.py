"""Impressions written in bulk from one background thread, not one engine round trip per response.

Why. Every /search and /feed response logs what it showed (`api.impressions`). Written per
response, that cost two engine calls on a worker thread (an index-exists check and a bulk of ~20
documents), half of a feed's four, for a log nobody reads until `tandem train`. Here responses only
append to a buffer; a thread writes everything pending every `flush_s` seconds (sooner once
`flush_docs` wait), and checks the index exists once, again only after a failed write.

Failures. A write that does not reach the engine (down, overloaded past the bulk retries) keeps its
documents for the next flush. Impressions are a training log, not user data, so the buffer is
bounded: past `max_pending` the oldest are dropped and counted (`dropped`), and serving never grows
without bound while the engine is away. Documents the engine refuses one by one (a mapping
conflict) would be refused again: they are logged and dropped. `stop()` writes what is pending,
so a clean shutdown loses nothing.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from indexer.config import IndexerConfig
from indexer.errors import BulkLoadError
from indexer.load import ensure_index
from indexer.mappings import IndexNames, index_body
from indexer.stored import store_impressions

logger = logging.getLogger(__name__)


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
        self.dropped = 0  # documents lost to the bound or refused by the engine
        self.last_error: str | None = None
        self._buffer: deque[Mapping[str, Any]] = deque()
        self._lock = threading.Lock()  # guards the buffer and `dropped`
        self._writing = threading.Lock()  # one flush at a time (the thread, stop(), callers)
        self._index_ready = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def pending(self) -> int:
        """Documents accepted and not yet written."""
        with self._lock:
            return len(self._buffer)

    def add(self, docs: Sequence[Mapping[str, Any]]) -> None:
        """Queue documents for the next flush (never blocks on the engine)."""
        if not docs:
            return
        with self._lock:
            self._buffer.extend(docs)
            self._drop_oldest_over_bound()
            due = len(self._buffer) >= self.flush_docs
        if due:
            self._wake.set()

    def flush(self) -> int:
        """Write every pending document now. Returns how many were stored.

        A failed write puts its documents back (oldest first, within the bound) and is logged;
        it does not raise, because the caller is a background thread or a shutdown.
        """
        with self._writing:
            with self._lock:
                batch = list(self._buffer)
                self._buffer.clear()
            if not batch:
                return 0
            try:
                if not self._index_ready:
                    ensure_index(self.es, self.names.impressions, index_body("impressions"))
                    self._index_ready = True
                stored = store_impressions(self.es, self.names, batch, self.cfg, create_index=False)
            except BulkLoadError as exc:  # refused one by one: sending them again would not help
                refused = len(exc.failed)
                with self._lock:
                    self.dropped += refused
                self.last_error = f"{exc.message}: {refused} refused"
                logger.error("%s (%d of %d impressions dropped): %s", exc.message, refused, len(batch), exc.failed[:3])
                return len(batch) - refused
            except (ApiError, TransportError) as exc:
                self._index_ready = False  # the index may be gone: check again next time
                self.last_error = str(exc)
                with self._lock:
                    self._buffer.extendleft(reversed(batch))
                    self._drop_oldest_over_bound()
                    waiting = len(self._buffer)
                logger.warning("impressions not written (%s); %d wait for the next flush", exc, waiting)
                return 0
            self.last_error = None
            return stored

    def start(self) -> None:
        """Start the writing thread (again after a `stop`)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="impression-writer", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the thread, then write what is pending."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_s)
            self._wake.clear()
            if not self._stop.is_set():
                self.flush()

    def _drop_oldest_over_bound(self) -> None:
        """Called with the lock held."""
        over = len(self._buffer) - self.max_pending
        if over > 0:
            for _ in range(over):
                self._buffer.popleft()
            self.dropped += over
            logger.warning("impression buffer full (%d): dropped the %d oldest", self.max_pending, over)
