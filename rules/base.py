"""The ``Rule`` protocol: a pure rewrite of a chat request that may record findings.

A rule returns a ``Rewrite``: the new body, what it found, a ``Refusal`` when the request must
not go upstream (a value: the pipeline turns it into a 400), and a ``RuleRecord`` of what the
output side needs to know about this request (the markers to strip from the answer, the
conversation model the tool-call guard decides over).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

from detectors.findings import Finding
from rules.conversation import Conversation


@dataclass(frozen=True, slots=True)
class RuleRecord:
    """What request rules leave on the request for the output side."""

    boundaries: tuple[str, ...] = ()
    """Boundary identifiers used to delimit untrusted content; never valid in output."""
    datamarks: tuple[str, ...] = ()
    """Marker characters interleaved between the words of untrusted content."""
    conversation: Conversation | None = None
    """The request as the tool-call policy sees it, when the tool guard is on."""

    def merged(self, other: RuleRecord) -> RuleRecord:
        """This record with ``other``'s markers added and its conversation, if any, taking
        over."""
        if other == _EMPTY:
            return self
        return RuleRecord(
            boundaries=self.boundaries + other.boundaries,
            datamarks=self.datamarks + other.datamarks,
            conversation=other.conversation
            if other.conversation is not None
            else self.conversation,
        )


_EMPTY = RuleRecord()


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request a rule will not let through (rendered as a 400 ``content_policy_violation``)."""

    message: str
    """One short, neutral sentence for the client; never the matched text or a detector name."""
    param: str | None = None
    """The field at fault (``messages[2].content``)."""


@dataclass(frozen=True, slots=True)
class Rewrite:
    """What a rule made of a request."""

    body: dict[str, Any]
    """The (possibly new) request body; the input body is never mutated."""
    findings: tuple[Finding, ...] = ()
    """What the rule noticed."""
    refusal: Refusal | None = None
    """Set when the request must be refused instead of forwarded."""
    record: RuleRecord = _EMPTY
    """Markers and provenance for the output side."""


@dataclass(frozen=True, slots=True)
class RuleScope:
    """Per-request inputs a rule may need besides the body."""

    request_id: str
    """For messages; never used as randomness."""
    tenant: str = ""
    """Tenant name, passed on to detectors' ``ScanContext``."""
    system_role: str = "system"
    """Role platform-level messages are sent with (the upstream's ``system_role``)."""
    deadline: float = math.inf
    """``time.perf_counter()`` value by which the rules must be done (the tenant's rule budget);
    scans past it fail and refuse the request."""

    def expired(self) -> bool:
        """Whether the rule budget is spent."""
        return time.perf_counter() > self.deadline


class Rule(Protocol):
    """Rewrites a chat request; no I/O."""

    name: str

    def apply(self, body: dict[str, Any], scope: RuleScope) -> Rewrite: ...
