"""Bad input everywhere: whatever a catalog or events file holds, the readers and validators never
crash. Every row is either a valid document or a reject with its file, line, field and reason."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.catalog import validate_item
from indexer.errors import RowValidationError, SourceFileError
from indexer.events import FIELDS as EVENT_FIELDS
from indexer.events import validate_event
from indexer.load import LoadReport, _validated
from indexer.readers import read_records
from tests.strategies import awkward_scalars

CATALOG_FIELDS = ["id", "title", "description", "category", "brand", "tags", "price", "created_at", "popularity"]

# Deep nesting comes from json_ish below; the tricky strings are half-JSON and edge dates.
_scalars = awkward_scalars(
    "", " ", "[", "[1, {}]", "1e999", "nan", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59-14:00"
)
json_ish = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


def _dumps(value: Any) -> str:
    """json.dumps, or a line with a 5000-digit integer where json cannot write the value itself."""
    try:
        return json.dumps(value)
    except ValueError:
        return '{"id": ' + "1" * 5000 + "}"


def _row(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from([*fields, "other", "@timestamp"]), json_ish, max_size=len(fields) + 2)


def _accepts_or_names_the_field(validate: Any, row: dict[str, Any], fields: list[str]) -> dict[str, Any] | None:
    try:
        return validate(row)
    except RowValidationError as exc:
        assert exc.reason and (exc.field is None or exc.field in {*fields, "other", "@timestamp"}), exc
        return None


@settings(max_examples=300)
@given(row=_row(CATALOG_FIELDS))
def test_any_catalog_row_is_accepted_or_rejected_with_a_field(row: dict[str, Any]) -> None:
    doc = _accepts_or_names_the_field(validate_item, row, CATALOG_FIELDS)
    if doc is not None:
        assert isinstance(doc["id"], str) and doc["id"] and isinstance(doc["title"], str) and doc["title"]
        for name in ("price", "popularity"):
            assert name not in doc or (math.isfinite(doc[name]) and doc[name] >= 0)
        json.dumps(doc, allow_nan=False)  # what Elasticsearch will be sent: plain, finite JSON


@settings(max_examples=300)
@given(row=_row(list(EVENT_FIELDS)))
def test_any_event_row_is_accepted_or_rejected_with_a_field(row: dict[str, Any]) -> None:
    doc = _accepts_or_names_the_field(validate_event, row, list(EVENT_FIELDS))
    if doc is not None:
        assert doc["user_id"] and doc["item_id"] and doc["event_id"] and doc["@timestamp"].endswith("Z")
        json.dumps(doc, allow_nan=False)


@settings(max_examples=60)
@given(lines=st.lists(st.one_of(json_ish.map(_dumps), _row(CATALOG_FIELDS).map(_dumps), st.text()), max_size=8))
def test_a_jsonl_file_of_anything_gives_one_outcome_per_row(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str]
) -> None:
    path = tmp_path_factory.mktemp("jsonl") / "catalog.jsonl"
    path.write_text("\n".join(line.replace("\n", " ").replace("\r", " ") for line in lines) + "\n", encoding="utf-8")
    report = LoadReport(source=str(path), target="items")
    good = list(_validated(str(path), validate_item, report))
    non_blank = [n for n, line in enumerate(lines, start=1) if line.strip()]
    assert sorted([line for line, _ in good] + [r.line for r in report.rejects]) == non_blank
    for reject in report.rejects:
        assert reject.file == str(path) and reject.reason and reject.line in non_blank


@settings(max_examples=60)
@given(cells=st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=4), max_size=6), data=st.binary(max_size=40))
def test_a_csv_file_of_anything_gives_one_outcome_per_row_or_a_file_error(
    tmp_path_factory: pytest.TempPathFactory, cells: list[list[str]], data: bytes
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["id", "title", "price"], *cells])
    path = tmp_path_factory.mktemp("csv") / "catalog.csv"
    path.write_bytes(buffer.getvalue().encode() + data)
    report = LoadReport(source=str(path), target="items")
    try:
        good = list(_validated(str(path), validate_item, report))
    except SourceFileError as exc:  # not UTF-8: the whole file is refused, naming it
        assert exc.path == str(path)
        return
    lines = [line for line, _ in good] + [r.line for r in report.rejects]
    assert len(lines) == len(set(lines)) and all(line >= 2 for line in lines)


def test_rows_beyond_what_python_or_csv_can_parse_are_rejects_not_crashes(tmp_path: Path) -> None:
    """Found by the properties above: huge integers and oversized CSV cells used to raise."""
    jsonl = tmp_path / "big.jsonl"
    jsonl.write_text(
        '{"id": '
        + "1" * 5000
        + ', "title": "t"}\n'  # past Python's int<->str limit
        + '{"id": "a", "title": "t", "price": '
        + "9" * 400
        + "}\n"  # past float range
        + "[" * 100_000
        + "\n"  # nesting beyond the recursion limit
        + '{"id": "b", "title": "fine"}\n'
    )
    report = LoadReport(source=str(jsonl), target="items")
    assert [doc["id"] for _, doc in _validated(str(jsonl), validate_item, report)] == ["b"]
    assert [(r.line, r.field) for r in report.rejects] == [(1, None), (2, "price"), (3, None)]

    big = tmp_path / "big.csv"
    big.write_text("id,title\n1," + "x" * 200_000 + "\n2,fine\n")
    report = LoadReport(source=str(big), target="items")
    assert [doc["id"] for _, doc in _validated(str(big), validate_item, report)] == ["2"]
    assert [r.line for r in report.rejects] == [2] and "cell" in report.rejects[0].reason


def test_a_csv_header_naming_a_column_twice_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("id,title, id\n1,Mug,2\n")
    with pytest.raises(SourceFileError, match="'id' twice"):
        list(read_records(path))


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"id": 10**5000, "title": "t"}, "id"),
        ({"id": "a", "title": 10**5000}, "title"),
        ({"id": "a", "title": "t", "tags": [10**5000]}, "tags"),
        ({"id": "a", "title": "t", "created_at": 10**400}, "created_at"),
        ({"id": "a", "title": "t", "created_at": "0001-01-01T00:00:00+14:00"}, "created_at"),
    ],
)
def test_numbers_out_of_range_name_the_field(row: dict[str, Any], field: str) -> None:
    with pytest.raises(RowValidationError) as caught:
        validate_item(row)
    assert caught.value.field == field


def test_an_event_position_out_of_float_range_names_the_field() -> None:
    with pytest.raises(RowValidationError, match="position"):
        validate_event({"user_id": "u", "item_id": "i", "type": "click", "timestamp": 0, "position": 10**400})


# Round trips: a valid document written as JSONL or CSV (lists '|'-separated) reads back as itself.
_word = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zs", "Zl", "Zp"]), min_size=1)
_label = _word.filter(lambda s: "|" not in s and not s.startswith("[") and s.strip() == s and s.strip())
_items = st.fixed_dictionaries(
    {"id": _label, "title": _label},
    optional={
        "brand": _label,
        "category": st.lists(_label, min_size=1, max_size=3),
        "tags": st.lists(_label, min_size=1, max_size=3),
        "price": st.floats(0, 1e9, allow_nan=False),
        "popularity": st.integers(0, 10**6).map(float),
        "created_at": st.datetimes(timezones=st.just(__import__("datetime").UTC)).map(
            lambda d: d.isoformat().replace("+00:00", "Z")
        ),
    },
)


@settings(max_examples=60)
@given(items=st.lists(_items, min_size=1, max_size=5))
def test_valid_items_round_trip_through_jsonl_and_csv(
    tmp_path_factory: pytest.TempPathFactory, items: list[dict[str, Any]]
) -> None:
    expected = [validate_item(item) for item in items]
    folder = tmp_path_factory.mktemp("rt")
    (folder / "c.jsonl").write_text("".join(json.dumps(doc) + "\n" for doc in expected), encoding="utf-8")
    columns = ["id", "title", "brand", "category", "tags", "price", "popularity", "created_at"]
    with open(folder / "c.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        for doc in expected:
            writer.writerow(
                {
                    k: "|".join(v) if isinstance(v, list) else repr(v) if isinstance(v, float) else v
                    for k, v in doc.items()
                }
            )
    for name in ("c.jsonl", "c.csv"):
        report = LoadReport(source=name, target="items")
        assert [doc for _, doc in _validated(str(folder / name), validate_item, report)] == expected, name
        assert report.rejects == []
