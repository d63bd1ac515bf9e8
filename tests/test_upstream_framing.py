"""SSE framing, malformed answers and cut-off streams from a hostile upstream.

Whatever the upstream sends, the client gets a screened answer, a clean 502 in OpenAI's envelope,
or a stream ending in an error event and ``[DONE]``: never unscreened bytes, never a 500.
"""

from __future__ import annotations

import itertools

import httpx
import openai
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai import OpenAI

from proxy.sse import KEEPALIVE, SSEDecoder, event_data
from proxy.testing import FakeUpstream, Reply, completion, metric_value
from tests.conftest import Guarded
from tests.hostile import (
    BENIGN,
    PLANTED,
    SSN,
    chunk,
    ends_with_error,
    json_raw,
    leaked,
    payloads,
    stream_raw,
)

HOSTILE = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def errors(client: OpenAI, kind: str) -> float:
    root = str(client.base_url).removesuffix("/").removesuffix("/v1")
    return metric_value(root, f'specguard_upstream_errors_total{{kind="{kind}",upstream="fake"}}')


def content_events(pieces: list[str], end: bytes = b"\n\n") -> bytes:
    """A content stream with ``end`` as every event's blank-line ending."""
    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in pieces]
    events.append(chunk({}, "stop"))
    body = b"".join(b"data: " + orjson.dumps(e) + end for e in events)
    return body + b"data: [DONE]" + end


def content(raw: bytes) -> str:
    return "".join(
        c["delta"].get("content") or "" for p in payloads(raw) for c in p.get("choices", [])
    )


# --- the decoder --------------------------------------------------------------------------------

BLANK_LINES = [b"\n\n", b"\r\r", b"\r\n\r\n", b"\n\r\n", b"\r\n\r", b"\r\n\n", b"\n\r", b"\r\r\n"]


@pytest.mark.parametrize("blank", BLANK_LINES, ids=repr)
def test_every_legal_blank_line_ends_an_event(blank: bytes) -> None:
    events = SSEDecoder().feed(b"data: one" + blank + b"data: two" + blank)
    assert events == [b"data: one\n\n", b"data: two\n\n"]


def test_fields_are_parsed_as_the_spec_says() -> None:
    stream = b": comment\nevent: message\nid: 7\ndata:x\ndata: y\nretry\ndata\n\n: only\n\n"
    assert SSEDecoder().feed(stream) == [b"data: x\ndata: y\ndata: \n\n", KEEPALIVE]
    assert event_data(b"data: x\ndata: y\ndata: \n\n") == b"x\ny\n"


def test_an_unterminated_last_event_is_still_dispatched_at_the_end() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: [DONE]\r") == []
    assert decoder.close() == [b"data: [DONE]\n\n"]


@given(
    blanks=st.lists(st.sampled_from(BLANK_LINES), min_size=4, max_size=4),
    cuts=st.lists(st.integers(0, 200), max_size=12),
)
def test_decoding_does_not_depend_on_how_the_bytes_are_cut(
    blanks: list[bytes], cuts: list[int]
) -> None:
    lines = [b'data: {"a": 1}', b": ping", b"data: x\r\ndata: y", b"data: [DONE]"]
    stream = b"".join(line + blank for line, blank in zip(lines, blanks, strict=True))
    whole = SSEDecoder()
    expected = whole.feed(stream) + whole.close()
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    pieces = SSEDecoder()
    got = [e for a, b in itertools.pairwise(points) for e in pieces.feed(stream[a:b])]
    assert got + pieces.close() == expected
    assert expected == [
        b'data: {"a": 1}\n\n',
        KEEPALIVE,
        b"data: x\ndata: y\n\n",
        b"data: [DONE]\n\n",
    ]


# --- framing through the proxy ------------------------------------------------------------------


@pytest.mark.parametrize("blank", BLANK_LINES, ids=repr)
def test_a_benign_stream_framed_any_legal_way_arrives_whole(
    upstream: FakeUpstream, guarded: Guarded, blank: bytes
) -> None:
    upstream.queue(Reply(events=[content_events([BENIGN[:20], BENIGN[20:]], blank)]))
    stream = guarded().chat.completions.create(
        model="fake-model", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == BENIGN


@HOSTILE
@given(
    blanks=st.sampled_from(BLANK_LINES),
    cuts=st.lists(st.integers(0, len(PLANTED)), max_size=5),
    chunk_bytes=st.integers(1, 48),
)
def test_no_byte_of_an_ssn_leaks_whatever_the_framing_and_chunking(
    upstream: FakeUpstream, guarded: Guarded, blanks: bytes, cuts: list[int], chunk_bytes: int
) -> None:
    points = sorted({0, len(PLANTED), *cuts})
    pieces = [PLANTED[a:b] for a, b in itertools.pairwise(points) if b > a]
    upstream.queue(Reply(events=[content_events(pieces, blanks)], chunk_bytes=chunk_bytes))
    raw = stream_raw(guarded())
    assert not leaked(raw)
    assert b'"finish_reason":"content_filter"' in raw


def test_an_event_that_is_not_json_ends_the_stream_with_an_error(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    client = guarded()
    before = errors(client, "malformed")
    upstream.queue(
        Reply(events=[chunk({"content": "Hello. "}), f"Her number is {SSN}", *content_pieces()])
    )
    raw = stream_raw(client)
    assert not leaked(raw)
    assert ends_with_error(raw)["code"] == "upstream_malformed"
    assert errors(client, "malformed") == before + 1


def content_pieces() -> list[object]:
    return [chunk({"content": "More."}), chunk({}, "stop"), "[DONE]"]


def test_the_sdk_raises_on_the_error_event(upstream: FakeUpstream, guarded: Guarded) -> None:
    upstream.queue(Reply(events=[chunk({"content": "Hello. "}), "not json", *content_pieces()]))
    stream = guarded().chat.completions.create(
        model="fake-model", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    with pytest.raises(openai.APIError):
        list(stream)


def test_comments_and_events_after_done_are_not_relayed(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    events = [
        f": {PLANTED}\n\n".encode(),
        chunk({"content": BENIGN}),
        chunk({}, "stop"),
        "[DONE]",
        chunk({"content": PLANTED}),
    ]
    upstream.queue(Reply(events=events))
    raw = stream_raw(guarded())
    assert not leaked(raw)
    assert content(raw) == BENIGN
    assert raw.endswith(b"data: [DONE]\n\n")


# --- malformed answers --------------------------------------------------------------------------

MALFORMED_JSON = {
    "truncated": orjson.dumps(completion(BENIGN))[:60],
    "error_with_200": orjson.dumps({"error": {"message": f"failed on {SSN}", "type": "x"}}),
    "top_level_list": b"[1, 2, 3]",
    "choices_number": orjson.dumps({**completion(), "choices": 5}),
    "index_string": orjson.dumps(
        {**completion(), "choices": [{"index": "zero", "message": {"content": "hi"}}]}
    ),
    "message_string": orjson.dumps({**completion(), "choices": [{"index": 0, "message": "hi"}]}),
    "content_number": orjson.dumps(
        {**completion(), "choices": [{"index": 0, "message": {"content": 536228726}}]}
    ),
    "empty": b"",
}


@pytest.mark.parametrize("body", list(MALFORMED_JSON))
def test_a_malformed_json_answer_is_a_clean_502(
    upstream: FakeUpstream, guarded: Guarded, body: str
) -> None:
    client = guarded()
    root = str(client.base_url).removesuffix("/").removesuffix("/v1")
    served = 'specguard_requests_total{route="*",status="502",tenant="acme"}'
    before, before_502 = errors(client, "malformed"), metric_value(root, served)
    upstream.queue(Reply(raw=MALFORMED_JSON[body]))
    status, raw = json_raw(client)
    assert status == 502
    assert orjson.loads(raw)["error"]["code"] == "upstream_malformed"
    assert not leaked(raw)
    assert errors(client, "malformed") == before + 1
    assert metric_value(root, served) == before_502 + 1


def test_a_deeply_nested_answer_is_a_502_not_a_crash(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    body = orjson.dumps(completion(BENIGN)).replace(
        b'"refusal":null', b'"extra":' + b"[" * 300 + b'"deep"' + b"]" * 300
    )
    upstream.queue(Reply(raw=body))
    client = guarded()
    before = errors(client, "malformed")
    status, raw = json_raw(client)
    assert status == 502
    assert orjson.loads(raw)["error"]["code"] == "upstream_malformed"
    assert errors(client, "malformed") == before + 1


MALFORMED_EVENTS = {
    "top_level_list": "[1, 2]",
    "choices_number": {**chunk(), "choices": 5},
    "index_string": {**chunk(), "choices": [{"index": "zero", "delta": {"content": "x"}}]},
    "delta_string": {**chunk(), "choices": [{"index": 0, "delta": "str"}]},
    "error_object": {"error": {"message": f"failed on {SSN}", "type": "server_error"}},
    "truncated": b'data: {"id": "x", "choices": [{"index": 0, "delta": {"content": "536-22',
}


@pytest.mark.parametrize("event", list(MALFORMED_EVENTS))
def test_a_malformed_chunk_ends_the_stream_with_an_error_event(
    upstream: FakeUpstream, guarded: Guarded, client: OpenAI, event: str
) -> None:
    for proxy in (guarded(), client):  # screened, and a tenant that screens nothing
        before = errors(proxy, "malformed")
        upstream.queue(Reply(events=[chunk({"content": "Hi. "}), MALFORMED_EVENTS[event]]))
        raw = stream_raw(proxy)
        assert not leaked(raw)
        assert ends_with_error(raw)["code"] == "upstream_malformed"
        assert errors(proxy, "malformed") == before + 1


def test_malformed_and_incomplete_counters_start_at_zero(guarded: Guarded) -> None:
    root = str(guarded().base_url).removesuffix("/").removesuffix("/v1")
    exposition = httpx.get(f"{root}/metrics").text
    for kind in ("malformed", "incomplete"):
        assert f'specguard_upstream_errors_total{{kind="{kind}",upstream="fake"}}' in exposition


# --- streams that stop early ----------------------------------------------------------------------


@HOSTILE
@given(cut=st.integers(1, 4), chunk_bytes=st.integers(1, 64))
def test_a_stream_closed_before_done_ends_with_an_error_and_keeps_its_tail(
    upstream: FakeUpstream, guarded: Guarded, cut: int, chunk_bytes: int
) -> None:
    client = guarded()
    before = errors(client, "incomplete")
    pieces = ["Her SSN", " is 536", "-22-8726", " and more"]
    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in pieces[:cut]]
    upstream.queue(Reply(events=events, chunk_bytes=chunk_bytes))
    raw = stream_raw(client)
    assert not leaked(raw)
    assert ends_with_error(raw)["code"] == "upstream_incomplete"
    assert errors(client, "incomplete") == before + 1


def test_a_finished_stream_without_done_still_completes(
    upstream: FakeUpstream, guarded: Guarded
) -> None:
    events = [chunk({"content": BENIGN}), chunk({}, "stop")]
    upstream.queue(Reply(events=events))
    raw = stream_raw(guarded())
    assert content(raw) == BENIGN
    assert raw.endswith(b"data: [DONE]\n\n")
    assert b'"error"' not in raw


def test_a_benign_stream_cut_off_is_reported_not_passed_as_complete(
    upstream: FakeUpstream, client: OpenAI
) -> None:
    upstream.queue(Reply(events=[chunk({"content": BENIGN})]))
    stream = client.chat.completions.create(
        model="fake-model", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    with pytest.raises(openai.APIError):
        list(stream)
