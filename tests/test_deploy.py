"""The deployment files are valid and hold together.

The Kubernetes manifests build with ``kubectl kustomize`` and hold together (probes, selectors,
Secret references, the ConfigMap is a valid specguard config); compose mounts files that exist;
the image runs as non-root with a health check; the install script and the README keep up.
Nothing here needs a network or a cluster. Prometheus and Grafana: ``test_deploy_monitoring``.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from typing import Any

import pytest
import yaml

from proxy.config import hash_key, parse_config
from tests.deploy_files import (
    DEPLOY,
    DOCKERFILE,
    K8S,
    ROOT,
    dashboard_panels,
    load_yaml,
    load_yaml_all,
    rules,
    run,
)

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
