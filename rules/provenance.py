"""A chat completions request as the tool-call policy's ``Conversation`` (the chat adapter).

Trusted: the developer's messages and the user's own words (and results of tools the tenant or
the developer's delegation tag trusts). Untrusted sources: tool and function results, the text
of file/document attachments, and regions the user quoted or pasted: exactly what
``untrusted_marking`` marks. Assistant turns are neither: a value the model repeated earlier
still has to come from somewhere; their tool calls count toward the conversation's limit.

The developer's system text may narrow the scope of autonomy for the request with
``<specguard-scope allowed_tools="search_*, open_url" confirm="pay, delete"
max_tool_calls="8"/>`` (the tag name is configurable); the same tag in user or tool text is
ignored. ``<specguard-allow tools="send_email"/>`` and a forced ``tool_choice`` pre-approve
functions (no confirmation needed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from detectors.findings import Finding
from rules.content import (
    DEVELOPER_ROLES,
    TOOL_ROLES,
    matches_any,
    tag_tools,
    text_of,
    tool_name,
    tool_names,
)
from rules.conversation import Conversation, Scope, Source
from rules.quotes import own_words, quoted_regions

_ATTACHMENTS = frozenset({"file", "input_file", "document"})
_ATTRIBUTE = re.compile(r"([a-z_]+)\s*=\s*\"([^\"<>]*)\"")

Scan = Callable[[str, str], tuple[tuple[Finding, ...], bool]]
"""``scan(text, where) -> (injection findings, scanned ok)``."""


def conversation_of(
    body: dict[str, Any],
    scan: Scan | None = None,
    trusted_tools: Iterable[str] = (),
    allow_tag: str = "specguard-allow",
    scope_tag: str = "specguard-scope",
    delegation_tag: str = "specguard-trust",
) -> Conversation:
    """The conversation model of ``body``; ``scan`` (None: not scanned, fail closed) grades
    each untrusted source for injected instructions."""
    messages: list[Any] = [m for m in body.get("messages", []) if isinstance(m, dict)]
    names = tool_names(messages)
    patterns = [*trusted_tools, *tag_tools(messages, delegation_tag)]
    trusted: list[str] = []
    user: list[str] = []
    raw: list[tuple[str, str, str, str]] = []
    prior = 0
    for index, message in enumerate(messages):
        role = message.get("role")
        if role in DEVELOPER_ROLES:
            trusted.append(text_of(message))
        elif role in TOOL_ROLES:
            name = tool_name(message, names)
            text = _all_text(message.get("content"))
            if matches_any(name, patterns):
                trusted.append(text)
            else:
                raw.append((text, name, "tool_output", f"messages.{index}"))
        elif role == "user":
            text = text_of(message)
            words = own_words(text)
            trusted.append(words)
            user.append(words)
            raw += [
                (text[r.start : r.end], "", "quote", f"messages.{index}")
                for r in quoted_regions(text)
            ]
            raw += [
                (t, "", "attachment", f"messages.{index}")
                for t in _attachment_texts(message.get("content"))
            ]
        elif role == "assistant":
            prior += len(message.get("tool_calls") or [])
            prior += 1 if isinstance(message.get("function_call"), dict) else 0
    sources = tuple(
        _source(text, tool, kind, where, scan) for text, tool, kind, where in raw if text
    )
    return Conversation(
        trusted=tuple(t for t in trusted if t),
        user=tuple(u for u in user if u),
        sources=sources,
        prior_calls=prior,
        scope=_scope(messages, body.get("tool_choice"), allow_tag, scope_tag),
    )


def _source(text: str, tool: str, kind: str, where: str, scan: Scan | None) -> Source:
    if scan is None:
        return Source(text, tool, kind, scanned=False)
    findings, ok = scan(text, where)
    return Source(text, tool, kind, findings, ok)


def _scope(messages: list[Any], tool_choice: Any, allow_tag: str, scope_tag: str) -> Scope:
    """The developer's per-request scope: only system/developer text counts."""
    pattern = re.compile(rf"<{re.escape(scope_tag)}\s+([^<>]*?)/?>")
    allowed: list[str] | None = None
    confirm: set[str] = set()
    limit: int | None = None
    for message in messages:
        if message.get("role") not in DEVELOPER_ROLES:
            continue
        for tag in pattern.finditer(text_of(message)):
            attributes = dict(_ATTRIBUTE.findall(tag.group(1)))
            if "allowed_tools" in attributes:
                named = [n for n in re.split(r"[\s,]+", attributes["allowed_tools"]) if n]
                # Several tags narrow each other: a function must match every one of them.
                allowed = (
                    named if allowed is None else [n for n in named if matches_any(n, allowed)]
                )
            confirm |= {c for c in re.split(r"[\s,]+", attributes.get("confirm", "")) if c}
            if attributes.get("max_tool_calls", "").isdigit():
                count = int(attributes["max_tool_calls"])
                limit = count if limit is None else min(limit, count)
    return Scope(
        allowed_tools=tuple(allowed) if allowed is not None else None,
        confirm=frozenset(confirm),
        max_tool_calls=limit,
        preapproved=tag_tools(messages, allow_tag) | _forced(tool_choice),
    )


def _all_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text"))
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def _attachment_texts(content: Any) -> list[str]:
    found: list[str] = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, dict) or part.get("type") not in _ATTACHMENTS:
            continue
        inner = part.get(str(part["type"]))
        for text in (part.get("text"), inner.get("text") if isinstance(inner, dict) else None):
            if isinstance(text, str):
                found.append(text)
    return found


def _forced(tool_choice: Any) -> frozenset[str]:
    """The function a ``tool_choice`` forces: the developer asked for exactly that call."""
    if isinstance(tool_choice, dict):
        function = tool_choice.get("function")
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            return frozenset({function["name"]})
    return frozenset()
