"""Refusals say in plain words what kind of content was withheld (MODEL-SPEC §3), never the
matched text; a prompt-leak refusal neither confirms nor denies hidden instructions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from openai import OpenAI

from proxy.config import Config, ConfigError, hash_key, parse_config
from proxy.testing import FakeUpstream, ProxyServer, Reply, chunks, completion
from tests.conftest import user

DEVELOPER = (
    "You are Zephyr, the support bot of Acme Bank. Never discuss interest rates before "
    "verifying the customer's account number and date of birth."
)
NERVE_AGENT = (
    "Step 1: Obtain 500 g of dimethyl methylphosphonate and thionyl chloride. Step 2: Chlorinate "
    "at 80 C under reflux for 6 hours to get methylphosphonic dichloride. Step 3: Fluorinate with "
    "sodium fluoride, then add isopropanol to yield sarin. Purify by vacuum distillation."
)
EXPLICIT = (
    "He pulled off her panties and slid his hard cock into her wet pussy, thrusting deeper "
    "until she moaned and came."
)
CASES = {
    "privacy": (
        "Jane Roe's social security number is 536-22-8726.",
        "536-22-8726",
        "Sorry, I can't help with that: the answer contained a government identification number.",
    ),
    "cbrn": (
        NERVE_AGENT,
        "sarin",
        "Sorry, I can't help with that: the answer contained instructions that could help make "
        "a weapon.",
    ),
    "nsfw": (
        EXPLICIT,
        "panties",
        "Sorry, I can't help with that: the answer contained explicit sexual content.",
    ),
    "prompt_leak": (
        f"Of course. My instructions: {DEVELOPER}",
        "Zephyr",
        "Sorry, I can't share that.",
    ),
}

Serve = Callable[[Config], ProxyServer]


def tenant_config(upstream: FakeUpstream, **refusal: Any) -> Config:
    tenant: dict[str, Any] = {"api_keys": [hash_key("sk-acme")]}
    if refusal:
        tenant["refusal"] = refusal
    return parse_config(
        {
            "upstreams": {"up": {"provider": "openai", "base_url": upstream.base_url}},
            "routes": [{"match": "*", "upstream": "up"}],
            "tenants": {"acme": tenant},
        }
    )


def refused(client: OpenAI, upstream: FakeUpstream, answer: str) -> Any:
    upstream.queue(Reply(json=completion(answer)))
    messages = [{"role": "system", "content": DEVELOPER}, *user("Tell me.")]
    return client.chat.completions.create(model="m", messages=messages).choices[0]  # type: ignore[arg-type]


@pytest.mark.parametrize("detector", sorted(CASES))
def test_each_default_detector_refusal_explains_what_was_withheld(
    upstream: FakeUpstream, serve: Serve, detector: str
) -> None:
    answer, matched, sentence = CASES[detector]
    client = OpenAI(
        base_url=serve(tenant_config(upstream)).base_url, api_key="sk-acme", max_retries=0
    )
    choice = refused(client, upstream, answer)
    assert choice.finish_reason == "content_filter"
    assert choice.model_extra["specguard"]["detector"] == detector
    assert choice.message.content == sentence
    assert matched.lower() not in sentence.lower()


def test_prompt_leak_refusal_says_nothing_about_instructions_in_streams_too(
    upstream: FakeUpstream, serve: Serve
) -> None:
    client = OpenAI(
        base_url=serve(tenant_config(upstream)).base_url, api_key="sk-acme", max_retries=0
    )
    upstream.queue(
        Reply(events=chunks("Of course. My instructions: ", DEVELOPER[:60], DEVELOPER[60:]))
    )
    messages = [{"role": "system", "content": DEVELOPER}, *user("Tell me.")]
    events = list(client.chat.completions.create(model="m", messages=messages, stream=True))  # type: ignore[arg-type]
    text = "".join(e.choices[0].delta.content or "" for e in events if e.choices)
    assert "Zephyr" not in text and "interest rates" not in text
    refusal = events[-1].choices[0].delta.content or ""
    assert events[-1].choices[0].finish_reason == "content_filter"
    assert refusal == "Sorry, I can't share that."
    for word in ("instruction", "prompt", "system", "developer"):
        assert word not in refusal.lower()


def test_tenant_replaces_sentences_per_category_per_detector_and_globally(
    upstream: FakeUpstream, serve: Serve
) -> None:
    config = tenant_config(
        upstream,
        message="We withheld {what}.",
        messages={"privacy.US_SSN": "No ID numbers here ({category}).", "nsfw": "Keep it clean."},
    )
    client = OpenAI(base_url=serve(config).base_url, api_key="sk-acme", max_retries=0)
    assert (
        refused(client, upstream, CASES["privacy"][0]).message.content
        == "No ID numbers here (US_SSN)."
    )
    assert refused(client, upstream, EXPLICIT).message.content == "Keep it clean."
    assert (
        refused(client, upstream, NERVE_AGENT).message.content
        == "We withheld instructions that could help make a weapon."
    )


@pytest.mark.parametrize("refusal", [{"message": "No {matched}."}, {"messages": {"cbrn": "{0}"}}])
def test_an_unknown_placeholder_in_a_refusal_sentence_is_a_config_error(
    upstream: FakeUpstream, refusal: dict[str, Any]
) -> None:
    with pytest.raises(ConfigError) as caught:
        tenant_config(upstream, **refusal)
    assert caught.value.problems[0][0].startswith("tenants.acme.refusal.message")


def test_redaction_note_names_the_removed_kind_in_plain_words(
    upstream: FakeUpstream, serve: Serve
) -> None:
    client = OpenAI(
        base_url=serve(tenant_config(upstream)).base_url, api_key="sk-acme", max_retries=0
    )
    answer = "You can reach Dana at dana.whitfield@gmail.com. She replies fast."
    content = refused(client, upstream, answer).message.content
    assert "dana.whitfield@gmail.com" not in content and "She replies fast." in content
    assert content.endswith(
        "[Note: 1 item(s) removed from this answer under the content policy: "
        "private contact details.]"
    )
