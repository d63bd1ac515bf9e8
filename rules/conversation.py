"""The conversation model the tool-call policy decides over, independent of the wire API.

A chat completions request (``rules.provenance``) or, later, a Responses API request is turned
into a ``Conversation``: the text with authority (the developer's messages and the user's own
words), the no-authority ``Source`` texts (tool results, attachments, quoted regions) with the
injection findings on each, how many tool calls the conversation already made, and the scope of
autonomy the developer's system text set for this request. ``rules.flow.decide`` takes it and a
``ProposedCall`` and rules on the call; nothing there knows about JSON bodies or SSE.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from detectors.findings import Finding


@dataclass(frozen=True, slots=True)
class Source:
    """One piece of no-authority text the model read."""

    text: str
    """The text as the model saw it (before marking)."""
    tool: str = ""
    """Name of the tool whose result it is ('' for attachments and quotes)."""
    kind: str = "tool_output"
    """``tool_output``, ``attachment`` or ``quote``."""
    injections: tuple[Finding, ...] = ()
    """Injection findings on ``text`` (offsets into it)."""
    scanned: bool = True
    """False when the injection scan failed or was not run: every instruction-like use of the
    text then counts as injected (fail closed)."""


@dataclass(frozen=True, slots=True)
class Scope:
    """The scope of autonomy the developer's system text set for one request (narrows the
    tenant's; never widens it)."""

    allowed_tools: tuple[str, ...] | None = None
    """Globs of the only functions the model may call; None: no narrowing."""
    confirm: frozenset[str] = frozenset()
    """Side-effect classes (``pay``, ``delete`` ...) that need the user's confirmation."""
    max_tool_calls: int | None = None
    """Most tool calls in the conversation; None: no narrowing."""
    preapproved: frozenset[str] = frozenset()
    """Functions the developer pre-approved (allow tag, forced ``tool_choice``): no
    confirmation needed for them."""


@dataclass(frozen=True, slots=True)
class Conversation:
    """What the policy knows of a conversation when a tool call is proposed."""

    trusted: tuple[str, ...] = ()
    """Developer messages, the user's own words and trusted tools' results."""
    user: tuple[str, ...] = ()
    """The user's own words, turn by turn (what the user asked for)."""
    sources: tuple[Source, ...] = ()
    """No-authority texts, in conversation order."""
    prior_calls: int = 0
    """Tool calls the assistant already made in this conversation."""
    scope: Scope = field(default_factory=Scope)
    """The developer's per-request scope of autonomy."""


@dataclass(frozen=True, slots=True)
class ProposedCall:
    """A function call the model wants to make."""

    name: str
    """Function name."""
    arguments: Any
    """Parsed JSON arguments; the raw string when they are not JSON."""

    @classmethod
    def of(cls, name: str, arguments: Any) -> ProposedCall:
        """A call from its name and its wire ``arguments`` (a JSON string, usually)."""
        if isinstance(arguments, str):
            try:
                return cls(name, json.loads(arguments))
            except ValueError:
                return cls(name, arguments)
        return cls(name, arguments)


def leaves(value: Any) -> list[str]:
    """Every scalar in a JSON value, as text (keys excluded)."""
    out: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            out.append(str(abs(item)))
        elif isinstance(item, (str, float)):
            out.append(str(item))
    return out
