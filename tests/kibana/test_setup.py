"""`tandem kibana setup` against a small fake Kibana: a real HTTP server on a free port that records requests."""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import pickle
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from typer.testing import CliRunner

from api import kibana
from api.cli import app
from api.engine import free_port
from api.kibana import KibanaImportError, load_saved_objects
from indexer.mappings import IndexNames

runner = CliRunner()
SECRET = "s3cret-do-not-print"


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    objects: list[dict[str, Any]]
    filename: str | None


@dataclass
class FakeKibana:
    """Answers POST /api/saved_objects/_import with queued (status, body) replies, then with success."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    replies: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {headers.get('content-type', '')}\r\n\r\n".encode() + body
        )
        parts = [p for p in message.iter_parts() if p.get_param("name", header="content-disposition") == "file"]
        payload = parts[0].get_payload(decode=True) if parts else b""
        objects = [json.loads(line) for line in payload.decode().splitlines() if line.strip()]
        filename = parts[0].get_filename() if parts else None
        self.requests.append(Recorded(path, headers, objects, filename))
        if self.replies:
            return self.replies.pop(0)
        results = [{"type": o["type"], "id": o["id"], "meta": {"title": o["attributes"]["title"]}} for o in objects]
        return 200, {"success": True, "successCount": len(objects), "successResults": results}


@pytest.fixture
def fake_kibana() -> Iterator[FakeKibana]:
    fake = FakeKibana()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            status, reply = fake.handle(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def env(url: str, **extra: str) -> dict[str, str]:
    """Only what the test sets: credentials from the machine's environment must not leak in."""
    blank = ("KIBANA_API_KEY", "KIBANA_USERNAME", "KIBANA_PASSWORD", "TANDEM_INDEX_PREFIX")
    return {**{name: "" for name in blank}, "KIBANA_URL": url, **extra}


def test_setup_imports_the_prefixed_objects_with_xsrf_and_api_key(fake_kibana: FakeKibana) -> None:
    result = runner.invoke(
        app,
        ["kibana", "setup", "--wait", "0"],
        env=env(fake_kibana.url, TANDEM_INDEX_PREFIX="shop1-", KIBANA_API_KEY=SECRET),
    )
    assert result.exit_code == 0, result.output
    [request] = fake_kibana.requests
    assert request.path == "/api/saved_objects/_import?overwrite=true"
    assert request.headers["kbn-xsrf"] == "true" and request.headers["authorization"] == f"ApiKey {SECRET}"
    assert request.headers["content-type"].startswith("multipart/form-data") and request.filename
    names = IndexNames("shop1-")
    titles = {o["id"]: o["attributes"]["title"] for o in request.objects if o["type"] == "index-pattern"}
    assert titles["shop1-tandem-events"] == names.events and titles["shop1-tandem-searches"] == names.searches
    assert titles["shop1-tandem-clickthrough"] == f"{names.events},{names.impressions}"
    assert all(o["id"].startswith("shop1-tandem-") for o in request.objects)
    assert all(r["id"].startswith("shop1-tandem-") for o in request.objects for r in o["references"])
    assert f"imported {len(request.objects)} saved objects" in result.output
    assert f"Dashboard: {fake_kibana.url}/app/dashboards#/view/shop1-tandem-overview" in result.output
    assert SECRET not in result.output


def test_setup_sends_basic_auth_and_is_idempotent(fake_kibana: FakeKibana) -> None:
    environment = env(fake_kibana.url, KIBANA_USERNAME="elastic", KIBANA_PASSWORD=SECRET)
    outputs = [runner.invoke(app, ["kibana", "setup", "--wait", "0"], env=environment) for _ in range(2)]
    assert [r.exit_code for r in outputs] == [0, 0], outputs[0].output
    first, second = fake_kibana.requests
    expected = "Basic " + base64.b64encode(f"elastic:{SECRET}".encode()).decode()
    assert first.headers["authorization"] == second.headers["authorization"] == expected
    assert first.objects == second.objects == load_saved_objects()  # same fixed ids, overwrite=true: same result
    assert second.path.endswith("overwrite=true") and outputs[0].output == outputs[1].output
    assert all(SECRET not in r.output for r in outputs)


def test_per_object_errors_are_listed_and_exit_1(fake_kibana: FakeKibana) -> None:
    errors = [
        {
            "id": "tandem-lens-top-items",
            "type": "lens",
            "title": "Top items",
            "meta": {"title": "Top items", "icon": "lensApp"},
            "error": {"type": "missing_references", "references": [{"type": "index-pattern", "id": "tandem-events"}]},
        },
        {
            "id": "tandem-overview",
            "type": "dashboard",
            "meta": {"title": "Tandem overview"},
            "error": {"type": "unknown", "message": "panel type is missing", "statusCode": 400},
        },
    ]
    fake_kibana.replies.append((200, {"success": False, "successCount": 11, "errors": errors}))
    result = runner.invoke(app, ["kibana", "setup", "--wait", "0"], env=env(fake_kibana.url))
    assert result.exit_code == 1
    assert f"Kibana at {fake_kibana.url} did not import 2 saved object(s)" in result.output
    assert "lens tandem-lens-top-items (Top items): missing_references: index-pattern tandem-events" in result.output
    assert "dashboard tandem-overview (Tandem overview): unknown: panel type is missing" in result.output
    assert "Dashboard:" not in result.output


def test_import_error_keeps_its_data_through_pickling() -> None:
    error = KibanaImportError("http://k", [{"type": "lens", "id": "x", "error": {"type": "conflict"}}])
    copy = pickle.loads(pickle.dumps(error))
    assert copy.errors == error.errors and str(copy) == str(error) and "lens x: conflict" in str(copy)


def test_refused_credentials_exit_1_without_printing_them(fake_kibana: FakeKibana) -> None:
    reply = {"statusCode": 401, "error": "Unauthorized", "message": "[security_exception] unable to authenticate"}
    fake_kibana.replies.append((401, reply))
    result = runner.invoke(
        app, ["kibana", "setup", "--wait", "0"], env=env(fake_kibana.url, KIBANA_USERNAME="u", KIBANA_PASSWORD=SECRET)
    )
    assert result.exit_code == 1
    assert f"Kibana at {fake_kibana.url} refused the import: HTTP 401: [security_exception]" in result.output
    assert SECRET not in result.output


def test_waits_while_kibana_is_starting(fake_kibana: FakeKibana, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kibana, "RETRY_EVERY_S", 0.05)
    not_ready = {"statusCode": 503, "error": "Service Unavailable", "message": "Kibana server is not ready yet"}
    fake_kibana.replies += [(503, not_ready), (503, not_ready)]
    result = runner.invoke(app, ["kibana", "setup", "--wait", "10"], env=env(fake_kibana.url))
    assert result.exit_code == 0, result.output
    assert len(fake_kibana.requests) == 3 and "Dashboard:" in result.output


@pytest.mark.parametrize("wait", ["0", "0.3"])
def test_unreachable_kibana_is_a_clear_error(wait: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kibana, "RETRY_EVERY_S", 0.05)
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = runner.invoke(app, ["kibana", "setup", "--wait", wait], env=env(url, KIBANA_API_KEY=SECRET))
    assert result.exit_code == 1
    assert f"error: Kibana at {url} is unreachable after waiting {float(wait):.0f} s: ConnectError" in result.output
    assert "Traceback" not in result.output and SECRET not in result.output


def test_conflicting_credentials_are_refused(fake_kibana: FakeKibana) -> None:
    environment = env(fake_kibana.url, KIBANA_API_KEY=SECRET, KIBANA_USERNAME="u", KIBANA_PASSWORD=SECRET)
    result = runner.invoke(app, ["kibana", "setup", "--wait", "0"], env=environment)
    assert result.exit_code == 1 and "not both" in result.output and SECRET not in result.output
    assert fake_kibana.requests == []


def test_dashboard_link_names_the_id_kibana_stored_it_under(fake_kibana: FakeKibana) -> None:
    """Kibana answers `destinationId` when it had to store an object under a new id (id taken elsewhere)."""
    objects = load_saved_objects()
    results = [{"type": o["type"], "id": o["id"], "meta": {"title": o["attributes"]["title"]}} for o in objects]
    for result in results:
        if result["type"] == "dashboard":
            result["destinationId"] = "0f1e2d3c-new-id"
    fake_kibana.replies.append((200, {"success": True, "successCount": len(results), "successResults": results}))
    result = runner.invoke(app, ["kibana", "setup", "--wait", "0"], env=env(fake_kibana.url))
    assert result.exit_code == 0, result.output
    assert f"Dashboard: {fake_kibana.url}/app/dashboards#/view/0f1e2d3c-new-id" in result.output


def test_a_reply_that_is_not_an_import_result_is_a_clear_error(fake_kibana: FakeKibana) -> None:
    fake_kibana.replies.append((200, ["not", "kibana"]))  # type: ignore[arg-type]
    result = runner.invoke(app, ["kibana", "setup", "--wait", "0"], env=env(fake_kibana.url))
    assert result.exit_code == 1 and "not an import result" in result.output
    assert "Traceback" not in result.output
