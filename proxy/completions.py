"""Legacy completions (``POST /v1/completions``), served through the chat pipeline.

The prompt becomes the user turn of a chat request, so it gets input screening; the screened
chat answer comes back as ``choices[].text``, JSON or stream. How the upstream is asked depends
on the route (``RouteConfig.completions``):

- ``chat`` (default): the upstream is asked for a chat completion of the same model, and every
  request rule applies. Instruction-tuned models answer the same way. Batched prompts,
  ``echo``, ``suffix`` and ``best_of`` have no chat equivalent and are a 400 naming the field
  (``check_translatable``).
- ``native``: the request goes as it is to the upstream's own ``/completions`` (base models,
  ``gpt-3.5-turbo-instruct``), and its answers are read as chat (``NATIVE``) so the same output
  stages screen them. The prompt has no roles, so the request rules leave it alone.

Either way token-array prompts (nothing to screen) and ``logprobs`` (token texts the answer
would carry past screening) are a 400.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from proxy.errors import InvalidRequest
from proxy.sse import DONE, encode_event, event_payload, is_done
from proxy.upstream import EventStream, Reply
from proxy.upstream.openai_relay import Dialect, OpenAIRelay

_PASSED = (
    "model",
    "stream",
    "max_tokens",
    "temperature",
    "top_p",
    "n",
    "stop",
    "seed",
    "user",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
)
_UNSUPPORTED = ("echo", "suffix", "best_of")


def to_chat(body: dict[str, Any]) -> dict[str, Any]:
    """The chat request asking for what the completions request ``body`` asks (a batch's
    prompts joined into one user turn: what input screening reads)."""
    prompt = body.get("prompt")
    if isinstance(prompt, list) and prompt and all(isinstance(p, str) for p in prompt):
        prompt = "\n\n".join(prompt)
    if not isinstance(prompt, str):
        raise InvalidRequest(
            "'prompt' must be a string or a list of strings (token arrays cannot be screened).",
            param="prompt",
        )
    if body.get("logprobs") is not None:
        raise InvalidRequest("'logprobs' is not supported.", param="logprobs")
    chat = {key: body[key] for key in _PASSED if key in body}
    chat["messages"] = [{"role": "user", "content": prompt}]
    if isinstance(body.get("stream_options"), dict):
        chat["stream_options"] = body["stream_options"]
    return chat


def check_translatable(body: dict[str, Any]) -> None:
    """400 for what a chat completion cannot carry (routes with ``completions = "chat"``)."""
    prompt = body.get("prompt")
    if isinstance(prompt, list) and len(prompt) > 1:
        raise InvalidRequest(
            "Batched prompts are not supported for this model: send one prompt per request.",
            param="prompt",
        )
    for field in _UNSUPPORTED:
        if body.get(field):
            raise InvalidRequest(f"'{field}' is not supported for this model.", param=field)


def native_request(body: dict[str, Any], model: str) -> dict[str, Any]:
    """The request for the upstream's own ``/completions`` (``completions = "native"``)."""
    return {**body, "model": model}


def _chat_choice(choice: Any, key: str) -> Any:
    """A ``text_completion`` choice as a chat choice (``message`` or ``delta``); what is not a
    choice is left for the shape check to reject."""
    if not isinstance(choice, dict):
        return choice
    out = {k: v for k, v in choice.items() if k not in ("text", "logprobs")}
    out[key] = {"role": "assistant", "content": choice.get("text")}
    return out


def _as_chat(payload: Any, kind: str, key: str) -> Any:
    if not isinstance(payload, dict) or not isinstance(payload.get("choices"), list):
        return payload
    chat = {**payload, "object": kind}
    chat["choices"] = [_chat_choice(choice, key) for choice in payload["choices"]]
    return chat


def _native_answer(raw: bytes) -> bytes:
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw  # the shape check reports it
    return orjson.dumps(_as_chat(payload, "chat.completion", "message"))


def _native_event(event: bytes) -> bytes:
    payload = event_payload(event)
    if payload is None:
        return event
    return encode_event(_as_chat(payload, "chat.completion.chunk", "delta"))


NATIVE = Dialect("completions", _native_answer, _native_event)
"""The upstream's own ``/completions``, read as chat."""


class NativeCompletions:
    """An OpenAI-compatible upstream's ``/completions`` as an ``Upstream`` of chat answers."""

    def __init__(self, relay: OpenAIRelay):
        self._relay = relay

    async def complete(self, body: dict[str, Any], request_id: str) -> Reply:
        return await self._relay.complete(body, request_id, NATIVE)

    async def stream(self, body: dict[str, Any], request_id: str) -> EventStream:
        return await self._relay.stream(body, request_id, NATIVE)


def from_chat(completion: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The ``text_completion`` object for a (screened) chat completion."""
    answer = {k: v for k, v in completion.items() if k not in ("choices", "object")}
    answer["id"] = str(completion.get("id", "")).replace("chatcmpl-", "cmpl-", 1)
    answer["object"] = "text_completion"
    answer["choices"] = [_choice(choice, "message") for choice in completion.get("choices") or []]
    return answer


def _choice(choice: dict[str, Any], key: str) -> dict[str, Any]:
    message = choice.get(key) or {}
    text = message.get("content")
    if not isinstance(text, str):
        text = message.get("refusal") if isinstance(message.get("refusal"), str) else ""
    out = {
        "index": choice.get("index", 0),
        "text": text,
        "logprobs": None,
        "finish_reason": choice.get("finish_reason"),
    }
    if "specguard" in choice:
        out["specguard"] = choice["specguard"]
    return out


async def to_completion_events(
    events: AsyncIterator[bytes], request: dict[str, Any], request_id: str
) -> AsyncIterator[bytes]:
    """``text_completion`` chunks for the screened chat stream ``events``."""
    async for event in events:
        if is_done(event):
            yield DONE
            return
        payload = event_payload(event)
        if payload is None or "error" in payload:
            yield event  # error events read the same in both APIs
            continue
        chunk = {k: v for k, v in payload.items() if k not in ("choices", "object")}
        chunk["id"] = str(payload.get("id", "")).replace("chatcmpl-", "cmpl-", 1)
        chunk["object"] = "text_completion"
        chunk["choices"] = [_choice(c, "delta") for c in payload.get("choices") or []]
        yield encode_event(chunk)
