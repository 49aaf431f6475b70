"""Per-request stage timings (query encoding, ES call, ranking...) for the Server-Timing header.

A request opens a `Timings` scope; code anywhere below it records stages with `timed(name)`.
Outside a scope, `timed` records nothing, so library code can always use it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[dict[str, float] | None] = ContextVar("tandem_timings", default=None)


@contextmanager
def timings() -> Iterator[dict[str, float]]:
    """Collect stage durations (milliseconds, summed per stage) for the enclosed code."""
    stages: dict[str, float] = {}
    token = _current.set(stages)
    try:
        yield stages
    finally:
        _current.reset(token)


@contextmanager
def timed(stage: str) -> Iterator[None]:
    """Add the enclosed block's wall time to `stage` in the current scope, if any."""
    started = time.perf_counter()
    try:
        yield
    finally:
        stages = _current.get()
        if stages is not None:
            stages[stage] = stages.get(stage, 0.0) + (time.perf_counter() - started) * 1000.0
