"""The marker-hygiene output stage: ``rules.hygiene`` applied to every text of every choice.

The texts are found by the same walk screening uses (``proxy.texts``: content, refusal,
reasoning, transcripts, parts, tool calls ...). On a stream, every text reached through dicts
from ``delta`` (those a final chunk can carry the tail in) goes through a ``MarkerHoldback``;
texts inside lists (content parts) or beside ``delta`` (``logprobs``, legacy ``text``) are cleaned
chunk by chunk. An echo is recorded as a finding (``marker_hygiene`` / ``marker_echo``); the
answer is kept.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import orjson

from proxy.sse import encode_event, event_payload, is_done
from proxy.texts import choice_texts
from rules.base import RuleRecord
from rules.hygiene import MarkerHoldback, echo_finding, strip_markers

if TYPE_CHECKING:
    from proxy.context import RequestContext


class MarkerHygiene:
    """Output stage: strips this request's markers from every choice, streaming or not."""

    async def finish(self, raw: bytes, ctx: RequestContext) -> bytes:
        """The answer with markers removed from content, refusal and tool-call arguments."""
        record = ctx.record
        if not record.boundaries and not record.datamarks:
            return raw
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw
        changed = False
        for position, choice in enumerate(_choices(payload)):
            for leaf in choice_texts(choice):
                clean, echoed = strip_markers(leaf.text, record)
                if echoed:
                    leaf.holder[leaf.key] = clean
                    changed = True
                    ctx.findings.append(echo_finding(f"choices.{position}.{leaf.channel}"))
        return orjson.dumps(payload) if changed else raw

    async def relay(
        self, events: AsyncIterator[bytes], ctx: RequestContext
    ) -> AsyncIterator[bytes]:
        """The stream with markers removed; a split marker is caught across chunks."""
        record = ctx.record
        if not record.boundaries and not record.datamarks:
            async for event in events:
                yield event
            return
        holds: dict[tuple[int, str], MarkerHoldback] = {}
        head: dict[str, Any] = {}
        async for event in events:
            payload = event_payload(event)
            if payload is None:
                if is_done(event) and (tail := _tail_event(holds, head, ctx)) is not None:
                    yield tail
                yield event
                continue
            head = {k: v for k, v in payload.items() if k not in ("choices", "usage")}
            if _clean_chunk(payload, holds, record, ctx):
                yield encode_event(payload)
            else:
                yield event
        if (tail := _tail_event(holds, head, ctx)) is not None:
            yield tail


def _clean_chunk(
    payload: Any,
    holds: dict[tuple[int, str], MarkerHoldback],
    record: RuleRecord,
    ctx: RequestContext,
) -> bool:
    """Clean one chunk in place; True when it changed."""
    changed = False
    for choice in _choices(payload):
        index = choice.get("index", 0)
        if type(index) is not int:
            continue
        for leaf in choice_texts(choice):
            if leaf.answer and not leaf.listed:
                hold = holds.setdefault((index, leaf.channel), MarkerHoldback(record))
                released = hold.feed(leaf.text)
            else:
                released, echoed = strip_markers(leaf.text, record)
                if echoed:
                    ctx.findings.append(echo_finding(f"choices.{index}.{leaf.channel}"))
            if released != leaf.text:
                changed = True
                leaf.holder[leaf.key] = released
        if choice.get("finish_reason") is not None:
            delta = choice.get("delta")
            if not isinstance(delta, dict):
                delta = choice["delta"] = {}
            changed |= _flush_into(delta, index, holds, ctx)
    return changed


def _flush_into(
    delta: dict[str, Any],
    index: int,
    holds: dict[tuple[int, str], MarkerHoldback],
    ctx: RequestContext,
) -> bool:
    """Release what choice ``index`` still holds into its last delta."""
    changed = False
    for (owner, channel), hold in list(holds.items()):
        if owner != index:
            continue
        rest = hold.flush()
        if hold.echoed:
            ctx.findings.append(echo_finding(f"choices.{index}.{channel}"))
        del holds[(owner, channel)]
        if rest:
            _put(delta, channel, rest)
            changed = True
    return changed


def _put(delta: dict[str, Any], channel: str, rest: str) -> None:
    """Append ``rest`` to ``channel`` in ``delta`` (a dotted path of dicts; a tool call's by its
    index, under ``function`` for its ``name`` and ``arguments``)."""
    path = channel.split(".")
    holder = delta
    if path[0] == "tool_calls":
        call: dict[str, Any] = {"index": int(path[1])}
        delta["tool_calls"] = [*(delta.get("tool_calls") or []), call]
        holder, path = call, (["function"] if len(path) == 3 else []) + path[2:]
    for key in path[:-1]:
        inner = holder.get(key)
        if not isinstance(inner, dict):
            inner = holder[key] = {}
        holder = inner
    last = path[-1]
    current = holder.get(last)
    holder[last] = current + rest if isinstance(current, str) else rest


def _tail_event(
    holds: dict[tuple[int, str], MarkerHoldback], head: dict[str, Any], ctx: RequestContext
) -> bytes | None:
    """A last chunk releasing held text of choices that never sent a finish_reason."""
    choices = []
    for index in sorted({owner for owner, _ in holds}):
        delta: dict[str, Any] = {}
        if _flush_into(delta, index, holds, ctx):
            choices.append({"index": index, "delta": delta, "finish_reason": None})
    return encode_event({**head, "choices": choices}) if choices else None


def _choices(payload: Any) -> list[dict[str, Any]]:
    choices = payload.get("choices") if isinstance(payload, dict) else None
    return [c for c in choices if isinstance(c, dict)] if isinstance(choices, list) else []
