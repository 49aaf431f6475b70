"""`tandem eval`: offline baselines, the two-tower, and the full hybrid feed through the real ES request.

One temporal split (each user's last `n_holdout` positives held out) serves every method. The
catalog is indexed under a throw-away index prefix; item popularity there is recomputed from the
training split (a count over all events would leak the test period into the popular prior and
the tower's features). Profiles are built from training events only, then each held-out user's
feed is requested exactly as the API does it (user vector from item vectors in ES, affinity
boosts, popular prior), excluding what they touched in training, as every method does.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, helpers

from api.settings import Settings
from indexer.embedding import TextEncoder
from indexer.errors import RowValidationError
from indexer.events import validate_event
from indexer.load import alias_target, index_catalog, store_events
from indexer.mappings import IndexNames
from indexer.profiles import update_profiles
from indexer.readers import read_records
from indexer.stored import read_items, write_item_vectors
from ranking.cf import Popularity
from ranking.models import CF_SOURCES
from ranking.offline_eval import evaluate_offline, histories_and_seen, score_rankings, with_train_popularity
from ranking.personal import UserContext
from ranking.registry import Loaded
from ranking.retrieval import FeedRetriever
from ranking.splits import temporal_split
from ranking.stages import Filters, Query
from ranking.train_towers import rank_with_towers, train_towers

logger = logging.getLogger(__name__)
HYBRID = "HybridFeed (ES)"


def read_events_file(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Valid event documents of a file, and how many rows were rejected."""
    events, rejected = [], 0
    for record in read_records(path):
        try:
            if record.data is None:
                raise RowValidationError(None, record.error or "unreadable")
            events.append(validate_event(record.data))
        except RowValidationError:
            rejected += 1
    return events, rejected


def evaluate_all(
    settings: Settings,
    es: Elasticsearch,
    catalog: Path,
    events_path: Path,
    *,
    n_holdout: int = 5,
    ks: Sequence[int] = (10, 50, 200),
    seed: int = 0,
    progress: bool = True,
) -> dict[str, Any]:
    """Run every method on one split. Returns {"methods": {name: metrics}, "data": {...}}."""
    cfg = settings.interactions
    tower_cfg = settings.towers.model_copy(update={"interaction": cfg})
    events, rejected = read_events_file(events_path)
    train, holdout = temporal_split(events, n_holdout, cfg)
    names = IndexNames(f"{settings.index_prefix}eval-{uuid.uuid4().hex[:6]}-")
    encoder = TextEncoder(settings.embedding_model, batch_size=settings.indexer.embed_batch_size)
    try:
        index_catalog(
            es, str(catalog), encoder, names, settings.indexer, progress=progress, item_vector_dims=tower_cfg.dim
        )
        target = alias_target(es, names.items)
        assert target is not None
        items, text_vectors = read_items(es, target)
        train_items = with_train_popularity(items, train, cfg)
        _set_popularity(es, target, train_items)

        results = evaluate_offline(events, items, None, n_holdout, ks, cfg, seed=seed)
        histories, seen = histories_and_seen(train, holdout, cfg)
        started = time.perf_counter()
        model, _metrics = train_towers(train, train_items, text_vectors, tower_cfg, seed=seed)
        fitted = time.perf_counter() - started
        rankings = rank_with_towers(model, train_items, text_vectors, histories, seen, max(ks))
        results["TwoTower"] = {**score_rankings(rankings, holdout, ks), "fit_s": fitted, "users": float(len(holdout))}

        started = time.perf_counter()
        write_item_vectors(
            es, target, train_items, model.encode_items(train_items, text_vectors), settings.indexer, progress=progress
        )
        for chunk_start in range(0, len(train), 2000):
            stored = store_events(es, names, train[chunk_start : chunk_start + 2000], settings.indexer).stored
            update_profiles(es, names, stored, cfg)
        popularity = Popularity(cfg).fit(train)
        cf = CF_SOURCES[settings.cf_source](cfg).fit(train) if settings.cf_source in CF_SOURCES else None
        feeds = hybrid_feeds(
            es, names, Loaded("eval", model), cf and Loaded("eval", cf), settings, holdout, seen, popularity, max(ks)
        )
        results[HYBRID] = {
            **score_rankings(feeds, holdout, ks),
            "fit_s": fitted,
            "total_s": time.perf_counter() - started,
            "users": float(len(holdout)),
        }
    finally:
        for index in es.indices.get(index=f"{names.prefix}*", expand_wildcards="all"):
            es.options(ignore_status=404).indices.delete(index=index)
    data = {
        "catalog": str(catalog),
        "events": str(events_path),
        "events_valid": len(events),
        "events_rejected": rejected,
        "items": len(items),
        "train_events": len(train),
        "users_evaluated": len(holdout),
        "n_holdout": n_holdout,
    }
    return {"methods": results, "data": data}


def _set_popularity(es: Elasticsearch, index: str, items: Sequence[Mapping[str, Any]]) -> None:
    actions = (
        {"_op_type": "update", "_index": index, "_id": item["id"], "doc": {"popularity": item["popularity"]}}
        for item in items
    )
    helpers.bulk(es, actions, chunk_size=1000)
    es.indices.refresh(index=index)


def hybrid_feeds(
    es: Elasticsearch,
    names: IndexNames,
    towers: Loaded[Any],
    cf: Loaded[Any] | None,
    settings: Settings,
    holdout: Mapping[Hashable, Any],
    seen: Mapping[Hashable, set[str]],
    popularity: Popularity,
    k: int,
) -> dict[Hashable, list[str]]:
    """Each held-out user's feed through the same request the API makes, topped up from popularity."""
    users = UserContext(
        es, names.users, names.items, lambda: towers, settings.retrieval, settings.interactions, cf=lambda: cf
    )
    retriever = FeedRetriever(es, names.items, settings.retrieval)
    feeds: dict[Hashable, list[str]] = {}
    for user_id in holdout:
        exclude = seen.get(user_id, set())
        personal = users.personal(str(user_id))
        ranked: list[str] = []
        if personal is not None:
            query = Query(user_id=str(user_id), filters=Filters(exclude_ids=tuple(sorted(exclude))), personal=personal)
            ranked = [c.item_id for c in retriever.retrieve(query, k)]
        if len(ranked) < k:
            taken = set(ranked) | exclude
            ranked += [i for i, _ in popularity.recommend([], k + len(taken), set()) if i not in taken][
                : k - len(ranked)
            ]
        feeds[user_id] = ranked
    return feeds


def format_table(results: Mapping[str, Mapping[str, float]], ks: Sequence[int]) -> str:
    """A Markdown table, one row per method."""
    columns = [f"recall@{k}" for k in ks] + ["ndcg@10"]
    lines = ["| method | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for name, metrics in results.items():
        lines.append(f"| {name} | " + " | ".join(f"{metrics.get(c, float('nan')):.4f}" for c in columns) + " |")
    return "\n".join(lines)


def save_report(report: Mapping[str, Any], out_dir: Path, ks: Sequence[int]) -> tuple[Path, Path]:
    """eval.json and eval.png (NDCG@10 and Recall@50 per method) in out_dir."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, png_path = out_dir / "eval.json", out_dir / "eval.png"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    methods = list(report["methods"])
    metrics = ["ndcg@10", f"recall@{sorted(ks)[len(ks) // 2]}"]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.6))
    for ax, metric in zip(axes, metrics):
        values = [report["methods"][m].get(metric, 0.0) for m in methods]
        ax.barh(methods, values, color=["#4c72b0" if m in (HYBRID, "TwoTower") else "#999999" for m in methods])
        ax.set_title(metric)
        ax.invert_yaxis()
        for y, value in enumerate(values):
            ax.text(value, y, f" {value:.3f}", va="center", fontsize=8)
    fig.suptitle(
        f"{Path(report['data']['events']).name}: last {report['data']['n_holdout']} positives held out, "
        f"{report['data']['users_evaluated']} users",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(png_path, dpi=120)
    plt.close(fig)
    return json_path, png_path
