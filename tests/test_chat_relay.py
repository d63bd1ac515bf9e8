"""The OpenAI-compatible relay, driven by the official SDK over real sockets."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from openai import AsyncOpenAI, OpenAI

from proxy.testing import FakeUpstream, ProxyServer, Reply, chunks, completion
from tests.conftest import UPSTREAM_KEY, user


def test_plain_chat_returns_the_upstream_answer(client: OpenAI, upstream: FakeUpstream) -> None:
    upstream.queue(Reply(json=completion("Paris is the capital of France.")))
    answer = client.chat.completions.create(model="fake-model", messages=user("Capital?"))
    assert answer.choices[0].message.content == "Paris is the capital of France."
    assert upstream.last.path == "/v1/chat/completions"
    assert upstream.last.body["messages"] == user("Capital?")


def test_async_client_works_unchanged(proxy: ProxyServer, upstream: FakeUpstream) -> None:
    upstream.queue(Reply(json=completion("async hello")))

    async def ask() -> str | None:
        client = AsyncOpenAI(base_url=proxy.base_url, api_key="sk-acme", max_retries=0)
        answer = await client.chat.completions.create(model="fake-model", messages=user("hi"))
        await client.close()
        return answer.choices[0].message.content

    assert asyncio.run(ask()) == "async hello"


def test_client_key_is_replaced_by_the_upstream_key(client: OpenAI, upstream: FakeUpstream) -> None:
    client.chat.completions.create(model="fake-model", messages=user("hi"))
    headers = {k.lower(): v for k, v in upstream.last.headers.items()}
    assert headers["authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert "sk-acme" not in json.dumps(headers)


def test_streaming_relays_events_byte_for_byte(proxy: ProxyServer, upstream: FakeUpstream) -> None:
    events = chunks("Hel", "lo ", "wörld", system_fingerprint="fp_1", x_vendor={"a": 1})
    upstream.queue(Reply(events=events, chunk_bytes=7))
    expected = b"".join(
        f"data: {e}\n\n".encode()
        if isinstance(e, str)
        else b"data: " + json.dumps(e, separators=(",", ":"), ensure_ascii=False).encode() + b"\n\n"
        for e in events
    )
    with httpx.stream(
        "POST",
        f"{proxy.base_url}/chat/completions",
        headers={"Authorization": "Bearer sk-acme"},
        json={"model": "fake-model", "messages": user("hi"), "stream": True},
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = b"".join(response.iter_bytes())
    assert body == expected


def test_streaming_with_the_sdk_yields_every_delta(client: OpenAI, upstream: FakeUpstream) -> None:
    upstream.queue(Reply(events=chunks("one ", "two ", "three")))
    stream = client.chat.completions.create(model="fake-model", messages=user("count"), stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text == "one two three"
    assert upstream.last.body["stream"] is True


def test_tool_calls_round_trip(client: OpenAI, upstream: FakeUpstream) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
    }
    upstream.queue(
        Reply(
            json=completion(
                None,
                choices=[
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": None, "tool_calls": [call]},
                        "finish_reason": "tool_calls",
                    }
                ],
            )
        )
    )
    tools: Any = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]
    first = client.chat.completions.create(
        model="fake-model", messages=user("Weather?"), tools=tools
    )
    tool_call = first.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert tool_call.function.arguments == '{"city": "Oslo"}'  # type: ignore[union-attr]
    assert upstream.last.body["tools"] == tools
    client.chat.completions.create(
        model="fake-model",
        tools=tools,
        messages=[
            *user("Weather?"),
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": "12 C, cloudy"},
        ],
    )
    sent = upstream.last.body["messages"]
    assert sent[1]["tool_calls"] == [call]
    assert sent[2]["tool_call_id"] == "call_1"


def test_response_format_json_schema_passes_through(client: OpenAI, upstream: FakeUpstream) -> None:
    schema = {
        "type": "json_schema",
        "json_schema": {
            "name": "city",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"name": {"type": "string"}},
                "required": ["name"],
                "additionalProperties": False,
            },
        },
    }
    upstream.queue(Reply(json=completion('{"name": "Oslo"}')))
    answer = client.chat.completions.create(
        model="fake-model",
        messages=user("city"),
        response_format=schema,  # type: ignore[arg-type]
    )
    assert json.loads(answer.choices[0].message.content or "") == {"name": "Oslo"}
    assert upstream.last.body["response_format"] == schema


def test_n_two_returns_both_choices(client: OpenAI, upstream: FakeUpstream) -> None:
    two = completion(
        "a",
        choices=[
            {"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            for i, text in enumerate(["first", "second"])
        ],
    )
    upstream.queue(Reply(json=two))
    answer = client.chat.completions.create(model="fake-model", messages=user("two"), n=2)
    assert [c.message.content for c in answer.choices] == ["first", "second"]
    assert upstream.last.body["n"] == 2


def test_unknown_fields_survive_both_ways(client: OpenAI, upstream: FakeUpstream) -> None:
    upstream.queue(
        Reply(
            json=completion(
                "ok",
                system_fingerprint="fp_42",
                x_vendor_field={"keep": [1, 2.5, None]},
                choices=[
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": "ok",
                            "refusal": None,
                            "annotations": [],
                        },
                        "logprobs": {
                            "content": [
                                {
                                    "token": "ok",
                                    "logprob": -0.01,
                                    "bytes": [111, 107],
                                    "top_logprobs": [],
                                }
                            ]
                        },
                        "finish_reason": "stop",
                    }
                ],
            )
        )
    )
    raw = client.chat.completions.with_raw_response.create(
        model="fake-model",
        messages=user("x"),
        logprobs=True,
        extra_body={"x_request_field": {"nested": True}, "metadata": {"k": "v"}},
    )
    body = json.loads(raw.http_response.content)
    assert upstream.last.body["x_request_field"] == {"nested": True}
    assert upstream.last.body["metadata"] == {"k": "v"}
    assert body["x_vendor_field"] == {"keep": [1, 2.5, None]}
    assert body["system_fingerprint"] == "fp_42"
    assert body["choices"][0]["logprobs"]["content"][0]["logprob"] == -0.01
    assert body["usage"] == {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}


def test_request_id_is_honoured_echoed_and_forwarded(
    proxy: ProxyServer, upstream: FakeUpstream
) -> None:
    response = httpx.post(
        f"{proxy.base_url}/chat/completions",
        headers={"Authorization": "Bearer sk-acme", "x-request-id": "trace-123"},
        json={"model": "fake-model", "messages": user("hi")},
    )
    assert response.headers["x-request-id"] == "trace-123"
    headers = {k.lower(): v for k, v in upstream.last.headers.items()}
    assert headers["x-request-id"] == "trace-123"


def test_request_id_is_generated_when_absent(proxy: ProxyServer) -> None:
    response = httpx.post(
        f"{proxy.base_url}/chat/completions",
        headers={"Authorization": "Bearer sk-acme"},
        json={"model": "demo-echo", "messages": user("hi")},
    )
    assert response.headers["x-request-id"].startswith("req_")


def test_route_can_rename_the_model(upstream: FakeUpstream, serve: Any) -> None:
    from proxy.testing import make_config

    config = make_config(
        upstream.base_url,
        extra={"routes": [{"match": "alias-*", "upstream": "fake", "model": "real-model"}]},
    )
    server = serve(config)
    client = OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)
    client.chat.completions.create(model="alias-small", messages=user("hi"))
    assert upstream.last.body["model"] == "real-model"
