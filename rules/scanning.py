"""Detectors used by request rules: built from the detector registry, run fail-closed.

A rule names the registered detector it needs (``injection``, ``jailbreak``) and carries that
detector's config table; both are checked when the config loads. A scan that raises is an error
handled by the detector's ``on_error``: ``refuse`` (the default) refuses the request, ``allow``
lets it through with a ``scan_error`` finding. Nothing is skipped silently.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from detectors.base import Detector, DetectorConfig, ScanContext
from detectors.findings import Finding
from detectors.policy import effective

SCAN_FAILED = "Sorry, this request could not be checked right now. Please try again."


SCAN_CHUNK = 65536
"""Texts longer than this are scanned a piece at a time (cut at line ends), so a deadline is
checked between pieces instead of after one long uninterruptible scan."""


@dataclass(frozen=True, slots=True)
class Scanner:
    """A detector and the config it was built from."""

    detector: Detector
    config: DetectorConfig

    def scan(
        self, text: str, ctx: ScanContext, where: str, deadline: float = math.inf
    ) -> tuple[list[Finding], bool]:
        """Findings that count (score at or over the threshold, category not ``off``), and
        whether the scan failed in a way that must refuse the request.

        ``deadline`` (a ``perf_counter`` time) is the request's rule budget: once it has passed,
        the scan fails and refuses whatever ``on_error`` says, since the request could not be
        checked in the time it was given."""
        started = time.perf_counter()
        limit = started + self.config.deadline_ms / 1000
        found: list[Finding] = []
        for offset, piece in _pieces(text):
            now = time.perf_counter()
            if now > deadline:
                return [Finding(self.detector.name, "scan_error", 1.0, where=where)], True
            if now > limit:
                return self._failed(where)
            try:
                findings = self.detector.scan(piece, ctx)
            except Exception:  # any detector failure is handled per on_error
                return self._failed(where)
            found += [
                Finding(f.detector, f.category, f.score, f.start + offset, f.end + offset, where)
                for f in findings
                if self._counts(f)
            ]
        if time.perf_counter() > limit:
            return self._failed(where)
        return found, False

    def _failed(self, where: str) -> tuple[list[Finding], bool]:
        refuse = self.config.on_error == "refuse"
        return [Finding(self.detector.name, "scan_error", 1.0, where=where)], refuse

    def _counts(self, finding: Finding) -> bool:
        # The rule decides the action; only a category switched off here is ignored.
        override = self.config.categories.get(finding.category)
        if override is not None and override.action == "off":
            return False
        return finding.score >= effective(self.config, finding.category)[1]


def _pieces(text: str) -> list[tuple[int, str]]:
    """``text`` as ``(offset, piece)`` pieces of at most ``SCAN_CHUNK`` characters, cut after a
    newline where there is one."""
    if len(text) <= SCAN_CHUNK:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(start + SCAN_CHUNK, len(text))
        if end < len(text):
            newline = text.rfind("\n", start + SCAN_CHUNK // 2, end)
            end = newline + 1 if newline != -1 else end
        pieces.append((start, text[start:end]))
        start = end
    return pieces


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
