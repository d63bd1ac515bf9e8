"""Streaming screening: nothing unsafe reaches an SSE client, benign streams pass unchanged."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import openai
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai import OpenAI

from proxy.context import RequestContext
from proxy.runtime import Tenant
from proxy.sse import SSEDecoder, event_data
from proxy.testing import FakeUpstream, Reply, chunks, make_config, make_tenant, only, sse_event
from tests.conftest import user

SECRET = "Project Nightjar"
REFUSAL = "Sorry, I can't help with that: the answer contained a topic this service does not cover."
TEXT = st.text(
    alphabet=st.sampled_from(list("abcdefghij klmnopqrstuvwxyzé中😀.,\n")), min_size=0, max_size=400
)


def tenant(others: dict[str, Any] | None = None, mode: str = "live", **detector: Any) -> Tenant:
    detectors = {"deny_terms": {"terms": [SECRET], "category": "codename", **detector}}
    return make_tenant({"detectors": {**detectors, **(others or {})}, "stream": {"mode": mode}})


def sse_bytes(pieces: list[str]) -> bytes:
    return b"".join(map(sse_event, chunks(*pieces)))


def split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points) if b > a] or [""]


async def relay(owner: Tenant, data: bytes, byte_cuts: list[int]) -> bytes:
    points = sorted({c % (len(data) + 1) for c in byte_cuts} | {0, len(data)})

    async def upstream_events() -> AsyncIterator[bytes]:
        decoder = SSEDecoder()
        for a, b in itertools.pairwise(points):
            for event in decoder.feed(data[a:b]):
                yield event

    ctx = RequestContext("req_test", owner)
    out = b""
    async for event in owner.pipeline.relay(upstream_events(), ctx):
        out += event
    return out


def delivered(out: bytes) -> tuple[str, list[dict[str, Any]]]:
    text, payloads = "", []
    for event in SSEDecoder().feed(out):
        data = event_data(event)
        if data is None or data == b"[DONE]":
            continue
        payload = orjson.loads(data)
        payloads.append(payload)
        for choice in payload["choices"]:
            text += choice["delta"].get("content") or ""
    return text, payloads


REFUSING = tenant()
REDACTING = tenant(action="redact")
# prompt_leak needs a longer hold-back (256) than deny_terms: the two scan at different times
REFUSING_WITH_LONGER_NEED = tenant({"prompt_leak": {}})
# the default policy's checks beside the term, in live mode: a classifier's score gate must not
# let a term through either (not nsfw: random letters can spell a word it rightly refuses)
REFUSING_WITH_DEFAULTS = tenant({"prompt_leak": {}, "privacy": {}, "cbrn": {}})
STRICT = tenant(mode="strict")
STRICT_WITH_LONGER_NEED = tenant({"prompt_leak": {}}, mode="strict")
REFUSERS = pytest.mark.parametrize(
    "owner",
    [REFUSING, REFUSING_WITH_LONGER_NEED, REFUSING_WITH_DEFAULTS, STRICT, STRICT_WITH_LONGER_NEED],
    ids=["live", "live_with_longer_need", "live_with_defaults", "strict", "strict_longer_need"],
)
# the benign property for the tenants of the term alone (and prompt_leak)
BENIGN_OWNERS = pytest.mark.parametrize(
    "owner",
    [REFUSING, REFUSING_WITH_LONGER_NEED, STRICT, STRICT_WITH_LONGER_NEED],
    ids=["live", "live_with_longer_need", "strict", "strict_longer_need"],
)
REDACTERS = pytest.mark.parametrize(
    "owner", [REDACTING, tenant(mode="strict", action="redact")], ids=["live", "strict"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=TEXT,
    after=TEXT,
    delta_cuts=st.lists(st.integers(0, 10_000), max_size=40),
    byte_cuts=st.lists(st.integers(0, 100_000), max_size=60),
)
@REFUSERS
def test_violating_span_never_reaches_the_client(
    owner: Tenant, before: str, after: str, delta_cuts: list[int], byte_cuts: list[int]
) -> None:
    text = before + " " + SECRET + " " + after  # the term matches whole words only
    out = asyncio.run(relay(owner, sse_bytes(split(text, delta_cuts)), byte_cuts))
    shown, payloads = delivered(out)
    assert SECRET.lower() not in shown.lower()
    assert out.endswith(b"data: [DONE]\n\n")
    assert payloads[-1]["choices"][0]["finish_reason"] == "content_filter"
    assert payloads[-1]["specguard"]["rule"] == "deny_terms.codename"
    assert text.startswith(shown[: len(shown) - len(REFUSAL)])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=TEXT,
    delta_cuts=st.lists(st.integers(0, 10_000), max_size=40),
    byte_cuts=st.lists(st.integers(0, 100_000), max_size=60),
)
@BENIGN_OWNERS
def test_benign_stream_is_delivered_byte_for_byte(
    owner: Tenant, text: str, delta_cuts: list[int], byte_cuts: list[int]
) -> None:
    data = sse_bytes(split(text, delta_cuts))
    out = asyncio.run(relay(owner, data, byte_cuts))
    assert out == data


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=TEXT, after=TEXT, delta_cuts=st.lists(st.integers(0, 10_000), max_size=40))
@REDACTERS
def test_redaction_replaces_the_span_before_release(
    owner: Tenant, before: str, after: str, delta_cuts: list[int]
) -> None:
    text = before + " " + SECRET + " " + after
    out = asyncio.run(relay(owner, sse_bytes(split(text, delta_cuts)), []))
    shown, _ = delivered(out)
    assert shown == before + " [redacted: codename] " + after
    assert out.endswith(b"data: [DONE]\n\n")


def test_tool_call_deltas_are_held_until_complete_then_screened() -> None:
    head = {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    parts = ['{"q": "Proj', "ect Night", 'jar"}']
    events = [
        {
            **head,
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "c",
                                "type": "function",
                                "function": {"name": "f", "arguments": ""},
                            }
                        ]
                    },
                    "finish_reason": None,
                }
            ],
        }
    ]
    events += [
        {
            **head,
            "choices": [
                {
                    "index": 0,
                    "delta": {"tool_calls": [{"index": 0, "function": {"arguments": p}}]},
                    "finish_reason": None,
                }
            ],
        }
        for p in parts
    ]
    events.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    data = b"".join(map(sse_event, [*events, "[DONE]"]))
    out = asyncio.run(relay(REFUSING, data, []))
    _, payloads = delivered(out)
    assert len(payloads) == 1 and payloads[0]["choices"][0]["finish_reason"] == "content_filter"


def legacy_function_call_stream(arguments: list[str]) -> bytes:
    head = {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    deltas = [{"role": "assistant", "function_call": {"name": "f", "arguments": ""}}]
    deltas += [{"function_call": {"arguments": piece}} for piece in arguments]
    events = [
        {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
        for delta in deltas
    ]
    events.append(
        {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "function_call"}]}
    )
    return b"".join(map(sse_event, [*events, "[DONE]"]))


def test_legacy_function_call_deltas_are_held_until_complete_then_screened() -> None:
    out = asyncio.run(
        relay(REFUSING, legacy_function_call_stream(['{"q": "Proj', "ect Night", 'jar"}']), [])
    )
    _, payloads = delivered(out)
    assert len(payloads) == 1 and payloads[0]["choices"][0]["finish_reason"] == "content_filter"


def test_harmless_legacy_function_call_stream_passes_unchanged() -> None:
    data = legacy_function_call_stream(['{"q": "the usual', ' plan"}'])
    assert asyncio.run(relay(REFUSING, data, [7, 70])) == data


def test_usage_chunks_and_unknown_fields_pass_through() -> None:
    events = chunks("Hello ", "there", x_vendor="kept")
    events.insert(
        -1,
        {
            "id": "x",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        },
    )
    data = b"".join(map(sse_event, events))
    assert asyncio.run(relay(REFUSING, data, [5, 50, 500])) == data


# --- over real sockets, with the SDK -------------------------------------------------------------


def screened_client(upstream: FakeUpstream, serve: Any, **extra: Any) -> tuple[OpenAI, Any]:
    server = serve(
        make_config(
            upstream.base_url,
            extra={
                "tenants": {"acme": only({"detectors": {"deny_terms": {"terms": [SECRET]}}})},
                **extra,
            },
        )
    )
    return OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0), server


def test_sdk_sees_a_well_formed_cut_stream(upstream: FakeUpstream, serve: Any) -> None:
    client, _ = screened_client(upstream, serve)
    upstream.queue(
        Reply(
            events=chunks("The plan ", "is Proj", "ect Night", "jar and more ", "text"),
            chunk_bytes=11,
        )
    )
    stream = client.chat.completions.create(model="fake-model", messages=user("x"), stream=True)
    received = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in received if c.choices)
    assert SECRET not in text
    assert received[-1].choices[0].finish_reason == "content_filter"
    assert text.endswith(REFUSAL)


def test_programmatic_stream_refusal_uses_delta_refusal(upstream: FakeUpstream, serve: Any) -> None:
    client, _ = screened_client(upstream, serve)
    upstream.queue(Reply(events=chunks('{"a": "', SECRET, '"}')))
    stream = client.chat.completions.create(
        model="fake-model", messages=user("x"), stream=True, response_format={"type": "json_object"}
    )
    last = list(stream)[-1]
    assert last.choices[0].delta.refusal == REFUSAL
    assert last.choices[0].delta.content is None


def test_cut_stream_cancels_the_upstream(upstream: FakeUpstream, serve: Any) -> None:
    client, _ = screened_client(upstream, serve)
    upstream.queue(Reply(events=chunks(SECRET + " ", *["filler " * 20] * 50), stall_after=3))
    stream = client.chat.completions.create(model="fake-model", messages=user("x"), stream=True)
    assert list(stream)[-1].choices[0].finish_reason == "content_filter"
    deadline = time.monotonic() + 5
    while upstream.disconnects == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upstream.disconnects == 1


def test_client_disconnect_cancels_the_upstream(upstream: FakeUpstream, proxy: Any) -> None:
    upstream.queue(Reply(events=chunks("a", "b", "c"), stall_after=2))
    with httpx.stream(
        "POST",
        f"{proxy.base_url}/chat/completions",
        headers={"Authorization": "Bearer sk-acme"},
        json={"model": "fake-model", "messages": user("x"), "stream": True},
    ) as response:
        next(response.iter_bytes())
    deadline = time.monotonic() + 5
    while upstream.disconnects == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upstream.disconnects == 1


def test_stalled_upstream_ends_the_stream_with_a_timeout_error(
    upstream: FakeUpstream, serve: Any
) -> None:
    client, _ = screened_client(upstream, serve, upstreams={"fake": {"timeout_s": 0.5}})
    upstream.queue(Reply(events=chunks("a", "b", "c"), stall_after=2))
    started = time.monotonic()
    with pytest.raises(openai.APIError) as caught:
        for _ in client.chat.completions.create(
            model="fake-model", messages=user("x"), stream=True
        ):
            pass
    assert "timed out" in str(caught.value)
    assert time.monotonic() - started < 5


def test_broken_upstream_gives_a_terminal_error_event(upstream: FakeUpstream, serve: Any) -> None:
    client, _ = screened_client(upstream, serve)
    upstream.queue(Reply(events=chunks(*["word "] * 40), break_after=10))
    with pytest.raises(openai.APIError):
        for _ in client.chat.completions.create(
            model="fake-model", messages=user("x"), stream=True
        ):
            pass
