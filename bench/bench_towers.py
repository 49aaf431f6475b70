"""Two-tower throughput: training examples/s and item-vector export rate (items/s).

Runs on whatever device torch finds (cuda if available, else cpu) with synthetic data
shaped like a real catalog, so it needs no data files. Prints figures, asserts nothing.

Usage:
    python bench/bench_towers.py [--items 20000] [--users 2000] [--epochs 2]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch

from ranking.train_towers import train_towers
from ranking.two_tower import TowerConfig


def out(line: str) -> None:
    """Write one line of the report to stdout."""
    sys.stdout.write(line + "\n")


def synthetic(n_items: int, n_users: int, per_user: int, seed: int) -> tuple[list[dict], np.ndarray, list[dict]]:
    """Catalog with categories/brands/tags/prices, MiniLM-shaped vectors, clustered likes."""
    rng = np.random.default_rng(seed)
    items = [
        {
            "id": f"i{i}",
            "category": [f"c{i % 50}", f"c{i % 7}"],
            "brand": f"b{i % 300}",
            "tags": [f"t{(i * 7) % 500}", f"t{i % 11}"],
            "price": float(rng.gamma(2, 20)),
            "popularity": float(rng.integers(1000)),
            "created_at": "2023-06-01T00:00:00Z",
        }
        for i in range(n_items)
    ]
    text = rng.normal(size=(n_items, 384)).astype(np.float32)
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    kinds = ["view", "click", "add_to_cart", "purchase", "like"]
    events = []
    for user in range(n_users):
        centre = rng.integers(n_items)
        picks = (centre + rng.integers(-200, 200, size=per_user)) % n_items
        for t, item in enumerate(picks):
            events.append(
                {
                    "user_id": f"u{user}",
                    "item_id": f"i{item}",
                    "type": kinds[int(rng.integers(len(kinds)))],
                    "timestamp": 1.7e9 + 3600.0 * t,
                }
            )
    return items, text, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--per-user", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    items, text, events = synthetic(args.items, args.users, args.per_user, seed=0)
    out(f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    for loss in ("softmax", "listwise"):
        cfg = TowerConfig(loss=loss, epochs=args.epochs, validation="none")
        _, metrics = train_towers(events, items, text, cfg, seed=0, device=device)
        out(
            f"train {loss:<9} {metrics['n_examples']} examples x {metrics['epochs_run']} "
            f"epochs: {metrics['examples_per_s']:,.0f} examples/s"
        )
    model, _ = train_towers(events, items, text, TowerConfig(epochs=1, validation="none"), seed=0, device=device)
    model.encode_items(items[:1000], text[:1000])  # warm-up
    start = time.perf_counter()
    vectors = model.encode_items(items, text)
    elapsed = time.perf_counter() - start
    out(
        f"export {vectors.shape[0]} item vectors (dim {vectors.shape[1]}, cpu, incl. "
        f"featurising): {vectors.shape[0] / elapsed:,.0f} items/s"
    )
    histories = vectors[:50]
    start = time.perf_counter()
    for _ in range(200):
        model.encode_user(histories, np.ones(50, np.float32), np.arange(50, dtype=np.float32))
    out(f"encode_user (50 events, cpu): {(time.perf_counter() - start) / 200 * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
