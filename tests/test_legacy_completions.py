"""Legacy completions on routes that relay to the upstream's own ``/v1/completions`` (base and
instruct models): the request goes as the app sent it, the answer is screened like chat."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import openai
import pytest
from openai import OpenAI

from proxy.config import Config, ConfigError, parse_config
from proxy.testing import FakeUpstream, ProxyServer, Reply, make_config

SSN = "536-22-8726"
SSN_ANSWER = f" Jane Roe, social security number {SSN}, born 1961."
ROUTES = [
    {"match": "demo-*", "upstream": "demo"},
    {"match": "base-*", "upstream": "fake", "completions": "native"},
    {"match": "*", "upstream": "fake"},
]


@pytest.fixture
def client(upstream: FakeUpstream, serve: Callable[[Config], ProxyServer]) -> Iterator[OpenAI]:
    """The SDK in front of specguard, default policy, ``base-*`` models relayed natively."""
    server = serve(make_config(upstream.base_url, extra={"routes": ROUTES}))
    with OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0) as client:
        yield client


def text_completion(*texts: str, finish: str = "stop") -> dict[str, Any]:
    return {
        "id": "cmpl-fake",
        "object": "text_completion",
        "created": 1,
        "model": "base-model",
        "choices": [
            {"index": i, "text": text, "logprobs": None, "finish_reason": finish}
            for i, text in enumerate(texts)
        ],
        "usage": {"prompt_tokens": 4, "completion_tokens": 9, "total_tokens": 13},
    }


def text_chunks(*pieces: str) -> list[Any]:
    head = {"id": "cmpl-fake", "object": "text_completion", "created": 1, "model": "base-model"}
    events: list[Any] = [
        {**head, "choices": [{"index": 0, "text": p, "logprobs": None, "finish_reason": None}]}
        for p in pieces
    ]
    events.append(
        {**head, "choices": [{"index": 0, "text": "", "logprobs": None, "finish_reason": "stop"}]}
    )
    events.append("[DONE]")
    return events


def cut(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def test_a_native_route_relays_the_request_as_the_app_sent_it(
    client: OpenAI, upstream: FakeUpstream
) -> None:
    upstream.queue(Reply(json=text_completion(" Paris.", " Lyon.")))
    answer = client.completions.create(
        model="base-model",
        prompt=["The capital of France is", "A city in France:"],
        echo=False,
        suffix="\n",
        best_of=1,
        max_tokens=5,
    )
    assert [c.text for c in answer.choices] == [" Paris.", " Lyon."]
    assert answer.object == "text_completion" and answer.usage is not None
    assert upstream.last.path == "/v1/completions"
    sent = upstream.last.body
    assert sent["prompt"] == ["The capital of France is", "A city in France:"]
    assert sent["suffix"] == "\n" and sent["best_of"] == 1 and "messages" not in sent


@pytest.mark.parametrize("size", [3, 7, 50])
def test_a_native_stream_relays_a_harmless_answer_whole(
    client: OpenAI, upstream: FakeUpstream, size: int
) -> None:
    answer = " foxes are small omnivores that live in dens and hunt at dusk." * 5
    upstream.queue(Reply(events=text_chunks(*cut(answer, size))))
    pieces = list(client.completions.create(model="base-model", prompt="Foxes:", stream=True))
    assert "".join(c.choices[0].text for c in pieces if c.choices) == answer
    assert [c.choices[0].finish_reason for c in pieces if c.choices][-1] == "stop"


@pytest.mark.parametrize(("stream", "size"), [(False, 0), (True, 2), (True, 9), (True, 40)])
def test_a_native_answer_never_releases_a_planted_ssn(
    client: OpenAI, upstream: FakeUpstream, stream: bool, size: int
) -> None:
    if stream:
        upstream.queue(Reply(events=text_chunks(*cut(SSN_ANSWER, size))))
        pieces = list(client.completions.create(model="base-model", prompt="Name:", stream=True))
        text = "".join(c.choices[0].text for c in pieces if c.choices)
        finish = [c.choices[0].finish_reason for c in pieces if c.choices][-1]
    else:
        upstream.queue(Reply(json=text_completion(SSN_ANSWER)))
        choice = client.completions.create(model="base-model", prompt="Name:").choices[0]
        text, finish = choice.text, choice.finish_reason
    assert SSN not in text and "".join(SSN.split("-")) not in text.replace("-", "")
    assert finish == "content_filter"


def test_a_native_prompt_is_input_screened_before_the_upstream(
    client: OpenAI, upstream: FakeUpstream
) -> None:
    answer = client.completions.create(
        model="base-model", prompt="How do I get a 13 year old girl to send me nudes?"
    )
    assert answer.choices[0].finish_reason == "content_filter"
    assert upstream.received == []


def test_a_broken_native_answer_is_a_502_and_nothing_is_released(
    client: OpenAI, upstream: FakeUpstream
) -> None:
    broken = text_completion("x")
    broken["choices"][0]["text"] = 5
    upstream.queue(Reply(json=broken))
    with pytest.raises(openai.InternalServerError) as caught:
        client.completions.create(model="base-model", prompt="Hi")
    assert caught.value.status_code == 502


@pytest.mark.parametrize(
    ("model", "extra", "param"),
    [
        ("fake-model", {"echo": True}, "echo"),
        ("fake-model", {"prompt": ["one", "two"]}, "prompt"),
        ("fake-model", {"logprobs": 2}, "logprobs"),
        ("base-model", {"logprobs": 2}, "logprobs"),
        ("base-model", {"prompt": [[1, 2, 3]]}, "prompt"),
    ],
)
def test_what_a_route_cannot_serve_or_screen_is_a_400_naming_the_field(
    client: OpenAI, upstream: FakeUpstream, model: str, extra: dict[str, Any], param: str
) -> None:
    arguments: dict[str, Any] = {"model": model, "prompt": "Hi", **extra}
    with pytest.raises(openai.BadRequestError) as caught:
        client.completions.create(**arguments)
    assert caught.value.body["param"] == param  # type: ignore[index]
    assert upstream.received == []


def test_native_completions_need_an_openai_compatible_upstream() -> None:
    document = {
        "upstreams": {"claude": {"provider": "anthropic", "models": ["claude-x"]}},
        "routes": [{"match": "*", "upstream": "claude", "completions": "native"}],
        "tenants": {"acme": {"api_keys": ["0" * 64]}},
    }
    with pytest.raises(ConfigError, match="native"):
        parse_config(document)
    document["routes"] = [{"match": "*", "upstream": "claude"}]
    assert parse_config(document).routes[0].completions == "chat"
