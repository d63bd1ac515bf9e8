"""Every error reaches the client in the OpenAI envelope with the right status, and no secrets."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from proxy.testing import FakeUpstream, ProxyServer, Reply, make_config
from tests.conftest import UPSTREAM_KEY, user


def post(
    proxy: ProxyServer, body: Any = None, *, content: bytes | None = None, key: str = "sk-acme"
) -> httpx.Response:
    return httpx.post(
        f"{proxy.base_url}/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json=body,
        content=content,
        timeout=30,
    )


def assert_envelope(
    response: httpx.Response, status: int, param: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["param"] == param
    assert "Traceback" not in response.text
    return dict(error)


def test_malformed_json_is_400(proxy: ProxyServer) -> None:
    assert_envelope(post(proxy, content=b'{"model": "fake-model", "messages": ['), 400)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": [{"role": "user", "content": "hi"}]}, "model"),
        ({"model": "fake-model"}, "messages"),
        ({"model": "fake-model", "messages": []}, "messages"),
        ({"model": "fake-model", "messages": ["hi"]}, "messages[0]"),
        ({"model": "fake-model", "messages": [{"content": "hi"}]}, "messages[0].role"),
        (
            {"model": "fake-model", "messages": [{"role": "wizard", "content": "hi"}]},
            "messages[0].role",
        ),
        (
            {"model": "fake-model", "messages": [{"role": "user", "content": 3}]},
            "messages[0].content",
        ),
        (
            {
                "model": "fake-model",
                "messages": [{"role": "user", "content": "hi"}],
                "stream": "yes",
            },
            "stream",
        ),
        ({"model": "fake-model", "messages": [{"role": "user", "content": "hi"}], "n": 0}, "n"),
        ([1, 2], None),
    ],
)
def test_invalid_fields_are_400_naming_the_param(
    proxy: ProxyServer, body: Any, param: str | None
) -> None:
    assert_envelope(post(proxy, body), 400, param)


def test_invalid_request_never_reaches_the_upstream(
    proxy: ProxyServer, upstream: FakeUpstream
) -> None:
    post(proxy, {"model": "fake-model"})
    assert upstream.received == []


def test_unknown_model_is_404(upstream: FakeUpstream, serve: Any) -> None:
    server = serve(make_config(None))  # only demo-* is routed
    error = assert_envelope(
        post(server, {"model": "gpt-unknown", "messages": user("hi")}), 404, "model"
    )
    assert error["code"] == "model_not_found"


def test_body_over_the_limit_is_413(upstream: FakeUpstream, serve: Any) -> None:
    server = serve(make_config(upstream.base_url, extra={"server": {"max_body_bytes": 2048}}))
    response = post(server, {"model": "fake-model", "messages": user("x" * 4096)})
    assert_envelope(response, 413)
    assert upstream.received == []


def test_body_over_the_limit_without_content_length_is_413(
    upstream: FakeUpstream, serve: Any
) -> None:
    server = serve(make_config(upstream.base_url, extra={"server": {"max_body_bytes": 2048}}))

    def body() -> Any:
        yield b'{"model": "fake-model", "messages": [{"role": "user", "content": "'
        yield b"x" * 4096
        yield b'"}]}'

    response = httpx.post(
        f"{server.base_url}/chat/completions",
        headers={"Authorization": "Bearer sk-acme"},
        content=body(),
    )
    assert_envelope(response, 413)


def test_upstream_timeout_is_504(upstream: FakeUpstream, serve: Any) -> None:
    server = serve(
        make_config(upstream.base_url, extra={"upstreams": {"fake": {"timeout_s": 0.3}}})
    )
    upstream.queue(Reply(json={"late": True}, delay_s=1.0))
    error = assert_envelope(post(server, {"model": "fake-model", "messages": user("hi")}), 504)
    assert error["code"] == "upstream_timeout"


def test_unreachable_upstream_is_502(serve: Any) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    server = serve(make_config(f"http://127.0.0.1:{closed_port}/v1"))
    error = assert_envelope(post(server, {"model": "fake-model", "messages": user("hi")}), 502)
    assert error["code"] == "upstream_unreachable"


def test_upstream_error_is_relayed_sanitized(proxy: ProxyServer, upstream: FakeUpstream) -> None:
    upstream.queue(
        Reply(
            status=429,
            json={
                "error": {
                    "message": f"Rate limit for key {UPSTREAM_KEY} reached",
                    "type": "requests",
                    "param": None,
                    "code": "rate_limit_exceeded",
                    "internal_trace": "at foo.py:12",
                }
            },
        )
    )
    response = post(proxy, {"model": "fake-model", "messages": user("hi")})
    error = assert_envelope(response, 429)
    assert error["code"] == "rate_limit_exceeded"
    assert UPSTREAM_KEY not in response.text
    assert "internal_trace" not in response.text


def test_upstream_5xx_with_non_json_body_is_relayed_generic(
    proxy: ProxyServer, upstream: FakeUpstream
) -> None:
    upstream.queue(Reply(status=503, json="<html>Traceback: secret</html>"))
    response = post(proxy, {"model": "fake-model", "messages": user("hi")})
    error = assert_envelope(response, 503)
    assert "secret" not in response.text
    assert error["type"] == "server_error"


def test_sdk_raises_typed_errors(client: OpenAI, upstream: FakeUpstream) -> None:
    upstream.queue(
        Reply(
            status=400,
            json={
                "error": {
                    "message": "bad temperature",
                    "type": "invalid_request_error",
                    "param": "temperature",
                    "code": None,
                }
            },
        )
    )
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="fake-model", messages=user("hi"), temperature=9)
    assert caught.value.param == "temperature"  # type: ignore[attr-defined]


def test_upstream_error_before_stream_keeps_its_status(
    client: OpenAI, upstream: FakeUpstream
) -> None:
    upstream.queue(
        Reply(
            status=400,
            json={
                "error": {
                    "message": "max_tokens is too large",
                    "type": "invalid_request_error",
                    "param": "max_tokens",
                    "code": None,
                }
            },
        )
    )
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="fake-model", messages=user("hi"), stream=True)
    assert caught.value.body["param"] == "max_tokens"  # type: ignore[index]


def test_mid_stream_break_ends_with_an_error_event(client: OpenAI, upstream: FakeUpstream) -> None:
    from proxy.testing import chunks

    upstream.queue(Reply(events=chunks("a", "b", "c", "d"), break_after=3))
    stream = client.chat.completions.create(model="fake-model", messages=user("hi"), stream=True)
    with pytest.raises(openai.APIError):
        for _ in stream:
            pass


def test_unknown_path_is_an_envelope_404(proxy: ProxyServer) -> None:
    assert_envelope(httpx.get(f"{proxy.url}/v1/nothing"), 404)


def test_wrong_method_is_an_envelope_405(proxy: ProxyServer) -> None:
    assert_envelope(httpx.get(f"{proxy.base_url}/chat/completions"), 405)
