"""Prometheus metrics for `GET /metrics`: what each route answered and how fast, where the time
went (the Server-Timing stages), and the state behind the API (event spool, impression log, models).

One registry per app, not prometheus_client's global one: tests build many apps in one process,
and a global registry would refuse their metrics the second time. Routes are labelled by their
template (`/users/{user_id}/feed`), never the concrete path, so user ids do not become series.
Routes without a template in the scope (the docs, the OpenAPI schema, the web page and its static
files) count as `other`; requests that match no route at all as `unmatched`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from api.services import Services

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "unmatched"
OTHER = "other"


def route_label(scope: Mapping[str, Any]) -> str:
    """The route template of a finished request's ASGI scope (see the module docstring)."""
    template = getattr(scope.get("route"), "path", None)
    if template is not None:
        return str(template)
    return OTHER if scope.get("endpoint") is not None else UNMATCHED


class Metrics:
    """The app's registry with its request metrics; `observe` is called once per HTTP request."""

    def __init__(self, services: Callable[[], Services | None]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "tandem_requests",
            "HTTP requests answered, by route template, method and status code.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tandem_request_duration_seconds",
            "Time from the request to its response headers, by route template.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.stages = Histogram(
            "tandem_stage_duration_seconds",
            "Time spent per stage of a request (the Server-Timing stages: encode, es, retrieve, rank, rerank).",
            ["route", "stage"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(ServingStateCollector(services))

    def observe(self, route: str, method: str, status: int, seconds: float, stages_ms: Mapping[str, float]) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)
        for stage, ms in stages_ms.items():
            self.stages.labels(route, stage).observe(ms / 1000.0)


class ServingStateCollector(Collector):
    """Read at every scrape: the event spool's backlog, the impression log's queue and counters,
    and which model version each component serves (none before `tandem train`)."""

    def __init__(self, services: Callable[[], Services | None]) -> None:
        self._services = services

    def collect(self) -> Iterator[Metric]:
        services = self._services()
        if services is None:  # before the app's start-up
            return
        yield GaugeMetricFamily(
            "tandem_event_spool_backlog", "Accepted events waiting in the local spool.", value=services.spool.backlog()
        )
        yield GaugeMetricFamily(
            "tandem_event_spool_bytes",
            "Bytes of those events; new events are refused past TANDEM_SPOOL_MAX_BYTES.",
            value=services.spool.backlog_bytes(),
        )
        yield CounterMetricFamily(
            "tandem_event_spool_refused",
            "Event batches refused because the spool was full.",
            value=services.spool.refused,
        )
        writer = services.impressions
        yield GaugeMetricFamily(
            "tandem_impressions_queued", "Impressions queued for the next bulk write.", value=writer.pending
        )
        yield CounterMetricFamily("tandem_impressions_written", "Impressions stored.", value=writer.written)
        yield CounterMetricFamily(
            "tandem_impressions_dropped",
            "Impressions lost to the queue's bound or refused by the engine.",
            value=writer.dropped,
        )
        breaker = services.breaker
        if breaker is not None:
            yield GaugeMetricFamily(
                "tandem_engine_breaker_open",
                "1 while the circuit breaker keeps calls from a hung engine (open or probing), else 0.",
                value=float(breaker.state != "closed"),
            )
            yield CounterMetricFamily(
                "tandem_engine_breaker_rejected",
                "Engine calls refused unsent by the open breaker.",
                value=breaker.rejected,
            )
            yield CounterMetricFamily(
                "tandem_engine_breaker_opened",
                "Times the breaker opened after timeouts in a row.",
                value=breaker.opened,
            )
        models = GaugeMetricFamily(
            "tandem_model_info",
            "The model version each component serves (1 per loaded component).",
            labels=["component", "version"],
        )
        for component, hot in (("towers", services.towers), ("cf", services.cf), ("ranker", services.ranker)):
            loaded = hot.get()
            if loaded is not None:
                models.add_metric([component, loaded.version], 1)
        yield models
