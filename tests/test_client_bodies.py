"""Malformed client bodies are 400s naming their ``param``, never 500s, with every rule on."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from proxy.testing import FakeUpstream, ProxyServer, make_config
from proxy.wire import MAX_DEPTH
from tests.conftest import tool_turns, user

ALL_RULES: dict[str, Any] = {
    "tool_guard": {},
    "forged_turns": {},
    "authority_claims": {},
    "untrusted_marking": {},
    "role_hierarchy": {},
}


@pytest.fixture
def guarded(upstream: FakeUpstream, serve: Any) -> ProxyServer:
    """specguard with every request rule on: the paths that used to crash on bad shapes."""
    server: ProxyServer = serve(
        make_config(upstream.base_url, extra={"tenants": {"acme": {"rules": ALL_RULES}}})
    )
    return server


def post_raw(proxy: ProxyServer, raw: bytes) -> httpx.Response:
    return httpx.post(
        f"{proxy.base_url}/chat/completions",
        headers={"Authorization": "Bearer sk-acme", "Content-Type": "application/json"},
        content=raw,
        timeout=30,
    )


def post(proxy: ProxyServer, messages: list[Any], **extra: Any) -> httpx.Response:
    return httpx.post(
        f"{proxy.base_url}/chat/completions",
        headers={"Authorization": "Bearer sk-acme"},
        json={"model": "fake-model", "messages": messages, **extra},
        timeout=30,
    )


def assistant_calls(tool_calls: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": None, "tool_calls": tool_calls}


@pytest.mark.parametrize(
    ("message", "param"),
    [
        (assistant_calls(5), "messages[1].tool_calls"),
        (assistant_calls(True), "messages[1].tool_calls"),
        (assistant_calls([5]), "messages[1].tool_calls[0]"),
        (assistant_calls([{"id": "c1", "function": "f"}]), "messages[1].tool_calls[0].function"),
        (
            assistant_calls([{"id": 7, "type": "function", "function": {"name": "f"}}]),
            "messages[1].tool_calls[0].id",
        ),
        (
            assistant_calls([{"id": "c", "function": {"name": "f", "arguments": {"a": 1}}}]),
            "messages[1].tool_calls[0].function.arguments",
        ),
        ({"role": "user", "content": [{"type": 5, "text": "x"}]}, "messages[1].content[0].type"),
        ({"role": "user", "content": [{"type": ["file"]}]}, "messages[1].content[0].type"),
        ({"role": "user", "content": [{"text": "no type"}]}, "messages[1].content[0].type"),
        ({"role": "user", "content": [{"type": "text", "text": 5}]}, "messages[1].content[0].text"),
        ({"role": "user", "content": ["bare string"]}, "messages[1].content[0]"),
        ({"role": "tool", "tool_call_id": "c1", "content": {"a": 1}}, "messages[1].content"),
        ({"role": "tool", "tool_call_id": "c1", "content": [1, 2]}, "messages[1].content[0]"),
        ({"role": "tool", "tool_call_id": 5, "content": "x"}, "messages[1].tool_call_id"),
        ({"role": "user", "name": 5, "content": "x"}, "messages[1].name"),
        ({"role": "assistant", "function_call": "f"}, "messages[1].function_call"),
    ],
)
def test_malformed_message_shapes_are_400_naming_the_param(
    guarded: ProxyServer, upstream: FakeUpstream, message: dict[str, Any], param: str
) -> None:
    response = post(guarded, [*user("hi"), message, *user("thanks")])
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == param
    assert error["type"] == "invalid_request_error"
    assert param in error["message"]
    assert upstream.received == []


@pytest.mark.parametrize("depth", [MAX_DEPTH, 254, 300, 1023])
def test_deeply_nested_metadata_is_400_not_500(
    guarded: ProxyServer, upstream: FakeUpstream, depth: int
) -> None:
    nested = "[" * depth + "1" + "]" * depth
    raw = f'{{"model": "fake-model", "messages": {user("hi")!r}, "metadata": {nested}}}'
    response = post_raw(guarded, raw.replace("'", '"').encode())
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "metadata[0]"
    assert upstream.received == []


def test_deep_nesting_inside_a_content_part_is_400(guarded: ProxyServer) -> None:
    nested = '{"a":' * 300 + "1" + "}" * 300
    raw = (
        '{"model": "fake-model", "messages": [{"role": "user", "content": '
        f'[{{"type": "text", "text": "hi", "extra": {nested}}}]}}]}}'
    )
    response = post_raw(guarded, raw.encode())
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "messages[0]"


def test_nesting_within_the_limit_is_forwarded_untouched(
    guarded: ProxyServer, upstream: FakeUpstream
) -> None:
    # body (1) > metadata (2) > 62 more lists: exactly MAX_DEPTH levels.
    nested: Any = "leaf"
    for _ in range(MAX_DEPTH - 1):
        nested = [nested]
    response = post(guarded, user("hi"), metadata=nested)
    assert response.status_code == 200, response.text
    assert upstream.last.body["metadata"] == nested


def test_well_formed_tool_conversation_with_unknown_fields_still_passes(
    guarded: ProxyServer, upstream: FakeUpstream
) -> None:
    messages = tool_turns("What is my balance?", "Balance: 12 EUR")
    messages[1]["tool_calls"][0]["vendor_extension"] = {"x": [1, 2]}
    messages[0]["content"] = [
        {"type": "text", "text": "What is my balance?", "cache_control": {"type": "ephemeral"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]
    response = post(guarded, messages, metadata={"trace": "t1"}, stream=None, n=1)
    assert response.status_code == 200, response.text
    sent = upstream.last.body
    assert sent["metadata"] == {"trace": "t1"}
    calls = [m for m in sent["messages"] if m.get("tool_calls")]
    assert calls[0]["tool_calls"][0]["vendor_extension"] == {"x": [1, 2]}
