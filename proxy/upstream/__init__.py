"""Upstream clients: where a (rewritten) chat request goes and how its answer comes back.

Every upstream speaks the OpenAI wire format to the rest of the proxy:

- ``complete(body, request_id)`` returns a ``Reply``: the raw JSON bytes of a chat completion
  and the upstream headers clients act on (``retry-after``, ``x-ratelimit-*``: relayed on
  success as on errors, so a client's own rate limiting keeps working behind the proxy);
- ``stream(body, request_id)`` returns an ``EventStream`` of raw SSE events (with the same
  ``headers``). Errors the upstream reports before its first byte are raised from ``stream``
  itself, so the client still gets a proper HTTP status; later failures are raised from the
  iterator.

Failures are translated to ``proxy.errors`` at the adapter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, NamedTuple, Protocol


class Reply(NamedTuple):
    """An upstream's complete answer."""

    raw: bytes
    headers: Mapping[str, str] = {}
    """The upstream's headers a client acts on (``proxy.upstream.sanitize.retry_headers``)."""


class EventStream(Protocol):
    """Raw SSE events from an upstream; ``aclose`` releases the connection early."""

    @property
    def headers(self) -> Mapping[str, str]:
        """The upstream's headers a client acts on, relayed with the stream's own."""

    def __aiter__(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class Upstream(Protocol):
    """An LLM API speaking (or translated to) OpenAI chat completions."""

    async def complete(self, body: dict[str, Any], request_id: str) -> Reply: ...

    async def stream(self, body: dict[str, Any], request_id: str) -> EventStream: ...
