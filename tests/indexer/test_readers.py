from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.errors import SourceFileError
from indexer.readers import read_records


def test_jsonl_numbers_lines_and_reports_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": 1}\n\n{oops\n[1]\n{"id": 2}\n')
    records = list(read_records(path))
    assert [(r.line, r.data) for r in records if r.data] == [(1, {"id": 1}), (5, {"id": 2})]
    errors = {r.line: r.error for r in records if r.error}
    assert set(errors) == {3, 4}
    assert "invalid JSON" in errors[3] and "expected a JSON object" in errors[4]


def test_csv_empty_cells_are_absent_and_extra_cells_rejected(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('id,title,tags\n1,"Mug, large",tea|mug\n2,,\n3,x,y,z\n')
    records = list(read_records(path))
    assert records[0].data == {"id": "1", "title": "Mug, large", "tags": "tea|mug"}
    assert records[1].data == {"id": "2", "title": None, "tags": None}
    assert records[2].line == 4 and "4 cells for 3 columns" in (records[2].error or "")


def test_csv_line_numbers_follow_multiline_cells(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('id,description\n1,"two\nlines"\n2,one\n')
    assert [r.line for r in read_records(path)] == [2, 4]


def test_parquet_and_gzip(tmp_path: Path) -> None:
    pq.write_table(pa.table({"id": ["a", "b"], "price": [1.5, None]}), tmp_path / "c.parquet")
    assert [r.data for r in read_records(tmp_path / "c.parquet")] == [
        {"id": "a", "price": 1.5},
        {"id": "b", "price": None},
    ]
    with gzip.open(tmp_path / "c.jsonl.gz", "wt") as fh:
        fh.write('{"id": "z"}\n')
    assert [r.data for r in read_records(tmp_path / "c.jsonl.gz")] == [{"id": "z"}]


def test_unreadable_files_raise_with_the_path(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="unknown format"):
        list(read_records(tmp_path / "catalog.xlsx"))
    with pytest.raises(SourceFileError, match="no such file"):
        list(read_records(tmp_path / "missing.jsonl"))
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(SourceFileError, match="bad.parquet"):
        list(read_records(tmp_path / "bad.parquet"))
    (tmp_path / "latin.csv").write_bytes(b"id,title\n1,caf\xe9\n")
    with pytest.raises(SourceFileError, match="cannot read"):
        list(read_records(tmp_path / "latin.csv"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.dictionaries(st.text(min_size=1), json_values, max_size=5), max_size=8))
def test_jsonl_round_trips_any_objects(tmp_path_factory: pytest.TempPathFactory, rows: list[dict]) -> None:
    path = tmp_path_factory.mktemp("h") / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    records = list(read_records(path))
    assert [r.data for r in records] == rows
    assert [r.line for r in records] == list(range(1, len(rows) + 1))
