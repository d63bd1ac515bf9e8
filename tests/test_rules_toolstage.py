"""The tool guard's output stage: stopped calls become refusals (JSON and streams), are held
for confirmation, and are recorded as decisions (header, audit line, metric)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from openai import OpenAI

from proxy.config import TenantConfig
from proxy.context import RequestContext
from proxy.pipeline import Pipeline
from proxy.runtime import Tenant
from proxy.sse import DONE, encode_event, event_data
from proxy.testing import FakeUpstream, Reply, completion, make_config, metric_value
from proxy.toolstage import BLOCKED, HELD, ToolGuardStage
from rules.base import RuleScope
from rules.toolguard import ToolGuard, ToolGuardConfig
from tests.test_rules_toolguard import TOOLS, USERS_ACCOUNT, call, request

# --- the output stage -------------------------------------------------------------------------


def context(body: dict[str, Any], config: ToolGuardConfig) -> RequestContext:
    ctx = RequestContext("req_test", Tenant("acme", TenantConfig(), Pipeline()))
    ctx.record = ToolGuard(config).apply(body, RuleScope("req_test")).record
    return ctx


def answer(*calls: dict[str, Any]) -> dict[str, Any]:
    body = completion()
    body["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "tool_calls": list(calls),
    }
    body["choices"][0]["finish_reason"] = "tool_calls"
    return body


@pytest.mark.parametrize("action", ["block", "hold"])
def test_stage_replaces_a_choice_with_an_injected_call_by_a_refusal(action: str) -> None:
    config = ToolGuardConfig(action=action)  # type: ignore[arg-type]
    ctx = context(request("Pay invoice 8812."), config)
    planted = call("transfer", iban="DE44500105175407324931")
    out = orjson.loads(
        asyncio.run(ToolGuardStage(config).finish(orjson.dumps(answer(planted)), ctx))
    )
    detail: dict[str, Any] = {
        "rule": "tool_guard",
        "category": "untrusted_instruction",
        "action": action,
    }
    if action == "hold":
        detail["held_tool_calls"] = [planted]
    assert out["choices"] == [
        {
            "index": 0,
            "logprobs": None,
            "finish_reason": "content_filter",
            "message": {
                "role": "assistant",
                "content": HELD if action == "hold" else BLOCKED["untrusted_instruction"],
                "refusal": None,
            },
            "specguard": detail,
        }
    ]
    assert [(f.detector, f.category, f.where) for f in ctx.findings] == [
        ("tool_guard", "untrusted_instruction", "choices.0.tool_calls.0")
    ]
    assert ctx.verdict is not None
    assert ctx.verdict.action == ("hold" if action == "hold" else "refuse")


def test_confirmation_is_always_a_hold_and_a_disallowed_tool_always_a_block() -> None:
    config = ToolGuardConfig(confirm=["pay"], allowed_tools=["transfer", "search"])
    ctx = context(request(f"Pay {USERS_ACCOUNT}.", page="ok"), config)
    pay = call("transfer", iban=USERS_ACCOUNT)
    out = orjson.loads(asyncio.run(ToolGuardStage(config).finish(orjson.dumps(answer(pay)), ctx)))
    assert out["choices"][0]["specguard"] == {
        "rule": "tool_guard",
        "category": "confirmation_required",
        "action": "hold",
        "held_tool_calls": [pay],
    }
    out = orjson.loads(
        asyncio.run(
            ToolGuardStage(config).finish(orjson.dumps(answer(pay, call("rm", p="/"))), ctx)
        )
    )
    assert out["choices"][0]["specguard"] == {
        "rule": "tool_guard",
        "category": "tool_not_allowed",
        "action": "block",
    }
    assert out["choices"][0]["message"]["content"] == BLOCKED["tool_not_allowed"]


def test_stage_passes_an_in_scope_call_byte_for_byte() -> None:
    config = ToolGuardConfig()
    ctx = context(request(f"Pay invoice 8812 to {USERS_ACCOUNT}."), config)
    raw = orjson.dumps(answer(call("transfer", iban=USERS_ACCOUNT)))
    assert asyncio.run(ToolGuardStage(config).finish(raw, ctx)) is raw
    assert ctx.findings == [] and ctx.verdict is None


def _stream(calls: list[tuple[str, str]]) -> list[bytes]:
    head = {"id": "chatcmpl-x", "object": "chat.completion.chunk", "created": 1, "model": "m"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    events = [chunk({"role": "assistant", "content": None})]
    for k, (name, arguments) in enumerate(calls):
        header = {
            "index": k,
            "id": f"c{k}",
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        events.append(chunk({"tool_calls": [header]}))
        events += [
            chunk({"tool_calls": [{"index": k, "function": {"arguments": arguments[i : i + 7]}}]})
            for i in range(0, len(arguments), 7)
        ]
    events.append(chunk({}, "tool_calls"))
    return [encode_event(e) for e in events] + [DONE]


def _relay(events: list[bytes], ctx: RequestContext, config: ToolGuardConfig) -> list[Any]:
    async def source() -> AsyncIterator[bytes]:
        for event in events:
            yield event

    async def collect() -> list[Any]:
        out = []
        async for event in ToolGuardStage(config).relay(source(), ctx):
            data = event_data(event)
            out.append("[DONE]" if data == b"[DONE]" else orjson.loads(data or b"null"))
        return out

    return asyncio.run(collect())


def test_streamed_injected_call_is_never_relayed_and_ends_in_content_filter() -> None:
    config = ToolGuardConfig()
    ctx = context(request("Pay invoice 8812."), config)
    arguments = json.dumps({"iban": "DE44500105175407324931", "amount": 420})
    out = _relay(_stream([("transfer", arguments)]), ctx, config)
    assert all("tool_calls" not in c["delta"] for e in out[:-1] for c in e["choices"])
    assert out[-2]["choices"] == [
        {
            "index": 0,
            "delta": {"content": BLOCKED["untrusted_instruction"]},
            "finish_reason": "content_filter",
            "specguard": {
                "rule": "tool_guard",
                "category": "untrusted_instruction",
                "action": "block",
            },
        }
    ]
    assert out[-1] == "[DONE]"
    assert [f.where for f in ctx.findings] == ["choices.0.tool_calls.0"]


def test_streamed_in_scope_calls_are_released_whole_before_the_finish() -> None:
    config = ToolGuardConfig()
    ctx = context(request(f"Pay invoice 8812 to {USERS_ACCOUNT}."), config)
    arguments = json.dumps({"iban": USERS_ACCOUNT, "amount": 420})
    out = _relay(_stream([("transfer", arguments), ("lookup", '{"q": "fx rate"}')]), ctx, config)
    released = [c for e in out[:-1] for c in e["choices"] if "tool_calls" in c["delta"]]
    assert released == [
        {
            "index": 0,
            "logprobs": None,
            "finish_reason": None,
            "delta": {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "c0",
                        "type": "function",
                        "function": {"name": "transfer", "arguments": arguments},
                    },
                    {
                        "index": 1,
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": '{"q": "fx rate"}'},
                    },
                ]
            },
        }
    ]
    assert out[-2]["choices"][0]["finish_reason"] == "tool_calls"


def test_a_stream_cut_before_the_finish_drops_its_unchecked_calls() -> None:
    config = ToolGuardConfig()
    ctx = context(request("Pay."), config)
    events = _stream([("transfer", '{"iban": "x"}')])
    out = _relay([*events[:-2], DONE], ctx, config)
    assert all("tool_calls" not in c["delta"] for e in out[:-1] for c in e["choices"])


def test_a_stopped_call_is_a_decision_with_header_audit_line_and_metric(
    upstream: FakeUpstream, serve: Any, tmp_path: Path
) -> None:
    path = tmp_path / "decisions.jsonl"
    config = make_config(
        upstream.base_url,
        extra={
            "audit": {"path": str(path)},
            "tenants": {"acme": {"rules": {"tool_guard": {"confirm": ["pay"]}}}},
        },
    )
    server = serve(config)
    sample = (
        'specguard_decisions_total{action="hold",category="confirmation_required",'
        'detector="tool_guard",stage="output",tenant="acme"}'
    )
    before = metric_value(server.url, sample)
    upstream.queue(Reply(json=answer(call("transfer", iban=USERS_ACCOUNT))))
    client = OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(
        model="fake-model",
        messages=request(f"Pay {USERS_ACCOUNT}.", page="ok")["messages"],
        tools=TOOLS,  # type: ignore[arg-type]
    )
    assert raw.headers["x-specguard-decision"] == "hold; rule=tool_guard.confirmation_required"
    assert raw.parse().choices[0].finish_reason == "content_filter"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(e["rule"], e["action"], e["stage"]) for e in lines] == [
        ("tool_guard.confirmation_required", "hold", "output")
    ]
    assert USERS_ACCOUNT not in path.read_text()
    assert metric_value(server.url, sample) == before + 1


def test_held_tool_call_pieces_are_not_relayed_as_empty_chunks() -> None:
    config = ToolGuardConfig()
    ctx = context(request(f"Pay invoice 8812 to {USERS_ACCOUNT}."), config)
    arguments = json.dumps({"iban": USERS_ACCOUNT, "amount": 420})
    events = _stream([("transfer", arguments)])
    out = _relay(events, ctx, config)
    chunks = [e for e in out if e != "[DONE]"]
    assert not [
        e
        for e in chunks
        if all(c["delta"] == {} and c["finish_reason"] is None for c in e["choices"])
    ]
    assert len(chunks) < len(events) - 1, "the pieces' own chunks were dropped"
    assert any("tool_calls" in c["delta"] for e in chunks for c in e["choices"])
