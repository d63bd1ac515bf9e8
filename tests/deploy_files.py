"""The deployment files as data, for the tests that check them: paths, YAML and JSON loading,
every PromQL query of the dashboard and the alert rules with the metric names it uses, and the
metric catalogue of ``proxy/metrics.py``. Shared by ``test_deploy_monitoring`` and
``test_prometheus_live``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from proxy import metrics

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
PROMETHEUS_YML = DEPLOY / "prometheus" / "prometheus.yml"
ALERTS_YML = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "specguard.json"
K8S = DEPLOY / "k8s"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"

NO_PROMTOOL = (
    "promtool is not installed: run deploy/install-prometheus.sh (Debian's 'prometheus' "
    "package, needs root); `make test` runs it and prints why when it cannot install"
)

# Values Grafana substitutes before a query reaches Prometheus.
GRAFANA_VARIABLES = {
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$__range": "1h",
    "$tenant": ".*",
}
BUILTIN_SERIES = {"up"}
"""Series Prometheus makes itself; rules may use them, the dashboard does not."""


# --- PromQL helpers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One PromQL expression from the dashboard or the rules file."""

    source: str
    """Where it comes from, e.g. ``panel 'Requests by tenant and status' A``."""
    expr: str
    """The expression as Prometheus receives it (Grafana variables substituted)."""
    alert: bool = False
    """A whole alert expression: it returns data only while the alert fires."""


def load_yaml(path: Path) -> Any:
    """One YAML document."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_yaml_all(path: Path) -> list[Any]:
    """Every non-empty YAML document in a file."""
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def dashboard() -> dict[str, Any]:
    """The Grafana dashboard."""
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def dashboard_panels() -> list[dict[str, Any]]:
    """Every panel that draws data (rows flattened, row headers left out)."""
    found: list[dict[str, Any]] = []
    for panel in dashboard()["panels"]:
        if panel["type"] == "row":
            found += panel.get("panels", [])
        else:
            found.append(panel)
    return found


def substitute(expr: str) -> str:
    """``expr`` with Grafana's variables replaced as Grafana would."""
    for name in sorted(GRAFANA_VARIABLES, key=len, reverse=True):
        expr = expr.replace(name, GRAFANA_VARIABLES[name])
    return expr


def dashboard_queries() -> list[Query]:
    """Every panel target's PromQL."""
    return [
        Query(f"panel {panel['title']!r} {target['refId']}", substitute(target["expr"]))
        for panel in dashboard_panels()
        for target in panel["targets"]
    ]


def rules() -> list[dict[str, Any]]:
    """Every recording and alerting rule, in file order."""
    return [rule for group in load_yaml(ALERTS_YML)["groups"] for rule in group["rules"]]


def recorded_series() -> dict[str, str]:
    """Recording rule name -> its expression."""
    return {rule["record"]: rule["expr"] for rule in rules() if "record" in rule}


def rule_queries() -> list[Query]:
    """Every rule expression as written, plus each operand of an alert's comparisons.

    An alert's expression returns data only while it fires; its operands (the signal and the
    thresholds) return data whenever the metrics exist, so those are what a live test can check.
    """
    queries: list[Query] = []
    for rule in rules():
        name = rule.get("record") or rule["alert"]
        queries.append(Query(f"rule {name}", rule["expr"].strip(), alert="alert" in rule))
        if "alert" in rule:
            queries += [
                Query(f"rule {name} operand {index}", operand)
                for index, operand in enumerate(dict.fromkeys(operands(rule["expr"])))
            ]
    return queries


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENTIFIER = re.compile(r"(?<![\w.:])[A-Za-z_:][A-Za-z0-9_:]*")
_KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
    "inf",
    "nan",
}
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")


def metric_names(expr: str) -> set[str]:
    """Names of the series an expression selects (functions, keywords and labels left out)."""
    stripped = _STRING.sub('""', expr)
    stripped = _MATCHERS.sub("", stripped)
    stripped = _RANGE.sub("", stripped)
    stripped = _GROUPING.sub("", stripped)
    names: set[str] = set()
    for match in _IDENTIFIER.finditer(stripped):
        rest = stripped[match.end() :].lstrip()
        if match.group() in _KEYWORDS or rest.startswith("("):
            continue
        names.add(match.group())
    return names


def _top_level_pieces(expr: str) -> Iterator[str]:
    """``expr`` cut at comparison and set operators outside brackets and strings."""
    depth, start, index = 0, 0, 0
    while index < len(expr):
        char = expr[index]
        if char in "\"'`":
            index = expr.index(char, index + 1) + 1
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0:
            word = re.match(r"(?:and|or|unless)\b", expr[index:])
            if word and (index == 0 or not (expr[index - 1].isalnum() or expr[index - 1] in "_:")):
                yield expr[start:index]
                index += word.end()
                start = index
                continue
            operator = re.match(r"==|!=|>=|<=|>|<", expr[index:])
            if operator:
                yield expr[start:index]
                index += operator.end()
                start = index
                continue
        index += 1
    yield expr[start:]


_MODIFIER = re.compile(
    r"^\s*(?:bool\b|(?:on|ignoring|group_left|group_right)\s*(?:\([^()]*\))?)\s*"
)


def operands(expr: str) -> list[str]:
    """The non-literal operands of an expression's top-level comparisons and set operators."""
    found: list[str] = []
    for piece in _top_level_pieces(expr):
        piece = piece.strip()
        while (stripped := _MODIFIER.sub("", piece, count=1)) != piece:
            piece = stripped.strip()
        if piece and not _NUMBER.match(piece):
            found.append(piece)
    return found


def catalogue() -> dict[str, str]:
    """Every sample name ``proxy/metrics.py`` exposes -> the metric's name in the catalogue.

    A counter ``specguard_x_total`` exposes ``specguard_x_total``; a histogram ``specguard_y``
    exposes ``specguard_y_bucket``, ``_count`` and ``_sum``.
    """
    names: dict[str, str] = {}
    for value in vars(metrics).values():
        if not isinstance(value, MetricWrapperBase):
            continue
        for family in value.describe():
            if family.type == "counter":
                names[f"{family.name}_total"] = f"{family.name}_total"
            elif family.type == "histogram":
                for suffix in ("_bucket", "_count", "_sum"):
                    names[family.name + suffix] = family.name
            else:
                names[family.name] = family.name
    return names


def promtool() -> str:
    """Path of promtool, or skip."""
    path = shutil.which("promtool")
    if path is None:
        pytest.skip(NO_PROMTOOL)
    return path


def run(command: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run a local tool with a bound on its time; output captured."""
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
