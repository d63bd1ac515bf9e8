"""A loaded configuration, ready to serve: tenants by key, routes, upstream clients.

A request takes the ``Runtime`` current when it arrives and keeps it to the end, so swapping in a
new one (a config reload) never changes a request mid-flight.
"""

from __future__ import annotations

import fnmatch
import gc
from dataclasses import dataclass
from typing import Any

import aiohttp

from proxy import metrics
from proxy.audit import AuditLog
from proxy.config import Config, RouteConfig, TenantConfig, UpstreamConfig, hash_key
from proxy.errors import ModelNotFound, Unauthorized
from proxy.pipeline import OutputStage, Pipeline
from proxy.upstream import Upstream


@dataclass(frozen=True)
class Tenant:
    """A tenant's configuration and the pipeline built from it."""

    name: str
    config: TenantConfig
    pipeline: Pipeline
    audit: AuditLog | None = None
    """Where this tenant's decisions are recorded, if an audit log is configured."""


@dataclass(frozen=True)
class Route:
    """Where a request for a model goes."""

    match: str
    """The route's glob, used as its name."""
    upstream_name: str
    upstream: Upstream
    model: str
    """Model name to send upstream."""
    native_completions: bool = False
    """``/v1/completions`` goes to the upstream's own endpoint (``RouteConfig.completions``)."""


def build_upstream(name: str, config: UpstreamConfig, session: aiohttp.ClientSession) -> Upstream:
    """The client for one ``[upstreams.NAME]`` table."""
    from proxy.upstream.demo import DemoModel
    from proxy.upstream.litellm_bridge import LiteLLMBridge
    from proxy.upstream.openai_relay import OpenAIRelay

    if config.provider == "openai":
        return OpenAIRelay(name, config, session)
    if config.provider == "demo":
        return DemoModel(name, config)
    return LiteLLMBridge(name, config)


def build_pipeline(config: TenantConfig, shared: dict[str, Any] | None = None) -> Pipeline:
    """Rules, output stages and input screening named in a tenant's config; ``shared`` lets
    tenants with identical rule or detector settings share one instance."""
    from detectors.input_defaults import absolute_input_screen
    from detectors.registry import DETECTORS
    from detectors.screen import ConfiguredDetector, Screener
    from proxy.screening import ScreeningStage
    from rules.registry import RULES

    configured = [
        ConfiguredDetector(detector, detector_config)
        for detector_config, detector in DETECTORS.build_configured(config.active_detectors, shared)
    ]
    screener = Screener(configured, on_failure=metrics.detector_failed)
    screener.warm_up()
    # Marker hygiene first (screening then sees clean text), the tool-call guard, then screening.
    stages = output_stages(config.active_rules)
    if screener:
        stages.append(ScreeningStage(screener, config))
    # Named detectors screen the user's turn in full; the absolute categories always do.
    inputs = Screener(
        absolute_input_screen(configured, config.input_screening),
        on_failure=metrics.detector_failed,
    )
    return Pipeline(
        rules=RULES.build(config.active_rules, shared),
        stages=stages,
        input_screener=inputs,
        rules_budget_s=config.rules_budget_ms / 1000,
    )


def output_stages(tables: dict[str, dict[str, Any]]) -> list[OutputStage]:
    """Output stages for a tenant's ``rules`` tables, in the order they must run: marker
    hygiene first (screening then sees clean text), then the tool-call guard."""
    from proxy.hygiene import MarkerHygiene
    from proxy.toolstage import ToolGuardStage
    from rules.toolguard import ToolGuardConfig

    stages: list[OutputStage] = []
    if "untrusted_marking" in tables:
        stages.append(MarkerHygiene())
    if "tool_guard" in tables:
        stages.append(ToolGuardStage(ToolGuardConfig.model_validate(tables["tool_guard"])))
    return stages


class Runtime:
    """Everything needed to serve requests under one configuration."""

    def __init__(self, config: Config, session: aiohttp.ClientSession):
        self.config = config
        self.upstreams: dict[str, Upstream] = {
            name: build_upstream(name, upstream, session)
            for name, upstream in config.upstreams.items()
        }
        self.audit = AuditLog(config.audit.path) if config.audit else None
        shared: dict[str, Any] = {}
        self.tenants = {
            name: Tenant(name, tenant, build_pipeline(tenant, shared), self.audit)
            for name, tenant in config.tenants.items()
        }
        detectors = {name for tenant in config.tenants.values() for name in tenant.active_detectors}
        metrics.initialise(list(self.tenants), list(self.upstreams), sorted(detectors))
        self._by_digest = {
            digest: self.tenants[name]
            for name, tenant in config.tenants.items()
            for digest in tenant.key_digests()
        }

    def authenticate(self, key: str | None) -> Tenant:
        """The tenant owning ``key``; 401 for a missing or unknown key."""
        if not key:
            raise Unauthorized(
                "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'."
            )
        tenant = self._by_digest.get(hash_key(key))
        if tenant is None:
            raise Unauthorized("Incorrect API key provided.")
        return tenant

    def route(self, tenant: Tenant, model: str) -> Route:
        """The first route matching ``model`` that the tenant may use; 404 otherwise."""
        route = self._first_route(model) if tenant.config.may_use(model) else None
        if route is None:
            raise ModelNotFound(
                f"The model '{model}' does not exist or you do not have access to it.",
                param="model",
            )
        return Route(
            match=route.match,
            upstream_name=route.upstream,
            upstream=self.upstreams[route.upstream],
            model=route.model or model,
            native_completions=route.completions == "native",
        )

    def _first_route(self, model: str) -> RouteConfig | None:
        return next((r for r in self.config.routes if fnmatch.fnmatchcase(model, r.match)), None)

    def models_for(self, tenant: Tenant) -> list[dict[str, Any]]:
        """``/v1/models`` entries: advertised models the tenant may use and a route serves."""
        seen: dict[str, str] = {}
        for name, upstream in self.config.upstreams.items():
            for model in upstream.models:
                route = self._first_route(model)
                if route is not None and route.upstream == name and tenant.config.may_use(model):
                    seen.setdefault(model, name)
        return [
            {"id": model, "object": "model", "created": 0, "owned_by": f"specguard:{owner}"}
            for model, owner in seen.items()
        ]


def settle(*, reloaded: bool = False) -> None:
    """Take what the runtime built (models, lexicons, compiled patterns: ~140k objects with the
    default detectors) out of the garbage collector's reach. A full collection otherwise walks
    them all, stopping every request for ~130 ms; frozen, it takes microseconds. After a reload
    the previous runtime is unfrozen first so that it can be freed (one full collection)."""
    if reloaded:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


def unsettle() -> None:
    """The app stops: what ``settle`` froze goes back to the collector, so that the runtime (and
    the app around it, which holds reference cycles) can be freed. Without this every app
    lifespan in one process (test servers, an embedding process restarting its app) leaves its
    runtime frozen for good."""
    gc.unfreeze()
