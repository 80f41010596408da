"""Prometheus metrics. Under several uvicorn workers set PROMETHEUS_MULTIPROC_DIR (``filmtour serve`` does) so
/metrics adds up every worker's counters."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import Metric

REQUESTS = Counter("filmtour_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "filmtour_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ENGINE_LATENCY = Histogram(
    "filmtour_routing_engine_seconds",
    "Routing engine call latency",
    ["backend", "action"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


class StartedWorkersCollector(multiprocess.MultiProcessCollector):
    """Every worker's counters, leaving out a file that a starting worker has created but not yet sized.

    prometheus_client creates a worker's file empty and sizes it a moment later; reading it in between raises
    struct.error and fails the whole scrape (prometheus/client_python#1199, open in 0.26.0), and a worker killed in
    that moment leaves the empty file for good. A file never shrinks, so one seen non-empty here reads whole."""

    def collect(self) -> Iterable[Metric]:
        files = [path for path in glob.glob(os.path.join(self._path, "*.db")) if os.path.getsize(path) > 0]
        return self.merge(files, accumulate=True)


def render_metrics() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        StartedWorkersCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
