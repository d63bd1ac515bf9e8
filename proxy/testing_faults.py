"""Plug-ins that fail on purpose, for tests of what an error shows clients, logs and metrics:
a detector that raises or stalls (``faulty``) and a request rule that raises (``crashing``).
Registering them is explicit and idempotent; no tenant gets them unless its config names them."""

from __future__ import annotations

import time
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from detectors.base import DetectorConfig, ScanContext
from detectors.findings import Finding
from rules.base import Rewrite, RuleScope


class FaultyConfig(DetectorConfig):
    """How the faulty test detector misbehaves."""

    mode: Literal["raise", "sleep"] = "raise"
    sleep_ms: float = 1000


class FaultyDetector:
    """A detector that raises or overruns its deadline: for fail-closed tests."""

    name: ClassVar[str] = "faulty"
    cpu_heavy: ClassVar[bool] = True

    def __init__(self, config: FaultyConfig):
        self.config = config

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        """Misbehave as configured."""
        if self.config.mode == "sleep":
            time.sleep(self.config.sleep_ms / 1000)
            return []
        raise RuntimeError(f"detector crashed on {text!r}")


class CrashingRuleConfig(BaseModel):
    """The crashing rule takes no settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CrashingRule:
    """A request rule that raises, quoting the request in its message: for tests of what an
    unexpected error shows the client and the logs."""

    name = "crashing"

    def __init__(self, config: CrashingRuleConfig):
        self.config = config

    def apply(self, body: dict[str, Any], scope: RuleScope) -> Rewrite:
        """Fail, with the request's messages in the exception message."""
        raise RuntimeError(f"rule crashed on {body['messages']!r}")


def register_crashing_rule() -> None:
    """Make ``crashing`` available as a tenant rule (idempotent)."""
    from detectors.plugins import Plugin
    from rules.registry import RULES

    if "crashing" not in RULES:
        RULES.register(Plugin("crashing", CrashingRuleConfig, CrashingRule))


def register_faulty_detector() -> None:
    """Make ``faulty`` available to tenant configs (idempotent)."""
    from detectors.plugins import Plugin
    from detectors.registry import DETECTORS

    if "faulty" not in DETECTORS:
        DETECTORS.register(Plugin("faulty", FaultyConfig, FaultyDetector))
