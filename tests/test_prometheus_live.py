"""A real Prometheus scrapes a running specguard: every dashboard and alert expression works.

``tests.live_stack`` runs ``specguard serve`` (the console script, as deployed) in front of the
demo model and a scripted upstream, and Prometheus with ``deploy/prometheus/prometheus.yml`` and
``alerts.yml``, retargeted at it, scraping and evaluating every second; the official ``openai``
SDK sends traffic in two batches with a scrape between them (so rates are not zero). Then every
expression is sent to Prometheus' query API. Each must be accepted; those built only
from metrics listed in ``PRODUCED_NOW`` must also return at least one number.

A new metric goes in ``LATER`` until ``tests.live_stack.send_batch`` drives it, then moves
to ``PRODUCED_NOW``.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.deploy_files import (
    BUILTIN_SERIES,
    Query,
    catalogue,
    dashboard_queries,
    metric_names,
    recorded_series,
    rule_queries,
    rules,
)
from tests.live_stack import KEYS, NO_PROMETHEUS, Stack, running_stack, sample_values, wait

PRODUCED_NOW = {
    "specguard_requests_total": "every chat request (401s under tenant 'unknown')",
    "specguard_request_duration_seconds": "every authenticated chat request",
    "specguard_overhead_seconds": "every request (stage total), screened ones (detectors)",
    "specguard_upstream_duration_seconds": "every upstream call, demo model included",
    "specguard_upstream_errors_total": "the scripted upstream answering 500",
    "specguard_decisions_total": "tenant 'guarded' (deny_terms) and 'flaky' (fail closed)",
    "specguard_stream_cutoffs_total": "a deny term late in a stream of tenant 'guarded'",
    "specguard_detector_errors_total": "tenant 'flaky': copyright with a 1 us deadline",
    "specguard_config_reloads_total": "SIGHUP with a valid, then an invalid file",
    "specguard_tokens_total": "usage in every completion",
    "specguard_in_flight_requests": "a gauge, exposed from start-up",
}
"""Metrics the traffic below produces: expressions over them must return data."""

LATER: dict[str, str] = {}
"""Metrics nothing produces yet, with what will: expressions over them must only be valid."""

# --- classification ----------------------------------------------------------------------------


def _sources(expr: str) -> set[str]:
    """Catalogue metrics behind an expression, through recording rules."""
    names: set[str] = set()
    recorded, exposed = recorded_series(), catalogue()
    for name in metric_names(expr):
        if name in recorded:
            names |= _sources(recorded[name])
        else:
            names.add(exposed.get(name, name))
    return names


def must_return_data(query: Query) -> bool:
    """Whether every metric the expression reads is produced today (and it is not a whole
    alert expression, which returns data only while firing: its operands are checked instead)."""
    return not query.alert and _sources(query.expr) <= set(PRODUCED_NOW) | BUILTIN_SERIES


ALL_QUERIES = dashboard_queries() + rule_queries()


# --- the stack ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    prometheus_binary = shutil.which("prometheus")
    if prometheus_binary is None:
        pytest.skip(NO_PROMETHEUS)
    with running_stack(tmp_path_factory.mktemp("prometheus-live"), prometheus_binary) as live:
        required = [query.expr for query in ALL_QUERIES if must_return_data(query)]
        wait(
            "data for every expression over produced metrics",
            lambda: all(live.has_data(expr) for expr in required),
            live.logs,
            timeout=20,
            fail=False,
        )
        yield live


# --- tests -------------------------------------------------------------------------------------


def test_every_catalogued_metric_is_classified() -> None:
    assert set(PRODUCED_NOW) | set(LATER) == set(catalogue().values())
    assert not set(PRODUCED_NOW) & set(LATER)


@pytest.mark.parametrize("query", ALL_QUERIES, ids=[query.source for query in ALL_QUERIES])
def test_expression_is_valid_and_returns_data_once_its_metrics_exist(
    stack: Stack, query: Query
) -> None:
    answer = stack.query(query.expr)
    assert answer["status"] == "success", answer
    if must_return_data(query):
        values = sample_values(answer["data"])
        assert values, f"no series for {query.expr}"
        assert any(not math.isnan(float(value)) for value in values), values


def test_every_rule_evaluates_without_error(stack: Stack) -> None:
    def groups() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = stack.prometheus.get("/api/v1/rules").json()["data"]["groups"]
        return found

    wait(
        "every rule to be evaluated",
        lambda: all(r["health"] != "unknown" for g in groups() for r in g["rules"]),
        stack.logs,
        timeout=10,
    )
    evaluated = [rule for group in groups() for rule in group["rules"]]
    assert {r["name"]: r.get("lastError") for r in evaluated if r["health"] != "ok"} == {}
    assert len(evaluated) == len(rules())


def test_tenant_variable_lists_the_configured_tenants(stack: Stack) -> None:
    # The dashboard's Tenant variable is label_values(specguard_requests_total, tenant).
    answer = stack.prometheus.get(
        "/api/v1/label/tenant/values", params={"match[]": "specguard_requests_total"}
    ).json()
    assert set(KEYS) | {"unknown"} <= set(answer["data"])


def test_rejected_reload_fires_its_alert_and_nothing_else_fires(stack: Stack) -> None:
    # A third of the scripted upstream's calls fail, so SpecguardUpstreamErrorRate and
    # SpecguardDetectorFailClosed may be pending; their `for` keeps them from firing in a test.
    def firing() -> set[str]:
        alerts = stack.prometheus.get("/api/v1/alerts").json()["data"]["alerts"]
        return {alert["labels"]["alertname"] for alert in alerts if alert["state"] == "firing"}

    wait(
        "SpecguardConfigReloadFailed to fire",
        lambda: "SpecguardConfigReloadFailed" in firing(),
        stack.logs,
        timeout=10,
    )
    assert firing() == {"SpecguardConfigReloadFailed"}
