"""Which text of a request has authority, for the tool-call guard.

Trusted: the developer's messages and the user's own words. Untrusted: tool and function output
(except tools the tenant trusts), text of file/document attachments, and regions the user quoted
or pasted: exactly what ``untrusted_marking`` marks. Assistant turns are neither: a value the
model repeated earlier still has to come from somewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rules.base import Provenance
from rules.content import (
    DEVELOPER_ROLES,
    TOOL_ROLES,
    matches_any,
    tag_tools,
    text_of,
    tool_name,
    tool_names,
)
from rules.quotes import own_words, quoted_regions

_ATTACHMENTS = frozenset({"file", "input_file", "document"})


def provenance_of(
    body: dict[str, Any], trusted_tools: Iterable[str] = (), allow_tag: str = "specguard-allow"
) -> Provenance:
    """The trusted and untrusted text of ``body`` and the functions its developer allowed."""
    messages: list[Any] = [m for m in body.get("messages", []) if isinstance(m, dict)]
    names = tool_names(messages)
    patterns = list(trusted_tools)
    trusted: list[str] = []
    untrusted: list[str] = []
    for message in messages:
        role = message.get("role")
        if role in DEVELOPER_ROLES:
            trusted.append(text_of(message))
        elif role in TOOL_ROLES:
            trusted_tool = matches_any(tool_name(message, names), patterns)
            (trusted if trusted_tool else untrusted).append(_all_text(message.get("content")))
        elif role == "user":
            text = text_of(message)
            trusted.append(own_words(text))
            untrusted += [text[r.start : r.end] for r in quoted_regions(text)]
            untrusted += _attachment_texts(message.get("content"))
    return Provenance(
        trusted=tuple(t for t in trusted if t),
        untrusted=tuple(t for t in untrusted if t),
        allowed_tools=tag_tools(messages, allow_tag) | _forced(body.get("tool_choice")),
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
