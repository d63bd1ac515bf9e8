"""The usage chunk a stream owes its client, even when specguard ended the stream.

A client that sets ``stream_options.include_usage`` meters its own users from the last chunk
(``choices: []``, ``usage``); agent frameworks and the Vercel AI SDK read it on every stream.
When screening or the tool guard cuts a stream, the upstream's usage chunk never comes: the
upstream request is closed so it stops generating. ``UsageTally`` counts what the upstream sent
(one chunk with a choice is one token in OpenAI's streams) and ``with_usage`` adds, before
``[DONE]``, a usage chunk when none went out: completion tokens counted, prompt tokens
estimated at four characters per token of the request's text, and the chunk marked
``specguard.usage = "estimated"`` so nobody mistakes it for the upstream's bill. A stream refused
before the upstream was called reports zero tokens, which is exact.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from proxy.sse import encode_event, event_payload, is_done
from proxy.texts import scalars

_CHARS_PER_TOKEN = 4


def asks_usage(body: dict[str, Any]) -> bool:
    """Whether the chat request asked for the usage chunk."""
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


class UsageTally:
    """What the upstream streamed, for an estimate of a cut stream's usage."""

    def __init__(self, body: dict[str, Any]):
        self.prompt_tokens = -(-len(orjson.dumps(body.get("messages") or [])) // _CHARS_PER_TOKEN)
        self.completion_tokens = 0

    async def count(self, events: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """``events`` unchanged, counted."""
        async for event in events:
            if b'"delta"' in event:
                self.completion_tokens += 1
            yield event

    def usage(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }


def refused_usage() -> dict[str, int]:
    """The usage of a stream refused before any upstream call."""
    return {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


async def with_usage(
    events: AsyncIterator[bytes], usage: Any, estimated: bool = True
) -> AsyncIterator[bytes]:
    """``events`` with a usage chunk before ``[DONE]`` when none was sent; ``usage`` is the
    ``UsageTally`` (or a fixed usage dict) to report."""
    sent = False
    head: dict[str, Any] = {}
    async for event in events:
        if is_done(event):
            if not sent:
                figures = usage.usage() if isinstance(usage, UsageTally) else usage
                chunk = {**head, "object": "chat.completion.chunk", "choices": [], "usage": figures}
                if estimated:
                    chunk["specguard"] = {"usage": "estimated"}
                yield encode_event(chunk)
            yield event
            continue
        if not sent and b'"usage"' in event:
            payload = event_payload(event)
            sent = isinstance(payload, dict) and isinstance(payload.get("usage"), dict)
        if not head and b'"id"' in event:
            payload = event_payload(event)
            if isinstance(payload, dict):
                head = scalars(payload, ("id", "created", "model"))
        yield event
