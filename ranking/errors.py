"""Ranking errors. Each carries the data a caller needs."""

from __future__ import annotations

from typing import Any


class RankingError(Exception):
    """Base class for everything ranking/ raises."""


class NotFittedError(RankingError):
    """A trainable stage was used before fit() or load()."""


class ModelLoadError(RankingError):
    """A model directory is missing, incomplete or does not match what serving expects."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.reason))


class UnknownStageError(RankingError):
    """Config named a stage that is not registered."""

    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        super().__init__(f"unknown {kind}: {name!r}; known: {', '.join(sorted(known))}")
        self.kind = kind
        self.name = name
        self.known = known

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.kind, self.name, self.known))


class ItemNotFoundError(RankingError):
    """The item asked for is not in the items index."""

    def __init__(self, item_id: str) -> None:
        super().__init__(f"item {item_id!r} not found")
        self.item_id = item_id

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.item_id,))


class NotEnoughDataError(RankingError):
    """Training needs items and events; says which is missing."""

    def __init__(self, what: str, count: int, needed: int) -> None:
        super().__init__(f"not enough {what} to train: {count} (need at least {needed})")
        self.what = what
        self.count = count
        self.needed = needed

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.what, self.count, self.needed))


class FeatureMismatchError(RankingError):
    """A saved ranker was trained on other features than serving computes; using it would mis-rank silently."""

    def __init__(self, expected: list[str], found: list[str]) -> None:
        missing = [name for name in expected if name not in found]
        extra = [name for name in found if name not in expected]
        detail = f"missing {missing}, unexpected {extra}" if missing or extra else "same names in another order"
        super().__init__(f"ranker features differ from the serving features: {detail}")
        self.expected = expected
        self.found = found

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.expected, self.found))
