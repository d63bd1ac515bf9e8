"""Upstream clients: where a (rewritten) chat request goes and how its answer comes back.

Every upstream speaks the OpenAI wire format to the rest of the proxy:

- ``complete(body, request_id)`` returns the raw JSON bytes of a chat completion;
- ``stream(body, request_id)`` returns an ``EventStream`` of raw SSE events. Errors the upstream
  reports before its first byte are raised from ``stream`` itself, so the client still gets a
  proper HTTP status; later failures are raised from the iterator.

Failures are translated to ``proxy.errors`` at the adapter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol


class EventStream(Protocol):
    """Raw SSE events from an upstream; ``aclose`` releases the connection early."""

    def __aiter__(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class Upstream(Protocol):
    """An LLM API speaking (or translated to) OpenAI chat completions."""

    async def complete(self, body: dict[str, Any], request_id: str) -> bytes: ...

    async def stream(self, body: dict[str, Any], request_id: str) -> EventStream: ...
