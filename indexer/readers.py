"""Read catalog and event files (JSONL, CSV, Parquet; .gz for the text formats) as numbered records.

Readers never raise on a bad row: a row that cannot be parsed comes back as a Record with
`error` set, so the caller can reject it and go on. Only a file that cannot be opened at all
raises SourceFileError.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from indexer.errors import SourceFileError

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}


@dataclass(frozen=True)
class Record:
    """One input row: its 1-based line (CSV/JSONL) or row number (Parquet) and its data or error."""

    line: int
    data: dict[str, Any] | None
    error: str | None = None


def detect_format(path: Path) -> str:
    """Return 'jsonl', 'csv' or 'parquet' from the file name (a trailing .gz is allowed for text)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise SourceFileError(str(path), f"unknown format; expected one of {sorted(FORMATS)} (optionally .gz)")
    if fmt == "parquet" and path.suffix.lower() == ".gz":
        raise SourceFileError(str(path), "gzip-compressed Parquet is not supported (Parquet compresses itself)")
    return fmt


def check_source(path: Path) -> str:
    """Fail fast, before any expensive set-up, on a file that cannot be read. Returns its format."""
    fmt = detect_format(path)
    if not path.is_file():
        raise SourceFileError(str(path), "no such file")
    return fmt


def read_records(path: str | Path) -> Iterator[Record]:
    """Yield every row of a catalog or events file as a Record.

    Args:
        path: a .jsonl/.ndjson/.json (one object per line), .csv (header row) or .parquet file.

    Raises:
        SourceFileError: the file is missing, unreadable or of an unknown format.

    Example:
        >>> for rec in read_records("demo/catalog.jsonl"):  # doctest: +SKIP
        ...     print(rec.line, rec.data["id"])
    """
    path = Path(path)
    fmt = check_source(path)
    if fmt == "parquet":
        yield from _read_parquet(path)
        return
    try:
        with _open_text(path) as fh:
            yield from (_read_jsonl(fh) if fmt == "jsonl" else _read_csv(fh))
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise SourceFileError(str(path), f"cannot read: {exc}") from exc


def _open_text(path: Path) -> IO[str]:
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _read_jsonl(fh: IO[str]) -> Iterator[Record]:
    for line_no, line in enumerate(fh, start=1):
        text = line.strip()
        if not text:
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Record(line_no, None, f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        except (ValueError, RecursionError) as exc:  # an integer of thousands of digits; absurd nesting
            yield Record(line_no, None, f"JSON that cannot be read: {type(exc).__name__}: {str(exc)[:80]}")
            continue
        if not isinstance(data, dict):
            yield Record(line_no, None, f"expected a JSON object, got {type(data).__name__}")
            continue
        yield Record(line_no, data)


def _read_csv(fh: IO[str]) -> Iterator[Record]:
    reader = csv.reader(fh)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        raise SourceFileError(getattr(fh, "name", "?"), f"unreadable CSV header: {exc}") from exc
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:  # the second column would silently overwrite the first
        raise SourceFileError(getattr(fh, "name", "?"), f"the header names {twice[0]!r} twice")
    start = reader.line_num + 1
    while True:
        line_no = start
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a cell past csv.field_size_limit(): this row only is refused
            start = reader.line_num + 1
            yield Record(line_no, None, f"unreadable CSV row: {exc} (a cell that large is never a valid value)")
            continue
        start = reader.line_num + 1
        if not cells:
            continue
        if len(cells) > len(header):
            yield Record(line_no, None, f"{len(cells)} cells for {len(header)} columns")
            continue
        # Empty CSV cells mean "absent", like a missing key in JSON; so do missing trailing cells.
        data = {name: (value if value != "" else None) for name, value in zip(header, cells)}
        data.update((name, None) for name in header[len(cells) :])
        yield Record(line_no, data)


def _read_parquet(path: Path) -> Iterator[Record]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
        raise SourceFileError(str(path), f"cannot read Parquet: {exc}") from exc
    row_no = 0
    for batch in pf.iter_batches(batch_size=2048):
        for data in batch.to_pylist():
            row_no += 1
            yield Record(row_no, data)
