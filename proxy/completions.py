"""Legacy completions (``POST /v1/completions``), served through the chat pipeline.

The prompt becomes the user turn of a chat request, so it gets every request rule and input
screening; the screened chat answer comes back as ``choices[].text``, JSON or stream. The
upstream is asked for chat completions of the same model: instruction-tuned models answer the
same way; a raw base model without a chat template is not served through this endpoint.
Token-array and batched prompts, ``echo``, ``suffix`` and ``best_of`` have no chat equivalent
and are a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from proxy.errors import InvalidRequest
from proxy.sse import DONE, encode_event, event_payload, is_done

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
    """The chat request asking for what the completions request ``body`` asks."""
    prompt = body.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
        prompt = prompt[0]
    if not isinstance(prompt, str):
        raise InvalidRequest(
            "'prompt' must be one string (token arrays and batches are not supported).",
            param="prompt",
        )
    for field in _UNSUPPORTED:
        if body.get(field):
            raise InvalidRequest(f"'{field}' is not supported.", param=field)
    chat = {key: body[key] for key in _PASSED if key in body}
    chat["messages"] = [{"role": "user", "content": prompt}]
    if isinstance(body.get("stream_options"), dict):
        chat["stream_options"] = body["stream_options"]
    return chat


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
