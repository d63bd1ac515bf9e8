"""The registry of output detectors.

Built-ins are listed explicitly in ``_builtin_plugins`` and registered through the same
``register`` call a third-party package would use; nothing is discovered by walking directories.

The standard output detectors (``DEFAULT_ON``) screen every tenant's answers unless a tenant says
``action = "off"``. The others need tenant data (a corpus, a term list, a judge model) or exist
for the request rules (``injection``, ``jailbreak``), and run only when a tenant names them.
"""

from __future__ import annotations

from typing import Any

from detectors.plugins import Plugin, Registry


def _builtin_plugins() -> list[Plugin[Any]]:
    from detectors.cbrn import PLUGIN as CBRN
    from detectors.copyright import PLUGIN as COPYRIGHT
    from detectors.deny_terms import PLUGIN as DENY_TERMS
    from detectors.injection import PLUGIN as INJECTION
    from detectors.jailbreak import PLUGIN as JAILBREAK
    from detectors.llm_judge import PLUGIN as LLM_JUDGE
    from detectors.nsfw import PLUGIN as NSFW
    from detectors.privacy import PLUGIN as PRIVACY
    from detectors.prompt_leak import PLUGIN as PROMPT_LEAK

    return [
        DENY_TERMS,
        COPYRIGHT,
        PRIVACY,
        PROMPT_LEAK,
        CBRN,
        NSFW,
        INJECTION,
        JAILBREAK,
        LLM_JUDGE,
    ]


DEFAULT_ON = frozenset({"privacy", "prompt_leak", "cbrn", "nsfw"})
"""Detectors every tenant gets without naming them."""

DETECTORS: Registry[Any] = Registry("detector")
for _plugin in _builtin_plugins():
    DETECTORS.register(_plugin, default_on=_plugin.name in DEFAULT_ON)
