"""Errors that reach clients, each rendered once in the OpenAI error envelope.

Hierarchy (every class maps to one HTTP status):

- ``ProxyError``: base; ``status``, ``type`` and ``code`` say how it renders.
  - ``InvalidRequest`` (400): malformed JSON, missing or invalid fields (``param`` names the field).
  - ``Unauthorized`` (401): missing or unknown API key.
  - ``ModelNotFound`` (404): no route for the model, or the tenant may not use it.
  - ``PayloadTooLarge`` (413): body over the configured limit.
  - ``PolicyRefusal`` (400): a request rule refused the request.
  - ``RequestTooComplex`` (400): the request rules could not finish within the tenant's
    ``rules_budget_ms``; fail-closed, the request is not forwarded.
  - ``UpstreamError``: the upstream answered with an error; its status and a sanitized message.
  - ``UpstreamUnreachable`` (502) and ``UpstreamTimeout`` (504): transport failures.
  - ``UpstreamMalformed`` (502): the upstream answered 200 with something that is not a
    completion (unparseable, wrong shape, an error object); ``UpstreamIncomplete`` (502) its
    stream ended before ``[DONE]``. Neither carries any upstream text.

Adapters translate third-party exceptions into these with ``raise ... from exc``; the single
handler in ``proxy.app`` renders them. Messages never carry prompt text, secrets or tracebacks.
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson


class ProxyError(Exception):
    """An error with a client-facing rendering."""

    status: ClassVar[int] = 500
    type: ClassVar[str] = "server_error"
    default_code: ClassVar[str | None] = None

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code if code is not None else self.default_code

    def envelope(self) -> dict[str, Any]:
        """The OpenAI error envelope for this error."""
        return error_envelope(self.message, self.type, self.param, self.code)

    def http_status(self) -> int:
        """The HTTP status this error is sent with."""
        return self.status


class InvalidRequest(ProxyError):
    """The request body is malformed or has an invalid field."""

    status = 400
    type = "invalid_request_error"


class Unauthorized(ProxyError):
    """No API key, or one no tenant owns."""

    status = 401
    type = "invalid_request_error"
    default_code = "invalid_api_key"


class ModelNotFound(ProxyError):
    """No route serves the model, or the tenant may not use it."""

    status = 404
    type = "invalid_request_error"
    default_code = "model_not_found"


class PayloadTooLarge(ProxyError):
    """The request body is over the configured limit."""

    status = 413
    type = "invalid_request_error"
    default_code = "request_too_large"


class PolicyRefusal(ProxyError):
    """A request-side rule refused the request (e.g. an injection with action ``refuse``)."""

    status = 400
    type = "invalid_request_error"
    default_code = "content_policy_violation"


class RequestTooComplex(ProxyError):
    """The request rules ran out of their time budget: the request was not checked, so it is
    refused (never forwarded unchecked)."""

    status = 400
    type = "invalid_request_error"
    default_code = "request_too_complex"


class UpstreamError(ProxyError):
    """The upstream answered with an error status; relayed with a sanitized message."""

    type = "upstream_error"

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str | None = None,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message, param=param, code=code)
        self._status = status
        self._type = error_type or ("server_error" if status >= 500 else "invalid_request_error")
        self.headers = headers or {}
        """Upstream headers clients act on (``retry-after``, ``x-ratelimit-*``), relayed."""

    def envelope(self) -> dict[str, Any]:
        return error_envelope(self.message, self._type, self.param, self.code)

    def http_status(self) -> int:
        return self._status

    def texts(self) -> list[str]:
        """The upstream's own words in this error (message, type, param, code)."""
        return [t for t in (self.message, self._type, self.param, self.code) if t]

    def withhold(self) -> None:
        """Replace the upstream's words by a generic message (status and headers kept)."""
        self.message = f"upstream returned HTTP {self._status}"
        self._type = "server_error" if self._status >= 500 else "invalid_request_error"
        self.param = self.code = None


class UpstreamUnreachable(ProxyError):
    """The upstream could not be reached (connection refused, DNS, reset)."""

    status = 502
    type = "upstream_error"
    default_code = "upstream_unreachable"


class UpstreamTimeout(ProxyError):
    """The upstream did not answer within its timeout."""

    status = 504
    type = "upstream_error"
    default_code = "upstream_timeout"


class UpstreamMalformed(ProxyError):
    """The upstream's answer cannot be parsed or is not shaped like a completion."""

    status = 502
    type = "upstream_error"
    default_code = "upstream_malformed"
    kind: ClassVar[str] = "malformed"
    """The ``kind`` label of ``specguard_upstream_errors_total`` it is counted under."""


class UpstreamIncomplete(UpstreamMalformed):
    """The upstream's stream ended cleanly but before ``[DONE]`` with a choice unfinished."""

    default_code = "upstream_incomplete"
    kind: ClassVar[str] = "incomplete"


def error_envelope(
    message: str, type_: str, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """``{"error": {"message", "type", "param", "code"}}`` as OpenAI sends it."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def envelope_bytes(error: ProxyError) -> bytes:
    """The serialized envelope of ``error``."""
    return orjson.dumps(error.envelope())
