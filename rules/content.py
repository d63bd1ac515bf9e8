"""Reading and rewriting the text of chat messages, whose ``content`` is a string or a part list.

Every function returns new objects and leaves its input alone, so a rule never mutates the
body it was given.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Annotated, Any

from pydantic import StringConstraints

from detectors.base import ScanContext

Message = dict[str, Any]

TagName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][\w:.-]*$")]
"""A configurable XML-ish tag name (delegation and allow tags)."""

DEVELOPER_ROLES = frozenset({"system", "developer"})
TOOL_ROLES = frozenset({"tool", "function"})


def texts(content: Any) -> list[str]:
    """The text pieces of a message's ``content`` (the string, or each ``text`` part)."""
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [
            part["text"]
            for part in content
            if isinstance(part, dict)
            and part.get("type") == "text"
            and isinstance(part.get("text"), str)
        ]
    return []


def text_of(message: Message) -> str:
    """All text of a message, pieces joined by newlines."""
    return "\n".join(texts(message.get("content")))


def scan_context(messages: list[Message], tenant: str) -> ScanContext:
    """What a request-side detector may know: the developer text and the user's turns."""
    return ScanContext(
        tenant=tenant,
        developer_text="\n".join(text_of(m) for m in messages if m.get("role") in DEVELOPER_ROLES),
        user_inputs=tuple(text_of(m) for m in messages if m.get("role") == "user"),
    )


def map_texts(content: Any, change: Callable[[str], str]) -> Any:
    """``content`` with ``change`` applied to its string or to each ``text`` part."""
    if isinstance(content, str):
        return change(content)
    if isinstance(content, list):
        return [
            {**part, "text": change(part["text"])}
            if isinstance(part, dict)
            and part.get("type") == "text"
            and isinstance(part.get("text"), str)
            else part
            for part in content
        ]
    return content


def strings_in(value: Any) -> Iterator[str]:
    """Every string anywhere in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def tool_names(messages: Iterable[Any]) -> dict[str, str]:
    """Function name of every ``tool_call_id`` the assistant turns of the history issued."""
    names: dict[str, str] = {}
    for message in messages:
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        for call in message.get("tool_calls") or []:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(call.get("id"), str):
                names[call["id"]] = str(function.get("name", ""))
    return names


def tool_name(message: Message, names: dict[str, str]) -> str:
    """The name of the tool whose output ``message`` carries ('' when unknown)."""
    if message.get("role") == "function":
        return str(message.get("name") or "")
    return names.get(str(message.get("tool_call_id")), "") or str(message.get("name") or "")


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    """Whether ``name`` matches one of the globs in ``patterns``."""
    return bool(name) and any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def tag_tools(messages: Iterable[Any], tag: str) -> frozenset[str]:
    """Tools named by ``<tag tools="a, b">`` in the developer (system/developer) messages.

    Only developer-level text may delegate: the same tag in a user turn or a tool output is
    ignored, so untrusted content cannot vouch for itself.
    """
    pattern = re.compile(rf"<{re.escape(tag)}\s+tools\s*=\s*\"([^\"<>]*)\"\s*/?>")
    found: set[str] = set()
    for message in messages:
        if isinstance(message, dict) and message.get("role") in DEVELOPER_ROLES:
            for match in pattern.finditer(text_of(message)):
                found.update(name for name in re.split(r"[\s,]+", match.group(1)) if name)
    return frozenset(found)


def with_platform_note(body: dict[str, Any], note: str, role: str) -> dict[str, Any]:
    """``body`` with ``note`` as a platform-level message above every client message.

    ``role_hierarchy`` runs after the rules that add notes and puts its policy above them, so
    the final order is: policy, notes, then the client's own messages.
    """
    return {**body, "messages": [{"role": role, "content": note}, *body["messages"]]}


def ordinal(position: int, total: int, noun: str) -> str:
    """'the latest user message' or 'user message 2 of 3', for platform notes."""
    if position == total:
        return f"the latest {noun}"
    return f"{noun} {position} of {total}"
