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
