"""The deployment files are valid and agree with the code.

Prometheus config and rules pass ``promtool``; every PromQL expression in the dashboard and the
rules names only metrics from ``proxy/metrics.py``; the Kubernetes manifests build with
``kubectl kustomize`` and hold together (probes, selectors, Secret references, the ConfigMap is a
valid specguard config); compose mounts files that exist; the image runs as non-root with a
health check. Nothing here needs a network or a cluster.

The PromQL helpers at the top are shared with ``test_prometheus_live``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from proxy import metrics
from proxy.config import hash_key, parse_config

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


def test_rules_use_only_catalogued_metrics() -> None:
    known = set(catalogue()) | set(recorded_series()) | BUILTIN_SERIES
    unknown = {
        query.source: sorted(metric_names(query.expr) - known)
        for query in rule_queries()
        if metric_names(query.expr) - known
    }
    assert unknown == {}


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
    known = set(catalogue())
    unknown = {
        query.source: sorted(metric_names(query.expr) - known)
        for query in dashboard_queries()
        if metric_names(query.expr) - known
    }
    assert unknown == {}


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


# --- compose -----------------------------------------------------------------------------------


def test_compose_runs_specguard_prometheus_and_grafana_from_files_that_exist() -> None:
    compose = load_yaml(DEPLOY / "compose.yaml")
    services = compose["services"]
    assert set(services) == {"specguard", "prometheus", "grafana"}
    build = services["specguard"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE.resolve()
    assert "8080:8080" in services["specguard"]["ports"][0]
    for name, service in services.items():
        for volume in service.get("volumes", []):
            host = volume.split(":")[0]
            if host.startswith("."):
                assert (DEPLOY / host).exists(), f"{name} mounts missing {host}"


def test_compose_demo_config_serves_the_demo_key_without_an_upstream_key() -> None:
    # compose mounts the repository's config.toml; its README tells users to call with this key.
    config = parse_config(tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8")))
    demo_routes = [route for route in config.routes if route.upstream == "demo"]
    assert config.upstreams["demo"].provider == "demo" and demo_routes
    assert any(
        hash_key("sk-specguard-demo") in tenant.api_keys for tenant in config.tenants.values()
    )


# --- Kubernetes --------------------------------------------------------------------------------
# `kubectl apply --dry-run=client` still asks an API server for discovery (it fails here with
# "connection refused"), so the manifests are checked with `kubectl kustomize` (offline), the
# structural tests below and, when installed, kubernetes-validate's bundled JSON schemas.


def k8s_resources() -> dict[str, dict[str, Any]]:
    """The kustomization's resources by kind."""
    kustomization = load_yaml(K8S / "kustomization.yaml")
    found: dict[str, dict[str, Any]] = {}
    for name in kustomization["resources"]:
        for doc in load_yaml_all(K8S / name):
            assert doc["kind"] not in found, f"two {doc['kind']}s"
            found[doc["kind"]] = doc
    return found


def test_kustomization_builds_offline() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed; the structural manifest checks still run")
    result = run([kubectl, "kustomize", str(K8S)])
    assert result.returncode == 0, result.stderr
    kinds = sorted(doc["kind"] for doc in yaml.safe_load_all(result.stdout) if doc)
    assert kinds == sorted(k8s_resources())


def test_k8s_manifests_cover_a_complete_deployment() -> None:
    assert set(k8s_resources()) == {
        "ConfigMap",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    }
    assert load_yaml(K8S / "secret.example.yaml")["kind"] == "Secret"


def test_k8s_deployment_probes_limits_and_runs_as_non_root() -> None:
    deployment = k8s_resources()["Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": 8080}
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] in ("http", 8080), probe
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind]), kind
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"]["drop"] == ["ALL"]
    mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
    assert "/tmp" in mounts, "multiprocess metrics need a writable /tmp"


def test_k8s_config_comes_from_the_configmap_and_secrets_from_the_secret() -> None:
    resources = k8s_resources()
    pod = resources["Deployment"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    (config_mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/etc/specguard"]
    assert "subPath" not in config_mount, "subPath mounts never see ConfigMap updates"
    config_volume = volumes[config_mount["name"]]
    assert config_volume["configMap"]["name"] == resources["ConfigMap"]["metadata"]["name"]
    assert "/etc/specguard/config.toml" in container["args"]

    secret = load_yaml(K8S / "secret.example.yaml")
    env = {item["name"]: item for item in container["env"]}
    for item in env.values():
        assert "value" not in item, f"{item['name']} is set inline; take it from the Secret"
        ref = item["valueFrom"]["secretKeyRef"]
        assert ref["name"] == secret["metadata"]["name"]
        assert ref["key"] in secret["stringData"], ref

    config = parse_config(tomllib.loads(resources["ConfigMap"]["data"]["config.toml"]))
    named = {u.api_key_env for u in config.upstreams.values() if u.api_key_env}
    named |= {t.api_keys_env for t in config.tenants.values() if t.api_keys_env}
    assert named == set(env), "every variable config.toml names comes from the Secret"


def test_k8s_secret_example_holds_only_placeholders() -> None:
    secret = load_yaml(K8S / "secret.example.yaml")
    assert "data" not in secret
    for key, value in secret["stringData"].items():
        assert all(part.startswith("REPLACE_ME") for part in value.split(",")), key
    assert "secret.example.yaml" not in load_yaml(K8S / "kustomization.yaml")["resources"]


def test_k8s_service_hpa_and_pdb_select_the_deployment() -> None:
    resources = k8s_resources()
    deployment = resources["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]

    def selects(selector: dict[str, str]) -> bool:
        return all(labels.get(key) == value for key, value in selector.items())

    assert selects(deployment["spec"]["selector"]["matchLabels"])
    assert selects(resources["Service"]["spec"]["selector"])
    assert resources["Service"]["spec"]["ports"][0]["targetPort"] == "http"
    assert selects(resources["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"])
    assert resources["PodDisruptionBudget"]["apiVersion"] == "policy/v1"
    hpa = resources["HorizontalPodAutoscaler"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_k8s_manifests_match_the_kubernetes_schemas() -> None:
    validator = pytest.importorskip(
        "kubernetes_validate",
        reason="kubernetes-validate (PyPI) is not installed; structural manifest checks still run",
    )
    documents = [*k8s_resources().values(), load_yaml(K8S / "secret.example.yaml")]
    for document in documents:
        validator.validate(document, "1.28.0", strict=True)


# --- Docker ------------------------------------------------------------------------------------


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuations joined), split into stages."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines()]
    stages: list[list[str]] = []
    for line in lines:
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_image_is_multi_stage_and_installs_from_the_lockfile() -> None:
    builder, runtime = dockerfile_stages()
    assert any("uv sync --frozen --no-dev" in line for line in builder)
    assert any(line.startswith("COPY --from=builder /app/.venv") for line in runtime)
    assert not any("uv " in line and line.startswith("RUN") for line in runtime)


def test_image_runs_as_non_root_with_a_healthcheck() -> None:
    runtime = dockerfile_stages()[-1]
    users = [line.split()[1] for line in runtime if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    (healthcheck,) = [line for line in runtime if line.startswith("HEALTHCHECK ")]
    assert "/healthz" in healthcheck
    assert "EXPOSE 8080" in runtime
    (cmd,) = [line for line in runtime if line.startswith("CMD ")]
    assert json.loads(cmd[4:]) == [
        "specguard",
        "serve",
        "--host",
        "0.0.0.0",
        "--config",
        "/etc/specguard/config.toml",
    ]
    (env,) = [line for line in runtime if line.startswith("ENV ")]
    for setting in (
        "LITELLM_LOCAL_MODEL_COST_MAP=True",
        "HF_HUB_OFFLINE=1",
        "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS= ",
    ):
        assert setting in env + " ", setting


def test_dockerignore_lets_through_everything_the_image_copies() -> None:
    allowed = {
        line.lstrip("!").rstrip("/")
        for line in (DOCKERFILE.parent / "Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    copied = {
        source
        for stage in dockerfile_stages()
        for line in stage
        if line.startswith("COPY ") and "--from=" not in line
        for source in [word for word in line.split()[1:-1] if not word.startswith("--")]
    }
    assert copied <= allowed, copied - allowed
    for name in copied:
        assert (ROOT / name).exists(), name


# --- install script and docs -------------------------------------------------------------------


def test_install_script_returns_at_once_when_prometheus_is_present() -> None:
    if not (shutil.which("prometheus") and shutil.which("promtool")):
        pytest.skip("prometheus is not installed here; the script would try to install it")
    result = run(["bash", str(DEPLOY / "install-prometheus.sh")])
    assert result.returncode == 0
    assert result.stdout == result.stderr == ""


def test_readme_describes_every_panel_and_every_alert() -> None:
    readme = (DEPLOY.parent / "README.md").read_text(encoding="utf-8")
    assert "## Run in production" in readme
    missing = [panel["title"] for panel in dashboard_panels() if panel["title"] not in readme]
    alerts = [rule["alert"] for rule in rules() if "alert" in rule]
    missing += [name for name in alerts if name not in readme]
    assert missing == []
