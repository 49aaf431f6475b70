"""Index names and bodies. The JSON files in mappings/ are the single source of truth."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"


@dataclass(frozen=True)
class IndexNames:
    """Every index/alias name, derived from one optional prefix (e.g. 'shop1-')."""

    prefix: str = ""

    @property
    def items(self) -> str:
        """The alias readers use; it always points at one complete items-<version> index."""
        return f"{self.prefix}items"

    @property
    def events(self) -> str:
        return f"{self.prefix}events"

    @property
    def users(self) -> str:
        return f"{self.prefix}users"

    @property
    def impressions(self) -> str:
        return f"{self.prefix}impressions"

    @property
    def searches(self) -> str:
        """One document per /search (search analytics)."""
        return f"{self.prefix}searches"

    def item_version(self, version: str) -> str:
        return f"{self.items}-{version}"

    @property
    def item_version_pattern(self) -> str:
        return f"{self.items}-v*"


def new_version(now: datetime | None = None) -> str:
    """A sortable version label, e.g. 'v20261125t104501123456'."""
    return (now or datetime.now(UTC)).strftime("v%Y%m%dt%H%M%S%f")


@cache
def _load(name: str, mappings_dir: Path) -> dict[str, Any]:
    path = mappings_dir / f"{name}.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    body.pop("_comment", None)
    return body


def index_body(
    name: str, *, mappings_dir: Path = MAPPINGS_DIR, vector_dims: dict[str, int] | None = None
) -> dict[str, Any]:
    """Settings + mappings for index `name` ('items', 'events', 'users'), with vector sizes filled in.

    Args:
        name: the mapping file's stem.
        vector_dims: dense_vector field -> dims, e.g. {'text_vector': 384} from the encoder.
    """
    body = copy.deepcopy(_load(name, mappings_dir))
    properties = body["mappings"]["properties"]
    for field, dims in (vector_dims or {}).items():
        if properties.get(field, {}).get("type") != "dense_vector":
            raise ValueError(f"mappings/{name}.json has no dense_vector field {field!r}")
        properties[field]["dims"] = int(dims)
    return body
