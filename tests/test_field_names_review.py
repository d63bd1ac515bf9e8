"""Adversarial review of stop 26: upstream text that travelled where no detector looked.

- a field **name** (``{"<text>": 1}`` at any depth, in any answer) was never screened: an answer
  whose names are not identifiers is now refused as malformed;
- ``audio.data`` and ``reasoning_details[].data`` were skipped as opaque whatever they held,
  and so was any string under an embedding's ``embedding``: only base64 is skipped now;
- ``x-ratelimit-*`` and retry headers were relayed whatever their value: only counts,
  durations, flags and dates are now;
- an upstream error's fields were screened one by one, so a password after "her password is"
  in ``message`` went out in ``code``: every two fields are screened joined too;
- the Responses API copied a chat answer's token counts whatever their type.

A second review found the first fixes too narrow: names spelling a card number or an SSN
without separators, or 60,000 characters long (quadratic in ``PERSONAL_IN_ID``'s address
branch); an SSN, key or card number is base64-shaped too; header *names* carry text; an
error's value split inside a word or over three fields. Each hole has a test that fails on the
code before its fix, and a benign twin that must pass.
The upstream is a scripted server on loopback, the client the official SDK.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from openai import OpenAI

from proxy.config import Config
from proxy.testing import FakeUpstream, ProxyServer, Reply, completion, make_config
from proxy.texts import encoded, structural
from tests.conftest import Guarded
from tests.hostile import (
    BENIGN,
    PLANTED,
    SSN,
    answer,
    chunk,
    embeddings_raw,
    ends_with_error,
    json_raw,
    leaked,
    moderations_raw,
    scores,
    stream_raw,
    vectors,
)

NAMED: dict[str, Callable[[str], dict[str, Any]]] = {
    "in_the_message": lambda name: answer({"content": "Done.", "x_meta": {name: 1}}),
    "in_the_choice": lambda name: answer({"content": "Done."}, x_meta={name: True}),
    "at_the_top": lambda name: {**answer({"content": "Done."}), "x_meta": {name: None}},
    "in_usage": lambda name: {
        **answer({"content": "Done."}),
        "usage": {"prompt_tokens": 1, "prompt_tokens_details": {"cached_tokens": {name: 1}}},
    },
}


@pytest.mark.parametrize("place", list(NAMED))
def test_text_in_a_field_name_is_refused_as_malformed(
    upstream: FakeUpstream, guarded: Guarded, place: str
) -> None:
    upstream.queue(Reply(json=NAMED[place](PLANTED)))
    status, raw = json_raw(guarded())
    assert status == 502
    assert not leaked(raw)
    assert orjson.loads(raw)["error"]["code"] == "upstream_malformed"


@pytest.mark.parametrize("place", list(NAMED))
def test_identifier_field_names_of_an_answer_pass_unchanged(
    upstream: FakeUpstream, guarded: Guarded, place: str
) -> None:
    body = NAMED[place]("trace-id.v2")
    upstream.queue(Reply(json=body))
    status, raw = json_raw(guarded())
    assert status == 200
    assert orjson.loads(raw) == body


@pytest.mark.parametrize("top", [False, True], ids=["in_the_delta", "at_the_top"])
def test_text_in_a_streamed_field_name_ends_the_stream_with_an_error(
    upstream: FakeUpstream, guarded: Guarded, top: bool
) -> None:
    first = chunk({"role": "assistant", "content": "Done."})
    if top:
        first["x_meta"] = {PLANTED: 1}
    else:
        first["choices"][0]["delta"]["x_meta"] = {PLANTED: 1}
    upstream.queue(Reply(events=[first, chunk({}, "stop"), "[DONE]"]))
    raw = stream_raw(guarded())
    assert not leaked(raw)
    assert ends_with_error(raw)["code"] == "upstream_malformed"


def test_text_in_an_embeddings_field_name_is_refused(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    upstream.queue(Reply(json=vectors(meta={PLANTED: 1})))
    status, raw = embeddings_raw(guarded())
    assert status == 502
    assert not leaked(raw)


def test_text_in_a_moderations_field_name_is_refused(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    upstream.queue(Reply(json=scores(categories={PLANTED: False}, category_scores={})))
    status, raw = moderations_raw(guarded(tenant={"moderation": "upstream"}))
    assert status == 502
    assert not leaked(raw)


def test_prose_where_an_embedding_should_be_is_screened(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    upstream.queue(Reply(json=vectors(PLANTED)))
    status, raw = embeddings_raw(guarded(), encoding="base64")
    assert status == 400
    assert not leaked(raw)


def test_a_base64_embedding_is_still_relayed_unread(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    packed = base64.b64encode(struct.pack("<3f", 0.25, -0.5, 1.0)).decode()
    upstream.queue(Reply(json=vectors(packed)))
    status, raw = embeddings_raw(guarded(), encoding="base64")
    assert status == 200
    assert orjson.loads(raw)["data"][0]["embedding"] == packed


OPAQUE: dict[str, Callable[[str], dict[str, Any]]] = {
    "audio_data": lambda data: answer(
        {"content": None, "audio": {"id": "a1", "data": data, "expires_at": 1, "transcript": "Hi"}}
    ),
    "encrypted_reasoning": lambda data: answer(
        {"content": "Done.", "reasoning_details": [{"type": "reasoning.encrypted", "data": data}]}
    ),
}


@pytest.mark.parametrize("place", list(OPAQUE))
def test_prose_in_an_opaque_channel_is_screened(
    upstream: FakeUpstream, guarded: Guarded, place: str
) -> None:
    upstream.queue(Reply(json=OPAQUE[place](PLANTED)))
    status, raw = json_raw(guarded())
    assert status == 200
    assert not leaked(raw)
    assert orjson.loads(raw)["choices"][0]["finish_reason"] == "content_filter"


@pytest.mark.parametrize("place", list(OPAQUE))
def test_base64_in_an_opaque_channel_is_relayed_unread(
    upstream: FakeUpstream, guarded: Guarded, place: str
) -> None:
    # Base64 of a sentence holding the SSN: an encoded payload is not read as text.
    body = OPAQUE[place](base64.b64encode(PLANTED.encode() * 3).decode())
    upstream.queue(Reply(json=body))
    status, raw = json_raw(guarded())
    assert status == 200
    assert orjson.loads(raw) == body


def test_a_rate_limit_header_holding_text_is_dropped(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    headers = {
        "x-ratelimit-note": PLANTED,
        "x-ratelimit-remaining-requests": "41",
        "x-ratelimit-reset-tokens": "2m59.56s",
        "retry-after": "Wed, 21 Oct 2026 07:28:00 GMT",
    }
    upstream.queue(Reply(json=completion("Fine."), headers=headers))
    response = guarded().chat.completions.with_raw_response.create(
        model="fake-model", messages=[{"role": "user", "content": "hi"}]
    )
    assert "x-ratelimit-note" not in response.headers
    assert response.headers["x-ratelimit-remaining-requests"] == "41"
    assert response.headers["x-ratelimit-reset-tokens"] == "2m59.56s"
    assert response.headers["retry-after"] == "Wed, 21 Oct 2026 07:28:00 GMT"


def test_a_password_split_between_an_errors_message_and_code_is_withheld(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    error = {"message": "Sure: her password is", "type": "x", "code": "Qr7!dke#39"}
    upstream.queue(Reply(status=500, json={"error": error}))
    status, raw = json_raw(guarded())
    assert status == 500
    assert b"Qr7!dke#39" not in raw
    assert orjson.loads(raw)["error"]["message"] == "upstream returned HTTP 500"


def test_an_errors_benign_message_and_code_are_relayed_together(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    error = {"message": "You exceeded your current quota.", "type": "x", "code": "quota_exceeded"}
    upstream.queue(Reply(status=429, json={"error": error}))
    status, raw = json_raw(guarded())
    assert status == 429
    relayed = orjson.loads(raw)["error"]
    assert (relayed["message"], relayed["code"]) == (error["message"], error["code"])


def test_responses_usage_carries_only_integer_counts(
    upstream: FakeUpstream, serve: Callable[[Config], ProxyServer]
) -> None:
    body = completion(BENIGN)
    body["usage"] = {
        "prompt_tokens": 5,
        "completion_tokens": "many",
        "total_tokens": 9,
        "prompt_tokens_details": {"cached_tokens": "several"},
    }
    upstream.queue(Reply(json=body))
    server = serve(make_config(upstream.base_url))
    with OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0) as client:
        raw = client.responses.with_raw_response.create(model="fake-model", input="Foxes?")
    usage = orjson.loads(raw.content)["usage"]
    assert raw.parse().output_text == BENIGN
    assert usage["input_tokens"] == 5 and usage["total_tokens"] == 9
    assert usage["output_tokens"] == 0
    assert usage["input_tokens_details"]["cached_tokens"] == 0


# --- second review of the same change ------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["4111111111111111", "ssn:536228726", "n" * 200, "x" * 60_000],
    ids=["card_number", "bare_ssn", "long", "very_long"],
)
def test_a_name_spelling_a_number_or_too_long_is_refused(
    upstream: FakeUpstream, guarded: Guarded, name: str
) -> None:
    upstream.queue(Reply(json=answer({"content": "Done.", "x_meta": {name: 1}})))
    status, raw = json_raw(guarded())
    assert status == 502
    assert name[:12].encode() not in raw


def test_token_ids_as_names_pass(upstream: FakeUpstream, guarded: Guarded) -> None:
    # vLLM's prompt_logprobs: one object per prompt token, keyed by token ids.
    body = answer({"content": "Done."})
    body["prompt_logprobs"] = [None, {"128000": {"logprob": -0.1, "rank": 1}}]
    upstream.queue(Reply(json=body))
    status, raw = json_raw(guarded())
    assert status == 200
    assert orjson.loads(raw) == body


@pytest.mark.parametrize(
    "value",
    [
        "536-22-8726",
        "4111111111111111",
        "sk-proj-3aF9kQ2mX7vB1nR8tY4wZ6cE0pL5hJ",
        "AAAA+14155550123AAAA",
        "AKIAQ7XJ2M4N5P6R8S9T",
    ],
)
def test_what_only_a_secret_needs_is_not_taken_for_base64(value: str) -> None:
    assert not encoded(value)


def test_base64_of_any_bytes_is_taken_for_base64() -> None:
    data = bytes(range(256)) * 64
    assert encoded(base64.b64encode(data).decode())
    assert encoded(base64.urlsafe_b64encode(data).decode())


def test_an_ssn_alone_in_an_opaque_channel_is_screened(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    upstream.queue(Reply(json=OPAQUE["audio_data"](SSN)))
    _, raw = json_raw(guarded())
    assert not leaked(raw)


def test_a_rate_limit_header_whose_name_holds_digits_is_dropped(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    headers = {"x-ratelimit-her-ssn-536-22-8726": "1", "x-ratelimit-over-limit": "yes"}
    upstream.queue(Reply(json=completion("Fine."), headers=headers))
    response = guarded().chat.completions.with_raw_response.create(
        model="fake-model", messages=[{"role": "user", "content": "hi"}]
    )
    assert not any("536" in name for name in response.headers)
    assert response.headers["x-ratelimit-over-limit"] == "yes"


@pytest.mark.parametrize(
    "error",
    [
        {"message": "Her SSN is 536-22-", "type": "x", "code": "8726"},
        {"message": "Her SSN is", "type": "536-22", "param": "-8726"},
    ],
    ids=["inside_a_number", "over_three_fields"],
)
def test_an_ssn_split_inside_a_word_or_over_three_error_fields_is_withheld(
    upstream: FakeUpstream, guarded: Guarded, error: dict[str, str]
) -> None:
    upstream.queue(Reply(status=400, json={"error": error}))
    status, raw = json_raw(guarded())
    assert status == 400
    assert b"8726" not in raw


def test_a_long_signature_is_skipped_and_a_long_id_spelling_a_card_is_not() -> None:
    signature = base64.b64encode(bytes(range(256)) * 6).decode()
    assert len(signature) > 1000 and structural("signature", signature)
    assert not structural("id", "a" * 300 + "4111111111111111")
