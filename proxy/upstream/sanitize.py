"""Upstream error bodies, reduced to what is safe to relay to a client."""

from __future__ import annotations

import re
from collections.abc import Mapping

import orjson

from proxy.errors import UpstreamError

_KEYLIKE = re.compile(r"\b(sk|pk|rk|key)[-_][A-Za-z0-9_\-*]{6,}")
_MAX_MESSAGE = 500


def redact_secrets(message: str, key: str | None) -> str:
    """``message`` with the upstream key and anything key-shaped masked."""
    if key:
        message = message.replace(key, "***")
    return _KEYLIKE.sub(r"\1-***", message)


_RELAYED_HEADERS = ("retry-after", "retry-after-ms", "x-should-retry")
"""Upstream headers a client's retry logic reads (with the ``x-ratelimit-*`` ones named like
``_RETRY_NAME``)."""


_RETRY_NAME = re.compile(r"x-ratelimit(?:-[a-z]{1,12}){1,4}", re.ASCII | re.IGNORECASE)
"""The shape of a relayed ``x-ratelimit-*`` header's name: a few words of letters
(``x-ratelimit-reset-tokens``, ``x-ratelimit-limit-requests-day``), no digits."""
_RETRY_VALUE = re.compile(
    r"\d{1,13}(?:\.\d+)?(?:(?:ms|s|m|h)(?:\d+(?:\.\d+)?(?:ms|s|m|h))*)?"  # 60, 0.5, 6m0s
    r"|true|false|yes|no"
    r"|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})"  # RFC 3339
    r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT",
    re.ASCII | re.IGNORECASE,
)
"""What a retry or rate-limit header's value is: a count (up to 13 digits: epoch milliseconds),
a duration, a flag or a date. A value of any other shape is text no one screened, and is
dropped."""


def retry_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers of an upstream answer that clients act on, to relay as they are when their
    name and value have the shape of one (``_RETRY_NAME``, ``_RETRY_VALUE``)."""
    return {
        name.lower(): value
        for name, value in headers.items()
        if (name.lower() in _RELAYED_HEADERS or _RETRY_NAME.fullmatch(name))
        and len(value) <= 64
        and _RETRY_VALUE.fullmatch(value.strip())
    }


def sanitized_error(
    status: int, raw: bytes, key: str | None, headers: Mapping[str, str] | None = None
) -> UpstreamError:
    """An ``UpstreamError`` keeping only the envelope fields of the upstream's body (and the
    retry headers). The upstream refusing specguard's own key (401/403) is a 502 that says so:
    relayed as is, the client would blame its own key."""
    relayed = retry_headers(headers or {})
    if status in (401, 403):
        return UpstreamError(
            502,
            f"The upstream rejected specguard's credentials (HTTP {status}); the operator "
            "should check the upstream's api_key_env.",
            error_type="server_error",
            code="upstream_auth_failed",
        )
    error = _sanitized(status, raw, key)
    error.headers = relayed
    return error


def _sanitized(status: int, raw: bytes, key: str | None) -> UpstreamError:
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
