"""Adversarial review of every answer surface: no upstream text reaches the client unscreened.

Each hole found in the review has a test here: text under an identifier key that holds an object
or list (``"specguard": {...}``, ``"id": [...]``), a refusal or synthesized chunk copying such a
field, a repeated JSON key whose dropped value the parser never showed the detectors, and
embeddings or moderations answers relayed unread. The upstream is a scripted server on loopback,
the client the official SDK; the planted SSN is one the privacy detector refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import openai
import orjson
import pytest
from openai import OpenAI

from proxy.testing import FakeUpstream, Reply, completion, make_config
from tests.conftest import Guarded
from tests.hostile import (
    BENIGN,
    PLANTED,
    answer,
    chunk,
    embeddings_raw,
    json_raw,
    leaked,
    moderations_raw,
    payloads,
    scores,
    stream_raw,
    vectors,
)

# Objects, lists and prose under keys that normally hold identifiers or enums.
UNDER_ID_KEYS: dict[str, Callable[[str], dict[str, Any]]] = {
    "top_model_prose": lambda t: {**answer({"content": "Done."}), "model": t},
    "top_id_prose": lambda t: {**answer({"content": "Done."}), "id": t},
    "message_role_prose": lambda t: answer({"content": "Done.", "role": t}),
    "tool_call_id_prose": lambda t: answer(
        {
            "tool_calls": [
                {"id": t, "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ]
        }
    ),
    "message_specguard": lambda t: answer({"content": "Done.", "specguard": {"note": t}}),
    "message_format_list": lambda t: answer({"content": "Done.", "format": [t]}),
    "choice_specguard": lambda t: answer({"content": "Done."}, specguard={"note": t}),
    "top_specguard": lambda t: {**answer({"content": "Done."}), "specguard": {"note": t}},
    "top_object_object": lambda t: {**answer({"content": "Done."}), "object": {"text": t}},
}


def responses_raw(client: OpenAI, stream: bool = False) -> bytes:
    """Every byte of a Responses API answer (errors included)."""
    if stream:
        with client.responses.with_streaming_response.create(
            model="fake-model", input="hi", stream=True
        ) as response:
            return b"".join(response.iter_bytes())
    try:
        return client.responses.with_raw_response.create(model="fake-model", input="hi").content
    except openai.APIStatusError as exc:
        return exc.response.content


@pytest.mark.parametrize("shape", list(UNDER_ID_KEYS))
def test_ssn_in_an_object_under_an_id_key_is_refused_in_chat_json(
    upstream: FakeUpstream, guarded: Guarded, shape: str
) -> None:
    upstream.queue(Reply(json=UNDER_ID_KEYS[shape](PLANTED)))
    status, raw = json_raw(guarded())
    assert status == 200
    assert not leaked(raw)
    assert orjson.loads(raw)["choices"][0]["finish_reason"] == "content_filter"


@pytest.mark.parametrize("shape", list(UNDER_ID_KEYS))
def test_benign_object_under_an_id_key_passes_chat_json(
    upstream: FakeUpstream, guarded: Guarded, shape: str
) -> None:
    body = UNDER_ID_KEYS[shape](BENIGN)
    upstream.queue(Reply(json=body))
    status, raw = json_raw(guarded())
    assert status == 200
    assert orjson.loads(raw) == body


def test_upstream_specguard_object_with_an_ssn_is_not_copied_into_a_response(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    upstream.queue(Reply(json=UNDER_ID_KEYS["choice_specguard"](PLANTED)))
    raw = responses_raw(guarded())
    assert not leaked(raw)
    assert orjson.loads(raw)["incomplete_details"] == {"reason": "content_filter"}


STREAMED: dict[str, Callable[[str], dict[str, Any]]] = {
    "top_model_prose": lambda t: {**chunk({"content": "ok"}), "model": t},
    "top_fingerprint_prose": lambda t: {**chunk({"content": "ok"}), "system_fingerprint": t},
    "delta_role_prose": lambda t: chunk({"role": t, "content": "ok"}),
    "delta_specguard": lambda t: chunk({"content": "ok", "specguard": {"note": t}}),
    "choice_specguard": lambda t: chunk({"content": "ok"}, specguard={"note": t}),
    "top_specguard": lambda t: {**chunk({"content": "ok"}), "specguard": {"note": t}},
    "choice_id_list": lambda t: chunk({"content": "ok"}, id=[t]),
    "top_id_list": lambda t: {**chunk({"content": "ok"}), "id": [t]},
}


def stream_of(event: dict[str, Any]) -> Reply:
    return Reply(
        events=[chunk({"role": "assistant", "content": ""}), event, chunk({}, "stop"), "[DONE]"]
    )


@pytest.mark.parametrize("shape", list(STREAMED))
def test_ssn_in_an_object_under_an_id_key_is_cut_from_a_chat_stream(
    upstream: FakeUpstream, guarded: Guarded, shape: str
) -> None:
    upstream.queue(stream_of(STREAMED[shape](PLANTED)))
    raw = stream_raw(guarded(), stream_options={"include_usage": True})
    assert not leaked(raw)
    finishes = [c.get("finish_reason") for p in payloads(raw) for c in p["choices"]]
    assert "content_filter" in finishes


@pytest.mark.parametrize("shape", list(STREAMED))
def test_benign_object_under_an_id_key_streams_through(
    upstream: FakeUpstream, guarded: Guarded, shape: str
) -> None:
    upstream.queue(stream_of(STREAMED[shape](BENIGN)))
    raw = stream_raw(guarded())
    assert BENIGN.encode() in raw
    assert [c.get("finish_reason") for p in payloads(raw) for c in p["choices"]][-1] == "stop"


@pytest.mark.parametrize("shape", list(STREAMED))
def test_ssn_in_an_object_under_an_id_key_never_reaches_a_responses_stream(
    upstream: FakeUpstream, guarded: Guarded, shape: str
) -> None:
    upstream.queue(stream_of(STREAMED[shape](PLANTED)))
    assert not leaked(responses_raw(guarded(), stream=True))


def test_refusal_keeps_only_the_numbers_of_usage(upstream: FakeUpstream, guarded: Guarded) -> None:
    usage = {"prompt_tokens": 5, "completion_tokens": 2, "note": "SSN 536-22-8726"}
    upstream.queue(Reply(json={**answer({"content": PLANTED}), "usage": usage}))
    status, raw = json_raw(guarded())
    assert status == 200
    assert not leaked(raw)
    refused = orjson.loads(raw)
    assert refused["choices"][0]["finish_reason"] == "content_filter"
    assert refused["usage"] == {"prompt_tokens": 5, "completion_tokens": 2}


def test_cut_stream_does_not_copy_a_list_id_into_its_refusal_or_usage_chunk(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    first = {**chunk({"role": "assistant", "content": ""}), "id": [PLANTED]}
    upstream.queue(Reply(events=[first, chunk({"content": "ok"}), chunk({}, "stop"), "[DONE]"]))
    raw = stream_raw(guarded(), stream_options={"include_usage": True})
    assert not leaked(raw)
    assert any(p.get("usage") for p in payloads(raw))


# --- a repeated key: the parser keeps the last value, the bytes carry both -------------------


def repeated(raw: bytes, key: str, hidden: str, shown: str) -> bytes:
    return raw.replace(
        f'"{key}":"{shown}"'.encode(), f'"{key}":"{hidden}","{key}":"{shown}"'.encode()
    )


def test_text_hidden_under_a_repeated_key_is_not_relayed_in_chat_json(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    body = orjson.dumps(answer({"content": "Done."}))
    upstream.queue(Reply(raw=repeated(body, "content", PLANTED, "Done.")))
    status, raw = json_raw(guarded())
    assert status == 200
    assert not leaked(raw)
    assert orjson.loads(raw)["choices"][0]["message"]["content"] == "Done."


def test_text_hidden_under_a_repeated_key_is_not_relayed_in_a_chat_stream(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    event = repeated(orjson.dumps(chunk({"content": "ok"})), "content", PLANTED, "ok")
    upstream.queue(
        Reply(
            events=[
                chunk({"role": "assistant", "content": ""}),
                b"data: " + event + b"\n\n",
                chunk({}, "stop"),
                "[DONE]",
            ]
        )
    )
    raw = stream_raw(guarded())
    assert not leaked(raw)
    assert (
        "".join(c["delta"].get("content") or "" for p in payloads(raw) for c in p["choices"])
        == "ok"
    )


# --- embeddings and moderations -----------------------------------------------------------


@pytest.mark.parametrize(
    ("read", "reply", "status"),
    [
        (embeddings_raw, Reply(raw=PLANTED.encode()), 502),
        (embeddings_raw, Reply(json=[PLANTED]), 502),
        (embeddings_raw, Reply(json=vectors(text=PLANTED)), 400),
        (moderations_raw, Reply(raw=PLANTED.encode()), 502),
        (moderations_raw, Reply(json=scores(reason=PLANTED)), 400),
    ],
    ids=["emb_not_json", "emb_list", "emb_text", "mod_not_json", "mod_text"],
)
def test_embeddings_and_moderations_answers_are_never_relayed_unread(
    upstream: FakeUpstream,
    guarded: Guarded,
    read: Callable[[OpenAI], tuple[int, bytes]],
    reply: Reply,
    status: int,
) -> None:
    upstream.queue(reply)
    got, raw = read(guarded())
    assert got == status
    assert not leaked(raw)
    assert "error" in orjson.loads(raw)


@pytest.mark.parametrize(
    ("read", "body"),
    [
        (embeddings_raw, vectors(text=BENIGN)),
        (embeddings_raw, vectors("AAAAzczMPQ==")),
        (moderations_raw, scores(reason=BENIGN)),
    ],
    ids=["emb_text", "emb_base64", "mod_text"],
)
def test_benign_embeddings_and_moderations_answers_are_relayed(
    upstream: FakeUpstream,
    guarded: Guarded,
    read: Callable[[OpenAI], tuple[int, bytes]],
    body: dict[str, Any],
) -> None:
    upstream.queue(Reply(json=body))
    status, raw = read(guarded())
    assert status == 200
    assert orjson.loads(raw) == body


# --- calls the tool guard withholds are upstream text too --------------------------------


def held_call_answer(**arguments: Any) -> dict[str, Any]:
    call = {
        "id": "call_pay",
        "type": "function",
        "function": {"name": "pay", "arguments": orjson.dumps(arguments).decode()},
    }
    return answer({"content": None, "tool_calls": [call]}, finish_reason="tool_calls")


HOLD_PAY = {"rules": {"tool_guard": {"confirm": ["pay"]}}}
TOOLS = [{"type": "function", "function": {"name": "pay", "parameters": {}}}]


def held_raw(client: OpenAI, stream: bool) -> bytes:
    messages = [{"role": "user", "content": "Pay the May invoice."}]
    if stream:
        with client.chat.completions.with_streaming_response.create(
            model="fake-model",
            messages=messages,
            tools=TOOLS,
            stream=True,  # type: ignore[arg-type]
        ) as response:
            return b"".join(response.iter_bytes())
    return client.chat.completions.with_raw_response.create(
        model="fake-model",
        messages=messages,
        tools=TOOLS,  # type: ignore[arg-type]
    ).content


def as_stream(body: dict[str, Any]) -> Reply:
    message = body["choices"][0]["message"]
    calls = [{"index": 0, **c} for c in message["tool_calls"]]
    return Reply(
        events=[
            chunk({"role": "assistant", "content": None}),
            chunk({"tool_calls": calls}),
            chunk({}, "tool_calls"),
            "[DONE]",
        ]
    )


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_held_tool_call_carrying_an_ssn_is_not_released_in_its_detail(
    upstream: FakeUpstream, guarded: Guarded, stream: bool
) -> None:
    body = held_call_answer(amount=12, memo=PLANTED)
    upstream.queue(as_stream(body) if stream else Reply(json=body))
    raw = held_raw(guarded(HOLD_PAY), stream)
    assert not leaked(raw)
    assert b"US_SSN" in raw


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_benign_held_tool_call_is_still_offered_for_confirmation(
    upstream: FakeUpstream, guarded: Guarded, stream: bool
) -> None:
    body = held_call_answer(amount=12, memo="May invoice")
    upstream.queue(as_stream(body) if stream else Reply(json=body))
    raw = held_raw(guarded(HOLD_PAY), stream)
    details = [
        c["specguard"]
        for p in ([orjson.loads(raw)] if not stream else payloads(raw))
        for c in p["choices"]
        if "specguard" in c
    ]
    assert details[-1]["action"] == "hold"
    held = details[-1]["held_tool_calls"][0]["function"]
    assert orjson.loads(held["arguments"]) == {"amount": 12, "memo": "May invoice"}


# --- logprobs bytes may spell what their token does not --------------------------------------


def spelled(text: str, token: str = "x") -> dict[str, Any]:
    """``logprobs`` whose one token reads ``token`` but whose bytes spell ``text``."""
    data = list(text.encode())
    top = [{"token": token, "bytes": data, "logprob": -0.1}]
    return {"content": [{"token": token, "logprob": -0.1, "bytes": data, "top_logprobs": top}]}


def test_an_ssn_spelled_in_logprobs_bytes_is_refused(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    upstream.queue(Reply(json=answer({"content": "ok"}, logprobs=spelled(PLANTED))))
    status, raw = json_raw(guarded(), logprobs=True)
    assert status == 200
    assert orjson.loads(raw)["choices"][0]["finish_reason"] == "content_filter"
    assert b"53,51,54" not in raw  # "536" as bytes


def test_an_ssn_spelled_in_streamed_logprobs_bytes_is_cut(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    event = chunk({"content": "ok"}, logprobs=spelled(PLANTED))
    upstream.queue(stream_of(event))
    raw = stream_raw(guarded(), logprobs=True)
    assert b"53,51,54" not in raw  # "536" as bytes
    finishes = [c.get("finish_reason") for p in payloads(raw) for c in p["choices"]]
    assert "content_filter" in finishes


def test_logprobs_bytes_of_their_own_multibyte_tokens_pass(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    text = "Café au lait — naïve."
    logprobs = {
        "content": [
            {"token": ch, "logprob": -0.1, "bytes": list(ch.encode()), "top_logprobs": []}
            for ch in text
        ]
    }
    body = answer({"content": text}, logprobs=logprobs)
    upstream.queue(Reply(json=body))
    status, raw = json_raw(guarded(), logprobs=True)
    assert status == 200
    assert orjson.loads(raw) == body


# --- a broad pass-through glob never reaches a screened endpoint by another spelling ---------


@pytest.mark.parametrize(
    "path",
    [
        "/v1/chat/completions/",
        "/v1//chat/completions",
        "/v1/chat//completions",
        "/v1/Chat/Completions",
        "/v1/responses/",
        "/v1/completions//",
    ],
)
def test_a_screened_endpoint_spelled_otherwise_is_not_passed_through(
    upstream: FakeUpstream, serve: Any, path: str
) -> None:
    passthrough = [{"path": "/v1/*", "upstream": "fake"}]
    tenant = {"detectors": {"privacy": {}}, "passthrough": passthrough}
    server = serve(make_config(upstream.base_url, extra={"tenants": {"acme": tenant}}))
    upstream.queue(Reply(json=answer({"content": PLANTED})))
    origin = server.base_url.removesuffix("/").removesuffix("/v1")
    response = httpx.post(
        origin + path,
        headers={"authorization": "Bearer sk-acme"},
        json={"model": "fake-model", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert response.status_code == 404
    assert not leaked(response.content)
    assert upstream.received == []


def test_a_broad_pass_through_glob_still_relays_other_paths(
    upstream: FakeUpstream, serve: Any
) -> None:
    passthrough = [{"path": "/v1/*", "upstream": "fake"}]
    tenants = {"acme": {"passthrough": passthrough}}
    server = serve(make_config(upstream.base_url, extra={"tenants": tenants}))
    upstream.queue(Reply(json={"object": "list", "data": []}))
    origin = server.base_url.removesuffix("/").removesuffix("/v1")
    response = httpx.get(origin + "/v1/files", headers={"authorization": "Bearer sk-acme"})
    assert response.status_code == 200
    assert response.headers["x-specguard-screened"] == "no"
    assert upstream.last.path == "/v1/files"


# --- a choice that is no object is refused even where no adapter checked it ------------------


def test_a_choice_that_is_a_bare_string_is_never_relayed_by_the_screening_stage() -> None:
    import asyncio

    from proxy.context import RequestContext
    from proxy.errors import UpstreamMalformed
    from proxy.testing import make_tenant

    owner = make_tenant({"detectors": {"privacy": {}}})
    raw = orjson.dumps({**completion(), "choices": [PLANTED]})
    with pytest.raises(UpstreamMalformed):
        asyncio.run(owner.pipeline.finish(raw, RequestContext("req", owner)))
    fine = orjson.dumps(completion(BENIGN))
    out = asyncio.run(owner.pipeline.finish(fine, RequestContext("req", owner)))
    assert orjson.loads(out) == orjson.loads(fine)


# --- an upstream's error message is its own words too ---------------------------------------


def upstream_error(message: str, **fields: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", **fields}}


@pytest.mark.parametrize("status", [400, 429, 500])
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_an_upstream_error_quoting_an_ssn_is_relayed_without_it(
    upstream: FakeUpstream, guarded: Guarded, status: int, stream: bool
) -> None:
    upstream.queue(Reply(status=status, json=upstream_error(PLANTED), headers={"retry-after": "1"}))
    got, raw = json_raw(guarded(), stream=True) if stream else json_raw(guarded())
    assert got == status
    assert not leaked(raw)
    assert orjson.loads(raw)["error"]["message"] == f"upstream returned HTTP {status}"


def test_an_ssn_in_an_upstream_errors_param_or_code_is_withheld(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    upstream.queue(Reply(status=400, json=upstream_error("Bad request.", param=PLANTED)))
    status, raw = json_raw(guarded())
    assert status == 400
    assert not leaked(raw)
    assert orjson.loads(raw)["error"]["param"] is None


def test_a_benign_upstream_error_is_relayed_with_its_own_words(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    message = "This model's maximum context length is 8192 tokens."
    upstream.queue(Reply(status=400, json=upstream_error(message, param="messages")))
    status, raw = json_raw(guarded())
    assert status == 400
    error = orjson.loads(raw)["error"]
    assert (error["message"], error["param"]) == (message, "messages")


def test_an_upstream_embeddings_error_quoting_an_ssn_is_relayed_without_it(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    upstream.queue(Reply(status=400, json=upstream_error(PLANTED)))
    status, raw = embeddings_raw(guarded())
    assert status == 400
    assert not leaked(raw)
