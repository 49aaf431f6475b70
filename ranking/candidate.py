"""The unit every stage passes on: one item with its score and the features that explain it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Candidate:
    """An item on its way through retrieve -> rank -> rerank.

    Attributes:
        item_id: the item's id.
        score: the current stage's score (higher is better).
        features: named numbers gathered on the way, e.g. {'bm25': 7.1, 'knn_text': 0.83}.
        item: the stored item document (without vectors), returned to the caller.
    """

    item_id: str
    score: float
    features: Mapping[str, float] = field(default_factory=dict)
    item: Mapping[str, Any] = field(default_factory=dict)

    def rescored(self, score: float, **features: float) -> Candidate:
        """A copy with a new score and extra features (stages never mutate their input)."""
        return replace(self, score=score, features={**self.features, **features})
