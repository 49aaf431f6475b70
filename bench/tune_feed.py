"""Choose the feed's clause weights on a validation split carved from TRAINING data only.

The test hold-out (each user's last N positives) is removed first and never looked at; the
last N positives of what remains are the validation targets. Trains the towers once, then
scores each weight combination through the real ES feed request. Prints a table; asserts nothing.

Usage: ELASTICSEARCH_URL=... python bench/tune_feed.py [CATALOG EVENTS]   (default: demo data)
"""

from __future__ import annotations

import itertools
import sys
import uuid
from pathlib import Path

from api.engine import make_client
from api.evaluation import hybrid_feeds, read_events_file, set_item_state
from api.settings import Settings
from indexer.embedding import TextEncoder
from indexer.load import alias_target, index_catalog, store_events
from indexer.mappings import IndexNames
from indexer.profiles import update_profiles
from indexer.stored import read_items, write_item_vectors
from ranking.cf import Popularity
from ranking.models import CF_SOURCES
from ranking.offline_eval import histories_and_seen, score_rankings, with_train_popularity
from ranking.registry import Loaded
from ranking.splits import temporal_split
from ranking.train_towers import rank_with_towers, train_towers

ROOT = Path(__file__).resolve().parents[1]
GRID = {"cf_weight": [0.0, 1.0, 3.0], "category_affinity_weight": [0.0, 0.5, 2.0]}


def main() -> None:
    catalog = Path(sys.argv[1]) if len(sys.argv) > 2 else ROOT / "demo" / "catalog.jsonl"
    events_path = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "demo" / "events.jsonl"
    settings = Settings()
    cfg = settings.interactions
    events, _ = read_events_file(events_path)
    train, _test = temporal_split(events, 5, cfg)  # the test hold-out is dropped here, unseen
    fit, valid = temporal_split(train, 5, cfg)
    es = make_client(settings)
    names = IndexNames(f"tune-{uuid.uuid4().hex[:6]}-")
    try:
        index_catalog(
            es,
            str(catalog),
            TextEncoder(settings.embedding_model),
            names,
            settings.indexer,
            progress=False,
            item_vector_dims=settings.towers.dim,
        )
        target = alias_target(es, names.items)
        items, text_vectors = read_items(es, target)
        fit_items = with_train_popularity(items, fit, cfg)
        set_item_state(es, target, fit_items, fit, settings)
        model, _ = train_towers(
            fit, fit_items, text_vectors, settings.towers.model_copy(update={"interaction": cfg}), seed=0
        )
        write_item_vectors(
            es, target, fit_items, model.encode_items(fit_items, text_vectors), settings.indexer, progress=False
        )
        for start in range(0, len(fit), 2000):
            update_profiles(es, names, store_events(es, names, fit[start : start + 2000], settings.indexer).stored, cfg)
        histories, seen = histories_and_seen(fit, valid, cfg)
        alone = score_rankings(rank_with_towers(model, fit_items, text_vectors, histories, seen, 200), valid, (10, 50))
        print(f"two-tower alone (validation): ndcg@10 {alone['ndcg@10']:.4f} recall@50 {alone['recall@50']:.4f}")
        popularity = Popularity(cfg).fit(fit)
        cf = CF_SOURCES[settings.cf_source](cfg).fit(fit)
        print("| " + " | ".join(GRID) + " | ndcg@10 | recall@50 |")
        for values in itertools.product(*GRID.values()):
            tuned = settings.model_copy(
                update={"retrieval": settings.retrieval.model_copy(update=dict(zip(GRID, values)))}
            )
            feeds = hybrid_feeds(
                es, names, Loaded("tune", model), Loaded("tune", cf), tuned, valid, seen, popularity, 50
            )
            scores = score_rankings(feeds, valid, (10, 50))
            print(
                "| "
                + " | ".join(f"{v:g}" for v in values)
                + f" | {scores['ndcg@10']:.4f} | {scores['recall@50']:.4f} |",
                flush=True,
            )
    finally:
        for index in es.indices.get(index=f"{names.prefix}*"):
            es.indices.delete(index=index)


if __name__ == "__main__":
    main()
