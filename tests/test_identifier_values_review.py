"""Adversarial review of ``proxy.texts.structural`` (review s6): a value under an identifier key
(``id``, ``model``, ``system_fingerprint``...) in identifier shape is relayed unscreened, unless
it holds what no id needs (``proxy.texts.PERSONAL_IN_ID``: an SSN, phone or card number with
its separators, an e-mail address, an API-key prefix), which is screened like any text. Prose
there is screened too. Real ids and model names must keep passing unchanged.

The upstream is a scripted server on loopback, the client the official SDK.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from proxy.testing import FakeUpstream, Reply, completion
from tests.conftest import Guarded
from tests.hostile import PLANTED, SSN, chunk, json_raw, leaked, payloads, stream_raw

JSON_PLACES: dict[str, Callable[[str], dict[str, Any]]] = {
    "model": lambda v: {**completion("Done."), "model": v},
    "id": lambda v: {**completion("Done."), "id": v},
    "system_fingerprint": lambda v: {**completion("Done."), "system_fingerprint": v},
}


@pytest.mark.parametrize("place", list(JSON_PLACES))
def test_an_ssn_spelled_as_an_identifier_does_not_reach_a_json_client(
    upstream: FakeUpstream, guarded: Guarded, place: str
) -> None:
    upstream.queue(Reply(json=JSON_PLACES[place](SSN)))
    _, raw = json_raw(guarded())
    assert not leaked(raw)


@pytest.mark.parametrize("key", ["model", "id", "system_fingerprint"])
def test_an_ssn_spelled_as_an_identifier_does_not_reach_a_stream_client(
    upstream: FakeUpstream, guarded: Guarded, key: str
) -> None:
    events = [{**chunk({"content": "Done."}), key: SSN}, chunk({}, finish="stop"), "[DONE]"]
    upstream.queue(Reply(events=events))
    assert not leaked(stream_raw(guarded()))


@pytest.mark.parametrize(
    ("place", "value"),
    [
        ("id", "sk-proj-3aF9kQ2mX7vB1nR8tY4wZ6cE0pL5hJ"),
        ("model", "sk-proj-3aF9kQ2mX7vB1nR8tY4wZ6cE0pL5hJ"),
        ("model", "martin.ortega@gmail.com"),
        ("system_fingerprint", "4532-0151-1283-0366"),
    ],
)
def test_an_api_key_a_card_number_or_an_address_as_an_identifier_is_screened(
    upstream: FakeUpstream, guarded: Guarded, place: str, value: str
) -> None:
    upstream.queue(Reply(json=JSON_PLACES[place](value)))
    _, raw = json_raw(guarded())
    assert value.encode() not in raw


@pytest.mark.parametrize(
    "model",
    [
        "gpt-4o-2024-08-06",
        "llama3.1:8b",
        "hf.co/org/Model-GGUF:Q4_K_M",
        "models/gem-1",
        "projects/p/locations/asia-east1/models/gemini-1.5",
    ],
)
def test_real_model_ids_are_relayed_unchanged_in_json_and_streams(
    upstream: FakeUpstream, guarded: Guarded, model: str
) -> None:
    upstream.queue(Reply(json={**completion("Done."), "model": model}))
    _, raw = json_raw(guarded())
    assert f'"model":"{model}"'.encode() in raw.replace(b" ", b"")
    events = [{**e, "model": model} for e in (chunk({"content": "Done."}), chunk({}, "stop"))]
    upstream.queue(Reply(events=[*events, "[DONE]"]))
    seen = list(payloads(stream_raw(guarded())))
    assert {p["model"] for p in seen} == {model}
    assert [c.get("finish_reason") for p in seen for c in p["choices"]][-1] == "stop"


LATER_PROSE: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "top_id": lambda c, t: {**c, "id": t},
    "top_object": lambda c, t: {**c, "object": t},
    "top_service_tier": lambda c, t: {**c, "service_tier": t},
    "choice_finish_reason": lambda c, t: {
        **c,
        "choices": [{**c["choices"][0], "finish_reason": t}],
    },
}


@pytest.mark.parametrize("place", list(LATER_PROSE))
def test_prose_under_an_id_key_after_plain_chunks_is_cut_from_a_stream(
    upstream: FakeUpstream, guarded: Guarded, place: str
) -> None:
    # the first chunks fill the intake's cache of plain top-level values; a later chunk that
    # differs from them only in one id field must still be walked and screened
    plain = [chunk({"role": "assistant", "content": ""}), chunk({"content": "Done. "})]
    later = LATER_PROSE[place](chunk({"content": "More."}), PLANTED)
    upstream.queue(Reply(events=[*plain, later, chunk({}, "stop"), "[DONE]"]))
    raw = stream_raw(guarded())
    assert not leaked(raw)
    assert "content_filter" in [c.get("finish_reason") for p in payloads(raw) for c in p["choices"]]
