"""A screened chat stream, re-told as Responses API events (``proxy.responses``).

The chat stream arrives already screened: held back, cut and refused by the output stages
exactly as for ``/v1/chat/completions``, so this module only re-frames what was released.
Events follow OpenAI's order: ``response.created``, ``response.in_progress``, per output item
``output_item.added`` / deltas / ``.done``, then one terminal event: ``response.completed``
(also when specguard cut the stream: ``incomplete_details.reason = "content_filter"``, see
``proxy.responses``), ``response.incomplete`` (``max_output_tokens``) or ``response.failed``
(an error event in the chat stream). Every terminal event carries the
whole response, which the SDKs' ``get_final_response()`` and ``output_text`` read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from proxy.responses import (
    envelope,
    function_item,
    message_item,
    reasoning_item,
    text_part,
    usage,
)
from proxy.sse import event_payload, is_done


@dataclass
class _Call:
    """A function call being streamed."""

    output_index: int
    call_id: str
    name: str
    arguments: str = ""


@dataclass
class _Translation:
    """What the chat stream has said so far, and the Responses events it has become."""

    request: dict[str, Any]
    ident: str = "specguard"
    head: dict[str, Any] = field(default_factory=dict)
    sequence: int = 0
    output: list[dict[str, Any]] = field(default_factory=list)
    reasoning: str = ""
    part: str | None = None
    """Kind of the open content part of the message item (``output_text``/``refusal``)."""
    text: str = ""
    message_index: int | None = None
    parts: list[dict[str, Any]] = field(default_factory=list)
    calls: dict[int, _Call] = field(default_factory=dict)
    finish: Any = None
    usage: Any = None
    specguard: Any = None

    def event(self, kind: str, **fields: Any) -> bytes:
        self.sequence += 1
        payload = {"type": kind, "sequence_number": self.sequence - 1, **fields}
        return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"

    def response(self, status: str) -> dict[str, Any]:
        completion = {**self.head, "choices": [{"finish_reason": self.finish}]}
        response = envelope(completion, self.request, self.ident, status, self.output, self.finish)
        response["usage"] = usage(self.usage)
        if self.specguard is not None:
            response["specguard"] = self.specguard
        return response

    # --- message item ----------------------------------------------------------------------

    def open_part(self, kind: str) -> list[bytes]:
        out = self.flush_reasoning()
        if self.part == kind:
            return out
        out += self.close_part()
        if self.message_index is None:
            self.message_index = len(self.output)
            self.output.append(message_item(self.ident, [], status="in_progress"))
            out.append(
                self.event(
                    "response.output_item.added",
                    output_index=self.message_index,
                    item=message_item(self.ident, [], status="in_progress"),
                )
            )
        self.part, self.text = kind, ""
        empty = text_part("") if kind == "output_text" else {"type": "refusal", "refusal": ""}
        out.append(
            self.event("response.content_part.added", part=empty, **self.where(len(self.parts)))
        )
        return out

    def where(self, content_index: int) -> dict[str, Any]:
        return {
            "item_id": f"msg_{self.ident}",
            "output_index": self.message_index,
            "content_index": content_index,
        }

    def delta(self, kind: str, text: str) -> list[bytes]:
        out = self.open_part(kind)
        self.text += text
        where = self.where(len(self.parts))
        if kind == "output_text":
            out.append(self.event("response.output_text.delta", delta=text, logprobs=[], **where))
        else:
            out.append(self.event("response.refusal.delta", delta=text, **where))
        return out

    def close_part(self) -> list[bytes]:
        if self.part is None:
            return []
        where = self.where(len(self.parts))
        if self.part == "output_text":
            part = text_part(self.text)
            done = self.event("response.output_text.done", text=self.text, logprobs=[], **where)
        else:
            part = {"type": "refusal", "refusal": self.text}
            done = self.event("response.refusal.done", refusal=self.text, **where)
        self.parts.append(part)
        self.part = None
        return [done, self.event("response.content_part.done", part=part, **where)]

    def close_message(self) -> list[bytes]:
        out = self.close_part()
        if self.message_index is not None and self.output[self.message_index]["status"] != (
            "completed"
        ):
            item = message_item(self.ident, self.parts)
            self.output[self.message_index] = item
            out.append(
                self.event("response.output_item.done", output_index=self.message_index, item=item)
            )
        return out

    # --- reasoning and calls -----------------------------------------------------------------

    def flush_reasoning(self) -> list[bytes]:
        if not self.reasoning:
            return []
        item = reasoning_item(self.ident, self.reasoning)
        self.reasoning = ""
        index = len(self.output)
        self.output.append(item)
        return [
            self.event(
                "response.output_item.added", output_index=index, item={**item, "summary": []}
            ),
            self.event("response.output_item.done", output_index=index, item=item),
        ]

    def call_delta(self, delta: dict[str, Any]) -> list[bytes]:
        out = self.flush_reasoning() + self.close_message()
        position = delta.get("index", 0)
        function = delta.get("function") or {}
        call = self.calls.get(position)
        if call is None:
            call = _Call(len(self.output), str(delta.get("id") or ""), function.get("name") or "")
            self.calls[position] = call
            item = function_item(call.call_id, call.name, "", status="in_progress")
            self.output.append(item)
            out.append(
                self.event("response.output_item.added", output_index=call.output_index, item=item)
            )
        piece = function.get("arguments")
        if isinstance(piece, str) and piece:
            call.arguments += piece
            out.append(
                self.event(
                    "response.function_call_arguments.delta",
                    item_id=f"fc_{call.call_id}",
                    output_index=call.output_index,
                    delta=piece,
                )
            )
        return out

    def close_calls(self) -> list[bytes]:
        out: list[bytes] = []
        for call in self.calls.values():
            item = function_item(call.call_id, call.name, call.arguments)
            self.output[call.output_index] = item
            out.append(
                self.event(
                    "response.function_call_arguments.done",
                    item_id=item["id"],
                    output_index=call.output_index,
                    name=call.name,
                    arguments=call.arguments,
                )
            )
            out.append(
                self.event("response.output_item.done", output_index=call.output_index, item=item)
            )
        self.calls.clear()
        return out

    # --- the chat chunk ----------------------------------------------------------------------

    def chunk(self, payload: dict[str, Any]) -> list[bytes]:
        out: list[bytes] = []
        if payload.get("usage"):
            self.usage = payload["usage"]
        if "specguard" in payload:
            self.specguard = payload["specguard"]
        choices = payload.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices else None
        if not isinstance(choice, dict):
            return out
        if "specguard" in choice:
            self.specguard = choice["specguard"]
        delta = choice.get("delta") or {}
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        if isinstance(reasoning, str):
            self.reasoning += reasoning
        if isinstance(delta.get("content"), str) and delta["content"]:
            out += self.delta("output_text", delta["content"])
        if isinstance(delta.get("refusal"), str) and delta["refusal"]:
            out += self.delta("refusal", delta["refusal"])
        for call in delta.get("tool_calls") or []:
            if isinstance(call, dict):
                out += self.call_delta(call)
        if choice.get("finish_reason"):
            self.finish = choice["finish_reason"]
        return out

    def end(self, failed: dict[str, Any] | None = None) -> list[bytes]:
        out = self.flush_reasoning() + self.close_message() + self.close_calls()
        if failed is not None:
            response = self.response("failed")
            response["error"] = {
                "code": str(failed.get("code") or failed.get("type") or "server_error"),
                "message": str(failed.get("message") or "The upstream stream failed."),
            }
            return [*out, self.event("response.failed", response=response)]
        if self.finish == "length":
            return [*out, self.event("response.incomplete", response=self.response("incomplete"))]
        return [*out, self.event("response.completed", response=self.response("completed"))]


async def to_response_events(
    events: AsyncIterator[bytes], request: dict[str, Any], ident: str, created: int
) -> AsyncIterator[bytes]:
    """Responses API events for the screened chat stream ``events``."""
    state = _Translation(request, ident, {"created": created, "model": request.get("model")})
    yield state.event("response.created", response=state.response("in_progress"))
    yield state.event("response.in_progress", response=state.response("in_progress"))
    async for event in events:
        if is_done(event):
            break
        payload = event_payload(event)
        if payload is None:
            continue
        if isinstance(payload.get("error"), dict):
            for out in state.end(failed=payload["error"]):
                yield out
            return
        if payload.get("model"):
            state.head["model"] = payload["model"]
        for out in state.chunk(payload):
            yield out
    for out in state.end():
        yield out
