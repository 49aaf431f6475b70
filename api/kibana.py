"""Kibana set-up: import Tandem's data views and "Tandem overview" dashboard through Kibana's
saved-objects API, under the configured index names.

kibana/saved_objects.ndjson holds the objects for the default (empty) index prefix; for another
prefix the data view titles (index patterns), every id and every reference are rewritten, so several
tenants can share one Kibana. Ids are fixed and the import overwrites: running it again gives the
same objects.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from api.settings import Settings

logger = logging.getLogger(__name__)

SAVED_OBJECTS = Path(__file__).resolve().parent.parent / "kibana" / "saved_objects.ndjson"
RETRY_EVERY_S = 2.0


class KibanaError(Exception):
    """Base class for everything the Kibana set-up raises."""


class KibanaUnavailableError(KibanaError):
    """Kibana did not answer (or kept answering 503 'not ready') for the whole wait."""

    def __init__(self, url: str, waited_s: float, reason: str) -> None:
        super().__init__(f"Kibana at {url} is unreachable after waiting {waited_s:.0f} s: {reason}")
        self.url = url
        self.waited_s = waited_s
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.url, self.waited_s, self.reason))


class KibanaRequestError(KibanaError):
    """Kibana refused the import request as a whole (bad credentials, bad file, server error)."""

    def __init__(self, url: str, status: int, message: str) -> None:
        super().__init__(f"Kibana at {url} refused the import: HTTP {status}: {message}")
        self.url = url
        self.status = status
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.url, self.status, self.message))


class KibanaImportError(KibanaError):
    """Kibana answered 200 but refused some objects; `errors` holds its per-object entries as sent."""

    def __init__(self, url: str, errors: list[dict[str, Any]]) -> None:
        lines = "\n".join(f"  {describe_import_error(error)}" for error in errors)
        super().__init__(f"Kibana at {url} did not import {len(errors)} saved object(s):\n{lines}")
        self.url = url
        self.errors = errors

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.url, self.errors))


def describe_import_error(error: Mapping[str, Any]) -> str:
    """One line per refused object, e.g. 'lens tandem-x (Top items): missing_references: index-pattern y'."""
    title = error.get("title") or error.get("meta", {}).get("title")
    where = f"{error.get('type', '?')} {error.get('id', '?')}" + (f" ({title})" if title else "")
    detail = dict(error.get("error") or {})
    kind = detail.pop("type", "error")
    if kind == "missing_references":
        refs = ", ".join(f"{ref.get('type')} {ref.get('id')}" for ref in detail.get("references", []))
        return f"{where}: missing_references: {refs}"
    extra = detail.get("message") or detail.get("reason") or (json.dumps(detail, sort_keys=True) if detail else "")
    return f"{where}: {kind}" + (f": {extra}" if extra else "")


def load_saved_objects(prefix: str = "", path: Path = SAVED_OBJECTS) -> list[dict[str, Any]]:
    """The saved objects for index-name `prefix` (e.g. 'shop1-'); '' returns the file as written.

    Data view titles are index patterns, so each comma-separated part gets the prefix; ids and
    references get it too, and other titles show it, so two prefixes never overwrite each other.

    Example:
        >>> [o["attributes"]["title"] for o in load_saved_objects("shop1-") if o["id"] == "shop1-tandem-events"]
        ['shop1-events']
    """
    objects = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not prefix:
        return objects
    for obj in objects:
        obj["id"] = f"{prefix}{obj['id']}"
        for reference in obj.get("references", []):
            reference["id"] = f"{prefix}{reference['id']}"
        attributes = obj["attributes"]
        if obj["type"] == "index-pattern":
            attributes["title"] = ",".join(f"{prefix}{index}" for index in attributes["title"].split(","))
            attributes["name"] = f"{attributes['name']} [{prefix}]"
        else:
            attributes["title"] = f"{attributes['title']} [{prefix}]"
    return objects


def to_ndjson(objects: Sequence[Mapping[str, Any]]) -> bytes:
    return "".join(json.dumps(obj, ensure_ascii=False) + "\n" for obj in objects).encode("utf-8")


@dataclass(frozen=True)
class KibanaSetupReport:
    """What one import did: the objects Kibana stored and where the dashboard is."""

    kibana_url: str
    imported: list[tuple[str, str, str]]  # (type, id, title)
    dashboard_url: str


def display_url(url: str) -> str:
    """The URL without any user:password part, for messages."""
    return str(httpx.URL(url).copy_with(username=None, password=None)).rstrip("/")


def _auth(settings: Settings) -> tuple[dict[str, str], httpx.BasicAuth | None]:
    """(headers, basic auth) from the settings; secrets only ever go into the request."""
    has_basic = settings.kibana_username is not None or settings.kibana_password is not None
    if settings.kibana_api_key is not None and has_basic:
        raise KibanaError("set either KIBANA_API_KEY or KIBANA_USERNAME + KIBANA_PASSWORD, not both")
    if settings.kibana_api_key is not None:
        return {"Authorization": f"ApiKey {settings.kibana_api_key.get_secret_value()}"}, None
    if has_basic:
        if settings.kibana_username is None or settings.kibana_password is None:
            raise KibanaError("KIBANA_USERNAME and KIBANA_PASSWORD must be set together")
        return {}, httpx.BasicAuth(settings.kibana_username, settings.kibana_password.get_secret_value())
    return {}, None


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body)[:300]
    return str(body)[:300]


def setup_kibana(settings: Settings, *, wait_s: float = 30.0, timeout_s: float = 30.0) -> KibanaSetupReport:
    """Import the saved objects for `settings.index_prefix` into `settings.kibana_url` (overwrite).

    Retries every 2 s while Kibana is unreachable or answers 503 (starting up), for up to `wait_s`.

    Raises:
        KibanaUnavailableError: no answer within `wait_s`.
        KibanaRequestError: Kibana refused the request (e.g. 401 with wrong credentials).
        KibanaImportError: Kibana refused some objects; each is listed.
    """
    url = display_url(settings.kibana_url)
    headers, auth = _auth(settings)
    objects = load_saved_objects(settings.index_prefix)
    body = to_ndjson(objects)
    endpoint = f"{settings.kibana_url.rstrip('/')}/api/saved_objects/_import"
    deadline = time.monotonic() + wait_s
    with httpx.Client(timeout=timeout_s, headers={"kbn-xsrf": "true", **headers}, auth=auth) as client:
        while True:
            try:
                response = client.post(
                    endpoint,
                    params={"overwrite": "true"},
                    files={"file": ("tandem.ndjson", body, "application/ndjson")},
                )
            except httpx.TransportError as exc:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                if response.status_code != 503:
                    break
                reason = f"HTTP 503: {_error_message(response)}"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise KibanaUnavailableError(url, wait_s, reason)
            logger.info("waiting for Kibana at %s (%s)", url, reason)
            time.sleep(min(RETRY_EVERY_S, remaining))
    if response.status_code != 200:
        raise KibanaRequestError(url, response.status_code, _error_message(response))
    try:
        result = response.json()
    except ValueError:
        result = None
    if not isinstance(result, dict):  # e.g. a proxy's HTML page: not Kibana's import API
        raise KibanaRequestError(url, response.status_code, f"not an import result: {response.text[:200]!r}")
    if not result.get("success", False):
        raise KibanaImportError(url, list(result.get("errors") or []))
    results = result.get("successResults") or []
    stored = {(r.get("type"), r.get("id")) for r in results}
    imported = [
        (o["type"], o["id"], o["attributes"].get("name") or o["attributes"]["title"])
        for o in objects
        if not stored or (o["type"], o["id"]) in stored
    ]
    dashboard_id = next(o["id"] for o in objects if o["type"] == "dashboard")
    # Kibana stores an object under a new id (`destinationId`) when its id cannot be used where it imports,
    # e.g. the id is taken in another space; the dashboard link must name the id Kibana actually stored.
    for r in results:
        if (r.get("type"), r.get("id")) == ("dashboard", dashboard_id) and r.get("destinationId"):
            dashboard_id = r["destinationId"]
    return KibanaSetupReport(url, imported, f"{url}/app/dashboards#/view/{quote(dashboard_id, safe='')}")
