"""The ``Detector`` protocol and the configuration every detector shares.

A detector scans one text with its context and returns ``Finding``s. It is pure CPU work with no
request state of its own; the screening framework (``detectors.screen``) gives every scan a
deadline, runs ``cpu_heavy`` detectors off the event loop, and turns errors into fail-closed
verdicts per ``on_error``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from detectors.findings import Finding

Action = Literal["refuse", "redact", "flag", "off"]


@dataclass(frozen=True, slots=True)
class ScanContext:
    """What a detector may know about the request besides the text it scans."""

    tenant: str = ""
    """Tenant id (for messages and metrics; never used to pick behaviour inside a detector)."""
    developer_text: str = ""
    """The client's system/developer messages, joined (for prompt-leak checks)."""
    user_inputs: tuple[str, ...] = ()
    """Text the user supplied in this request: user turns and their attachments (provenance)."""
    untrusted: tuple[str, ...] = ()
    """Tool outputs, retrieved documents and other no-authority content of the request."""

    def for_actions(self) -> ScanContext:
        """The context for a tool call's arguments: what the conversation already holds (tool
        outputs too) counts as supplied. Moving it is an action, which the tool guard decides
        (exfiltration, injected instructions); it discloses nothing new to the user."""
        # Untrusted first: ``user_inputs[-1]`` stays the user's latest turn (their question).
        return replace(self, user_inputs=self.untrusted + self.user_inputs)


class CategoryPolicy(BaseModel):
    """Per-category override of a detector's action and threshold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Action | None = None
    threshold: float | None = Field(None, ge=0, le=1)


class DetectorConfig(BaseModel):
    """Settings every detector has; a detector's own model subclasses this."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Action = "refuse"
    """What a finding at or above ``threshold`` does to the response."""
    threshold: float = Field(0.5, ge=0, le=1)
    """Minimum finding score that counts."""
    categories: dict[str, CategoryPolicy] = {}
    """Overrides by category."""
    deadline_ms: float = Field(1000, gt=0)
    """Longest a scan may take (wall time, collection pauses aside) before it counts as an error:
    a bound for a stuck or runaway detector, not a latency target. Scans take ~0.1-1 ms per KB;
    on a busy host a 250 ms bound also caught scans that only waited for the interpreter while
    worker threads held it, and refused clean answers."""
    on_error: Literal["refuse", "allow"] = "refuse"
    """Fail closed (``refuse``) or open with a flag (``allow``) when a scan errors or times out."""


class Detector(Protocol):
    """Scans a text and reports what it found."""

    name: ClassVar[str]
    cpu_heavy: ClassVar[bool]
    """True when a scan can take more than ~1 ms: it then runs in a worker thread (small texts
    excepted). A detector that blocks on I/O also sets ``blocking_io = True`` and then always
    runs in the worker thread. A detector whose matches can be longer than ``DEFAULT_HOLDBACK``
    characters says how long with a ``holdback_chars`` attribute (see ``holdback``). How a live
    stream may release text before that hold-back has passed is said by an ``open_tail`` method
    (exact patterns) or ``scored = True`` (classifiers): see ``release_kind``."""

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]: ...


DEFAULT_HOLDBACK = 128
"""Characters of context a detector needs when it declares none (a card number, an e-mail)."""


def holdback(detector: Detector) -> int:
    """The longest stretch of text one of ``detector``'s decisions depends on.

    In a stream this is both the right-context a character needs before the detector's decision
    about it is final, and the left-context an incremental scan must repeat so that a match
    straddling two scans is still seen whole.
    """
    return int(getattr(detector, "holdback_chars", DEFAULT_HOLDBACK))


ReleaseKind = Literal["tail", "score", "holdback"]


def release_kind(detector: Detector) -> ReleaseKind:
    """How a live stream (``[stream].mode = "live"``) may release text this detector screens.

    - ``tail``: an exact-pattern check with an ``open_tail(text, ctx) -> int`` method: text before
      the open tail (the end that could still begin a match: ``detectors.tails``) is final once
      scanned. Such a detector may declare ``lookback_chars``, the left-context its decisions
      read (context words); a scan repeats that much, or the open tail if longer.
    - ``score``: a classifier (``scored = True``) scoring windows: text is released while its
      window scores clearly below the threshold and held with the full hold-back while it scores
      in the uncertain band; a violation found later cuts the stream.
    - ``holdback``: any other detector keeps the full hold-back in every mode.
    """
    if callable(getattr(detector, "open_tail", None)):
        return "tail"
    if getattr(detector, "scored", False) is True:
        return "score"
    return "holdback"


def open_tail(detector: Detector, text: str, ctx: ScanContext) -> int:
    """Characters at the end of ``text`` a ``tail`` detector holds (at most ``len(text)``)."""
    method: Any = detector.open_tail  # type: ignore[attr-defined]  # a ``tail`` detector has it
    return max(0, min(len(text), int(method(text, ctx))))


def lookback(detector: Detector) -> int:
    """Left-context a live scan by ``detector`` repeats before text it has not screened."""
    return int(getattr(detector, "lookback_chars", holdback(detector)))
