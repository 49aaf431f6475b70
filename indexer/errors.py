"""Indexer errors. Each carries the data a caller needs to report or retry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class IndexerError(Exception):
    """Base class for everything the indexer raises."""


class SourceFileError(IndexerError):
    """A whole input file cannot be read (missing, unknown format, unreadable)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.reason))


@dataclass(frozen=True)
class RowError:
    """One rejected input row: where it is and why it was refused."""

    file: str
    line: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "reason": self.reason}


class RowValidationError(IndexerError):
    """Raised by a row validator; the loader turns it into a RowError in the rejects file."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.reason))


class BulkLoadError(IndexerError):
    """Some documents were refused by Elasticsearch; `failed` holds one entry per refused doc."""

    def __init__(self, message: str, failed: list[dict[str, Any]]) -> None:
        super().__init__(f"{message} ({len(failed)} failed)")
        self.message = message
        self.failed = failed

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.failed))


class NothingToIndexError(IndexerError):
    """Every row of the input was rejected: the live alias is left untouched."""

    def __init__(self, path: str, rejected: int) -> None:
        super().__init__(f"{path}: no valid rows ({rejected} rejected); the live index was not changed")
        self.path = path
        self.rejected = rejected

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.rejected))


class ProfileUpdateError(IndexerError):
    """A profile could not be written after repeated concurrent-update conflicts."""

    def __init__(self, user_id: str, attempts: int) -> None:
        super().__init__(f"profile of user {user_id!r} not updated after {attempts} conflicting attempts")
        self.user_id = user_id
        self.attempts = attempts

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.user_id, self.attempts))


class SpoolError(IndexerError):
    """The event spool could not be written or replayed; `reason` says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"spool {path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.reason))


class SpoolFullError(SpoolError):
    """The spool's backlog would pass its cap: the batch was not written (and not acknowledged).

    Attributes:
        backlog_bytes: bytes of events spooled and not yet in Elasticsearch.
        max_bytes: the cap (`TANDEM_SPOOL_MAX_BYTES`).
        backlog: how many events that is.
    """

    def __init__(self, path: str, backlog_bytes: int, max_bytes: int, backlog: int) -> None:
        self.backlog_bytes = backlog_bytes
        self.max_bytes = max_bytes
        self.backlog = backlog
        super().__init__(
            path,
            f"full: {backlog} events ({backlog_bytes:,} bytes, cap {max_bytes:,}) wait for the engine; "
            "new events are refused until they are stored",
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.backlog_bytes, self.max_bytes, self.backlog))
