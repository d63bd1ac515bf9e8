"""``deny_terms``: a tenant's own list of words or phrases that must not appear in answers.

Whole-word, case-insensitive matching on one compiled alternation, so a scan is a single regex
pass whatever the number of terms.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import field_validator

from detectors.base import DetectorConfig, ScanContext
from detectors.findings import Finding
from detectors.plugins import Plugin
from detectors.tails import prefix_tail, token_tail

_LEET_CHARS = "013457@$"
_LEET_FOLDS = (str.maketrans(_LEET_CHARS, "oieastas"), str.maketrans(_LEET_CHARS, "oleastas"))
"""Leet digits and symbols read as letters (``detectors.decoding``), with 1 as i and as l."""


class DenyTermsConfig(DetectorConfig):
    """Terms to refuse (or redact, or flag) in answers."""

    terms: list[str] = []
    """Words or phrases; matched whole-word and case-insensitively."""
    category: str = "custom"
    """Category reported for a match (its redaction placeholder says this)."""

    @field_validator("terms")
    @classmethod
    def _not_blank(cls, terms: list[str]) -> list[str]:
        if any(not term.strip() for term in terms):
            raise ValueError("terms must not be blank")
        return terms


class DenyTermsDetector:
    """Finds configured terms."""

    name: ClassVar[str] = "deny_terms"
    cpu_heavy: ClassVar[bool] = False
    holdback_chars: int

    def __init__(self, config: DenyTermsConfig):
        self.category = config.category
        alternation = "|".join(
            re.escape(term.strip()) for term in sorted(config.terms, key=len, reverse=True)
        )
        self._pattern = (
            re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE) if alternation else None
        )
        self.holdback_chars = max((len(term) for term in config.terms), default=0) + 1
        self._prefixes = sorted({term.strip().lower() for term in config.terms})

    def open_tail(self, text: str, ctx: ScanContext) -> int:
        """A live stream holds an end of ``text`` that begins a term (a whole term too: the
        word boundary after it is still to come), also read with leetspeak folded (``Proj3ct``
        of ``Proj3ct Nightj4r``: the screener's leet reading starts only once a second leet
        word follows), and the unfinished last token."""
        tail = max(prefix_tail(text, self._prefixes), token_tail(text))
        end = text[-(self.holdback_chars + 1) :]
        if self._prefixes and any(char in end for char in _LEET_CHARS):
            for fold in _LEET_FOLDS:
                tail = max(tail, prefix_tail(end.translate(fold), self._prefixes))
        return tail

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        """One finding per occurrence."""
        if self._pattern is None:
            return []
        return [
            Finding(self.name, self.category, 1.0, match.start(), match.end())
            for match in self._pattern.finditer(text)
        ]


PLUGIN = Plugin("deny_terms", DenyTermsConfig, DenyTermsDetector)
