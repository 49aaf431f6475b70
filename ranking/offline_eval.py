"""Offline evaluation of the candidate sources on a temporal hold-out split.

Every method sees the same training events, gets each user's training history as
(item_id, weight) pairs (weight = event weight x recency decay, the serving-time view of
a user) and never recommends items the user already had in training. Items a source cannot
reach are filled from Popularity (the feed's fallback), so each list holds max(ks) items.
"""

from __future__ import annotations

import csv
import logging
import re
import time
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ranking.cf import ALS, CandidateSource, ItemCF, Popularity, Swing
from ranking.interactions import InteractionConfig, is_positive, recency_decay, user_histories
from ranking.metrics import mean_ndcg_at_k, mean_recall_at_k
from ranking.splits import Holdout, group_by_user, temporal_split

logger = logging.getLogger(__name__)

Event = Mapping[str, Any]
_YEAR = re.compile(r"\((\d{4})\)\s*$")


def load_movielens(directory: str | Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Read a MovieLens folder (movies.csv, ratings.csv, optional tags.csv).

    Movies map to catalog roles: `id` = str(movieId), `title`, `category` = genre list,
    `tags` = distinct lower-cased tags, `created_at` = 1 January of the title's year when
    present. `popularity` is left out on purpose: a count over all ratings would leak the
    test period; `evaluate_offline` derives it from the training split. Ratings become
    events `{user_id, item_id, type: "rating", value, timestamp}`.

    Returns:
        (items, events), items in movies.csv order, events in ratings.csv order.
    """
    directory = Path(directory)
    tags: dict[str, list[str]] = defaultdict(list)
    tags_path = directory / "tags.csv"
    if tags_path.exists():
        with tags_path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                tag = row["tag"].strip().lower()
                if tag and tag not in tags[row["movieId"]]:
                    tags[row["movieId"]].append(tag)
    items: list[dict[str, Any]] = []
    with (directory / "movies.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            title = row["title"].strip()
            item: dict[str, Any] = {"id": row["movieId"], "title": title}
            genres = [g for g in row["genres"].split("|") if g and g != "(no genres listed)"]
            if genres:
                item["category"] = genres
            if tags.get(row["movieId"]):
                item["tags"] = tags[row["movieId"]]
            year = _YEAR.search(title)
            if year:
                item["created_at"] = f"{year.group(1)}-01-01T00:00:00+00:00"
            items.append(item)
    events: list[dict[str, Any]] = []
    with (directory / "ratings.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            events.append(
                {
                    "user_id": row["userId"],
                    "item_id": row["movieId"],
                    "type": "rating",
                    "value": float(row["rating"]),
                    "timestamp": float(row["timestamp"]),
                }
            )
    logger.info("movielens: %d items, %d events", len(items), len(events))
    return items, events


def item_text(item: Mapping[str, Any]) -> str:
    """The text embedded for an item: title, categories and tags (what the indexer embeds)."""
    parts = [str(item.get("title", ""))]
    category = item.get("category")
    if category:
        parts.append(", ".join(category) if isinstance(category, list) else str(category))
    if item.get("tags"):
        parts.append(", ".join(item["tags"]))
    return ". ".join(parts)


def recommend_all(
    source: CandidateSource,
    histories: Mapping[Hashable, list[tuple[str, float, float]]],
    seen: Mapping[Hashable, set[str]],
    k: int,
    cfg: InteractionConfig,
    fallback: CandidateSource | None = None,
) -> dict[Hashable, list[str]]:
    """Top-k ids per user from a CF source, topped up from `fallback` when short."""
    out: dict[Hashable, list[str]] = {}
    for user_id, rows in histories.items():
        history = [(item_id, w * recency_decay(age, cfg)) for item_id, w, age in rows]
        exclude = seen.get(user_id, set())
        ranked = [item_id for item_id, _ in source.recommend(history, k, exclude)]
        if fallback is not None and len(ranked) < k:
            taken = set(ranked) | exclude
            extra = fallback.recommend([], k + len(taken), set())
            ranked += [i for i, _ in extra if i not in taken][: k - len(ranked)]
        out[user_id] = ranked
    return out


def relevant_sets(holdout: Holdout) -> dict[Hashable, set[str]]:
    """Each held-out user's items as a set of string ids: what the metrics judge a list against."""
    return {u: {str(i) for i in items} for u, items in holdout.items()}


def score_rankings(
    rankings: Mapping[Hashable, Sequence[str]],
    holdout: Holdout,
    ks: Sequence[int],
    ndcg_ks: Sequence[int] = (10,),
) -> dict[str, float]:
    """Recall@k for each k and NDCG@k for each `ndcg_ks`, averaged over held-out users."""
    relevant = relevant_sets(holdout)
    result = {f"recall@{k}": mean_recall_at_k(rankings, relevant, k) for k in ks}
    result.update({f"ndcg@{k}": mean_ndcg_at_k(rankings, relevant, k) for k in ndcg_ks})
    return result


def with_train_popularity(
    items: Sequence[Mapping[str, Any]], train_events: Sequence[Event], cfg: InteractionConfig
) -> list[dict[str, Any]]:
    """Copies of `items` whose `popularity` is their positive count in `train_events` only."""
    counts = Counter(str(e["item_id"]) for e in train_events if is_positive(e, cfg))
    return [{**item, "popularity": float(counts.get(str(item["id"]), 0))} for item in items]


def histories_and_seen(
    train: Sequence[Event], holdout: Holdout, cfg: InteractionConfig
) -> tuple[dict[Hashable, list[tuple[str, float, float]]], dict[Hashable, set[str]]]:
    """For each held-out user: their training history, and every item they touched in training
    (recommending those would be free hits, so every method excludes them)."""
    histories = user_histories(train, cfg, set(holdout))
    seen = {u: {item_id for item_id, _, _ in rows} for u, rows in histories.items()}
    for user_id, user_events in group_by_user(train).items():  # weight-0 events count as seen
        if user_id in seen:
            seen[user_id].update(str(e["item_id"]) for e in user_events)
    return histories, seen


def evaluate_offline(
    events: Sequence[Event],
    items: Sequence[Mapping[str, Any]],
    text_vectors: np.ndarray | None,
    n_holdout: int = 5,
    ks: Sequence[int] = (10, 50, 200),
    cfg: InteractionConfig | None = None,
    sources: Mapping[str, CandidateSource] | None = None,
    tower_config: Any = None,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Temporal hold-out evaluation of Popularity, ItemCF, Swing, ALS and the two-tower.

    Args:
        events: all events; split per user with `temporal_split`.
        items: catalog item dicts (roles `id`, `category`, `tags`, `created_at`, ...).
        text_vectors: (len(items), 384) text embeddings aligned with `items`; None skips
            the two-tower row.
        n_holdout: positives held out per user.
        ks: Recall@k cut-offs; NDCG is reported at 10.
        cfg: event semantics; default `InteractionConfig()`.
        sources: CF sources to run instead of the default four (untrained instances).
        tower_config: a `TowerConfig` for the two-tower row; None uses its defaults.
        seed: training seed for the two-tower.

    Returns:
        {method: {"recall@10": ..., "ndcg@10": ..., "fit_s": ..., "users": ...}}.
    """
    cfg = cfg or InteractionConfig()
    train, holdout = temporal_split(events, n_holdout, cfg)
    users = list(holdout)
    histories, seen = histories_and_seen(train, holdout, cfg)
    kmax = max(ks)
    popularity = Popularity(cfg).fit(train)
    if sources is None:
        sources = {"Popularity": Popularity(cfg), "ItemCF": ItemCF(cfg), "Swing": Swing(cfg), "ALS": ALS(cfg)}
    results: dict[str, dict[str, float]] = {}
    for name, source in sources.items():
        start = time.perf_counter()
        source.fit(train)
        fitted = time.perf_counter() - start
        rankings = recommend_all(source, histories, seen, kmax, cfg, fallback=popularity)
        results[name] = {
            **score_rankings(rankings, holdout, ks),
            "fit_s": fitted,
            "total_s": time.perf_counter() - start,
            "users": float(len(users)),
        }
        logger.info("%s: %s", name, results[name])
    if text_vectors is not None:
        from ranking.train_towers import rank_with_towers, train_towers

        start = time.perf_counter()
        train_items = with_train_popularity(items, train, cfg)
        model, _ = train_towers(train, train_items, text_vectors, tower_config, seed=seed)
        fitted = time.perf_counter() - start
        rankings = rank_with_towers(model, train_items, text_vectors, histories, seen, kmax)
        results["TwoTower"] = {
            **score_rankings(rankings, holdout, ks),
            "fit_s": fitted,
            "total_s": time.perf_counter() - start,
            "users": float(len(users)),
        }
        logger.info("TwoTower: %s", results["TwoTower"])
    return results
