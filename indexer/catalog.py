"""Catalog rows -> item documents (the roles of DESIGN.md's catalog format)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from indexer.errors import RowValidationError
from indexer.values import iso, parse_id, parse_number, parse_str_list, parse_text, parse_timestamp

ROLES = ("id", "title", "description", "category", "brand", "tags", "price", "created_at", "popularity", "image_url")


def apply_roles(row: Mapping[str, Any], roles: Mapping[str, str]) -> dict[str, Any]:
    """Rename source columns onto catalog roles, e.g. roles={'name': 'title'}.

    Raises:
        RowValidationError: two columns map onto the same role in this row.
    """
    if not roles:
        return dict(row)
    out: dict[str, Any] = {}
    for key, value in row.items():
        target = roles.get(key, key)
        if target in out and value is not None and out[target] is not None:
            raise RowValidationError(target, f"given twice (column {key!r} maps onto it as well)")
        if target not in out or value is not None:
            out[target] = value
    return out


def validate_item(row: Mapping[str, Any], roles: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Check one catalog row and build its item document (without vectors).

    Args:
        row: the parsed row (JSON object, CSV row or Parquet row).
        roles: optional column-name -> role mapping.

    Returns:
        The document: the roles in their stored types, plus `extra` with every other field.

    Raises:
        RowValidationError: naming the first bad field and why.

    Example:
        >>> validate_item({"id": 7, "title": "Tea mug", "tags": "kitchen|tea"})["tags"]
        ['kitchen', 'tea']
    """
    data = apply_roles(row, roles or {})
    created = parse_timestamp("created_at", data.get("created_at"))
    doc: dict[str, Any] = {
        "id": parse_id("id", data.get("id")),
        "title": parse_text("title", data.get("title"), required=True, max_chars=1_000),
        "description": parse_text("description", data.get("description"), max_chars=50_000),
        "category": parse_str_list("category", data.get("category")),
        "brand": parse_text("brand", data.get("brand"), max_chars=256),
        "tags": parse_str_list("tags", data.get("tags")),
        "price": parse_number("price", data.get("price"), minimum=0),
        "popularity": parse_number("popularity", data.get("popularity"), minimum=0),
        "created_at": iso(created) if created else None,
        "image_url": parse_text("image_url", data.get("image_url"), max_chars=2_048),
    }
    extra = {key: value for key, value in data.items() if key not in ROLES and value is not None}
    if extra:
        doc["extra"] = extra
    return {key: value for key, value in doc.items() if value is not None and value != []}


def item_text(doc: Mapping[str, Any], max_chars: int = 2000) -> str:
    """The text a sentence encoder sees for an item: title first, then facets and description."""
    parts = [doc["title"]]
    parts += [", ".join(doc.get("category", [])), doc.get("brand") or "", ", ".join(doc.get("tags", []))]
    parts.append(doc.get("description") or "")
    return ". ".join(part for part in parts if part)[:max_chars]
