"""The API surfaces an app calls through ``base_url``, each an adapter onto the chat pipeline.

A surface turns its request into a Chat Completions request (what the rules and detectors
understand) and the screened chat answer back into its own shape, JSON or stream, so rules and
detectors never know which API they serve. ``CHAT`` is the identity; ``RESPONSES`` and
``COMPLETIONS`` translate (``proxy.responses``, ``proxy.completions``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from proxy import completions, responses
from proxy.responses_stream import to_response_events
from proxy.wire import json_object, parse_chat_request

Events = AsyncIterator[bytes]


@dataclass(frozen=True)
class Surface:
    """One API: its request as a chat request, and the chat answer in its shape."""

    name: str
    to_chat: Callable[[dict[str, Any]], dict[str, Any]] | None
    """The chat request for a request of this API; ``None``: the request is one already."""
    answer: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]
    """``(chat completion, original request) -> answer`` for JSON."""
    events: Callable[[Events, dict[str, Any], str], Events]
    """``(chat events, original request, request id) -> events`` for streams."""
    check: Callable[[dict[str, Any]], None] | None = None
    """Raises for what the chat translation cannot carry (when the route does not relay the
    request to the upstream's own endpoint)."""
    native: Callable[[dict[str, Any], str], dict[str, Any]] | None = None
    """``(original request, upstream model) -> request`` for the upstream's own endpoint, on
    routes that ask for it (``RouteConfig.completions = "native"``)."""

    def parse(self, raw: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(chat request, original request)`` for the body ``raw``; 400 when malformed."""
        if self.to_chat is None:
            body = parse_chat_request(raw)
            return body, body
        original = json_object(raw)
        return parse_chat_request(orjson.dumps(self.to_chat(original))), original

    @property
    def translates(self) -> bool:
        """Whether answers are re-shaped (so raw upstream bytes cannot be relayed as they are)."""
        return self.to_chat is not None


def _same(completion: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    return completion


def _same_events(events: Events, request: dict[str, Any], request_id: str) -> Events:
    return events


def _response_events(events: Events, request: dict[str, Any], request_id: str) -> Events:
    return to_response_events(events, request, request_id, int(time.time()))


CHAT = Surface("chat", None, _same, _same_events)
RESPONSES = Surface("responses", responses.to_chat, responses.from_chat, _response_events)
COMPLETIONS = Surface(
    "completions",
    completions.to_chat,
    completions.from_chat,
    completions.to_completion_events,
    check=completions.check_translatable,
    native=completions.native_request,
)
