from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
from elasticsearch import Elasticsearch, TransportError

from indexer.config import IndexerConfig
from indexer.embedding import TextEncoder
from indexer.errors import BulkLoadError, NothingToIndexError
from indexer.load import alias_target, import_events, index_catalog, index_meta
from indexer.mappings import IndexNames
from tests.conftest import DATA

pytestmark = pytest.mark.es
CFG = IndexerConfig(embed_batch_size=8, bulk_chunk_size=7, keep_versions=2)


def load(es: Elasticsearch, path: Path, encoder: TextEncoder, names: IndexNames, reports: Path | None = None):  # noqa: ANN201
    return index_catalog(es, str(path), encoder, names, CFG, reports_dir=reports, progress=False)


def test_every_good_row_indexed_and_every_bad_row_reported(
    es: Elasticsearch, encoder: TextEncoder, names: IndexNames, tmp_path: Path
) -> None:
    report = load(es, DATA / "catalog_with_errors.jsonl", encoder, names, tmp_path)
    assert report.accepted == 6
    assert {(r.line, r.field) for r in report.rejects} == {
        (3, "title"),
        (4, None),
        (5, "price"),
        (7, "id"),
        (8, "created_at"),
        (10, None),
    }
    assert es.count(index=names.items)["count"] == 6
    rejects = [json.loads(line) for line in Path(report.rejects_path or "").read_text().splitlines()]
    assert {r["line"] for r in rejects} == {3, 4, 5, 7, 8, 10} and all(r["reason"] for r in rejects)
    summary = json.loads(
        Path(report.rejects_path or "")
        .with_name(Path(report.rejects_path or "").name.replace(".rejects.jsonl", ".summary.json"))
        .read_text()
    )
    assert summary["accepted"] == 6 and summary["rejected"] == 6
    stored = es.get(index=names.items, id="t01")["_source"]
    assert len(stored["text_vector"]) == encoder.dim and stored["category"] == ["Kitchen"]


def test_reindex_swaps_alias_without_a_gap_and_prunes(
    es: Elasticsearch, encoder: TextEncoder, names: IndexNames, catalog_path: Path
) -> None:
    first = load(es, catalog_path, encoder, names)
    assert alias_target(es, names.items) == first.target
    assert index_meta(es, names.items)["encoder"] == "all-MiniLM-L6-v2"
    counts: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:  # searches all through the re-index: never an error, never a partial index
        while not stop.is_set():
            try:
                counts.append(es.search(index=names.items, size=0, track_total_hits=True)["hits"]["total"]["value"])
            except BaseException as exc:
                failures.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        versions = [load(es, catalog_path, encoder, names).target for _ in range(2)]
    finally:
        stop.set()
        thread.join()
    assert not failures and counts and set(counts) == {30}
    assert alias_target(es, names.items) == versions[-1]
    remaining = sorted(es.indices.get(index=names.item_version_pattern))
    assert remaining == sorted(versions)  # keep_versions=2: the first build was pruned


def test_failed_build_leaves_the_live_alias_alone(
    es: Elasticsearch, encoder: TextEncoder, names: IndexNames, catalog_path: Path, tmp_path: Path
) -> None:
    live = load(es, catalog_path, encoder, names).target
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n{"title": "no id"}\n')
    with pytest.raises(NothingToIndexError, match="2 rejected"):
        load(es, bad, encoder, names)
    assert alias_target(es, names.items) == live
    assert sorted(es.indices.get(index=names.item_version_pattern)) == [live]  # the failed index was removed
    assert es.count(index=names.items)["count"] == 30


def test_events_import_is_idempotent(es: Elasticsearch, names: IndexNames, tmp_path: Path) -> None:
    first = import_events(es, str(DATA / "events.jsonl"), names, CFG, progress=False)
    again = import_events(es, str(DATA / "events.jsonl"), names, CFG, progress=False)
    assert (first.accepted, first.duplicates, len(first.rejects)) == (26, 0, 0)
    assert (again.accepted, again.duplicates) == (0, 26)
    assert es.count(index=names.events)["count"] == 26
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "user_id,item_id,type,timestamp\nu1,i1,click,2026-01-01T00:00:00Z\nu1,i1,teleport,2026-01-01T00:00:00Z\n"
    )
    report = import_events(es, str(bad), names, CFG, progress=False)
    assert report.accepted == 1 and [(r.line, r.field) for r in report.rejects] == [(3, "type")]


class ClosesClientAfter:
    """A real encoder that closes the build's client after `batches` encode calls: the bulk step then
    fails mid-build and the build cannot even delete its own index (like losing the engine)."""

    def __init__(self, encoder: TextEncoder, client: Elasticsearch, batches: int) -> None:
        self.encoder, self.client, self.batches = encoder, client, batches
        self.model_name = encoder.model_name

    @property
    def dim(self) -> int:
        return self.encoder.dim

    def encode(self, texts: list[str]) -> np.ndarray:
        self.batches -= 1
        if self.batches < 0:
            self.client.close()
        return self.encoder.encode(texts)


def test_an_interrupted_build_leaves_the_alias_live_and_the_next_build_prunes_it(
    es: Elasticsearch, encoder: TextEncoder, names: IndexNames, catalog_path: Path
) -> None:
    live = load(es, catalog_path, encoder, names).target
    doomed = Elasticsearch(es.transport.node_pool.all()[0].base_url)
    with pytest.raises((BulkLoadError, TransportError)):
        index_catalog(doomed, str(catalog_path), ClosesClientAfter(encoder, doomed, 2), names, CFG, progress=False)
    half_built = sorted(set(es.indices.get(index=names.item_version_pattern)) - {live})
    assert len(half_built) == 1  # left behind: its client died before it could delete it
    assert alias_target(es, names.items) == live
    assert es.search(index=names.items, q="skillet")["hits"]["hits"]  # still searchable
    assert es.count(index=names.items)["count"] == 30
    again = load(es, catalog_path, encoder, names).target
    assert alias_target(es, names.items) == again and es.count(index=names.items)["count"] == 30
    assert sorted(es.indices.get(index=names.item_version_pattern)) == sorted([live, again])  # half-built pruned
