"""Validation of the OpenAI chat-completions request at the edge.

The body stays a plain dict so unknown fields pass through to the upstream untouched; only the
fields the proxy relies on are checked, each failure naming its ``param``.
"""

from __future__ import annotations

from typing import Any

import orjson

from proxy.errors import InvalidRequest

CLIENT_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
RESERVED_LEVELS = frozenset({"platform", "root", "specguard", "openai"})
"""Levels above the developer that only the proxy itself may speak at: as a role or a ``name``."""


def parse_chat_request(raw: bytes) -> dict[str, Any]:
    """The JSON body as a dict, checked for what the proxy needs."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidRequest(
            "We could not parse the JSON body of your request. Send valid JSON."
        ) from None
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("You must provide a model parameter.", param="model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("'messages' must be a non-empty array.", param="messages")
    for index, message in enumerate(messages):
        _check_message(index, message)
    if "stream" in body and not isinstance(body["stream"], bool | None):
        raise InvalidRequest("'stream' must be a boolean.", param="stream")
    n = body.get("n")
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 128):
        raise InvalidRequest("'n' must be an integer between 1 and 128.", param="n")
    return body


def _check_message(index: int, message: Any) -> None:
    where = f"messages[{index}]"
    if not isinstance(message, dict):
        raise InvalidRequest(f"'{where}' must be an object.", param=where)
    role = message.get("role")
    if not isinstance(role, str):
        raise InvalidRequest(f"'{where}.role' is required.", param=f"{where}.role")
    if role.strip().lower() in RESERVED_LEVELS:
        raise InvalidRequest(
            f"'{where}.role' {role!r} is reserved for the platform policy; "
            "send instructions as system or developer messages.",
            param=f"{where}.role",
        )
    if role not in CLIENT_ROLES:
        raise InvalidRequest(
            f"'{where}.role' must be one of {', '.join(sorted(CLIENT_ROLES))}.",
            param=f"{where}.role",
        )
    name = message.get("name")
    if isinstance(name, str) and name.strip().lower() in RESERVED_LEVELS:
        raise InvalidRequest(
            f"'{where}.name' {name!r} is reserved for the platform policy.", param=f"{where}.name"
        )
    content = message.get("content")
    if content is not None and not isinstance(content, str | list):
        raise InvalidRequest(
            f"'{where}.content' must be a string or an array of parts.", param=f"{where}.content"
        )


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
