"""How a verdict shows in a response (MODEL-SPEC §3). Pure functions over OpenAI-shaped dicts.

- **Refusal**: every choice's answer becomes one short neutral sentence saying what kind of
  content was withheld (``refusal_sentence``; tenants may replace it), in ``content`` for plain
  chat and in ``message.refusal`` with ``content: null`` when the request was programmatic
  (``response_format``), so parsers don't choke and no client shows it twice;
  ``finish_reason: "content_filter"``; tool calls are dropped.
- **Redaction**: each matched span becomes a typed placeholder (``[redacted: US_SSN]``) and a
  declared note says what kind of content was removed and why, never the value.
- Machine-readable detail goes beside the text: a ``specguard`` object on each affected choice
  (action, detector, category, rule id; never matched text) and the ``x-specguard-decision``
  header.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from detectors import explanations
from detectors.policy import Decision, Verdict
from proxy.config import RefusalConfig


def refusal_sentence(verdict: Verdict, config: RefusalConfig, source: str = "answer") -> str:
    """What a refusal of ``verdict`` says: the kind of content withheld from the ``source``
    (``answer`` or ``request``), in the tenant's words if it configured some."""
    primary = verdict.primary
    finding = primary.finding if primary else None
    return explanations.sentence(
        finding.detector if finding else "",
        finding.category if finding else "",
        source=source,
        messages=config.messages,
        message=config.message,
    )


def decision_summary(verdict: Verdict) -> dict[str, Any]:
    """The ``specguard`` object: no matched text, only names."""
    primary = verdict.primary
    summary: dict[str, Any] = {"action": verdict.action}
    if primary is not None:
        summary.update(
            detector=primary.finding.detector,
            category=primary.finding.category,
            rule=primary.rule_id,
        )
    summary["rules"] = sorted({d.rule_id for d in verdict.decisions})
    return summary


def decision_header(verdict: Verdict) -> str:
    """``x-specguard-decision``: ``refuse; rule=privacy.US_SSN`` (rules comma-separated)."""
    rules = ",".join(sorted({d.rule_id for d in verdict.decisions}))
    return f"{verdict.action}; rule={rules}" if rules else verdict.action


def refusal_message(message: str, programmatic: bool) -> dict[str, Any]:
    """An assistant message carrying a refusal: in ``refusal`` with ``content: null`` for
    programmatic requests, in ``content`` only otherwise (clients that show both fields would
    show it twice)."""
    if programmatic:
        return {"role": "assistant", "content": None, "refusal": message}
    return {"role": "assistant", "content": message, "refusal": None}


_KEPT = frozenset(
    {"id", "object", "created", "model", "system_fingerprint", "service_tier", "usage"}
)
"""Top-level fields a refusal keeps (their scalar values; ``usage``'s numbers): anything else
may carry the refused text."""


def refuse_completion(
    completion: dict[str, Any], verdict: Verdict, message: str, programmatic: bool
) -> dict[str, Any]:
    """``completion`` with every choice replaced by the refusal (and top-level fields other
    than the known ones left out)."""
    from proxy.texts import scalars

    refused = scalars(completion, _KEPT - {"usage"})
    if isinstance(completion.get("usage"), dict):
        refused["usage"] = _counts(completion["usage"])
    refused["choices"] = [
        {
            "index": choice.get("index", position),
            "message": refusal_message(message, programmatic),
            "logprobs": None,
            "finish_reason": "content_filter",
            "specguard": decision_summary(verdict),
        }
        for position, choice in enumerate(completion.get("choices") or [{}])
    ]
    return refused


def _counts(usage: dict[str, Any]) -> dict[str, Any]:
    """``usage`` with its numbers only (nested detail objects kept): any string in it could be
    the refused text."""
    return {
        key: _counts(value) if isinstance(value, dict) else value
        for key, value in usage.items()
        if isinstance(value, dict) or (type(value) in (int, float, bool) or value is None)
    }


def redact_text(text: str, decisions: Iterable[Decision]) -> str:
    """``text`` with each decision's span replaced by a typed placeholder (overlaps merged)."""
    pieces: list[str] = []
    cursor = 0
    for decision in sorted(decisions, key=lambda d: d.finding.start):
        start, end = max(decision.finding.start, cursor), decision.finding.end
        if end <= start:
            continue
        pieces += [text[cursor:start], placeholder(decision)]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def placeholder(decision: Decision) -> str:
    """What replaces a redacted span."""
    return f"[redacted: {decision.finding.category}]"


def redaction_note(decisions: Iterable[Decision], template: str) -> str:
    """The declared note: what kinds were removed and under which policy."""
    decisions = list(decisions)
    kinds = ", ".join(sorted({d.finding.category for d in decisions}))
    what = ", ".join(
        sorted({explanations.withheld(d.finding.detector, d.finding.category) for d in decisions})
    )
    detectors = ", ".join(sorted({d.finding.detector for d in decisions}))
    return template.format(count=len(decisions), what=what, kinds=kinds, detectors=detectors)


def redact_span(piece: str, offset: int, decisions: Iterable[Decision]) -> str:
    """``piece``, the part of a text from ``offset`` on, with the spans of ``decisions`` cut out.
    A span's placeholder goes where the span starts, so a span split across pieces shows once."""
    end = offset + len(piece)
    out: list[str] = []
    cursor = offset
    for decision in sorted(decisions, key=lambda d: d.finding.start):
        r_start, r_end = decision.finding.start, decision.finding.end
        if r_end <= cursor or r_start >= end:
            continue
        if r_start >= cursor:
            out += [piece[cursor - offset : r_start - offset], placeholder(decision)]
        cursor = max(cursor, min(r_end, end))
    out.append(piece[cursor - offset :])
    return "".join(out)


def redact_completion(
    completion: dict[str, Any],
    verdict: Verdict,
    note_template: str,
    programmatic: bool,
    skip: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """``completion`` with redacted spans replaced in every text (``proxy.texts``; answer fields
    in ``skip`` were not screened) and the note declared."""
    from proxy.texts import choice_texts

    redacted = copy.deepcopy(completion)
    for position, choice in enumerate(redacted.get("choices") or []):
        touched: dict[int, Decision] = {}
        offsets: dict[str, int] = {}
        for leaf in choice_texts(choice, skip):
            start = offsets.get(leaf.channel, 0)
            offsets[leaf.channel] = start + len(leaf.text)
            decisions = verdict.redactions(f"choices.{position}.{leaf.channel}")
            if decisions:
                leaf.holder[leaf.key] = redact_span(leaf.text, start, decisions)
                touched.update((id(d), d) for d in decisions)
        if touched:
            note = redaction_note(touched.values(), note_template)
            message = choice.get("message") or {}
            if not programmatic and isinstance(message.get("content"), str):
                message["content"] += f"\n\n{note}"
            choice["specguard"] = {**decision_summary(verdict), "note": note}
    return redacted
