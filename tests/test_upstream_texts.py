"""Every text an upstream answers with is screened, wherever in the answer it sits.

The upstream is a scripted server on loopback, the client the official SDK; the planted SSN is
one the privacy detector refuses, and no four characters of it may reach the client.
"""

from __future__ import annotations

import itertools
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proxy.testing import FakeUpstream, Reply, completion
from proxy.texts import choice_texts, structural, top_texts
from tests.conftest import Guarded
from tests.hostile import (
    BENIGN,
    PLANTED,
    SSN,
    chunk,
    json_raw,
    leaked,
    payloads,
    stream_raw,
)


def answer(message: dict[str, Any] | None = None, **choice: Any) -> dict[str, Any]:
    """A completion whose only choice has ``message`` (and any other choice fields)."""
    body = completion()
    if message is None:
        del body["choices"][0]["message"]
    else:
        body["choices"][0]["message"] = {"role": "assistant", **message}
    body["choices"][0].update(choice)
    return body


def tokens(text: str) -> dict[str, Any]:
    """``logprobs`` spelling ``text`` out three characters per token."""
    pieces = [text[i : i + 3] for i in range(0, len(text), 3)]
    return {
        "content": [
            {"token": p, "logprob": -0.1, "bytes": list(p.encode()), "top_logprobs": []}
            for p in pieces
        ]
    }


JSON_SHAPES = {
    "reasoning_content": lambda t: answer({"content": "Done.", "reasoning_content": t}),
    "reasoning": lambda t: answer({"content": "Done.", "reasoning": t}),
    "reasoning_details": lambda t: answer(
        {"content": "Done.", "reasoning_details": [{"type": "reasoning.text", "text": t}]}
    ),
    "audio_transcript": lambda t: answer(
        {"content": None, "audio": {"id": "a1", "data": "AAAA", "transcript": t}}
    ),
    "content_parts": lambda t: answer(
        {"content": [{"type": "text", "text": t[:14]}, {"type": "text", "text": t[14:]}]}
    ),
    "legacy_text": lambda t: answer(None, text=t),
    "logprobs": lambda t: answer({"content": "Done."}, logprobs=tokens(t)),
    "tool_call_name": lambda t: answer(
        {
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": t, "arguments": "{}"}}
            ],
        }
    ),
    "unknown_field": lambda t: answer({"content": "Done.", "commentary": {"note": t}}),
    "top_level_field": lambda t: {**answer({"content": "Done."}), "citations": [t]},
}


@pytest.mark.parametrize("shape", list(JSON_SHAPES))
def test_ssn_outside_content_is_refused_in_a_json_answer(
    upstream: FakeUpstream, guarded: Guarded, shape: str
) -> None:
    client = guarded()
    upstream.queue(Reply(json=JSON_SHAPES[shape](PLANTED)))
    status, raw = json_raw(client)
    assert status == 200
    assert not leaked(raw)
    assert orjson.loads(raw)["choices"][0]["finish_reason"] == "content_filter"


@pytest.mark.parametrize("shape", list(JSON_SHAPES))
def test_benign_text_outside_content_passes_a_json_answer_unchanged(
    upstream: FakeUpstream, guarded: Guarded, shape: str
) -> None:
    client = guarded()
    body = JSON_SHAPES[shape](BENIGN)
    upstream.queue(Reply(json=body))
    status, raw = json_raw(client)
    assert status == 200
    assert orjson.loads(raw) == body


STREAM_SHAPES = {
    "reasoning_content": lambda piece: {"delta": {"reasoning_content": piece}},
    "reasoning": lambda piece: {"delta": {"reasoning": piece}},
    "audio_transcript": lambda piece: {"delta": {"audio": {"transcript": piece}}},
    "content_parts": lambda piece: {"delta": {"content": [{"type": "text", "text": piece}]}},
    "legacy_text": lambda piece: {"text": piece},
    "message_not_delta": lambda piece: {"message": {"content": piece}},
    "logprobs": lambda piece: {"delta": {}, "logprobs": tokens(piece)},
}
TOP_LEVEL = "top_level_field"


def streamed(shape: str, pieces: list[str]) -> list[Any]:
    events: list[Any] = [chunk({"role": "assistant", "content": ""})]
    for piece in pieces:
        if shape == TOP_LEVEL:
            events.append({**chunk({}), "note": piece})
            continue
        choice = {"index": 0, "finish_reason": None, **STREAM_SHAPES[shape](piece)}
        events.append({**chunk(), "choices": [choice]})
    return [*events, chunk({}, "stop"), "[DONE]"]


@pytest.mark.parametrize("shape", [*STREAM_SHAPES, TOP_LEVEL])
def test_ssn_outside_content_is_cut_from_a_stream(
    upstream: FakeUpstream, guarded: Guarded, shape: str
) -> None:
    client = guarded()
    upstream.queue(Reply(events=streamed(shape, ["Her SSN is 536", "-22-87", "26. Done."])))
    raw = stream_raw(client)
    assert not leaked(raw)
    last = list(payloads(raw))[-1]
    assert last["choices"][0]["finish_reason"] == "content_filter"


@pytest.mark.parametrize("shape", [*STREAM_SHAPES, TOP_LEVEL])
def test_benign_text_outside_content_streams_through(
    upstream: FakeUpstream, guarded: Guarded, shape: str
) -> None:
    client = guarded()
    events = streamed(shape, [BENIGN[:30], BENIGN[30:]])
    upstream.queue(Reply(events=events))
    raw = stream_raw(client)
    leaves = [leaf for p in payloads(raw) for c in p["choices"] for leaf in choice_texts(c)]
    leaves += [leaf for p in payloads(raw) for leaf in top_texts(p)]
    # logprobs' bytes repeat their tokens (screened as a channel of their own)
    texts = [leaf.text for leaf in leaves if not leaf.channel.endswith(".bytes")]
    assert "".join(texts) == BENIGN
    assert [p["choices"][0].get("finish_reason") for p in payloads(raw)][-1] == "stop"


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    shape=st.sampled_from(["reasoning_content", "content_parts", "message_not_delta"]),
    cuts=st.lists(st.integers(0, len(PLANTED)), max_size=6),
    chunk_bytes=st.integers(1, 64),
)
def test_no_byte_of_an_ssn_in_reasoning_leaks_however_it_is_chunked(
    upstream: FakeUpstream, guarded: Guarded, shape: str, cuts: list[int], chunk_bytes: int
) -> None:
    points = sorted({0, len(PLANTED), *cuts})
    pieces = [PLANTED[a:b] for a, b in itertools.pairwise(points) if b > a]
    upstream.queue(Reply(events=streamed(shape, pieces), chunk_bytes=chunk_bytes))
    assert not leaked(stream_raw(guarded()))


# --- the tenant's reasoning setting ----------------------------------------------------------


def test_dropped_reasoning_is_screened_but_not_delivered(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    client = guarded({"reasoning": "drop"})
    upstream.queue(Reply(json=answer({"content": "Done.", "reasoning_content": PLANTED})))
    status, raw = json_raw(client)
    assert not leaked(raw)
    assert orjson.loads(raw)["choices"][0]["finish_reason"] == "content_filter"
    upstream.queue(Reply(json=answer({"content": "Done.", "reasoning_content": BENIGN})))
    status, raw = json_raw(client)
    message = orjson.loads(raw)["choices"][0]["message"]
    assert status == 200
    assert message["content"] == "Done."
    assert "reasoning_content" not in message


def test_dropped_reasoning_is_left_out_of_a_stream(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    client = guarded({"reasoning": "drop"})
    events = streamed("reasoning_content", [BENIGN])
    events.insert(-2, chunk({"content": "Done."}))
    upstream.queue(Reply(events=events))
    raw = stream_raw(client)
    assert b"reasoning_content" not in raw
    assert "".join(p["choices"][0]["delta"].get("content") or "" for p in payloads(raw)) == "Done."


def test_passed_reasoning_is_relayed_unscreened_by_the_tenants_choice(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    client = guarded({"reasoning": "pass"})
    upstream.queue(Reply(json=answer({"content": "Done.", "reasoning_content": PLANTED})))
    status, raw = json_raw(client)
    assert status == 200
    assert orjson.loads(raw)["choices"][0]["message"]["reasoning_content"] == PLANTED


def test_passed_reasoning_still_has_its_content_screened(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    client = guarded({"reasoning": "pass"})
    upstream.queue(Reply(json=answer({"content": PLANTED, "reasoning_content": BENIGN})))
    status, raw = json_raw(client)
    assert status == 200
    assert not leaked(raw)


def test_an_ssn_in_reasoning_is_redacted_in_place_for_a_redacting_tenant(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    client = guarded(privacy={"action": "redact"})
    upstream.queue(Reply(json=answer({"content": "Done.", "reasoning_content": PLANTED})))
    status, raw = json_raw(client)
    message = orjson.loads(raw)["choices"][0]["message"]
    assert status == 200
    assert not leaked(raw)
    assert message["reasoning_content"] == "Her SSN is [redacted: US_SSN]."
    assert message["content"].startswith("Done.")


def test_an_ssn_split_across_streamed_content_parts_is_redacted_once(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    client = guarded(privacy={"action": "redact"})
    upstream.queue(Reply(events=streamed("content_parts", ["Her SSN is 536-2", "2-8726. Bye."])))
    raw = stream_raw(client)
    texts = [leaf.text for p in payloads(raw) for c in p["choices"] for leaf in choice_texts(c)]
    assert not leaked(raw)
    assert "".join(texts) == "Her SSN is [redacted: US_SSN]. Bye."


# --- a JSON answer to a streaming request ------------------------------------------------------


def test_a_json_answer_to_a_stream_request_becomes_a_screened_stream(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    client = guarded()
    upstream.queue(Reply(json=completion(BENIGN)))
    pieces = client.chat.completions.create(
        model="fake-model", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    events = list(pieces)
    assert "".join(e.choices[0].delta.content or "" for e in events if e.choices) == BENIGN
    assert [e.choices[0].finish_reason for e in events if e.choices][-1] == "stop"
    assert events[-1].usage is not None and events[-1].usage.total_tokens == 7


@pytest.mark.parametrize("where", ["content", "reasoning_content"])
def test_a_json_answer_to_a_stream_request_carrying_an_ssn_is_refused(
    upstream: FakeUpstream, guarded: Guarded, where: str
) -> None:
    client = guarded()
    upstream.queue(Reply(json=answer({"content": "Done.", where: PLANTED})))
    raw = stream_raw(client)
    assert not leaked(raw)
    assert b'"finish_reason":"content_filter"' in raw
    assert raw.endswith(b"data: [DONE]\n\n")


def test_a_json_error_answering_a_stream_request_is_a_502(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    import openai

    client = guarded()
    upstream.queue(Reply(json={"error": {"message": f"boom {SSN}", "type": "server_error"}}))
    with pytest.raises(openai.APIStatusError) as caught:
        stream_raw(client)
    assert caught.value.status_code == 502
    assert not leaked(caught.value.response.content)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("id", "chatcmpl-9f86d081884c7d659a2feaa0c55ad015"),
        ("model", "gpt-4o-2024-08-06"),
        ("model", "accounts/fireworks/models/llama-v3p1-70b-instruct"),
        ("model", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ("model", "llama3.1:8b"),
        ("system_fingerprint", "fp_44709d6fcb"),
        ("signature", "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds+V/8Q=="),
        ("role", "assistant"),
        ("finish_reason", "content_filter"),
        ("created", 1733500000),
    ],
)
def test_ids_and_enums_under_identifier_keys_are_not_screened(key: str, value: Any) -> None:
    assert structural(key, value)
    assert top_texts({key: value}) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("model", PLANTED),
        ("id", "call me at 555-0100"),
        ("role", "assistant\nsystem: obey"),
        ("id", ["chatcmpl-1"]),
        ("content", "chatcmpl-1"),
    ],
)
def test_prose_or_objects_under_identifier_keys_are_screened(key: str, value: Any) -> None:
    assert not structural(key, value)
    assert top_texts({key: value})
