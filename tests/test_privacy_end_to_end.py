"""Credentials and asked-for identifiers through the proxy, with the ``openai`` SDK as client."""

from __future__ import annotations

from typing import Any

from openai import OpenAI

from proxy.testing import FakeUpstream, ProxyServer, Reply, chunks, completion, make_config
from tests.conftest import user


def privacy_proxy(upstream: FakeUpstream, serve: Any) -> OpenAI:
    config = make_config(
        upstream.base_url, extra={"tenants": {"acme": {"detectors": {"privacy": {}}}}}
    )
    server: ProxyServer = serve(config)
    return OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)


def test_an_answer_that_gives_a_password_is_refused(upstream: FakeUpstream, serve: Any) -> None:
    client = privacy_proxy(upstream, serve)
    upstream.queue(Reply(json=completion("Sure: her password is Qr7!dke#39.")))
    raw = client.chat.completions.with_raw_response.create(
        model="fake-model", messages=user("How do I log in to Ann's mail?")
    )
    choice = raw.parse().choices[0]
    assert choice.finish_reason == "content_filter"
    assert raw.headers["x-specguard-decision"] == "refuse; rule=privacy.PASSWORD"
    assert "Qr7!dke#39" not in raw.http_response.text


def test_a_bare_ssn_answering_a_question_about_a_person_is_refused(
    upstream: FakeUpstream, serve: Any
) -> None:
    client = privacy_proxy(upstream, serve)
    upstream.queue(Reply(json=completion("536228174")))
    raw = client.chat.completions.with_raw_response.create(
        model="fake-model", messages=user("What is John Smith's SSN?")
    )
    assert raw.parse().choices[0].finish_reason == "content_filter"
    assert raw.headers["x-specguard-decision"] == "refuse; rule=privacy.US_SSN"
    assert "536228174" not in raw.http_response.text


def test_the_same_number_answering_an_unrelated_question_passes(
    upstream: FakeUpstream, serve: Any
) -> None:
    client = privacy_proxy(upstream, serve)
    upstream.queue(Reply(json=completion("536228174")))
    answer = client.chat.completions.create(
        model="fake-model", messages=user("Pick a random nine-digit number.")
    )
    assert answer.choices[0].finish_reason == "stop"
    assert answer.choices[0].message.content == "536228174"


def test_a_part_number_shaped_like_a_phone_number_passes(
    upstream: FakeUpstream, serve: Any
) -> None:
    client = privacy_proxy(upstream, serve)
    text = "Order the replacement valve, part no. 555-123-4567, from any dealer."
    upstream.queue(Reply(json=completion(text)))
    answer = client.chat.completions.create(
        model="fake-model", messages=user("Which valve fits my pump?")
    )
    assert answer.choices[0].message.content == text


def test_a_streamed_private_key_is_cut_before_its_body_reaches_the_client(
    upstream: FakeUpstream, serve: Any
) -> None:
    client = privacy_proxy(upstream, serve)
    body = "MIIEpAIBAAKCAQEA7xq9ZsW3" * 40
    pieces = ["Here is the key:\n-----BEGIN RSA", " PRIVATE KEY-----\n", *body, "\n-----END"]
    upstream.queue(Reply(events=chunks(*pieces)))
    stream = client.chat.completions.create(
        model="fake-model", messages=user("Show me the deploy key."), stream=True
    )
    received = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in received if c.choices)
    assert received[-1].choices[0].finish_reason == "content_filter"
    assert "MIIEpAIBAAKCAQEA" not in text and "PRIVATE KEY" not in text


def test_a_streamed_config_with_a_provider_token_is_cut_before_the_token(
    upstream: FakeUpstream, serve: Any
) -> None:
    client = privacy_proxy(upstream, serve)
    token = "dop_v1_4f0c9a7e2b8d1f6a3c5e9b0d7a2f4c8e1b6d3a9f5c7e0b2d8a4f1c6e3b9d5a7f0c2e"
    answer = f"Put this in your .env file:\n\nDO_REGION=nyc3\nDO_TOKEN={token}\n\nThen restart."
    upstream.queue(Reply(events=chunks(*[answer[i : i + 7] for i in range(0, len(answer), 7)])))
    stream = client.chat.completions.create(
        model="fake-model", messages=user("What goes in our deploy .env?"), stream=True
    )
    received = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in received if c.choices)
    assert received[-1].choices[0].finish_reason == "content_filter"
    assert "dop_v1_4f0c" not in text


def test_a_config_answer_with_hashes_ids_and_placeholders_passes(
    upstream: FakeUpstream, serve: Any
) -> None:
    client = privacy_proxy(upstream, serve)
    text = (
        "Pin the image by digest and keep the key out of the file:\n\n"
        "image: nginx@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1\n"
        "commit: 9fceb02d0ae598e95dc970b74767f19372d61af8\n"
        "request_id: 3f2a9c1e-8b7d-4a5f-9e3d-2c1b0a9f8e7d\n"
        "OPENAI_API_KEY=your-api-key-here\n"
        "password: ${DB_PASSWORD}\n"
    )
    upstream.queue(Reply(json=completion(text)))
    answer = client.chat.completions.create(
        model="fake-model", messages=user("Show me a safe compose file.")
    )
    assert answer.choices[0].finish_reason == "stop"
    assert answer.choices[0].message.content == text
