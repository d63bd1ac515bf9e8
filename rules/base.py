"""The ``Rule`` protocol: a pure rewrite of a chat request that may record findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from detectors.findings import Finding


@dataclass(frozen=True, slots=True)
class Rewrite:
    """What a rule made of a request."""

    body: dict[str, Any]
    """The (possibly new) request body; the input body is never mutated."""
    findings: tuple[Finding, ...] = ()
    """What the rule noticed."""


@dataclass(frozen=True, slots=True)
class RuleScope:
    """Per-request inputs a rule may need besides the body."""

    request_id: str
    """For messages; never used as randomness."""


class Rule(Protocol):
    """Rewrites a chat request; no I/O."""

    name: str

    def apply(self, body: dict[str, Any], scope: RuleScope) -> Rewrite: ...
