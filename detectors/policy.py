"""Findings -> one verdict per response. Pure: data in, data out.

Each finding is judged with its detector's configuration: a category override wins over the
detector's own ``action``/``threshold``. The verdict is the most severe decision
(refuse > redact > flag). Two escalations keep screening fail-closed:

- a scan that errored or missed its deadline decides per the detector's ``on_error``:
  ``refuse`` (default) or ``allow``, which flags;
- a ``redact`` finding whose span is not exact in the delivered text (it was found in a
  normalised or decoded variant) cannot be cut out precisely, so it refuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, cast

from detectors.base import DetectorConfig
from detectors.findings import Finding

Outcome = Literal["allow", "flag", "redact", "hold", "refuse"]
DecisionAction = Literal["flag", "redact", "hold", "refuse"]
"""``hold``: a tool call withheld until the user confirms it (the tool guard's)."""
_SEVERITY: dict[str, int] = {"allow": 0, "flag": 1, "redact": 2, "hold": 3, "refuse": 4}


@dataclass(frozen=True, slots=True)
class Failure:
    """A detector scan that did not complete."""

    detector: str
    kind: Literal["error", "timeout"]


@dataclass(frozen=True, slots=True)
class Decision:
    """What the policy does about one finding."""

    action: DecisionAction
    finding: Finding
    exact: bool = True
    """Whether ``finding``'s span is valid in the delivered text."""

    @property
    def rule_id(self) -> str:
        """``detector.category``: names the rule without revealing the matched text."""
        return f"{self.finding.detector}.{self.finding.category}"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The single outcome for a response and the decisions behind it."""

    action: Outcome
    decisions: tuple[Decision, ...] = ()

    @property
    def primary(self) -> Decision | None:
        """The first decision with the verdict's own action."""
        return next((d for d in self.decisions if d.action == self.action), None)

    def redactions(self, where: str) -> list[Decision]:
        """Redact decisions on the field ``where``, by span start."""
        return sorted(
            (d for d in self.decisions if d.action == "redact" and d.finding.where == where),
            key=lambda d: d.finding.start,
        )


ALLOW = Verdict("allow")


def effective(config: DetectorConfig, category: str) -> tuple[str, float]:
    """The action and threshold that apply to ``category`` under ``config``."""
    override = config.categories.get(category)
    action = override.action if override and override.action else config.action
    threshold = (
        override.threshold if override and override.threshold is not None else config.threshold
    )
    return action, threshold


def decide(
    findings: Iterable[tuple[Finding, bool]],
    failures: Iterable[Failure],
    configs: Mapping[str, DetectorConfig],
) -> Verdict:
    """One verdict from ``(finding, exact)`` pairs and failed scans."""
    decisions: list[Decision] = []
    for finding, exact in findings:
        config = configs.get(finding.detector)
        if config is None:
            continue
        action, threshold = effective(config, finding.category)
        if action == "off" or finding.score < threshold:
            continue
        if action == "redact" and not exact:
            action = "refuse"
        decisions.append(Decision(cast(DecisionAction, action), finding, exact))
    for failure in failures:
        config = configs[failure.detector]
        on_error: DecisionAction = "refuse" if config.on_error == "refuse" else "flag"
        decisions.append(Decision(on_error, Finding(failure.detector, failure.kind, 1.0), False))
    if not decisions:
        return ALLOW
    worst = max(decisions, key=lambda d: _SEVERITY[d.action]).action
    return Verdict(worst, tuple(decisions))


def merge(first: Verdict, second: Verdict) -> Verdict:
    """Both verdicts' decisions under the more severe action."""
    decisions = first.decisions + second.decisions
    if not decisions:
        return ALLOW
    worst = max((first.action, second.action), key=_SEVERITY.__getitem__)
    return Verdict(worst, decisions)
