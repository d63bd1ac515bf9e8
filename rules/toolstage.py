"""``ToolGuardStage``: applies ``guard_tool_calls`` to the model's answers.

A choice with a stopped call is replaced: ``finish_reason`` ``content_filter``, ``content`` null,
one short sentence in ``message.refusal``, no ``tool_calls``, and the machine-readable detail
beside it in ``choice.specguard`` (rule, category, action; with ``hold`` also the withheld calls,
so an app can ask the user and re-issue them). On a stream, tool-call deltas are held until the
choice finishes, then released whole or replaced: an unchecked call is never relayed, and a
stream that ends before its ``finish_reason`` drops its pending calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import orjson

from detectors.findings import Finding
from proxy.sse import encode_event, event_payload
from rules.base import Provenance
from rules.toolguard import Corpus, ToolGuardConfig, guard_tool_calls

if TYPE_CHECKING:
    from proxy.context import RequestContext

BLOCKED = {
    "untrusted_argument": "Sorry, I can't run that action: its details came from content "
    "that isn't trusted. Tell me the details yourself if you want it done.",
    "side_effect": "Sorry, I can't run that action without the developer's permission.",
}
HELD = "I've held that action until you confirm it."


class ToolGuardStage:
    """Output stage stopping tool calls that ``guard_tool_calls`` flags."""

    def __init__(self, config: ToolGuardConfig):
        self.config = config

    async def finish(self, raw: bytes, ctx: RequestContext) -> bytes:
        """The answer with every offending choice replaced by a refusal."""
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw
        choices = payload.get("choices") if isinstance(payload, dict) else None
        if not isinstance(choices, list):
            return raw
        check = _Check(self.config, ctx)
        changed = False
        for position, choice in enumerate(choices):
            message = choice.get("message") if isinstance(choice, dict) else None
            calls = _calls(message) if isinstance(message, dict) else []
            if calls and (findings := check(calls, position)):
                choices[position] = self._replaced(choice, calls, findings)
                changed = True
        return orjson.dumps(payload) if changed else raw

    async def relay(
        self, events: AsyncIterator[bytes], ctx: RequestContext
    ) -> AsyncIterator[bytes]:
        """The stream with tool-call deltas held per choice until it finishes, then checked."""
        check = _Check(self.config, ctx)
        pending: dict[int, dict[int, dict[str, Any]]] = {}
        async for event in events:
            payload = event_payload(event)
            if payload is None:
                yield event
                continue
            held = False
            for choice in payload.get("choices") or []:
                held |= self._hold(choice, pending)
            finishing = [
                c
                for c in payload.get("choices") or []
                if c.get("finish_reason") is not None and c.get("index", 0) in pending
            ]
            for choice in finishing:
                held_calls = pending.pop(choice.get("index", 0))
                calls = [held_calls[k] for k in sorted(held_calls)]
                findings = check(calls, choice.get("index", 0))
                if findings:
                    self._refuse_delta(choice, calls, findings)
                else:
                    yield encode_event(
                        {
                            **payload,
                            "choices": [
                                {
                                    "index": choice.get("index", 0),
                                    "delta": _released(calls),
                                    "logprobs": None,
                                    "finish_reason": None,
                                }
                            ],
                        }
                    )
            yield encode_event(payload) if held or finishing else event

    def _hold(self, choice: Any, pending: dict[int, dict[int, dict[str, Any]]]) -> bool:
        """Move the tool-call pieces of ``choice``'s delta into ``pending``."""
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if not isinstance(delta, dict):
            return False
        if not (delta.get("tool_calls") or delta.get("function_call")):
            return False
        calls = pending.setdefault(choice.get("index", 0), {})
        pieces = list(delta.pop("tool_calls", None) or [])
        if "function_call" in delta:
            pieces.append({"index": -1, "function": delta.pop("function_call") or {}})
        for piece in pieces:
            call = calls.setdefault(
                piece.get("index", 0),
                {
                    "index": piece.get("index", 0),
                    "type": "function",
                    "function": {"name": "", "arguments": ""},
                },
            )
            if piece.get("id"):
                call["id"] = piece["id"]
            function = piece.get("function") or {}
            call["function"]["name"] += function.get("name") or ""
            call["function"]["arguments"] += function.get("arguments") or ""
        return True

    def _replaced(
        self, choice: dict[str, Any], calls: list[Any], findings: list[Finding]
    ) -> dict[str, Any]:
        return {
            **{k: v for k, v in choice.items() if k not in ("message", "finish_reason")},
            "message": {"role": "assistant", "content": None, "refusal": self._sentence(findings)},
            "finish_reason": "content_filter",
            "specguard": self._detail(calls, findings),
        }

    def _refuse_delta(
        self, choice: dict[str, Any], calls: list[Any], findings: list[Finding]
    ) -> None:
        choice["delta"] = {"refusal": self._sentence(findings)}
        choice["finish_reason"] = "content_filter"
        choice["specguard"] = self._detail(calls, findings)

    def _sentence(self, findings: list[Finding]) -> str:
        if self.config.action == "hold":
            return HELD
        return BLOCKED[findings[0].category]

    def _detail(self, calls: list[Any], findings: list[Finding]) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "rule": "tool_guard",
            "category": findings[0].category,
            "action": self.config.action,
        }
        if self.config.action == "hold":
            detail["held_tool_calls"] = calls
        return detail


class _Check:
    """The guard bound to one request's provenance (corpora built once, on first use)."""

    def __init__(self, config: ToolGuardConfig, ctx: RequestContext):
        self.config = config
        self.ctx = ctx
        self.provenance = ctx.record.provenance or Provenance()
        self.corpora: tuple[Corpus, Corpus] | None = None

    def __call__(self, calls: list[Any], choice: int) -> list[Finding]:
        if self.corpora is None:
            self.corpora = (Corpus(self.provenance.trusted), Corpus(self.provenance.untrusted))
        findings = [
            Finding(f.detector, f.category, f.score, f.start, f.end, f"choices.{choice}.{f.where}")
            for f in guard_tool_calls(calls, self.provenance, self.config, *self.corpora)
        ]
        self.ctx.findings.extend(findings)
        return findings


def _released(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """The delta carrying checked calls whole (a legacy ``function_call`` as itself)."""
    legacy = [call for call in calls if call["index"] == -1]
    if legacy:
        return {"function_call": legacy[0]["function"]}
    return {"tool_calls": calls}


def _calls(message: dict[str, Any]) -> list[Any]:
    """The message's tool calls, a legacy ``function_call`` counted as one."""
    calls = list(message.get("tool_calls") or [])
    if isinstance(message.get("function_call"), dict):
        calls.append({"type": "function", "function": message["function_call"]})
    return calls
