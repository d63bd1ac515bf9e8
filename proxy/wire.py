"""Validation of the OpenAI chat-completions request at the edge.

The shape of every field the proxy reads is checked by the pydantic models below (strict types,
``extra="allow"``: unknown fields are accepted). The body itself stays the plain dict the client
sent, so unknown fields pass through to the upstream untouched. Every failure is an
``InvalidRequest`` naming its ``param``; no malformed body gets further than this module.

Nesting is bounded (``MAX_DEPTH``) for every field, known or not: deeper JSON would overflow
orjson's encoder (254 levels) or Python's recursion limit further down the pipeline.
"""

from __future__ import annotations

from typing import Annotated, Any, NotRequired

import orjson
from pydantic import AfterValidator, ConfigDict, Field, TypeAdapter, ValidationError, with_config
from pydantic_core import ErrorDetails, PydanticCustomError
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12

from proxy.errors import InvalidRequest

CLIENT_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
RESERVED_LEVELS = frozenset({"platform", "root", "specguard", "openai"})
"""Levels above the developer that only the proxy itself may speak at: as a role or a ``name``."""
MAX_DEPTH = 64
"""Deepest nesting of objects and arrays accepted, the body itself counting as level 1. Tool
schemas and structured-output schemas nest ~10 object levels (about 25 JSON levels)."""


_WIRE = ConfigDict(extra="allow", strict=True)
"""Unknown fields are accepted (and the body forwarded as sent); known ones have strict types.
TypedDicts rather than models: validation is 3x faster and the result is discarded anyway."""


def _client_role(role: str) -> str:
    if role.strip().lower() in RESERVED_LEVELS:
        raise PydanticCustomError(
            "reserved_role",
            "{role} is reserved for the platform policy; "
            "send instructions as system or developer messages",
            {"role": repr(role)},
        )
    if role not in CLIENT_ROLES:
        raise PydanticCustomError(
            "unknown_role", "must be one of " + ", ".join(sorted(CLIENT_ROLES))
        )
    return role


def _not_reserved(name: str) -> str:
    if name.strip().lower() in RESERVED_LEVELS:
        raise PydanticCustomError(
            "reserved_name", "{name} is reserved for the platform policy", {"name": repr(name)}
        )
    return name


@with_config(_WIRE)
class FunctionCall(TypedDict):
    """A legacy ``function_call``, or a tool call's function: name and JSON arguments."""

    name: NotRequired[str | None]
    arguments: NotRequired[str | None]


@with_config(_WIRE)
class ToolCall(TypedDict):
    """One call in an assistant turn's ``tool_calls``."""

    id: NotRequired[str | None]
    type: NotRequired[str | None]
    function: NotRequired[FunctionCall | None]


@with_config(_WIRE)
class ContentPart(TypedDict):
    """One part of a ``content`` array: text, image, audio, file ..."""

    type: str
    text: NotRequired[str | None]


@with_config(_WIRE)
class Message(TypedDict):
    """One message of ``messages``."""

    role: Annotated[str, AfterValidator(_client_role)]
    content: NotRequired[str | list[ContentPart] | None]
    name: NotRequired[Annotated[str, AfterValidator(_not_reserved)] | None]
    tool_calls: NotRequired[list[ToolCall] | None]
    tool_call_id: NotRequired[str | None]
    function_call: NotRequired[FunctionCall | None]


@with_config(_WIRE)
class ChatRequest(TypedDict):
    """The fields of a chat-completions request the proxy relies on."""

    model: Annotated[str, Field(min_length=1)]
    messages: Annotated[list[Message], Field(min_length=1)]
    stream: NotRequired[bool | None]
    n: NotRequired[Annotated[int, Field(ge=1, le=128)] | None]


_CHAT_REQUEST = TypeAdapter(ChatRequest)


def json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a 400 saying what is wrong with it."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidRequest(
            "We could not parse the JSON body of your request. Send valid JSON."
        ) from None
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    return body


def parse_chat_request(raw: bytes) -> dict[str, Any]:
    """The JSON body as a dict, checked for what the proxy needs."""
    body = json_object(raw)
    # Only a body with more brackets than the limit can nest deeper than it (a C-speed count).
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
        _check_depth(body)
    try:
        _CHAT_REQUEST.validate_python(body)
    except ValidationError as exc:
        raise _invalid(exc.errors(include_url=False, include_input=False)) from None
    return body


def _check_depth(body: dict[str, Any]) -> None:
    """400 naming the top-level field (and index) that nests deeper than ``MAX_DEPTH``."""
    for key, value in body.items():
        if isinstance(value, list):
            for index, item in enumerate(value):
                if _deeper_than(item, MAX_DEPTH - 2):
                    _too_deep(f"{key}[{index}]")
        elif _deeper_than(value, MAX_DEPTH - 1):
            _too_deep(str(key))


def _too_deep(param: str) -> None:
    raise InvalidRequest(
        f"'{param}' is nested too deeply (at most {MAX_DEPTH} levels of objects and arrays).",
        param=param,
    )


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` has more than ``limit`` levels of objects and arrays (level by level,
    without recursion)."""
    level = [value] if type(value) in _CONTAINERS else []
    for _ in range(limit):
        level = [
            child
            for item in level
            for child in (item.values() if type(item) is dict else item)
            if type(child) in _CONTAINERS
        ]
        if not level:
            return False
    return True


_CONTAINERS = frozenset({dict, list})


def _invalid(errors: list[ErrorDetails]) -> InvalidRequest:
    """The most specific validation error, as a 400 naming its ``param``."""
    error = max(errors, key=lambda e: len(_fields(e["loc"])))
    loc = _fields(error["loc"])
    if not loc:
        return InvalidRequest("The request body must be a JSON object.")
    param = _param(loc)
    if error["type"] == "missing":
        return InvalidRequest(f"'{param}' is required.", param=param)
    # A union (``content``: string or array) fails once per member at the same place.
    reasons = dict.fromkeys(_sentence(e["msg"]) for e in errors if _fields(e["loc"]) == loc)
    return InvalidRequest(f"Invalid '{param}': {' or '.join(reasons)}.", param=param)


_FIELD_NAMES = frozenset(
    name
    for shape in (ChatRequest, Message, ContentPart, ToolCall, FunctionCall)
    for name in shape.__annotations__
)


def _fields(loc: tuple[int | str, ...]) -> list[int | str]:
    """``loc`` without the tags pydantic adds for union members (``str``, ``list[...]``)."""
    return [part for part in loc if isinstance(part, int) or part in _FIELD_NAMES]


def _param(loc: list[int | str]) -> str:
    """``["messages", 0, "content"]`` -> ``messages[0].content``."""
    param = ""
    for part in loc:
        param += f"[{part}]" if isinstance(part, int) else f".{part}" if param else str(part)
    return param


def _sentence(message: str) -> str:
    return (message[:1].lower() + message[1:]).rstrip(".")


def message_text(message: dict[str, Any]) -> str:
    """The text a message carries: its string content or its text-bearing parts, joined."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    texts = []
    for part in content:
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("text"), str):
            texts.append(part["text"])
        for key in ("file", "document", "input_file"):
            inner = part.get(key)
            if isinstance(inner, dict) and isinstance(inner.get("text"), str):
                texts.append(inner["text"])
    return "\n".join(texts)
