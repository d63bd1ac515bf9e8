"""Adversarial review: texts an upstream can return that must not reach the client unscreened."""

from __future__ import annotations

from typing import Any

import openai
import orjson
import pytest

from proxy.testing import FakeUpstream, Reply, completion
from tests.conftest import Guarded
from tests.hostile import BENIGN, PLANTED, chunk, json_raw, leaked, payloads, stream_raw


def answer(message: dict[str, Any], **choice: Any) -> dict[str, Any]:
    body = completion()
    body["choices"][0]["message"] = {"role": "assistant", **message}
    body["choices"][0].update(choice)
    return body


STRUCTURAL_CONTAINERS = {
    "message_specguard": lambda t: answer({"content": "Done.", "specguard": {"note": t}}),
    "message_type_list": lambda t: answer({"content": "Done.", "format": [t]}),
    "choice_specguard": lambda t: answer({"content": "Done."}, specguard={"note": t}),
    "top_specguard": lambda t: {**answer({"content": "Done."}), "specguard": {"note": t}},
    "top_model_object": lambda t: {**answer({"content": "Done."}), "object": {"text": t}},
}


@pytest.mark.parametrize("shape", list(STRUCTURAL_CONTAINERS))
def test_probe_json(upstream: FakeUpstream, guarded: Guarded, shape: str) -> None:
    client = guarded()
    upstream.queue(Reply(json=STRUCTURAL_CONTAINERS[shape](PLANTED)))
    status, raw = json_raw(client)
    assert not leaked(raw), raw


@pytest.mark.parametrize("shape", list(STRUCTURAL_CONTAINERS))
def test_probe_responses_json(upstream: FakeUpstream, guarded: Guarded, shape: str) -> None:
    client = guarded()
    upstream.queue(Reply(json=STRUCTURAL_CONTAINERS[shape](PLANTED)))
    try:
        raw = client.responses.with_raw_response.create(model="fake-model", input="hi").content
    except openai.APIStatusError as exc:
        raw = exc.response.content
    assert not leaked(raw), raw


STREAM = {
    "delta_specguard": lambda t: chunk({"content": "ok", "specguard": {"note": t}}),
    "choice_specguard": lambda t: chunk({"content": "ok"}, specguard={"note": t}),
    "top_specguard": lambda t: {**chunk({"content": "ok"}), "specguard": {"note": t}},
    "choice_id_list": lambda t: chunk({"content": "ok"}, id=[t]),
}


@pytest.mark.parametrize("shape", list(STREAM))
def test_probe_stream(upstream: FakeUpstream, guarded: Guarded, shape: str) -> None:
    client = guarded()
    upstream.queue(
        Reply(events=[chunk({"role": "assistant", "content": ""}), STREAM[shape](PLANTED),
                      chunk({}, "stop"), "[DONE]"])
    )
    raw = stream_raw(client)
    assert not leaked(raw), raw


@pytest.mark.parametrize("shape", list(STREAM))
def test_probe_responses_stream(upstream: FakeUpstream, guarded: Guarded, shape: str) -> None:
    client = guarded()
    upstream.queue(
        Reply(events=[chunk({"role": "assistant", "content": ""}), STREAM[shape](PLANTED),
                      chunk({}, "stop"), "[DONE]"])
    )
    with client.responses.with_streaming_response.create(
        model="fake-model", input="hi", stream=True
    ) as response:
        raw = b"".join(response.iter_bytes())
    assert not leaked(raw), raw


@pytest.mark.parametrize(
    "reply",
    [
        Reply(raw=PLANTED.encode()),
        Reply(json={"object": "list", "data": [{"object": "embedding", "index": 0,
                    "embedding": [0.1], "text": PLANTED}], "model": "m"}),
        Reply(json=[PLANTED]),
    ],
)
def test_probe_embeddings(upstream: FakeUpstream, guarded: Guarded, reply: Reply) -> None:
    client = guarded()
    upstream.queue(reply)
    try:
        raw = client.embeddings.with_raw_response.create(
            model="fake-model", input="foxes", encoding_format="float"
        ).content
    except openai.APIStatusError as exc:
        raw = exc.response.content
    assert not leaked(raw), raw


@pytest.mark.parametrize(
    "reply",
    [
        Reply(raw=PLANTED.encode()),
        Reply(json={"id": "m", "model": "m", "results": [{"flagged": False, "reason": PLANTED}]}),
    ],
)
def test_probe_moderations(upstream: FakeUpstream, guarded: Guarded, reply: Reply) -> None:
    client = guarded()
    upstream.queue(reply)
    try:
        raw = client.moderations.with_raw_response.create(model="fake-model", input="foxes").content
    except openai.APIStatusError as exc:
        raw = exc.response.content
    assert not leaked(raw), raw


def test_probe_refusal_usage(upstream: FakeUpstream, guarded: Guarded) -> None:
    client = guarded()
    body = {**answer({"content": PLANTED}), "usage": {"prompt_tokens": 1, "note": PLANTED[:14] + "8726"}}
    upstream.queue(Reply(json=body))
    status, raw = json_raw(client)
    assert not leaked(raw), raw


def test_probe_stream_head(upstream: FakeUpstream, guarded: Guarded) -> None:
    client = guarded()
    first = {**chunk({"role": "assistant", "content": ""}), "id": [PLANTED]}
    upstream.queue(Reply(events=[first, chunk({"content": "ok"}), chunk({}, "stop"), "[DONE]"]))
    raw = stream_raw(client, stream_options={"include_usage": True})
    assert not leaked(raw), raw


def test_probe_duplicate_key_json(upstream: FakeUpstream, guarded: Guarded) -> None:
    client = guarded()
    raw_body = orjson.dumps(answer({"content": "Done."})).replace(
        b'"content":"Done."', b'"content":"' + PLANTED.encode() + b'","content":"Done."'
    )
    upstream.queue(Reply(raw=raw_body))
    status, raw = json_raw(client)
    assert not leaked(raw), raw


def test_probe_duplicate_key_stream(upstream: FakeUpstream, guarded: Guarded) -> None:
    client = guarded()
    event = orjson.dumps(chunk({"content": "ok"})).replace(
        b'"content":"ok"', b'"content":"' + PLANTED.encode() + b'","content":"ok"'
    )
    upstream.queue(Reply(events=[chunk({"role": "assistant", "content": ""}), b"data: " + event + b"\n\n",
                                 chunk({}, "stop"), "[DONE]"]))
    raw = stream_raw(client)
    assert not leaked(raw), raw
