"""Every endpoint an app sends through ``base_url``: embeddings, moderations, model lookup, the
headers clients act on, unknown paths and CORS, driven with the official SDK."""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from proxy.config import Config
from proxy.testing import FakeUpstream, ProxyServer, Reply, chunks, completion, make_config

Serve = Callable[[Config], ProxyServer]
SSN = "536-22-8726"
EXPLICIT = (
    "He pulled off her panties and slid his hard cock into her wet pussy, thrusting deeper "
    "until she moaned and came."
)


def client_for(serve: Serve, upstream: FakeUpstream, **tenant: Any) -> OpenAI:
    config = make_config(upstream.base_url, extra={"tenants": {"acme": tenant}})
    return OpenAI(base_url=serve(config).base_url, api_key="sk-acme", max_retries=0)


def embedding_answer(vector: list[float]) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": vector}],
        "model": "fake-model",
        "usage": {"prompt_tokens": 3, "total_tokens": 3},
    }


def test_embeddings_are_relayed_as_floats(serve: Serve, upstream: FakeUpstream) -> None:
    client = client_for(serve, upstream)
    upstream.queue(Reply(json=embedding_answer([0.25, -0.5, 1.0])))
    result = client.embeddings.create(model="fake-model", input="foxes", encoding_format="float")
    assert result.data[0].embedding == [0.25, -0.5, 1.0]
    assert upstream.last.path == "/v1/embeddings"
    assert upstream.last.body["input"] == "foxes"


def test_embeddings_are_relayed_as_base64(serve: Serve, upstream: FakeUpstream) -> None:
    client = client_for(serve, upstream)
    packed = base64.b64encode(struct.pack("<3f", 0.25, -0.5, 1.0)).decode()
    answer = embedding_answer([])
    answer["data"][0]["embedding"] = packed
    upstream.queue(Reply(json=answer))
    result = client.embeddings.create(model="fake-model", input=["foxes"])  # SDK asks base64
    assert result.data[0].embedding == [0.25, -0.5, 1.0]
    assert upstream.last.body["encoding_format"] == "base64"


def test_input_screening_keeps_personal_data_from_the_embedding_provider(
    serve: Serve, upstream: FakeUpstream
) -> None:
    client = client_for(serve, upstream, input_screening=["privacy"])
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="fake-model", input=["ok", f"Jane's SSN is {SSN}"])
    assert caught.value.body["param"] == "input"  # type: ignore[index]
    assert SSN not in str(caught.value.body)
    assert upstream.received == []


def test_local_moderation_flags_what_the_detectors_refuse(
    serve: Serve, upstream: FakeUpstream
) -> None:
    client = client_for(serve, upstream, moderation="local")
    result = client.moderations.create(
        model="omni-moderation-latest", input=[EXPLICIT, "How do vaccines train the immune system?"]
    )
    explicit, benign = result.results
    assert explicit.flagged and explicit.categories.sexual
    assert not explicit.categories.sexual_minors and not explicit.categories.violence
    assert explicit.category_scores.sexual >= 0.5
    assert not benign.flagged and benign.category_scores.sexual < 0.5
    assert upstream.received == [], "answered locally"


def test_moderation_is_relayed_to_the_upstream_by_default(
    serve: Serve, upstream: FakeUpstream
) -> None:
    client = client_for(serve, upstream)
    upstream.queue(Reply(json={"id": "modr-1", "model": "m", "results": []}))
    result = client.moderations.create(model="fake-model", input="hello")
    assert result.id == "modr-1" and upstream.last.path == "/v1/moderations"


def test_a_model_is_retrieved_by_id_and_an_unknown_one_is_404(
    serve: Serve, upstream: FakeUpstream
) -> None:
    client = client_for(serve, upstream)
    assert client.models.retrieve("fake-model").id == "fake-model"
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("no-such-model")
    assert caught.value.body["code"] == "model_not_found"  # type: ignore[index]


def test_rate_limit_headers_reach_the_client(serve: Serve, upstream: FakeUpstream) -> None:
    client = client_for(serve, upstream)
    error = {"error": {"message": "Rate limit reached.", "type": "requests", "code": "rate"}}
    headers = {"retry-after": "7", "x-ratelimit-remaining-requests": "0", "x-other": "no"}
    upstream.queue(Reply(status=429, json=error, headers=headers))
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(
            model="fake-model", messages=[{"role": "user", "content": "x"}]
        )
    relayed = caught.value.response.headers
    assert relayed["retry-after"] == "7" and relayed["x-ratelimit-remaining-requests"] == "0"
    assert "x-other" not in relayed


LIMITS = {
    "x-ratelimit-remaining-requests": "41",
    "x-ratelimit-reset-tokens": "6ms",
    "x-other": "no",
}


def test_rate_limit_headers_of_a_successful_answer_reach_the_client(
    serve: Serve, upstream: FakeUpstream
) -> None:
    client = client_for(serve, upstream)
    messages: Any = [{"role": "user", "content": "x"}]
    upstream.queue(Reply(json=completion("Fine."), headers=LIMITS))
    whole = client.chat.completions.with_raw_response.create(model="fake-model", messages=messages)
    upstream.queue(Reply(events=chunks("Fi", "ne."), headers=LIMITS))
    streamed = client.chat.completions.with_raw_response.create(
        model="fake-model", messages=messages, stream=True
    )
    upstream.queue(Reply(json=embedding_answer([0.5]), headers=LIMITS))
    embedded = client.embeddings.with_raw_response.create(
        model="fake-model", input="foxes", encoding_format="float"
    )
    for answer in (whole, streamed, embedded):
        assert answer.headers["x-ratelimit-remaining-requests"] == "41"
        assert answer.headers["x-ratelimit-reset-tokens"] == "6ms"
        assert "x-other" not in answer.headers
    assert whole.parse().choices[0].message.content == "Fine."
    assert "".join(c.choices[0].delta.content or "" for c in streamed.parse() if c.choices) == (
        "Fine."
    )


@pytest.mark.parametrize("status", [401, 403])
def test_upstream_rejecting_specguards_key_is_a_502_not_the_clients_fault(
    serve: Serve, upstream: FakeUpstream, status: int
) -> None:
    client = client_for(serve, upstream)
    error = {"error": {"message": "Incorrect API key provided: sk-up***", "type": "invalid"}}
    upstream.queue(Reply(status=status, json=error))
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(
            model="fake-model", messages=[{"role": "user", "content": "x"}]
        )
    assert caught.value.status_code == 502
    assert "specguard's credentials" in caught.value.message
    assert "sk-up" not in caught.value.message


def test_an_unknown_endpoint_names_the_method_and_path(
    serve: Serve, upstream: FakeUpstream
) -> None:
    server = serve(make_config(upstream.base_url))
    response = httpx.post(f"{server.base_url}/files", headers={"Authorization": "Bearer sk-acme"})
    assert response.status_code == 404
    assert "POST /v1/files" in response.json()["error"]["message"]


def test_cors_is_off_by_default_and_on_for_configured_origins(
    serve: Serve, upstream: FakeUpstream
) -> None:
    preflight = {
        "Origin": "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    closed = serve(make_config(upstream.base_url))
    answer = httpx.options(f"{closed.base_url}/chat/completions", headers=preflight)
    assert "access-control-allow-origin" not in answer.headers
    opened = serve(
        make_config(upstream.base_url, extra={"server": {"cors": ["https://app.example"]}})
    )
    answer = httpx.options(f"{opened.base_url}/chat/completions", headers=preflight)
    assert answer.headers["access-control-allow-origin"] == "https://app.example"
    upstream.queue(Reply(json=completion("hi")))
    posted = httpx.post(
        f"{opened.base_url}/chat/completions",
        headers={"Authorization": "Bearer sk-acme", "Origin": "https://app.example"},
        json={"model": "fake-model", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert posted.headers["access-control-allow-origin"] == "https://app.example"


def test_a_listed_path_is_relayed_unscreened_and_others_stay_404(
    serve: Serve, upstream: FakeUpstream
) -> None:
    config = make_config(
        upstream.base_url,
        tenants={"acme": "sk-acme", "other": "sk-other"},
        extra={"tenants": {"acme": {"passthrough": [{"path": "/v1/files*", "upstream": "fake"}]}}},
    )
    server = serve(config)
    upstream.queue(Reply(json={"object": "list", "data": [{"id": "file-1"}]}))
    listed = httpx.get(
        f"{server.base_url}/files?limit=2", headers={"Authorization": "Bearer sk-acme"}
    )
    assert listed.status_code == 200 and listed.json()["data"] == [{"id": "file-1"}]
    assert listed.headers["x-specguard-screened"] == "no"
    assert upstream.last.path == "/v1/files"
    other = httpx.get(f"{server.base_url}/files", headers={"Authorization": "Bearer sk-other"})
    assert other.status_code == 404, "only the tenant that lists the path may use it"
    batches = httpx.get(f"{server.base_url}/batches", headers={"Authorization": "Bearer sk-acme"})
    assert batches.status_code == 404 and "GET /v1/batches" in batches.json()["error"]["message"]
    wrong = httpx.get(
        f"{server.base_url}/chat/completions", headers={"Authorization": "Bearer sk-acme"}
    )
    assert wrong.status_code == 405
    assert len(upstream.received) == 1
