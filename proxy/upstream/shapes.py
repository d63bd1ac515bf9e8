"""What an OpenAI-compatible upstream may answer with, checked before any stage sees it.

Every completion and every stream chunk is parsed and its shape checked here, at the adapter:
a truncated body, a top-level list, ``{"error": ...}`` with status 200, ``"choices": 5``,
``"index": "zero"``, ``"delta": "str"``, a text field holding a number ... each becomes an
``UpstreamMalformed`` (a 502, or an error event ending a stream), never a crash later and never
bytes relayed without screening. Only the fields the proxy and OpenAI's clients rely on are
checked; unknown fields pass (and their strings are screened, ``proxy.texts``).

``StreamCheck`` follows a stream event by event: it checks each, rewrites a chunk carrying
``message`` instead of ``delta`` to the usual shape, and tells a finished stream from one cut off
before ``[DONE]``. ``as_chunks`` turns a JSON completion answering a streaming request into the
stream the client asked for.
"""

from __future__ import annotations

from typing import Any

import orjson

from proxy.errors import UpstreamIncomplete, UpstreamMalformed
from proxy.sse import DONE, KEEPALIVE, encode_event
from proxy.texts import MAX_DEPTH

_HEAD = ("id", "object", "created", "model", "system_fingerprint", "service_tier")


def malformed(what: str) -> UpstreamMalformed:
    """The error for an answer that is not a completion (``what`` names the problem, never any
    upstream text)."""
    return UpstreamMalformed(f"The upstream's answer was not a valid completion: {what}.")


def parse_completion(raw: bytes) -> dict[str, Any]:
    """A complete (non-streaming) answer, parsed and checked."""
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise malformed("not JSON") from None
    check(payload, "message", required=True)
    check_depth(payload, raw)
    return payload  # type: ignore[no-any-return]


def check_depth(payload: Any, raw: bytes) -> None:
    """Raise ``UpstreamMalformed`` if ``payload`` nests deeper than ``MAX_DEPTH``: deeper answers
    are no completion, and would exhaust recursion where stages walk or re-serialize them."""
    if raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH:
        return  # too few brackets to nest that deep: nearly every chunk
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise malformed("nested too deeply")
        if isinstance(node, dict):
            stack.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)


def check(payload: Any, answer: str, required: bool = False) -> None:
    """Raise ``UpstreamMalformed`` unless ``payload`` is a completion (``answer="message"``) or
    a chunk (``"delta"``). Runs on every chunk of every stream: one pass over each dict."""
    if type(payload) is not dict:
        raise malformed("not a JSON object")
    if payload.get("error") is not None:
        raise malformed("an error object")
    choices = payload.get("choices")
    if choices is None and not required:
        return
    if type(choices) is not list:
        raise malformed("'choices' is not a list")
    for choice in choices:
        if type(choice) is not dict:
            raise malformed("a choice is not an object")
        index = choice.get("index", 0)
        if type(index) is not int or index < 0:
            raise malformed("a choice's 'index' is not a non-negative integer")
        for key, value in choice.items():
            if value is None:
                continue
            allowed = _CHOICE.get(key)
            if allowed is not None and type(value) is not allowed:
                raise malformed(f"a choice's '{key}' is not {_NAMES[allowed]}")
            if allowed is dict and key != "logprobs":
                _check_answer(value, key)


_NAMES = {str: "a string", dict: "an object", list: "a list", int: "an integer"}
_CHOICE = {
    "finish_reason": str,
    "text": str,
    "logprobs": dict,
    "message": dict,
    "delta": dict,
}
"""Choice fields that must have this type when not null."""
_ANSWER: dict[str, tuple[type, ...]] = {
    "content": (str, list),
    "refusal": (str,),
    "role": (str,),
    "reasoning_content": (str,),
    "audio": (dict,),
    "function_call": (dict,),
    "tool_calls": (list,),
}
"""Message or delta fields that must have one of these types when not null."""


def _check_answer(answer: dict[str, Any], key: str) -> None:
    for name, value in answer.items():
        if value is None:
            continue
        allowed = _ANSWER.get(name)
        if allowed is None:
            continue
        if type(value) not in allowed:
            raise malformed(f"'{key}.{name}' has the wrong type")
        if name == "content" and type(value) is list:
            if not all(type(part) in (dict, str) for part in value):
                raise malformed(f"'{key}.content' has a part that is not an object")
        elif name == "tool_calls":
            _check_calls(value)


def _check_calls(calls: list[Any]) -> None:
    for call in calls:
        if type(call) is not dict:
            raise malformed("a tool call is not an object")
        if type(call.get("index", 0)) is not int:
            raise malformed("a tool call's 'index' is not an integer")
        function = call.get("function")
        if function is None:
            continue
        if type(function) is not dict:
            raise malformed("a tool call's 'function' is not an object")
        for name in ("name", "arguments"):
            if type(function.get(name, "")) not in (str, type(None)):
                raise malformed(f"a tool call's 'function.{name}' is not a string")


def as_chunks(completion: dict[str, Any]) -> list[bytes]:
    """The stream of a (checked) completion: one chunk per choice, usage, then ``[DONE]``."""
    head = {key: completion[key] for key in _HEAD if key in completion}
    head["object"] = "chat.completion.chunk"
    events = []
    for position, choice in enumerate(completion["choices"]):
        delta = dict(choice.get("message") or {})
        if isinstance(delta.get("tool_calls"), list):
            delta["tool_calls"] = [
                {"index": number, **call} for number, call in enumerate(delta["tool_calls"])
            ]
        streamed = {k: v for k, v in choice.items() if k != "message"}
        streamed.update(index=choice.get("index", position), delta=delta)
        events.append(encode_event({**head, "choices": [streamed]}))
    if completion.get("usage") is not None:
        events.append(encode_event({**head, "choices": [], "usage": completion["usage"]}))
    events.append(DONE)
    return events


class StreamCheck:
    """The state of one upstream stream: which choices it opened and finished."""

    def __init__(self) -> None:
        self.open: set[int] = set()
        """Choices with text after their last ``finish_reason`` (or none yet)."""
        self.finished = False
        """Some choice has finished."""
        self.done = False
        """``[DONE]`` was seen: nothing after it is read."""

    def take(self, event: bytes) -> bytes:
        """``event`` checked (and normalised); raises ``UpstreamMalformed``."""
        if event[:1] == b":":
            return KEEPALIVE
        data = event[6:-2]  # events come in normal form (``proxy.sse``)
        if b"\n" in data:
            data = data.replace(b"\ndata: ", b"\n")
        try:
            payload = orjson.loads(data)
        except orjson.JSONDecodeError:
            if data.strip() == b"[DONE]":
                self.done = True
                return DONE
            raise malformed("an event that is not JSON") from None
        check(payload, "delta")
        if data.count(b"{") + data.count(b"[") > MAX_DEPTH:
            check_depth(payload, data)
        rewritten = False
        for choice in payload.get("choices") or ():
            if "message" in choice and "delta" not in choice:
                choice["delta"] = choice.pop("message")
                rewritten = True
            index = choice.get("index", 0)
            if choice.get("finish_reason"):
                self.open.discard(index)
                self.finished = True
            else:
                self.open.add(index)
        return encode_event(payload) if rewritten else event

    def end(self) -> list[bytes]:
        """What closes a stream that ended without ``[DONE]``: ``[DONE]`` when every choice has
        finished, else ``UpstreamIncomplete``."""
        if self.open or not self.finished:
            raise UpstreamIncomplete("The upstream's stream ended before it was complete.")
        return [DONE]
