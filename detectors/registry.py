"""The registry of output detectors.

Built-ins are listed explicitly in ``_builtin_plugins`` and registered through the same
``register`` call a third-party package would use; nothing is discovered by walking directories.
"""

from __future__ import annotations

from typing import Any

from proxy.plugins import Plugin, Registry


def _builtin_plugins() -> list[Plugin[Any]]:
    from detectors.copyright import PLUGIN as COPYRIGHT
    from detectors.deny_terms import PLUGIN as DENY_TERMS

    return [DENY_TERMS, COPYRIGHT]


DETECTORS: Registry[Any] = Registry("detector")
for _plugin in _builtin_plugins():
    DETECTORS.register(_plugin)
