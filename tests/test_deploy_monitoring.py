"""The monitoring files are valid and agree with the code.

Prometheus config and rules pass ``promtool``; every PromQL expression in the dashboard and the
rules names only metrics from ``proxy/metrics.py``; every alert is documented; the dashboard shows
every operational signal and is provisioned from the compose mount. Nothing here needs a network.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.deploy_files import (
    ALERTS_YML,
    BUILTIN_SERIES,
    DASHBOARD,
    DEPLOY,
    PROMETHEUS_YML,
    Query,
    catalogue,
    dashboard,
    dashboard_panels,
    dashboard_queries,
    load_yaml,
    metric_names,
    operands,
    promtool,
    recorded_series,
    rule_queries,
    rules,
    run,
)

# --- Prometheus --------------------------------------------------------------------------------


def test_prometheus_config_passes_promtool() -> None:
    result = run([promtool(), "check", "config", str(PROMETHEUS_YML)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_pass_promtool() -> None:
    result = run([promtool(), "check", "rules", str(ALERTS_YML)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    # promtool parses rule expressions offline: wrap each panel query in a recording rule.
    document = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:query_{index}", "expr": query.expr}
                    for index, query in enumerate(dashboard_queries())
                ],
            }
        ]
    }
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    result = run([promtool(), "check", "rules", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_scrapes_the_compose_service() -> None:
    config = load_yaml(PROMETHEUS_YML)
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    targets = [t for c in jobs["specguard"]["static_configs"] for t in c["targets"]]
    assert targets == ["specguard:8080"]
    assert jobs["specguard"].get("metrics_path", "/metrics") == "/metrics"
    assert config["rule_files"] == [ALERTS_YML.name]


def test_every_alert_has_severity_summary_and_description() -> None:
    alerts = [rule for rule in rules() if "alert" in rule]
    assert {rule["alert"] for rule in alerts} >= {
        "SpecguardRefusalRateSpike",
        "SpecguardDetectorFailClosed",
        "SpecguardUpstreamErrorRate",
        "SpecguardOverheadP99High",
    }
    for rule in alerts:
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"].strip(), rule["alert"]
        assert len(rule["annotations"]["description"].split()) >= 10, rule["alert"]


def uncatalogued(queries: list[Query], known: set[str]) -> dict[str, list[str]]:
    """Per query source, the metric names it uses that are not in ``known``."""
    return {
        query.source: sorted(metric_names(query.expr) - known)
        for query in queries
        if metric_names(query.expr) - known
    }


def test_rules_use_only_catalogued_metrics() -> None:
    known = set(catalogue()) | set(recorded_series()) | BUILTIN_SERIES
    assert uncatalogued(rule_queries(), known) == {}


def test_alert_operands_split_at_top_level_comparisons() -> None:
    expr = 'sum by (a) (rate(x{b!="c", d=~"e|f"}[5m])) / (y > 0) > 0.2 and on (a) z > bool 3 * w'
    assert operands(expr) == ['sum by (a) (rate(x{b!="c", d=~"e|f"}[5m])) / (y > 0)', "z", "3 * w"]
    assert metric_names(expr) == {"x", "y", "z", "w"}


# --- Grafana -----------------------------------------------------------------------------------


def test_dashboard_panels_have_titles_descriptions_and_queries() -> None:
    panels = dashboard_panels()
    ids = [panel["id"] for panel in dashboard()["panels"]]
    assert len(ids) == len(set(ids))
    for panel in panels:
        assert panel["title"].strip() and panel["description"].strip(), panel
        assert panel["targets"] and all(t["expr"].strip() for t in panel["targets"]), panel
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]


def test_dashboard_uses_only_catalogued_metrics() -> None:
    assert uncatalogued(dashboard_queries(), set(catalogue())) == {}


def test_dashboard_shows_every_operational_signal() -> None:
    queries = [query.expr for query in dashboard_queries()]

    def shown(*needles: str) -> bool:
        return any(all(needle in expr for needle in needles) for expr in queries)

    assert shown("specguard_requests_total", "tenant, status")
    assert shown("specguard_decisions_total", 'action="refuse"', "tenant, detector")
    assert shown("histogram_quantile(0.5", "specguard_overhead_seconds_bucket")
    assert shown("histogram_quantile(0.99", "specguard_overhead_seconds_bucket")
    assert shown("specguard_upstream_duration_seconds_bucket")
    assert shown("specguard_upstream_errors_total")
    assert shown("specguard_stream_cutoffs_total")
    assert shown("specguard_detector_errors_total", 'outcome="refused"')
    assert shown("specguard_in_flight_requests")
    assert shown("specguard_tokens_total")


def test_grafana_provisioning_loads_the_dashboard_from_the_compose_mount() -> None:
    compose = load_yaml(DEPLOY / "compose.yaml")
    mounts = dict(volume.split(":")[:2] for volume in compose["services"]["grafana"]["volumes"])
    provider = load_yaml(DEPLOY / "grafana" / "provisioning" / "dashboards" / "specguard.yaml")
    path = provider["providers"][0]["options"]["path"]
    assert (DEPLOY / mounts_source(mounts, path)).resolve() == DASHBOARD.parent.resolve()
    source = load_yaml(DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yaml")
    assert source["datasources"][0]["type"] == "prometheus"
    assert source["datasources"][0]["url"] == "http://prometheus:9090"


def mounts_source(mounts: dict[str, str], target: str) -> str:
    """The host path compose mounts at ``target``."""
    for host, container in mounts.items():
        if container == target:
            return host
    raise AssertionError(f"nothing is mounted at {target}")
