"""Indexing rate vs the raw encoder rate on the same texts (DESIGN target: >= 0.85x).

Usage: ELASTICSEARCH_URL=... python bench/bench_indexing.py [CATALOG]   (default: demo/catalog.jsonl;
without ELASTICSEARCH_URL a dev engine is started for the run). Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from elasticsearch import Elasticsearch

from api.engine import DevEngine
from api.settings import Settings
from indexer.catalog import item_text, validate_item
from indexer.config import IndexerConfig
from indexer.embedding import TextEncoder
from indexer.load import index_catalog
from indexer.mappings import IndexNames
from indexer.readers import read_records
from ranking.config import RetrievalConfig
from ranking.retrieval import HybridRetriever, PopularRetriever
from ranking.stages import Query

ROOT = Path(__file__).resolve().parents[1]
QUERIES = [
    "espresso machine",
    "trail running shoes",
    "wireless headphones",
    "mystery novel",
    "cast iron pan",
    "yoga mat",
    "waterproof jacket",
    "gift for a coffee lover",
    "something to read on holiday",
    "usb-c charger",
]


def main() -> None:
    catalog = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "demo" / "catalog.jsonl")
    settings = Settings()
    cfg = IndexerConfig()
    encoder = TextEncoder(settings.embedding_model, batch_size=cfg.embed_batch_size)
    texts = [item_text(validate_item(r.data), cfg.max_text_chars) for r in read_records(catalog) if r.data]
    encoder.encode(texts[:64])  # warm-up
    started = time.perf_counter()
    for i in range(0, len(texts), cfg.embed_batch_size):
        encoder.encode(texts[i : i + cfg.embed_batch_size])
    raw_rate = len(texts) / (time.perf_counter() - started)

    with ExitStack() as stack:
        url = settings.elasticsearch_url or stack.enter_context(DevEngine(Path(tempfile.mkdtemp()))).url
        es = Elasticsearch(url, request_timeout=60)
        names = IndexNames("bench-")
        report = index_catalog(es, catalog, encoder, names, cfg, progress=False)
        print(f"items            : {report.accepted} ({len(report.rejects)} rejected)")
        print(f"encoder alone    : {raw_rate:8.1f} items/s")
        print(f"full index build : {report.rate:8.1f} items/s  (ratio {report.rate / raw_rate:.2f}x; target >= 0.85x)")

        search = HybridRetriever(es, names.items, encoder, RetrievalConfig())
        feed = PopularRetriever(es, names.items, RetrievalConfig())
        for q in QUERIES:
            search.retrieve(Query(text=q), 10)  # warm the query-vector cache and the engine
        for label, run in (
            ("search (hybrid)", lambda q: search.retrieve(Query(text=q), 10)),
            ("feed (cold start)", lambda q: feed.retrieve(Query(), 20)),
        ):
            times = []
            for _ in range(5):
                for q in QUERIES:
                    t0 = time.perf_counter()
                    run(q)
                    times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            print(
                f"{label:17}: median {statistics.median(times):6.1f} ms, "
                f"p95 {times[int(0.95 * len(times)) - 1]:6.1f} ms "
                f"(ES included; {len(times)} requests; query vectors cached)"
            )
        for index in es.indices.get(index="bench-*"):
            es.indices.delete(index=index)


if __name__ == "__main__":
    main()
