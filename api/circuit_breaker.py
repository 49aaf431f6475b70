"""A circuit breaker for a hung engine: after a few timeouts in a row, stop calling it for a while.

Why. A dead engine refuses connections in milliseconds, but a hung one (a long GC pause, a node
stuck on disk) lets every call wait the full `elasticsearch_timeout_s`. Under load that parks every
request for 5 s, the thread pool fills, and the API stops answering even what it could answer
without the engine (the feed's cached popular list, 202 for spooled events). So after
`failures` timeouts in a row the breaker *opens*: for `open_s` every call fails at once with
`EngineCircuitOpen`, a `ConnectionError`, which each caller already handles as "engine
unreachable" (503 with Retry-After, the feed's cached list, events kept in the spool, impressions
re-queued). Then one call goes through as a probe: anything but a timeout closes the breaker,
another timeout opens it again. Only timeouts count: a refused connection or an error answer is
already fast, and an answer of any kind proves the engine is not hung.

It lives in the client's transport (`BreakerTransport`), so every call of the API's client goes
through it: retrieval, profiles, the spool's replayer, the impression writer, /health.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, Transport, TransportApiResponse

BreakerState = Literal["closed", "open", "half_open"]


class EngineCircuitOpen(TransportConnectionError):
    """Raised instead of calling the engine while the breaker is open (no request was sent).

    Attributes:
        timeouts: the timeouts in a row that opened the breaker.
        retry_in_s: seconds until a probe call is let through.
    """

    def __init__(self, timeouts: int, retry_in_s: float) -> None:
        self.timeouts = timeouts
        self.retry_in_s = retry_in_s
        super().__init__(
            f"the engine timed out {timeouts} times in a row; not calling it for {retry_in_s:.1f} s more "
            "(circuit breaker open)"
        )

    def __str__(self) -> str:
        return str(self.message)  # not ConnectionError's "Connection error": say why no call was made


class CircuitBreaker:
    """Counts consecutive engine timeouts and decides whether a call may go out. Thread-safe.

    Args:
        failures: timeouts in a row that open the breaker; 0 turns it off (every call goes out).
        open_s: how long it stays open before one probe call is let through.
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, failures: int = 3, open_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        if failures < 0:
            raise ValueError(f"failures must be 0 (off) or more, got {failures}")
        if open_s <= 0:
            raise ValueError(f"open_s must be positive, got {open_s}")
        self.failures = failures
        self.open_s = open_s
        self._clock = clock
        self._lock = threading.Lock()
        self._timeouts = 0  # consecutive, since the last call that was not a timeout
        self._opened_at: float | None = None
        self._probing = False
        self.rejected = 0  # calls refused without being sent
        self.opened = 0  # times it opened

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state()

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        return "half_open" if self._clock() - self._opened_at >= self.open_s else "open"

    def retry_in_s(self) -> float:
        """Seconds until a probe may go out; 0 unless open."""
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self.open_s - (self._clock() - self._opened_at))

    def before_call(self) -> bool:
        """Let a call go out, or raise EngineCircuitOpen. While half-open, one probe at a time goes out.

        Returns: whether this call is the probe (pass it to `after_call`).
        """
        with self._lock:
            state = self._state()
            if state == "closed":
                return False
            if state == "half_open" and not self._probing:
                self._probing = True
                return True
            self.rejected += 1
            assert self._opened_at is not None
            raise EngineCircuitOpen(self._timeouts, max(0.0, self.open_s - (self._clock() - self._opened_at)))

    def after_call(self, *, timed_out: bool | None, probe: bool = False) -> None:
        """Record how a call that went out ended (a call sent before the breaker opened counts too).

        `timed_out`: True for a timeout, False for any answer (a refused connection included: the
        host is not hung), None when the call told nothing about the engine (it failed in the
        client, e.g. serialising its body): only the probe slot is given back.
        """
        with self._lock:
            if probe:
                self._probing = False
            if timed_out is None:
                return
            if not timed_out:
                self._timeouts, self._opened_at = 0, None
                return
            self._timeouts += 1
            if self.failures and (self._opened_at is not None or self._timeouts >= self.failures):
                if self._opened_at is None:
                    self.opened += 1
                self._opened_at = self._clock()  # (re)open: a failed probe waits a full open_s again


class BreakerTransport(Transport):
    """elastic-transport's Transport, with every request going through `breaker` when one is set.

    The client builds its transport itself (`Elasticsearch(transport_class=...)`), so the breaker
    is attached afterwards: `make_client(..., breaker=)` sets `client.transport.breaker`.
    """

    breaker: CircuitBreaker | None = None

    def perform_request(self, method: str, target: str, **kwargs: Any) -> TransportApiResponse:  # type: ignore[override]
        breaker = self.breaker
        if breaker is None:
            return super().perform_request(method, target, **kwargs)
        probe = breaker.before_call()
        try:
            response = super().perform_request(method, target, **kwargs)
        except ConnectionTimeout:
            breaker.after_call(timed_out=True, probe=probe)
            raise
        except TransportConnectionError:  # refused or reset: fast, and not hung
            breaker.after_call(timed_out=False, probe=probe)
            raise
        except BaseException:  # e.g. a body that does not serialise: nothing learnt about the engine
            breaker.after_call(timed_out=None, probe=probe)
            raise
        breaker.after_call(timed_out=False, probe=probe)
        return response


def retry_after_s(exc: BaseException, default: int) -> int:
    """The Retry-After an error answer should carry: the breaker's wait when it is open, else `default`."""
    if isinstance(exc, EngineCircuitOpen):
        return max(1, math.ceil(exc.retry_in_s))
    return default
