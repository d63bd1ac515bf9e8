"""The registry of built-in output detectors."""

from __future__ import annotations

from typing import Any

from proxy.plugins import Registry

DETECTORS: Registry[Any] = Registry("detector")
