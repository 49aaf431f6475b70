"""GET /metrics (api/metrics.py): Prometheus text the official parser reads, per route template."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.es


def _samples(client: TestClient) -> dict[str, list[tuple[dict[str, str], float]]]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((sample.labels, sample.value))
    return out


def _value(samples: dict, name: str, **labels: str) -> float:
    matches = [v for found, v in samples.get(name, []) if all(found.get(k) == w for k, w in labels.items())]
    assert matches, f"no {name} with {labels}"
    return sum(matches)


def test_requests_are_counted_per_route_template_with_their_stages(client: TestClient) -> None:
    assert client.get("/search?q=mug").status_code == 200
    assert client.get("/users/user-0001/feed").status_code == 200
    assert client.get("/users/user-0002/feed").status_code == 200
    assert client.get("/search?q=mug&k=0").status_code == 422
    samples = _samples(client)

    feed = "/users/{user_id}/feed"
    assert _value(samples, "tandem_requests_total", route="/search", method="GET", status="200") == 1
    assert _value(samples, "tandem_requests_total", route="/search", status="422") == 1
    assert _value(samples, "tandem_requests_total", route=feed, status="200") == 2
    assert not [labels for labels, _ in samples["tandem_requests_total"] if "user-0001" in labels["route"]]
    assert _value(samples, "tandem_request_duration_seconds_count", route=feed) == 2
    # the search's stages, as in its Server-Timing header: one engine call at least, and the encoder
    assert _value(samples, "tandem_stage_duration_seconds_count", route="/search", stage="es") >= 1
    assert _value(samples, "tandem_stage_duration_seconds_count", route="/search", stage="encode") >= 1


def test_unknown_paths_share_one_label(client: TestClient) -> None:
    for path in ("/nope/1", "/nope/2"):
        assert client.get(path).status_code == 404
    assert client.get("/docs").status_code == 200  # a route, though not one of the API's
    samples = _samples(client)
    assert _value(samples, "tandem_requests_total", route="unmatched", status="404") == 2
    assert _value(samples, "tandem_requests_total", route="other", status="200") == 1
    assert not [labels for labels, _ in samples["tandem_requests_total"] if labels["route"].startswith("/nope")]


def test_the_serving_state_is_read_at_each_scrape(client: TestClient) -> None:
    services = client.app.state.services
    assert client.get("/users/user-0001/feed?k=3").status_code == 200
    before = _samples(client)  # the impressions of that feed are queued or, if the writer ran, written
    queued = _value(before, "tandem_impressions_queued")
    written = _value(before, "tandem_impressions_written_total")
    assert queued + written >= 3
    services.impressions.flush()
    after = _samples(client)
    assert _value(after, "tandem_impressions_queued") == 0
    assert _value(after, "tandem_impressions_written_total") == queued + written
    assert _value(after, "tandem_event_spool_backlog") == services.spool.backlog() == 0
    assert "tandem_model_info" not in after  # no model trained in this test: nothing to report
