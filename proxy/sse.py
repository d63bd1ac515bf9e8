"""Server-sent events as OpenAI streams them: ``data: <json>\\n\\n`` ... ``data: [DONE]\\n\\n``.

Events are kept as the raw bytes the upstream sent, so untouched events are relayed without
re-encoding; only events a stage changes are serialized again.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

DONE = b"data: [DONE]\n\n"
_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")


class SSEDecoder:
    """Cuts a byte stream, arriving in arbitrary pieces, into whole events."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        """Complete events (each ending in a blank line) now available."""
        self._buffer += chunk
        events: list[bytes] = []
        start = 0
        for match in _EVENT_END.finditer(self._buffer):
            events.append(self._buffer[start : match.end()])
            start = match.end()
        self._buffer = self._buffer[start:]
        return events

    def close(self) -> bytes:
        """Whatever is left when the stream ends (an unterminated last event), with its end."""
        rest, self._buffer = self._buffer, b""
        return rest + b"\n\n" if rest.strip() else b""


def event_data(event: bytes) -> bytes | None:
    """The joined ``data:`` field of an event, or None for comments and keep-alives."""
    if event.startswith(b"data: ") and event.count(b"\n") == 2 and event.endswith(b"\n\n"):
        return event[6:-2]  # the single-line event nearly every chunk is: no line splitting
    lines = [
        line[5:].removeprefix(b" ") for line in event.splitlines() if line.startswith(b"data:")
    ]
    return b"\n".join(lines) if lines else None


def is_done(event: bytes) -> bool:
    """Whether ``event`` is the closing ``data: [DONE]``."""
    data = event_data(event)
    return data is not None and data.strip() == b"[DONE]"


def event_payload(event: bytes) -> dict[str, Any] | None:
    """The JSON object an event carries; None for comments, ``[DONE]`` and anything not a JSON
    object (such events are relayed as they are)."""
    if event.startswith(b"data: {"):
        # Nearly every chunk is one ``data:`` line: parse it in place (JSON allows the trailing
        # blank line). Anything else (several lines, other fields) fails here and is split below.
        try:
            payload = orjson.loads(event[6:])
        except orjson.JSONDecodeError:
            pass
        else:
            return payload if isinstance(payload, dict) else None
    data = event_data(event)
    if data is None or data.strip() == b"[DONE]":
        return None
    try:
        payload = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return payload if isinstance(payload, dict) else None


def encode_event(payload: dict[str, Any]) -> bytes:
    """One ``data:`` event carrying ``payload`` as JSON."""
    return b"data: " + orjson.dumps(payload) + b"\n\n"
