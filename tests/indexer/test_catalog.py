from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.catalog import item_text, validate_item
from indexer.errors import RowValidationError


def test_valid_row_is_normalised() -> None:
    doc = validate_item(
        {
            "id": 42,
            "title": " Tea Mug ",
            "category": "Kitchen",
            "tags": '["tea", "mug"]',
            "price": "9.50",
            "created_at": "2026-01-02T03:04:05+02:00",
            "popularity": 3,
            "colour": "blue",
        }
    )
    assert doc == {
        "id": "42",
        "title": "Tea Mug",
        "category": ["Kitchen"],
        "tags": ["tea", "mug"],
        "price": 9.5,
        "created_at": "2026-01-02T01:04:05Z",
        "popularity": 3.0,
        "extra": {"colour": "blue"},
    }


def test_epoch_and_pipe_separated_values() -> None:
    doc = validate_item({"id": "a", "title": "x", "created_at": 0, "category": "Shoes|Sports"})
    assert doc["created_at"] == "1970-01-01T00:00:00Z"
    assert doc["category"] == ["Shoes", "Sports"]


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ({"title": "x"}, "id", "is required"),
        ({"id": "  ", "title": "x"}, "id", "must not be empty"),
        ({"id": True, "title": "x"}, "id", "boolean"),
        ({"id": "a"}, "title", "is required"),
        ({"id": "a", "title": {"en": "x"}}, "title", "must be a string"),
        ({"id": "a", "title": "x", "price": -1}, "price", ">= 0"),
        ({"id": "a", "title": "x", "price": "cheap"}, "price", "must be a number"),
        ({"id": "a", "title": "x", "price": float("nan")}, "price", "finite"),
        ({"id": "a", "title": "x", "created_at": "soon"}, "created_at", "ISO 8601"),
        ({"id": "a", "title": "x", "tags": [1, {"a": 1}]}, "tags", "list elements"),
        ({"id": "a", "title": "x", "tags": "[oops"}, "tags", "JSON array"),
        ({"id": "x" * 600, "title": "x"}, "id", "512 bytes"),
    ],
)
def test_bad_rows_name_field_and_reason(row: dict, field: str, reason: str) -> None:
    with pytest.raises(RowValidationError, match=reason) as info:
        validate_item(row)
    assert info.value.field == field


def test_field_roles_map_columns_onto_roles() -> None:
    doc = validate_item({"sku": "A-1", "name": "Kettle"}, {"sku": "id", "name": "title"})
    assert (doc["id"], doc["title"]) == ("A-1", "Kettle")
    with pytest.raises(RowValidationError, match="given twice"):
        validate_item({"name": "A", "title": "B", "id": "1"}, {"name": "title"})


def test_item_text_leads_with_title() -> None:
    doc = validate_item({"id": "1", "title": "Kettle", "brand": "Brewmaster", "description": "Boils water."})
    assert item_text(doc) == "Kettle. Brewmaster. Boils water."
    assert len(item_text({**doc, "description": "x" * 5000}, max_chars=100)) == 100


@given(
    st.dictionaries(
        st.sampled_from(["id", "title", "price", "tags", "category", "created_at", "other"]),
        st.none() | st.text() | st.integers() | st.floats() | st.lists(st.text()),
    )
)
def test_validation_either_accepts_or_names_a_field(row: dict) -> None:
    try:
        doc = validate_item(row)
    except RowValidationError as exc:
        assert exc.field in {"id", "title", "price", "tags", "category", "created_at"}
        assert exc.reason
    else:
        assert doc["id"] and doc["title"]
