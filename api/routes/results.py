"""Candidates -> response items (one place, shared by search and feed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.schemas import ItemOut
from ranking.candidate import Candidate
from ranking.query import INTERNAL_FIELDS
from ranking.ranker import CONTRIBUTION_PREFIX

# Which stage wrote each feature name: explain=true groups them per stage.
_RANKER = ("retrieval_rank", "retrieval_score", "ranker")
_RERANK = ("relevance", "freshness_boost", "mmr_penalty", "mmr_score")
_RULE_PREFIX = "rule_"


def explain(features: Mapping[str, float]) -> dict[str, Any]:
    """Per-stage view of a candidate's features: retrieval clause scores, ranker score and its top
    feature contributions, the MMR terms and the business rules that moved the item."""
    retrieval, ranker, rerank = {}, {}, {}
    contributions, rules = {}, []
    for name, value in features.items():
        if name.startswith(CONTRIBUTION_PREFIX):
            contributions[name.removeprefix(CONTRIBUTION_PREFIX)] = round(value, 6)
        elif name.startswith(_RULE_PREFIX):
            if value:
                rules.append(name.removeprefix(_RULE_PREFIX))
        elif name in _RANKER:
            ranker[name] = round(value, 6)
        elif name in _RERANK:
            rerank[name] = round(value, 6)
        else:
            retrieval[name] = round(value, 6)
    out: dict[str, Any] = {"retrieval": retrieval}
    if ranker:
        ranker["model"] = "lightgbm" if "ranker" in ranker else "none (retrieval order)"
        if contributions:
            ranker["top_contributions"] = contributions
        out["ranker"] = ranker
    if rerank or rules:
        out["rerank"] = {**rerank, "rules": rules}
    return out


def to_items(candidates: list[Candidate], with_explain: bool) -> list[ItemOut]:
    out = []
    for candidate in candidates:
        fields = {k: v for k, v in candidate.item.items() if k not in INTERNAL_FIELDS}  # e.g. vectors
        item = ItemOut(**{**fields, "id": candidate.item_id, "score": round(candidate.score, 6)})
        if with_explain:
            item.explain = explain(candidate.features)
        out.append(item)
    return out
