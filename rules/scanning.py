"""Detectors used by request rules: built from the detector registry, run fail-closed.

A rule names the registered detector it needs (``injection``, ``jailbreak``) and carries that
detector's config table; both are checked when the config loads. A scan that raises is an error
handled by the detector's ``on_error``: ``refuse`` (the default) refuses the request, ``allow``
lets it through with a ``scan_error`` finding. Nothing is skipped silently.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from detectors.base import Detector, DetectorConfig, ScanContext
from detectors.findings import Finding
from proxy.policy import effective

SCAN_FAILED = "Sorry, this request could not be checked right now. Please try again."


@dataclass(frozen=True, slots=True)
class Scanner:
    """A detector and the config it was built from."""

    detector: Detector
    config: DetectorConfig

    def scan(self, text: str, ctx: ScanContext, where: str) -> tuple[list[Finding], bool]:
        """Findings that count (score at or over the threshold, category not ``off``), and
        whether the scan failed in a way that must refuse the request."""
        started = time.perf_counter()
        try:
            findings = self.detector.scan(text, ctx)
        except Exception:  # any detector failure is handled per on_error
            return self._failed(where)
        if (time.perf_counter() - started) * 1000 > self.config.deadline_ms:
            return self._failed(where)
        return [
            Finding(f.detector, f.category, f.score, f.start, f.end, where)
            for f in findings
            if self._counts(f)
        ], False

    def _failed(self, where: str) -> tuple[list[Finding], bool]:
        refuse = self.config.on_error == "refuse"
        return [Finding(self.detector.name, "scan_error", 1.0, where=where)], refuse

    def _counts(self, finding: Finding) -> bool:
        # The rule decides the action; only a category switched off here is ignored.
        override = self.config.categories.get(finding.category)
        if override is not None and override.action == "off":
            return False
        return finding.score >= effective(self.config, finding.category)[1]


def detector_config(name: str, table: dict[str, Any]) -> DetectorConfig:
    """The validated config of registered detector ``name``; raises ``ValueError`` when the
    detector is not installed or the table is invalid (reported with its key path)."""
    from detectors.registry import DETECTORS

    if name not in DETECTORS:
        raise ValueError(f"needs the {name!r} detector, which is not installed")
    try:
        config = DETECTORS.get(name).config_model.model_validate(table)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, err['loc'])) or '(table)'}: {err['msg']}" for err in exc.errors()
        )
        raise ValueError(f"invalid {name} detector table: {problems}") from None
    if not isinstance(config, DetectorConfig):
        raise ValueError(f"detector {name!r} has no DetectorConfig")
    return config


def build_scanner(name: str, table: dict[str, Any]) -> Scanner:
    """A ``Scanner`` for registered detector ``name`` configured by ``table``."""
    from detectors.registry import DETECTORS

    config = detector_config(name, table)
    return Scanner(DETECTORS.get(name).factory(config), config)
