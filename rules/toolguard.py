"""``tool_guard``: the hard guarantee on actions, checked on the model's ``tool_calls``.

Marking only asks the model to ignore injected instructions; this guard checks what it then does.
A call is stopped when

- an argument value (account number, e-mail address, URL host, file path) occurs in the
  request's untrusted text but nowhere in the developer's or the user's own words: the value
  can only have come from the data (an account number planted in a web page, an attacker's
  address in an e-mail) — category ``untrusted_argument``;
- it calls a function the tenant lists as ``side_effecting`` without an allowance: the developer
  forcing it with ``tool_choice``, or ``<specguard-allow tools="send_email"/>`` in a developer
  message — category ``side_effect``.

``guard_tool_calls`` is the pure decision. The ``ToolGuard`` rule records the request's
provenance on the request; ``rules.toolstage.ToolGuardStage`` applies the decision to answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from detectors.findings import Finding
from rules.base import Provenance, Rewrite, RuleRecord, RuleScope
from rules.content import TagName, matches_any
from rules.provenance import provenance_of

ValueKind = Literal["account", "email", "url", "path"]

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://([^\s/?#\"'<>\\]+)[^\s\"'<>]*")
_PATH = re.compile(
    r"(?<![\w/.:~\\-])(?:(?:~|\.{1,2})?/(?:[\w.@~-]+/)*[\w.@~-]*[A-Za-z][\w.@~-]*"
    r"|[A-Za-z]:\\(?:[\w .@~-]+\\)*[\w.@~-]+)"
)
_DIGITS = re.compile(r"\d(?:[ \-]?\d)+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MIN_ACCOUNT_DIGITS = 8
_MIN_RUN_DIGITS = 6


class ToolGuardConfig(BaseModel):
    """``[tenants.NAME.rules.tool_guard]``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["block", "hold", "off"] = "block"
    """``block``: the call is refused; ``hold``: it is withheld pending the user's confirmation
    (returned beside the refusal under ``specguard.held_tool_calls``); ``off``: no guard."""
    side_effecting: list[str] = []
    """Globs of functions that change the world (pay, send, delete) and need an allowance."""
    allow_tag: TagName = "specguard-allow"
    """Tag a developer message uses to allow side-effecting functions for the request."""
    trusted_tools: list[str] = []
    """Globs of tools whose output counts as trusted text."""
    exempt: list[str] = []
    """Globs of functions whose arguments are not checked (e.g. a browser's ``open_url``)."""
    values: list[ValueKind] = ["account", "email", "url", "path"]
    """Kinds of argument values checked against the request's provenance."""


@dataclass(frozen=True, slots=True)
class Value:
    """A checkable value found in a tool call's arguments."""

    kind: ValueKind
    text: str
    """Normalised: lower-cased e-mail, URL host or path; digits only for accounts."""


def argument_values(arguments: str, kinds: Sequence[ValueKind]) -> list[Value]:
    """The account numbers, e-mail addresses, URL hosts and paths in a call's arguments."""
    try:
        parsed: Any = json.loads(arguments)
    except (ValueError, TypeError):
        parsed = arguments
    found: list[Value] = []
    for leaf in _leaves(parsed):
        if isinstance(leaf, int) and not isinstance(leaf, bool):
            leaf = str(abs(leaf))
        if isinstance(leaf, str):
            found += [value for value in values_in(leaf) if value.kind in kinds]
    return found


def values_in(text: str) -> list[Value]:
    """Checkable values in one string."""
    found = [Value("url", _host(m.group(1))) for m in _URL.finditer(text)]
    rest = _URL.sub(" ", text)
    found += [Value("email", m.group().lower()) for m in _EMAIL.finditer(rest)]
    rest = _EMAIL.sub(" ", rest)
    found += [
        Value("path", m.group().lower())
        for m in _PATH.finditer(rest)
        if "/" in m.group() or "\\" in m.group()
    ]
    found += [
        Value("account", digits)
        for m in _DIGITS.finditer(rest)
        if not _ISO_DATE.fullmatch(m.group())
        and len(digits := re.sub(r"\D", "", m.group())) >= _MIN_ACCOUNT_DIGITS
    ]
    return found


class Corpus:
    """Text to look values up in: lower-cased, plus its digit runs without separators."""

    def __init__(self, texts: Sequence[str]):
        self.lower = "\n".join(texts).lower()
        self.runs = [
            digits
            for m in _DIGITS.finditer(self.lower)
            if len(digits := re.sub(r"\D", "", m.group())) >= _MIN_RUN_DIGITS
        ]

    def has(self, value: Value) -> bool:
        """Whether ``value`` occurs here."""
        if value.kind == "account":
            return any(value.text in run for run in self.runs)
        return value.text in self.lower


def guard_tool_calls(
    calls: Sequence[Any],
    provenance: Provenance,
    config: ToolGuardConfig,
    trusted: Corpus | None = None,
    untrusted: Corpus | None = None,
) -> list[Finding]:
    """Findings for the calls that must be stopped (``where`` is ``tool_calls.N``)."""
    trusted = trusted or Corpus(provenance.trusted)
    untrusted = untrusted or Corpus(provenance.untrusted)
    findings: list[Finding] = []
    for index, call in enumerate(calls):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            continue
        name = str(function.get("name") or "")
        where = f"tool_calls.{index}"
        if matches_any(name, config.side_effecting) and name not in provenance.allowed_tools:
            findings.append(Finding("tool_guard", "side_effect", 1.0, where=where))
        arguments = function.get("arguments")
        if matches_any(name, config.exempt) or not isinstance(arguments, str):
            continue
        if any(
            untrusted.has(value) and not trusted.has(value)
            for value in argument_values(arguments, config.values)
        ):
            findings.append(Finding("tool_guard", "untrusted_argument", 1.0, where=where))
    return findings


class ToolGuard:
    """Records the request's provenance for the tool-call guard; the body passes unchanged."""

    name = "tool_guard"

    def __init__(self, config: ToolGuardConfig):
        self.config = config

    def apply(self, body: dict[str, Any], scope: RuleScope) -> Rewrite:
        """The body as it came, with its provenance on the record."""
        provenance = provenance_of(body, self.config.trusted_tools, self.config.allow_tag)
        return Rewrite(body, record=RuleRecord(provenance=provenance))


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _host(netloc: str) -> str:
    host = netloc.rpartition("@")[2].lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0]
