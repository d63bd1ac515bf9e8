"""Server-sent events as OpenAI streams them: ``data: <json>\\n\\n`` ... ``data: [DONE]\\n\\n``.

``SSEDecoder`` parses an upstream's byte stream as the WHATWG event-stream format says: a line
ends in CR, LF or CRLF (a CRLF split across two reads is still one line end), a blank line
dispatches the event, ``data:`` lines are joined with LF, one space after the colon is dropped, a
line starting with ``:`` is a comment and a line without a colon is a field with an empty value.
``event``, ``id``, ``retry`` and unknown fields carry nothing the proxy relays.

Every event comes out in one normal form, ``data: <line>\\n`` per data line and a blank line:
whatever framing the upstream used, the client gets events its own parser cannot merge or split
differently from ours. For the single-line event nearly every chunk is, the normal form is the
upstream's own bytes. A block of comments only (a keep-alive) becomes ``KEEPALIVE``, so no
upstream text rides along in a comment.

Two deliberate departures from a browser's parser: a last event not followed by a blank line is
still dispatched when the stream ends (servers that end on ``data: [DONE]\\n`` exist), and an
event with empty data is a keep-alive rather than an event. Either way every dispatched event is
then validated and screened like any other (``proxy.upstream.shapes``).
"""

from __future__ import annotations

from typing import Any

import orjson

DONE = b"data: [DONE]\n\n"
KEEPALIVE = b": keep-alive\n\n"
"""What a comment-only block (an upstream's keep-alive) is relayed as."""
MAX_EVENT_BYTES = 4 * 1024 * 1024
"""Longest event accepted: an upstream that never ends its event cannot grow the buffer more."""


class EventTooLarge(ValueError):
    """An upstream event (or a run of bytes without a blank line) over ``MAX_EVENT_BYTES``."""


class SSEDecoder:
    """Cuts a byte stream, arriving in arbitrary pieces, into whole events, in normal form."""

    def __init__(self) -> None:
        self._buffer = b""
        self._cr = False
        """The last piece ended in CR: an LF opening the next one completes that line end."""

    def feed(self, chunk: bytes) -> list[bytes]:
        """Complete events now available."""
        if self._cr and chunk[:1] == b"\n":
            chunk = chunk[1:]
        if b"\r" in chunk:
            self._cr = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        else:
            self._cr = False
        # Search only the new bytes (and the one before them) so a long event arriving in small
        # pieces costs linear time.
        search = max(len(self._buffer) - 1, 0)
        buffer = self._buffer + chunk if self._buffer else chunk
        events: list[bytes] = []
        start = 0
        while (end := buffer.find(b"\n\n", search)) != -1:
            if (event := _event(buffer[start:end])) is not None:
                events.append(event)
            start = search = end + 2
        if len(buffer) - start > MAX_EVENT_BYTES:
            raise EventTooLarge(f"an upstream event is over {MAX_EVENT_BYTES} bytes")
        self._buffer = buffer[start:]
        return events

    def close(self) -> list[bytes]:
        """The last event when the stream ends without a blank line after it (or nothing)."""
        rest, self._buffer = self._buffer, b""
        event = _event(rest.rstrip(b"\n"))
        return [event] if event is not None else []


def _event(block: bytes) -> bytes | None:
    """The normal form of the event in ``block`` (lines without the blank line ending them)."""
    if block[:6] == b"data: " and b"\n" not in block:
        return block + b"\n\n" if len(block) > 6 else KEEPALIVE
    data: list[bytes] = []
    comment = False
    for line in block.split(b"\n"):
        if not line:
            continue  # blank lines left over from the previous event's end
        if line[:1] == b":":
            comment = True
            continue
        name, _, value = line.partition(b":")
        if name == b"data":
            data.append(value[1:] if value[:1] == b" " else value)
    if not data:
        return KEEPALIVE if comment else None
    if data == [b""]:
        return KEEPALIVE
    return b"data: " + b"\ndata: ".join(data) + b"\n\n"


def event_data(event: bytes) -> bytes | None:
    """The joined ``data:`` field of a normal-form event, or None for keep-alives."""
    if event[:6] != b"data: ":
        return None
    data = event[6:-2] if event[-2:] == b"\n\n" else event[6:]
    return data.replace(b"\ndata: ", b"\n") if b"\n" in data else data


def is_done(event: bytes) -> bool:
    """Whether ``event`` is the closing ``data: [DONE]``."""
    data = event_data(event)
    return data is not None and data.strip() == b"[DONE]"


def is_keepalive(event: bytes) -> bool:
    """Whether ``event`` carries no data (a comment)."""
    return event[:1] == b":"


def event_payload(event: bytes) -> dict[str, Any] | None:
    """The JSON object an event carries; None for keep-alives, ``[DONE]`` and anything that is
    not a JSON object (upstream events are validated before any stage sees them)."""
    if event.startswith(b"data: {"):
        # Nearly every chunk is one ``data:`` line: parse it in place (JSON allows the trailing
        # blank line). Several data lines fail here and are joined below.
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
