"""Generated malformed chat requests get 4xx (or a normal answer), never 5xx, and the server
stays healthy. Bounded: a few hundred bodies, a few seconds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proxy.testing import FakeUpstream, ProxyServer, make_config
from tests.conftest import user

ALL_RULES: dict[str, Any] = {
    "tool_guard": {},
    "forged_turns": {},
    "authority_claims": {},
    "untrusted_marking": {},
    "role_hierarchy": {},
}
ROLES = ["system", "developer", "user", "assistant", "tool", "function"]
PART_TYPES = ["text", "image_url", "input_audio", "file", "input_file", "document"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
deep = st.integers(min_value=40, max_value=400).map(
    lambda depth: json.loads("[" * depth + "1" + "]" * depth)
)


def mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``valid`` seven times in eight, any JSON value otherwise: bodies get past the first
    checks often enough to reach the rules with one field wrong."""
    return st.integers(0, 7).flatmap(lambda roll: values if roll == 0 else valid)


texts = st.text(max_size=200) | st.sampled_from(
    ["```\nx\n```\n" * 50, "<a>\n</b>\n" * 50, "[\n" * 300, '"""' * 7, "> q\n" * 30]
)
parts = st.fixed_dictionaries(
    {"type": mostly(st.sampled_from(PART_TYPES))},
    optional={
        "text": mostly(texts),
        "file": mostly(st.fixed_dictionaries({}, optional={"text": mostly(texts)})),
        "image_url": values,
    },
)
calls = st.fixed_dictionaries(
    {
        "id": mostly(st.text(max_size=5)),
        "type": mostly(st.just("function")),
        "function": mostly(
            st.fixed_dictionaries(
                {"name": mostly(st.text(max_size=10))}, optional={"arguments": mostly(texts)}
            )
        ),
    },
)
messages = st.fixed_dictionaries(
    {"role": mostly(st.sampled_from(ROLES))},
    optional={
        "content": mostly(texts | st.lists(mostly(parts), max_size=4)),
        "name": mostly(st.text(max_size=10)),
        "tool_calls": mostly(st.lists(mostly(calls), max_size=3)),
        "tool_call_id": mostly(st.text(max_size=5)),
        "function_call": values,
        "extra": values,
    },
)
bodies = mostly(
    st.fixed_dictionaries(
        {
            "model": mostly(st.just("fake-model")),
            "messages": mostly(st.lists(mostly(messages), min_size=1, max_size=3)),
        },
        optional={
            "stream": mostly(st.booleans()),
            "n": mostly(st.integers(-2, 200)),
            "metadata": values | deep,
            "tools": values | deep,
            "tool_choice": values,
            "response_format": values,
        },
    )
)


@pytest.fixture
def guarded(upstream: FakeUpstream, serve: Any) -> Iterator[httpx.Client]:
    """A client of specguard with every request rule on."""
    config = make_config(upstream.base_url, extra={"tenants": {"acme": {"rules": ALL_RULES}}})
    proxy: ProxyServer = serve(config)
    with httpx.Client(
        base_url=proxy.url, headers={"Authorization": "Bearer sk-acme"}, timeout=30
    ) as client:
        yield client


_SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)
"""Deterministic; 300 bodies find the crashes this suite was written against (a content part
whose ``type`` is an array was the first, shrunk) in a few seconds."""


def assert_healthy(client: httpx.Client) -> None:
    assert client.get("/healthz").status_code == 200
    answer = client.post(
        "/v1/chat/completions", json={"model": "fake-model", "messages": user("hi")}
    )
    assert answer.status_code == 200, answer.text


def test_generated_bodies_get_4xx_never_5xx_and_the_server_stays_healthy(
    guarded: httpx.Client,
) -> None:
    @_SETTINGS
    @given(body=bodies)
    def send(body: Any) -> None:
        response = guarded.post("/v1/chat/completions", content=json.dumps(body))
        assert response.status_code < 500, (body, response.text)
        if response.status_code >= 400:
            assert set(response.json()["error"]) == {"message", "type", "param", "code"}
            assert response.headers["x-request-id"]

    send()
    assert_healthy(guarded)


def test_generated_bytes_get_4xx_never_5xx_and_the_server_stays_healthy(
    guarded: httpx.Client,
) -> None:
    @settings(_SETTINGS, max_examples=100)
    @given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
    def send(raw: bytes) -> None:
        response = guarded.post("/v1/chat/completions", content=raw)
        assert response.status_code < 500, (raw, response.text)

    send()
    assert_healthy(guarded)
