"""Bulk-load catalogs and events into Elasticsearch.

Catalogs go into a fresh versioned index; the `items` alias moves to it in one atomic
`update_aliases` call only after every document is confirmed, so readers never see a half
index and a failed build leaves the live alias untouched. Encoding (CPU) and bulk requests
(network) overlap on two threads, so the load runs at about the encoder's speed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from elasticsearch import ApiError, Elasticsearch, helpers
from tqdm import tqdm

from indexer.catalog import item_text, validate_item
from indexer.config import IndexerConfig
from indexer.errors import BulkLoadError, NothingToIndexError, RowError, RowValidationError
from indexer.events import validate_event
from indexer.mappings import IndexNames, index_body, new_version
from indexer.readers import check_source, read_records
from indexer.values import iso, vector_value

logger = logging.getLogger(__name__)

RETRY_STATUSES = (429, 502, 503, 504)


def engine_side(status: int) -> bool:
    """Whether a per-document bulk status is the engine failing (overload, 5xx), not the document
    refused: such a document can succeed later and must not be reported as a bad row."""
    return status in RETRY_STATUSES or status >= 500


class Encoder(Protocol):
    @property
    def dim(self) -> int: ...

    def encode(self, texts: list[str]) -> np.ndarray: ...


# (item documents, their text vectors (n, text_dim)) -> item vectors (n, item_dim): the item tower.
ItemVectorizer = Callable[[list[dict[str, Any]], np.ndarray], np.ndarray]


@dataclass
class LoadReport:
    """What one load did; `rejects` lists every refused row with its line and reason."""

    source: str
    target: str
    accepted: int = 0
    duplicates: int = 0
    rejects: list[RowError] = field(default_factory=list)
    seconds: float = 0.0
    rejects_path: str | None = None

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": len(self.rejects),
            "seconds": round(self.seconds, 3),
            "rate_per_s": round(self.rate, 1),
            "rejects_file": self.rejects_path,
        }


def ensure_index(es: Elasticsearch, name: str, body: dict[str, Any]) -> bool:
    """Create index `name` unless it exists. Returns True when it was created."""
    if es.indices.exists(index=name):
        return False
    try:
        es.indices.create(index=name, **body)
    except ApiError as exc:
        if exc.meta.status == 400 and "resource_already_exists" in str(exc):
            return False  # created concurrently by another process
        raise
    return True


def write_report(report: LoadReport, reports_dir: Path | None) -> None:
    """Write the rejects (JSONL, one per bad row) and a summary JSON beside them."""
    if reports_dir is None:
        return
    reports_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{Path(report.source).name}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}"
    rejects_path = reports_dir / f"{stem}.rejects.jsonl"
    with open(rejects_path, "w", encoding="utf-8") as fh:
        for reject in report.rejects:
            fh.write(json.dumps(reject.as_dict()) + "\n")
    report.rejects_path = str(rejects_path)
    (reports_dir / f"{stem}.summary.json").write_text(json.dumps(report.summary(), indent=2) + "\n")


def _validated(
    path: str, validate: Callable[[dict[str, Any]], dict[str, Any]], report: LoadReport
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Good rows as (line, document); bad rows go to report.rejects."""
    for record in read_records(path):
        if record.data is None:
            report.rejects.append(RowError(path, record.line, None, record.error or "unreadable row"))
            continue
        try:
            yield record.line, validate(record.data)
        except RowValidationError as exc:
            report.rejects.append(RowError(path, record.line, exc.field, exc.reason))


def _count_rows(path: str) -> int | None:
    """Cheap row count for the progress bar's ETA (None when unknown)."""
    try:
        return sum(1 for _ in read_records(path))
    except Exception:  # the real read reports the problem
        return None


def backoff_delay(attempt: int, cfg: IndexerConfig, rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry `attempt` (0-based): exponential, capped, with "equal jitter".

    Half the capped delay is fixed and half random, so writers that failed together do not all
    come back at the same instant, yet each still waits a predictable minimum.

    Example:
        >>> backoff_delay(3, IndexerConfig(bulk_initial_backoff_s=0.5, bulk_max_backoff_s=30), rng=lambda: 1.0)
        4.0
    """
    capped = min(cfg.bulk_max_backoff_s, cfg.bulk_initial_backoff_s * 2**attempt)
    return capped / 2 + capped / 2 * rng()


def _chunks(actions: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for action in actions:
        chunk.append(action)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _status(result: dict[str, Any]) -> int:
    return int(next(iter(result.values())).get("status", 0))


def bulk_actions(
    es: Elasticsearch,
    actions: Iterable[dict[str, Any]],
    cfg: IndexerConfig,
    *,
    sleep: Callable[[float], object] = time.sleep,
) -> Iterator[tuple[bool, dict[str, Any]]]:
    """Bulk-write `actions`, yielding every per-document result (ok, {op_type: item}) once.

    Documents answered 429/502/503/504 (overload; also a whole bulk request answered so) are
    re-sent up to `cfg.bulk_max_retries` times with exponential back-off and jitter
    (`backoff_delay`); what still fails is yielded as a failure. Connection errors and timeouts
    raise (TransportError): the caller decides (the API spools the events).
    """
    for chunk in _chunks(actions, cfg.bulk_chunk_size):
        pending = chunk
        for attempt in range(cfg.bulk_max_retries + 1):
            last = attempt == cfg.bulk_max_retries
            retry: list[dict[str, Any]] = []
            try:
                results = list(
                    helpers.streaming_bulk(
                        es,
                        pending,
                        chunk_size=len(pending),
                        max_retries=0,
                        raise_on_error=False,
                        raise_on_exception=True,
                    )
                )
            except ApiError as exc:
                if last or exc.meta.status not in RETRY_STATUSES:
                    raise
                logger.warning("bulk request answered %s; retry %d", exc.meta.status, attempt + 1)
                retry = pending
            else:
                for action, (ok, result) in zip(pending, results):
                    if not ok and not last and _status(result) in RETRY_STATUSES:
                        retry.append(action)
                    else:
                        yield ok, result
                if retry:
                    logger.warning("%d documents answered overload; retry %d", len(retry), attempt + 1)
            if not retry:
                break
            sleep(backoff_delay(attempt, cfg))
            pending = retry


def index_catalog(
    es: Elasticsearch,
    path: str,
    encoder: Encoder,
    names: IndexNames,
    cfg: IndexerConfig,
    *,
    reports_dir: Path | None = None,
    progress: bool = True,
    item_vector_dims: int = 64,
    item_vectorizer: ItemVectorizer | None = None,
) -> LoadReport:
    """Validate, embed and load a catalog into a new items index, then swap the alias to it.

    Bad rows are rejected (file, line, field, reason) and every good row is indexed. A document
    Elasticsearch refuses is a reject too; a bulk failure that persists after retries aborts
    the build, deletes the new index and leaves the live alias where it was.

    Args:
        es: client.
        path: catalog file (JSONL, CSV or Parquet).
        encoder: text encoder; its dim sizes `text_vector`.
        names: index names.
        cfg: indexer settings.
        reports_dir: where the rejects and summary files go (None: not written).
        progress: show a progress bar (items/s, ETA).
        item_vector_dims: size of the `item_vector` field (the two-tower dimension).
        item_vectorizer: the current item tower, if one is trained: new items then get an
            `item_vector` from their content at once (cold start), before any retraining.

    Returns:
        The LoadReport; `target` is the new index name.

    Raises:
        SourceFileError: the file cannot be read.
        NothingToIndexError: every row was rejected.
        BulkLoadError: Elasticsearch kept failing; nothing live changed.
    """
    check_source(Path(path))
    body = index_body("items", vector_dims={"text_vector": encoder.dim, "item_vector": item_vector_dims})
    started = time.perf_counter()  # after encoder.dim, which loads the model: the rate is the load's own
    index = names.item_version(new_version())
    report = LoadReport(source=path, target=index)
    meta = {"source": str(path), "sha256": file_sha256(path), "encoder": encoder_name(encoder)}
    body["mappings"]["_meta"] = {**meta, "building": True}  # cleared once complete; see prune_versions
    es.indices.create(index=index, **body)
    try:
        _load_items(es, path, encoder, index, cfg, report, progress, item_vectorizer)
        if report.accepted == 0:
            raise NothingToIndexError(path, len(report.rejects))
        es.indices.refresh(index=index)
        stored = es.count(index=index)["count"]
        if stored != report.accepted:
            raise BulkLoadError(f"{index} holds {stored} documents, expected {report.accepted}", [])
        es.indices.put_mapping(index=index, meta={**meta, "building": False})
        swap_alias(es, names.items, index)
    except BaseException:
        try:
            es.options(ignore_status=404).indices.delete(index=index)
        except Exception as cleanup:  # e.g. the engine went away: the next build prunes it
            logger.warning("half-built %s not deleted (%s); the next index build removes it", index, cleanup)
        raise
    finally:
        report.seconds = time.perf_counter() - started
        write_report(report, reports_dir)
    prune_versions(es, names, keep=cfg.keep_versions)
    logger.info("indexed %d items into %s (%d rejected)", report.accepted, index, len(report.rejects))
    return report


def _load_items(
    es: Elasticsearch,
    path: str,
    encoder: Encoder,
    index: str,
    cfg: IndexerConfig,
    report: LoadReport,
    progress: bool,
    item_vectorizer: ItemVectorizer | None,
) -> None:
    lines: dict[str, int] = {}  # id -> line, to report duplicates and ES refusals by line
    batches: queue.Queue[list[dict[str, Any]] | None] = queue.Queue(maxsize=4)
    failures: list[dict[str, Any]] = []
    bulk_error: list[BaseException] = []

    def actions() -> Iterator[dict[str, Any]]:
        while (batch := batches.get()) is not None:
            yield from batch

    def consume() -> None:
        try:
            for ok, result in bulk_actions(es.options(request_timeout=cfg.batch_timeout_s), actions(), cfg):
                if not ok:
                    failures.append(result)
        except BaseException as exc:  # surfaced in the main thread
            bulk_error.append(exc)
            while batches.get() is not None:  # drain so the producer never blocks
                pass

    worker = threading.Thread(target=consume, name="bulk-loader", daemon=True)
    worker.start()
    indexed_at = iso(datetime.now(UTC))
    bar = tqdm(total=_count_rows(path) if progress else None, unit="item", disable=not progress, desc="indexing")
    pending: list[dict[str, Any]] = []

    def flush() -> None:
        vectors = encoder.encode([item_text(doc, cfg.max_text_chars) for doc in pending])
        item_vectors = item_vectorizer(pending, vectors) if item_vectorizer is not None else None
        batch = []
        for row, (doc, vector) in enumerate(zip(pending, vectors)):
            doc["text_vector"] = vector_value(vector)
            if item_vectors is not None:
                doc["item_vector"] = vector_value(item_vectors[row])
            doc["indexed_at"] = indexed_at
            batch.append({"_op_type": "index", "_index": index, "_id": doc["id"], "_source": doc})
        batches.put(batch)
        bar.update(len(pending))
        pending.clear()

    try:
        for line, doc in _validated(path, lambda row: validate_item(row, cfg.field_roles), report):
            if bulk_error:
                break
            first = lines.get(doc["id"])
            if first is not None:
                report.rejects.append(RowError(path, line, "id", f"duplicate id {doc['id']!r} (first on line {first})"))
                bar.update(1)
                continue
            lines[doc["id"]] = line
            pending.append(doc)
            if len(pending) >= cfg.embed_batch_size:
                flush()
        if pending and not bulk_error:
            flush()
    finally:
        batches.put(None)
        worker.join()
        bar.close()
    if bulk_error:
        raise BulkLoadError(f"bulk load into {index} failed: {bulk_error[0]}", []) from bulk_error[0]
    hard = []
    for failure in failures:
        result = next(iter(failure.values()))
        status = result.get("status", 0)
        if engine_side(status):
            hard.append(result)
        else:  # the document itself was refused (e.g. a value the mapping cannot take)
            error = result.get("error", {})
            reason = error.get("reason", str(error)) if isinstance(error, dict) else str(error)
            report.rejects.append(
                RowError(path, lines.get(result.get("_id", ""), 0), None, f"refused by Elasticsearch: {reason}")
            )
    if hard:
        raise BulkLoadError(f"Elasticsearch kept failing on {index}", hard)
    report.accepted = len(lines) - (len(failures) - len(hard))


def file_sha256(path: str | Path) -> str:
    """Checksum of a source file, stored in the index's _meta to tell whether a re-index is needed."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def encoder_name(encoder: Encoder) -> str:
    return str(getattr(encoder, "model_name", type(encoder).__name__))


def index_meta(es: Elasticsearch, alias: str) -> dict[str, Any]:
    """The _meta of the index behind `alias` ({} when there is none)."""
    target = alias_target(es, alias)
    if target is None:
        return {}
    mapping = es.indices.get_mapping(index=target)[target]["mappings"]
    return dict(mapping.get("_meta") or {})


def swap_alias(es: Elasticsearch, alias: str, index: str) -> None:
    """Point `alias` at `index` alone, in one atomic update_aliases call."""
    actions: list[dict[str, Any]] = []
    if es.indices.exists_alias(name=alias):
        for current in es.indices.get_alias(name=alias):
            if current != index:
                actions.append({"remove": {"index": current, "alias": alias}})
    actions.append({"add": {"index": index, "alias": alias}})
    es.indices.update_aliases(actions=actions)


def alias_target(es: Elasticsearch, alias: str) -> str | None:
    """The index behind `alias`, or None when the alias does not exist."""
    if not es.indices.exists_alias(name=alias):
        return None
    return sorted(es.indices.get_alias(name=alias))[-1]


def prune_versions(es: Elasticsearch, names: IndexNames, *, keep: int) -> list[str]:
    """Delete old item versions, keeping the newest `keep` complete ones (the live one always kept).

    Versions older than the live one that never completed (a build interrupted so hard it could
    not delete its own index) are deleted too, and never count as kept versions.
    """
    live = alias_target(es, names.items)
    found = es.indices.get(index=names.item_version_pattern, expand_wildcards="open")
    versions = sorted(found)
    complete = [
        n for n in versions if not (found[n].get("mappings", {}).get("_meta") or {}).get("building") or n == live
    ]
    half_built = [n for n in versions if n not in complete and live is not None and n < live]
    doomed = half_built + ([name for name in complete[:-keep] if name != live] if keep > 0 else [])
    for name in doomed:
        es.options(ignore_status=404).indices.delete(index=name)
    return doomed


@dataclass
class StoreResult:
    """Outcome of one store_events call: newly stored docs, duplicates, and docs not stored."""

    stored: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)


def store_events(es: Elasticsearch, names: IndexNames, docs: list[dict[str, Any]], cfg: IndexerConfig) -> StoreResult:
    """Write validated event documents with op_type=create and _id=event_id.

    An event whose id is already stored is a duplicate (not an error), so retries and
    re-imports are idempotent. Overload statuses are retried with back-off.
    """
    result = StoreResult()
    if not docs:
        return result
    ensure_index(es, names.events, index_body("events"))
    ingested_at = iso(datetime.now(UTC))
    by_id = {doc["event_id"]: doc for doc in docs}
    actions = (
        {
            "_op_type": "create",
            "_index": names.events,
            "_id": doc["event_id"],
            "_source": {**doc, "ingested_at": ingested_at},
        }
        for doc in by_id.values()
    )
    for ok, outcome in bulk_actions(es, actions, cfg):
        item = outcome["create"]
        if ok:
            result.stored.append(by_id[item["_id"]])
        elif item.get("status") == 409:  # this event_id is already stored
            result.duplicates += 1
        else:
            result.failed.append(item)
    result.duplicates += len(docs) - len(by_id)  # repeated ids within this batch
    return result


def import_events(
    es: Elasticsearch,
    path: str,
    names: IndexNames,
    cfg: IndexerConfig,
    *,
    on_stored: Callable[[list[dict[str, Any]]], object] | None = None,
    reports_dir: Path | None = None,
    progress: bool = True,
) -> LoadReport:
    """Store every valid event of a file in the events index; bad rows are rejected with reasons.

    Args:
        on_stored: called with each chunk of newly stored events (e.g. to update user profiles);
            duplicates are never passed, so nothing is counted twice.

    Raises:
        SourceFileError: the file cannot be read.
        BulkLoadError: Elasticsearch kept failing; `failed` lists the events not stored.
    """
    check_source(Path(path))
    started = time.perf_counter()
    report = LoadReport(source=path, target=names.events)
    failed: list[dict[str, Any]] = []
    bar = tqdm(total=_count_rows(path) if progress else None, unit="event", disable=not progress, desc="events")
    chunk: list[dict[str, Any]] = []

    def flush() -> None:
        result = store_events(es, names, chunk, cfg)
        report.accepted += len(result.stored)
        report.duplicates += result.duplicates
        failed.extend(result.failed)
        if on_stored is not None and result.stored:
            on_stored(result.stored)
        bar.update(len(chunk))
        chunk.clear()

    try:
        for _line, doc in _validated(path, validate_event, report):
            chunk.append(doc)
            if len(chunk) >= cfg.bulk_chunk_size:
                flush()
        flush()
    finally:
        bar.close()
        if es.indices.exists(index=names.events):
            es.indices.refresh(index=names.events)
        report.seconds = time.perf_counter() - started
        write_report(report, reports_dir)
    if failed:
        raise BulkLoadError(f"{len(failed)} events from {path} were not stored", failed)
    return report
