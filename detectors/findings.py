"""What a check reports: a ``Finding``, shared by request rules and output detectors."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a rule or detector found (Presidio's ``RecognizerResult`` shape)."""

    detector: str
    """Name of the rule or detector that found it."""
    category: str
    """Finer label within the detector (``US_SSN``, ``chemical``, ``jailbreak`` ...)."""
    score: float
    """Confidence in [0, 1]."""
    start: int = 0
    """Start offset of the matched span in the scanned text."""
    end: int = 0
    """End offset (exclusive) of the matched span."""
    where: str = ""
    """Which text was scanned (``choices.0.content``, ``messages.2``, ...)."""
    digest: str = ""
    """Truncated SHA-256 of the matched span, for audit logs (never the text itself)."""
