"""The built-in demo model: no network, no key; echoes or answers configured canned replies.

It lets a new user see the proxy work (and, once detectors are on, refuse) right after
``make serve``. It streams too, a few words per chunk.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson

from proxy.config import UpstreamConfig
from proxy.sse import DONE, encode_event
from proxy.upstream import Reply
from proxy.wire import message_text

_WORDS_PER_CHUNK = 3


class DemoModel:
    """Scripted chat completions computed from the request."""

    def __init__(self, name: str, config: UpstreamConfig):
        self.name = name
        self._replies = [(reply.match.lower(), reply.reply) for reply in config.replies]

    def answer(self, body: dict[str, Any]) -> str:
        """The canned reply whose ``match`` occurs in the last user message, else an echo."""
        said = _last_user_text(body.get("messages", []))
        lowered = said.lower()
        for match, reply in self._replies:
            if match in lowered:
                return reply
        return f"You said: {said}" if said else "Hello from the specguard demo model."

    async def complete(self, body: dict[str, Any], request_id: str) -> Reply:
        """A full completion with ``n`` identical choices."""
        text = self.answer(body)
        choices = [
            {
                "index": index,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
            for index in range(_n(body))
        ]
        return Reply(
            orjson.dumps(
                {
                    **_envelope(body, "chat.completion"),
                    "choices": choices,
                    "usage": _usage(body, text, _n(body)),
                }
            )
        )

    async def stream(self, body: dict[str, Any], request_id: str) -> DemoStream:
        """The same answer, a few words per chunk."""
        return DemoStream(body, self.answer(body))


class DemoStream:
    """Chunk events of a demo answer."""

    def __init__(self, body: dict[str, Any], text: str):
        self._body = body
        self.headers: dict[str, str] = {}
        self._text = text

    async def __aiter__(self) -> AsyncIterator[bytes]:
        head = _envelope(self._body, "chat.completion.chunk")
        n = _n(self._body)
        for index in range(n):
            yield encode_event(
                {
                    **head,
                    "choices": [
                        {
                            "index": index,
                            "delta": {"role": "assistant", "content": ""},
                            "logprobs": None,
                            "finish_reason": None,
                        }
                    ],
                }
            )
        words = self._text.split(" ")
        for start in range(0, len(words), _WORDS_PER_CHUNK):
            piece = " ".join(words[start : start + _WORDS_PER_CHUNK])
            if start + _WORDS_PER_CHUNK < len(words):
                piece += " "
            for index in range(n):
                yield encode_event(
                    {
                        **head,
                        "choices": [
                            {
                                "index": index,
                                "delta": {"content": piece},
                                "logprobs": None,
                                "finish_reason": None,
                            }
                        ],
                    }
                )
        for index in range(n):
            yield encode_event(
                {
                    **head,
                    "choices": [
                        {"index": index, "delta": {}, "logprobs": None, "finish_reason": "stop"}
                    ],
                }
            )
        if (self._body.get("stream_options") or {}).get("include_usage"):
            yield encode_event({**head, "choices": [], "usage": _usage(self._body, self._text, n)})
        yield DONE

    async def aclose(self) -> None:
        """Nothing to release."""


def _n(body: dict[str, Any]) -> int:
    n = body.get("n")
    return n if isinstance(n, int) and n > 0 else 1


def _envelope(body: dict[str, Any], obj: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-demo-{secrets.token_hex(8)}",
        "object": obj,
        "created": int(time.time()),
        "model": body.get("model", "demo"),
        "system_fingerprint": "specguard-demo",
    }


def _usage(body: dict[str, Any], text: str, n: int) -> dict[str, int]:
    prompt = sum(
        len(message_text(m).split()) for m in body.get("messages", []) if isinstance(m, dict)
    )
    completion = len(text.split()) * n
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _last_user_text(messages: list[Any]) -> str:
    users = (m for m in reversed(messages) if isinstance(m, dict) and m.get("role") == "user")
    return next((message_text(m) for m in users), "")
