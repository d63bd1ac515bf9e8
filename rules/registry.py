"""The registry of request rules; built-ins listed explicitly in ``_builtin_plugins``."""

from __future__ import annotations

from typing import Any

from proxy.plugins import Plugin, Registry


def _builtin_plugins() -> list[Plugin[Any]]:
    return []


RULES: Registry[Any] = Registry("rule")
for _plugin in _builtin_plugins():
    RULES.register(_plugin)
