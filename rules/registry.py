"""The registry of built-in request rules."""

from __future__ import annotations

from typing import Any

from proxy.plugins import Registry

RULES: Registry[Any] = Registry("rule")
