"""Prometheus metrics. Label values come only from configured names (tenant ids, route globs,
upstream names, detector names), never from request strings, so cardinality stays bounded.

With several workers, ``PROMETHEUS_MULTIPROC_DIR`` is set by ``specguard serve`` and ``/metrics``
aggregates every worker's samples.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_OVERHEAD_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25)

REQUESTS = Counter(
    "specguard_requests_total",
    "Chat requests by tenant, route and HTTP status.",
    ["tenant", "route", "status"],
)
REQUEST_LATENCY = Histogram(
    "specguard_request_duration_seconds",
    "Whole request time, upstream included.",
    ["tenant", "route"],
    buckets=_LATENCY_BUCKETS,
)
OVERHEAD = Histogram(
    "specguard_overhead_seconds",
    "Time specguard adds, by stage (rules, detectors, total); upstream time excluded.",
    ["stage"],
    buckets=_OVERHEAD_BUCKETS,
)
UPSTREAM_LATENCY = Histogram(
    "specguard_upstream_duration_seconds",
    "Time waiting for the upstream.",
    ["upstream"],
    buckets=_LATENCY_BUCKETS,
)
UPSTREAM_ERRORS = Counter(
    "specguard_upstream_errors_total",
    "Upstream failures by kind (timeout, unreachable, malformed, incomplete, status_N).",
    ["upstream", "kind"],
)
DECISIONS = Counter(
    "specguard_decisions_total",
    "Policy decisions by tenant, stage (input, output, stream), detector, category and action.",
    ["tenant", "stage", "detector", "category", "action"],
)
STREAM_CUTOFFS = Counter(
    "specguard_stream_cutoffs_total",
    "Streams cut short by a refusal, by tenant and detector.",
    ["tenant", "detector"],
)
DETECTOR_ERRORS = Counter(
    "specguard_detector_errors_total",
    "Detector scans that failed or missed their deadline, by outcome (refused = fail closed).",
    ["detector", "kind", "outcome"],
)
CONFIG_RELOADS = Counter(
    "specguard_config_reloads_total",
    "Configuration reloads by result (ok, invalid).",
    ["result"],
)
TOKENS = Counter(
    "specguard_tokens_total",
    "Tokens reported in upstream usage, by tenant and kind.",
    ["tenant", "kind"],
)
IN_FLIGHT = Gauge(
    "specguard_in_flight_requests",
    "Chat requests being served.",
    multiprocess_mode="livesum",
)


def detector_failed(detector: str, kind: str, outcome: str) -> None:
    """Count a failed detector scan (``detectors.screen.FailureHook``)."""
    DETECTOR_ERRORS.labels(detector, kind, outcome).inc()


def render() -> tuple[bytes, str]:
    """The exposition text for ``/metrics`` and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def initialise(tenants: list[str], upstreams: list[str], detectors: list[str]) -> None:
    """Create the configured label sets at zero, so ``increase()`` sees an event's first count
    (a counter that appears at 1 has no earlier sample to increase from)."""
    for result in ("ok", "invalid"):
        CONFIG_RELOADS.labels(result)
    for upstream in upstreams:
        for kind in ("timeout", "unreachable", "malformed", "incomplete"):
            UPSTREAM_ERRORS.labels(upstream, kind)
    for detector in detectors:
        for kind in ("error", "timeout"):
            for outcome in ("refused", "allowed"):
                DETECTOR_ERRORS.labels(detector, kind, outcome)
    for tenant in tenants:
        for kind in ("prompt", "completion"):
            TOKENS.labels(tenant, kind)
