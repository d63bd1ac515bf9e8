"""Upstream error bodies, reduced to what is safe to relay to a client."""

from __future__ import annotations

import re

import orjson

from proxy.errors import UpstreamError

_KEYLIKE = re.compile(r"\b(sk|pk|rk|key)[-_][A-Za-z0-9_\-*]{6,}")
_MAX_MESSAGE = 500


def redact_secrets(message: str, key: str | None) -> str:
    """``message`` with the upstream key and anything key-shaped masked."""
    if key:
        message = message.replace(key, "***")
    return _KEYLIKE.sub(r"\1-***", message)


def sanitized_error(status: int, raw: bytes, key: str | None) -> UpstreamError:
    """An ``UpstreamError`` keeping only the envelope fields of the upstream's body."""
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        payload = None
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return UpstreamError(
            status,
            redact_secrets(error["message"], key)[:_MAX_MESSAGE],
            error_type=_short_str(error.get("type")),
            param=_short_str(error.get("param")),
            code=_short_str(error.get("code")),
        )
    if isinstance(error, str):
        return UpstreamError(status, redact_secrets(error, key)[:_MAX_MESSAGE])
    return UpstreamError(status, f"upstream returned HTTP {status}")


def _short_str(value: object) -> str | None:
    return str(value)[:100] if isinstance(value, str | int) else None
