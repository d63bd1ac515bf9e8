"""A tenant's effective policy in a few lines: which rules and detectors run, and how.

``specguard check-config`` prints it per tenant and the admin endpoint returns it, so an operator
sees what is on without reading code. Each line is derived from the validated plugin configs the
runtime builds from (``TenantConfig.active_rules`` / ``active_detectors``), never restated.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal, get_origin

from pydantic import BaseModel

from detectors.plugins import Registry
from detectors.policy import effective
from proxy.config import TenantConfig

_SHOWN_ELSEWHERE = frozenset({"action", "threshold", "categories"})


def policy_lines(tenant: TenantConfig) -> list[str]:
    """One line per running rule and detector, then what is off and what screens input."""
    from detectors.registry import DETECTORS
    from rules.registry import RULES

    rules, detectors = tenant.active_rules, tenant.active_detectors
    lines = [f"rule {name}: {describe(config)}" for name, config in _configs(RULES, rules)]
    lines += [f"detector {name}: {describe(c)}" for name, c in _configs(DETECTORS, detectors)]
    off = [name for name in (*RULES, *DETECTORS) if name not in rules and name not in detectors]
    lines.append(f"off: {', '.join(off) or 'nothing'}")
    lines.append(f"input screening: {', '.join(_input_screening(tenant, detectors)) or 'off'}")
    lines.append(f"stream: {_stream(tenant)}")
    return lines


def _stream(tenant: TenantConfig) -> str:
    """How the tenant's streams release text (``[stream]``)."""
    from proxy.stream_live import FIRST, STEP

    stream = tenant.stream
    if stream.release == "before_screening":
        return "released before screening, cut after the fact"
    if stream.mode == "strict":
        every = f"; scanned every {stream.scan_every_chars}" if stream.scan_every_chars else ""
        if stream.holdback_chars is not None:
            return f"strict ({stream.holdback_chars}-character hold-back{every})"
        return f"strict (each detector's whole hold-back first{every})"
    step = stream.scan_every_chars or STEP
    return f"live (first scan at {min(FIRST, step)} characters, then every {step})"


def _input_screening(tenant: TenantConfig, active: dict[str, dict[str, Any]]) -> list[str]:
    """What screens the user's turn: named detectors in full, and every other running
    detector's absolute categories (``input_categories``; ``detectors.input_defaults``)."""
    from detectors.registry import DETECTORS

    screened = []
    for name, config in _configs(DETECTORS, active):
        if name in tenant.input_screening:
            screened.append(f"{name} (all)")
            continue
        categories = getattr(DETECTORS.get(name).factory, "input_categories", ())
        on = [c for c in categories if effective(config, c)[0] != "off"]
        if on:
            screened.append(f"{name} ({', '.join(on)})")
    return screened


def _configs(registry: Registry[Any], active: dict[str, dict[str, Any]]) -> list[tuple[str, Any]]:
    """``(name, validated config)`` of the active plugins, in registration order."""
    return [
        (name, registry.get(name).config_model.model_validate(active[name]))
        for name in registry
        if name in active
    ]


def describe(config: BaseModel) -> str:
    """``refuse >= 0.50; redact: EMAIL_ADDRESS, PHONE_NUMBER; mode=datamark``: the action,
    the threshold, category overrides grouped by action, and settings changed from defaults."""
    parts = [str(getattr(config, "action", "on"))]
    threshold = getattr(config, "threshold", None)
    if isinstance(threshold, float):
        parts[0] += f" >= {threshold:.2f}"
    by_action: dict[str, list[str]] = defaultdict(list)
    for category, override in sorted(getattr(config, "categories", {}).items()):
        label = category
        if override.threshold is not None:
            label += f" >= {override.threshold:.2f}"
        by_action[override.action or parts[0].split()[0]].append(label)
    parts += [f"{action}: {', '.join(names)}" for action, names in sorted(by_action.items())]
    fields = type(config).model_fields
    changed = [
        _setting(field, getattr(config, field), fields[field].annotation)
        for field in sorted(config.model_fields_set - _SHOWN_ELSEWHERE)
        if getattr(config, field) != fields[field].default
    ]
    if changed:
        parts.append(", ".join(changed))
    return "; ".join(parts)


def _setting(field: str, value: Any, annotation: Any) -> str:
    """``mode=datamark`` for choices and numbers; only ``canaries (set)`` for free values, which
    can be private (canaries, a policy text, term lists)."""
    if isinstance(value, bool | int | float) or get_origin(annotation) is Literal:
        return f"{field}={value}"
    return f"{field} (set)"
