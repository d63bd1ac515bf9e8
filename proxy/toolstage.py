"""``ToolGuardStage``: applies the tool-call policy (``rules.flow``) to the model's answers.

A choice with a stopped call is replaced: ``finish_reason`` ``content_filter``, one short
sentence in ``content`` (in ``refusal`` for programmatic requests), no ``tool_calls``, and the
machine-readable detail
beside it in ``choice.specguard`` (rule, category, action; with ``hold`` also the withheld calls,
so an app can ask the user and re-issue them). On a stream, tool-call deltas are held until the
choice finishes, then released whole or replaced: an unchecked call is never relayed, and a
stream that ends before its ``finish_reason`` drops its pending calls.

Every stopped call is a policy decision like any other: a finding, the request's verdict (so the
``x-specguard-decision`` header of a JSON answer names ``tool_guard.<category>``), an audit line
and the decisions metric. Categories (``rules.flow.CATEGORIES``): ``untrusted_instruction``,
``exfiltration`` (action per config: block or hold), ``confirmation_required`` (always hold),
``tool_not_allowed`` and ``tool_call_limit`` (always block).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import orjson

from detectors.explanations import withheld
from detectors.findings import Finding
from detectors.policy import Decision, Verdict
from proxy.screening import record
from proxy.sse import encode_event, event_payload
from rules.conversation import Conversation, ProposedCall
from rules.flow import Decider, Ruling
from rules.toolguard import ToolGuardConfig

if TYPE_CHECKING:
    from proxy.context import RequestContext

BLOCKED = {
    "untrusted_instruction": "Sorry, I can't run that action: it was requested by content I "
    "read, not by you. Ask me directly if you want it done.",
    "exfiltration": "Sorry, I can't run that action: it would send your private information "
    "to a destination that came from content I read.",
    "tool_not_allowed": "Sorry, I'm not allowed to use that tool here.",
    "tool_call_limit": "Sorry, I've reached the limit of actions I can take in this conversation.",
    "confirmation_required": "I need your confirmation before I run that action.",
}
HELD = "I've held that action until you confirm it."
_ALWAYS = {"confirmation_required": "hold", "tool_not_allowed": "block", "tool_call_limit": "block"}


class ToolGuardStage:
    """Output stage stopping tool calls the policy rules against."""

    def __init__(self, config: ToolGuardConfig):
        self.config = config
        self.policy = config.policy()

    async def finish(self, raw: bytes, ctx: RequestContext) -> bytes:
        """The answer with every offending choice replaced by a refusal."""
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw
        choices = payload.get("choices") if isinstance(payload, dict) else None
        if not isinstance(choices, list):
            return raw
        check = _Check(self, ctx, "output")
        changed = False
        for position, choice in enumerate(choices):
            message = choice.get("message") if isinstance(choice, dict) else None
            calls = _calls(message) if isinstance(message, dict) else []
            if calls and (action := check(calls, choice.get("index", position))):
                choices[position] = self._replaced(choice, calls, *action, ctx)
                changed = True
        return orjson.dumps(payload) if changed else raw

    async def relay(
        self, events: AsyncIterator[bytes], ctx: RequestContext
    ) -> AsyncIterator[bytes]:
        """The stream with tool-call deltas held per choice until it finishes, then checked."""
        check = _Check(self, ctx, "stream")
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
                action = check(calls, choice.get("index", 0))
                if action:
                    self._refuse_delta(choice, calls, *action, ctx)
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
            if held and not finishing:
                # A chunk that only carried held tool-call pieces says nothing yet: relaying it
                # as ``delta: {}`` makes clients see empty chunks.
                payload["choices"] = [c for c in payload.get("choices") or [] if not _emptied(c)]
                if not payload["choices"] and not payload.get("usage"):
                    continue
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
        self,
        choice: dict[str, Any],
        calls: list[Any],
        action: str,
        category: str,
        ctx: RequestContext,
    ) -> dict[str, Any]:
        sentence = _sentence(action, category, ctx)
        # One refusal shape (as ``proxy.refusal``): prose in content, or ``refusal`` for
        # programmatic requests, never both.
        message = {"role": "assistant", "content": sentence, "refusal": None}
        if ctx.programmatic:
            message = {"role": "assistant", "content": None, "refusal": sentence}
        return {
            **{k: v for k, v in choice.items() if k not in ("message", "finish_reason")},
            "message": message,
            "finish_reason": "content_filter",
            "specguard": _detail(calls, action, category),
        }

    def _refuse_delta(
        self,
        choice: dict[str, Any],
        calls: list[Any],
        action: str,
        category: str,
        ctx: RequestContext,
    ) -> None:
        key = "refusal" if ctx.programmatic else "content"
        choice["delta"] = {key: _sentence(action, category, ctx)}
        choice["finish_reason"] = "content_filter"
        choice["specguard"] = _detail(calls, action, category)


def _sentence(action: str, category: str, ctx: RequestContext) -> str:
    """The tenant's sentence for ``tool_guard.category`` or ``tool_guard``, else the built-in."""
    messages = ctx.tenant.config.refusal.messages
    template = messages.get(f"tool_guard.{category}") or messages.get("tool_guard")
    if template:
        what = withheld("tool_guard", category)
        return template.format(what=what, detector="tool_guard", category=category)
    return HELD if action == "hold" else BLOCKED[category]


def _detail(calls: list[Any], action: str, category: str) -> dict[str, Any]:
    detail: dict[str, Any] = {"rule": "tool_guard", "category": category, "action": action}
    if action == "hold":
        detail["held_tool_calls"] = calls
    return detail


class _Check:
    """The policy bound to one request's conversation (indexes built once, on first use);
    every ruling is recorded as a decision on the request."""

    def __init__(self, stage: ToolGuardStage, ctx: RequestContext, label: str):
        self.stage = stage
        self.ctx = ctx
        self.label = label
        self.decider: Decider | None = None

    def __call__(self, calls: list[Any], choice: int) -> tuple[str, str] | None:
        """``(action, category)`` for a choice whose calls must be stopped, else None."""
        if self.decider is None:
            conversation = self.ctx.record.conversation or Conversation()
            self.decider = Decider(conversation, self.stage.policy)
        proposed = [_proposed(call) for call in calls]
        rulings = self.decider.decide(proposed)
        if not rulings:
            return None
        decisions = tuple(
            Decision(
                "refuse" if self.action(r) == "block" else "hold",
                Finding(
                    "tool_guard", r.category, 1.0, where=f"choices.{choice}.tool_calls.{r.index}"
                ),
            )
            for r in rulings
        )
        blocked = [r for r in rulings if self.action(r) == "block"]
        first = blocked[0] if blocked else rulings[0]
        action = "block" if blocked else "hold"
        record(self.ctx, Verdict("refuse" if blocked else "hold", decisions), self.label)
        return action, first.category

    def action(self, ruling: Ruling) -> str:
        return _ALWAYS.get(ruling.category, self.stage.config.action)


def _proposed(call: Any) -> ProposedCall:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict):
        return ProposedCall("", None)
    return ProposedCall.of(str(function.get("name") or ""), function.get("arguments"))


def _emptied(choice: Any) -> bool:
    """Whether a streamed choice has nothing left once its tool-call pieces are held."""
    return (
        isinstance(choice, dict)
        and choice.get("delta") == {}
        and choice.get("finish_reason") is None
        and not choice.get("logprobs")
        and set(choice) <= {"index", "delta", "logprobs", "finish_reason"}
    )


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
