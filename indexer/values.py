"""Parsers for the value types shared by catalog and event rows.

Each raises RowValidationError naming the field, so a rejected row says exactly what is wrong.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson

from indexer.errors import RowValidationError

MAX_ID_BYTES = 512  # Elasticsearch's limit on _id


def shown(value: Any, max_chars: int = 60) -> str:
    """A value for an error message: its repr, cut short (a huge int has no repr; a long text is noise)."""
    try:
        text = repr(value)
    except ValueError:
        return f"an integer of {value.bit_length()} bits" if isinstance(value, int) else type(value).__name__
    return text if len(text) <= max_chars else text[: max_chars - 3] + "..."


def _as_text(field: str, value: str | int | float) -> str:
    """str() of a string or number; an integer past Python's int->str digit limit is refused, not raised."""
    try:
        return str(value)
    except ValueError as exc:  # int_max_str_digits: no id, title or tag is thousands of digits long
        raise RowValidationError(field, "is a number too long to be used as text") from exc


def parse_id(field: str, value: Any) -> str:
    """A non-empty identifier; integers are accepted and turned into strings."""
    if isinstance(value, bool) or value is None:
        raise RowValidationError(field, "is required" if value is None else "must be a string, not a boolean")
    if isinstance(value, int):
        value = _as_text(field, value)
    if not isinstance(value, str):
        raise RowValidationError(field, f"must be a string, got {type(value).__name__}")
    value = value.strip()
    if not value:
        raise RowValidationError(field, "must not be empty")
    if len(value.encode()) > MAX_ID_BYTES:
        raise RowValidationError(field, f"is longer than {MAX_ID_BYTES} bytes")
    return value


def parse_text(field: str, value: Any, *, required: bool = False, max_chars: int = 100_000) -> str | None:
    """A string; numbers are accepted as text (e.g. a CSV 'title' of 1984)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RowValidationError(field, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RowValidationError(field, f"must be a string, got {type(value).__name__}")
    text = _as_text(field, value).strip()
    if len(text) > max_chars:
        raise RowValidationError(field, f"is longer than {max_chars} characters")
    return text


def parse_str_list(field: str, value: Any) -> list[str]:
    """A list of strings. Text input may be a JSON array or '|'-separated (the CSV convention)."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise RowValidationError(field, f"looks like a JSON array but is not valid: {exc.msg}") from exc
        else:
            return [part.strip() for part in text.split("|") if part.strip()]
    if not isinstance(value, (list, tuple)):
        raise RowValidationError(field, f"must be a string or a list of strings, got {type(value).__name__}")
    out: list[str] = []
    for element in value:
        if isinstance(element, bool) or not isinstance(element, (str, int, float)):
            raise RowValidationError(field, f"list elements must be strings, got {type(element).__name__}")
        text = _as_text(field, element).strip()
        if text:
            out.append(text)
    return out


def parse_number(field: str, value: Any, *, minimum: float | None = None) -> float | None:
    """A finite number (numeric strings accepted), optionally with a lower bound."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise RowValidationError(field, "must be a number, not a boolean")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError as exc:
            raise RowValidationError(field, f"must be a number, got {shown(value)}") from exc
    if not isinstance(value, (int, float)):
        raise RowValidationError(field, f"must be a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError as exc:  # an integer past float range
        raise RowValidationError(field, "is out of range") from exc
    if not math.isfinite(number):
        raise RowValidationError(field, "must be a finite number")
    if minimum is not None and number < minimum:
        raise RowValidationError(field, f"must be >= {minimum:g}, got {number:g}")
    return number


def parse_timestamp(field: str, value: Any, *, required: bool = False) -> datetime | None:
    """ISO 8601 (a naive time is taken as UTC) or epoch seconds; returns an aware UTC datetime."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RowValidationError(field, "is required")
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, bool):
        raise RowValidationError(field, "must be ISO 8601 or epoch seconds, not a boolean")
    elif isinstance(value, (int, float)) or (isinstance(value, str) and _is_number(value)):
        try:
            seconds = float(value)
        except OverflowError:  # an integer past float range
            seconds = math.inf
        if not math.isfinite(seconds) or not 0 <= seconds < 253402300800:  # year 10000
            raise RowValidationError(field, f"epoch seconds out of range: {shown(value)}")
        moment = datetime.fromtimestamp(seconds, tz=UTC)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError as exc:
            raise RowValidationError(field, f"must be ISO 8601 or epoch seconds, got {shown(value)}") from exc
    else:
        raise RowValidationError(field, f"must be ISO 8601 or epoch seconds, got {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00+14:00 is before year 1 in UTC
        raise RowValidationError(field, f"is out of range in UTC: {shown(value)}") from exc


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with a 'Z', the one timestamp spelling stored in Elasticsearch."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def vector_value(vector: np.ndarray) -> list[float]:
    """A dense_vector for a document: float32, each number in the shortest decimal that reads back
    as the same float32. Lossless (Elasticsearch stores float32), and about half the JSON of
    `tolist()`'s float64 spellings: a feed's search response carries 200 item vectors in `_source`.

    Example:
        >>> vector_value(np.array([0.1, 1 / 3], dtype=np.float32))
        [0.1, 0.33333334]
    """
    return orjson.loads(orjson.dumps(np.asarray(vector, dtype=np.float32), option=orjson.OPT_SERIALIZE_NUMPY))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
