"""Write a MovieLens folder as a Tandem catalog + events pair (DESIGN.md formats), e.g. for
`tandem eval --catalog OUT/catalog.jsonl --events OUT/events.jsonl`.

Usage: python bench/movielens_to_tandem.py ../shared/data/movielens-dev /tmp/movielens-tandem
The data keeps its own licence: write it outside the repository.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ranking.offline_eval import load_movielens


def main() -> None:
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    items, events = load_movielens(source)
    with open(out / "catalog.jsonl", "w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item) + "\n")
    with open(out / "events.jsonl", "w", encoding="utf-8") as fh:
        for event in events:
            fh.write(json.dumps({**event, "timestamp": int(event["timestamp"])}) + "\n")
    print(f"{len(items)} items, {len(events)} events -> {out}")


if __name__ == "__main__":
    main()
