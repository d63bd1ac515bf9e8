"""The registry of request rules; built-ins listed explicitly in ``_builtin_plugins``.

Registration order is the order rules run in (``Registry.build``):

1. ``tool_guard`` records the conversation model (``rules.conversation``) before anything is
   rewritten;
2. ``forged_turns`` neutralises control tokens and forged headers;
3. ``authority_claims`` scans the user's own words (annotates or refuses);
4. ``untrusted_marking`` wraps no-authority content with a fresh boundary;
5. ``role_hierarchy`` puts the platform policy above the notes 3 and 4 added.

Every built-in rule is on by default; ``action = "off"`` in a rule's table switches it off.
``output_stages`` gives the output stages a tenant's rules need (marker hygiene, tool guard).
"""

from __future__ import annotations

from typing import Any

from proxy.plugins import Plugin, Registry


def _builtin_plugins() -> list[Plugin[Any]]:
    from rules import authority, marking
    from rules.hierarchy import RoleHierarchy, RoleHierarchyConfig
    from rules.tokens import ForgedTurns, ForgedTurnsConfig
    from rules.toolguard import ToolGuard, ToolGuardConfig

    return [
        Plugin("tool_guard", ToolGuardConfig, ToolGuard),
        Plugin("forged_turns", ForgedTurnsConfig, ForgedTurns),
        Plugin("authority_claims", authority.AuthorityClaimsConfig, authority.build),
        Plugin("untrusted_marking", marking.UntrustedMarkingConfig, marking.build),
        Plugin("role_hierarchy", RoleHierarchyConfig, RoleHierarchy),
    ]


def output_stages(tables: dict[str, dict[str, Any]]) -> list[Any]:
    """Output stages for a tenant's ``rules`` tables, in the order they must run: marker
    hygiene first (screening then sees clean text), then the tool-call guard."""
    from rules.hygiene import MarkerHygiene
    from rules.toolguard import ToolGuardConfig
    from rules.toolstage import ToolGuardStage

    stages: list[Any] = []
    if "untrusted_marking" in tables:
        stages.append(MarkerHygiene())
    if "tool_guard" in tables:
        stages.append(ToolGuardStage(ToolGuardConfig.model_validate(tables["tool_guard"])))
    return stages


RULES: Registry[Any] = Registry("rule")
for _plugin in _builtin_plugins():
    RULES.register(_plugin, default_on=True)
