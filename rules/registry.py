"""The registry of request rules; built-ins listed explicitly in ``_builtin_plugins``.

Registration order is the order rules run in (``Registry.build``):

1. ``tool_guard`` records the conversation model (``rules.conversation``) before anything is
   rewritten;
2. ``forged_turns`` neutralises control tokens and forged headers;
3. ``authority_claims`` scans the user's own words (annotates or refuses);
4. ``untrusted_marking`` wraps no-authority content with a fresh boundary;
5. ``role_hierarchy`` puts the platform policy above the notes 3 and 4 added.

Every built-in rule is on by default; ``action = "off"`` in a rule's table switches it off.
The output stages two rules need on the answer side (marker hygiene, the tool-call guard) live in
``proxy`` (``proxy.runtime.output_stages``): they read the wire format, which rules don't know.
"""

from __future__ import annotations

from typing import Any

from detectors.plugins import Plugin, Registry


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


RULES: Registry[Any] = Registry("rule")
for _plugin in _builtin_plugins():
    RULES.register(_plugin, default_on=True)
