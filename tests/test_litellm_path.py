"""Non-OpenAI providers go through litellm: here Anthropic, against a fake Messages API."""

from __future__ import annotations

from typing import Any

from openai import OpenAI

from proxy.testing import FakeUpstream, Reply, make_config, only
from tests.conftest import user

ANTHROPIC_MESSAGE = {
    "id": "msg_01",
    "type": "message",
    "role": "assistant",
    "model": "claude-test",
    "content": [{"type": "text", "text": "Bonjour from Claude."}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 9, "output_tokens": 4},
}


def anthropic_stream(*pieces: str) -> list[Any]:
    def event(name: str, data: dict[str, Any]) -> bytes:
        import json

        return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()

    events = [
        event(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    **ANTHROPIC_MESSAGE,
                    "content": [],
                    "stop_reason": None,
                    "usage": {"input_tokens": 9, "output_tokens": 0},
                },
            },
        ),
        event(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
    ]
    events += [
        event(
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}},
        )
        for p in pieces
    ]
    events += [
        event("content_block_stop", {"type": "content_block_stop", "index": 0}),
        event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": 4},
            },
        ),
        event("message_stop", {"type": "message_stop"}),
    ]
    return events


def _anthropic_proxy(upstream: FakeUpstream, serve: Any, monkeypatch: Any) -> OpenAI:
    monkeypatch.setenv("ANTHROPIC_TEST_KEY", "sk-ant-test-secret")
    config = make_config(
        None,
        extra={
            "upstreams": {
                "claude": {
                    "provider": "anthropic",
                    "base_url": f"http://127.0.0.1:{upstream.port}",
                    "api_key_env": "ANTHROPIC_TEST_KEY",
                    "timeout_s": 10,
                }
            },
            "routes": [{"match": "claude-*", "upstream": "claude"}],
            "tenants": {"acme": only({})},
        },
    )
    server = serve(config)
    return OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)


def test_anthropic_answer_is_translated_to_openai_shape(
    upstream: FakeUpstream, serve: Any, monkeypatch: Any
) -> None:
    client = _anthropic_proxy(upstream, serve, monkeypatch)
    upstream.queue(Reply(json=ANTHROPIC_MESSAGE))
    answer = client.chat.completions.create(
        model="claude-test",
        max_tokens=50,
        messages=[{"role": "system", "content": "Be brief."}, *user("Say hi in French")],
    )
    assert answer.choices[0].message.content == "Bonjour from Claude."
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None and answer.usage.prompt_tokens == 9
    sent = upstream.last
    assert sent.path == "/v1/messages"
    assert sent.body["system"] in ("Be brief.", [{"type": "text", "text": "Be brief."}])
    assert sent.body["messages"][0]["role"] == "user"
    headers = {k.lower(): v for k, v in sent.headers.items()}
    assert headers["x-api-key"] == "sk-ant-test-secret"


def test_anthropic_stream_is_translated_to_openai_chunks(
    upstream: FakeUpstream, serve: Any, monkeypatch: Any
) -> None:
    client = _anthropic_proxy(upstream, serve, monkeypatch)
    upstream.queue(Reply(events=anthropic_stream("Bon", "jour", "!")))
    stream = client.chat.completions.create(
        model="claude-test", max_tokens=50, messages=user("hi"), stream=True
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text == "Bonjour!"
    assert upstream.last.body["stream"] is True
