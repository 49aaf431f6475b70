"""Candidates -> response items (one place, shared by search and feed)."""

from __future__ import annotations

from api.schemas import ItemOut
from ranking.candidate import Candidate


def to_items(candidates: list[Candidate], explain: bool) -> list[ItemOut]:
    out = []
    for candidate in candidates:
        item = ItemOut(**{**candidate.item, "id": candidate.item_id, "score": round(candidate.score, 6)})
        if explain:
            item.explain = {"retrieval": {name: round(value, 6) for name, value in candidate.features.items()}}
        out.append(item)
    return out
