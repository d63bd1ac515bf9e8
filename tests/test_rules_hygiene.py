"""This request's boundaries and datamarks never reach the client, streamed or not."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import orjson
from hypothesis import example, given, settings
from hypothesis import strategies as st

from proxy.config import TenantConfig
from proxy.context import RequestContext
from proxy.hygiene import MarkerHygiene
from proxy.pipeline import Pipeline
from proxy.runtime import Tenant
from proxy.sse import DONE, encode_event, event_data
from proxy.testing import chunks, completion
from rules.base import RuleRecord
from rules.hygiene import strip_markers

B = "0123abcd-89efcdab"
OTHER = "ffffffff-00000000"
MARK = "\u02c6"
RECORD = RuleRecord(boundaries=(B,), datamarks=(MARK,))


def context(record: RuleRecord = RECORD) -> RequestContext:
    ctx = RequestContext("req_test", Tenant("acme", TenantConfig(), Pipeline()))
    ctx.record = record
    return ctx


def test_tags_bare_identifiers_and_datamarks_are_removed_and_reported() -> None:
    text = (
        f'As the <untrusted-{B} n="1" kind="tool_output" name="browse"> page says, '
        f"the{MARK}sky is blue</untrusted-{B}>; id {B}, tag untrusted-{B}, < /untrusted-{B} >."
    )
    assert strip_markers(text, RECORD) == ("As the  page says, the sky is blue; id , tag , .", True)


def test_text_without_this_requests_markers_is_unchanged() -> None:
    text = f"Use <untrusted-{OTHER}> tags or <b>bold</b>; x^2 and a caret ^."
    assert strip_markers(text, RECORD) == (text, False)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_complete_answer_is_cleaned_in_content_refusal_and_tool_arguments() -> None:
    body = completion(f'Done <untrusted-{B} n="1" kind="quote">here</untrusted-{B}>')
    message = body["choices"][0]["message"]
    message["refusal"] = f"no{MARK}way"
    message["tool_calls"] = [
        {
            "id": "c1",
            "type": "function",
            "function": {"name": "send", "arguments": f'{{"note": "see untrusted-{B}"}}'},
        }
    ]
    ctx = context()
    out = orjson.loads(run(MarkerHygiene().finish(orjson.dumps(body), ctx)))
    cleaned = out["choices"][0]["message"]
    assert cleaned["content"] == "Done here"
    assert cleaned["refusal"] == "no way"
    assert cleaned["tool_calls"][0]["function"]["arguments"] == '{"note": "see "}'
    assert sorted(f.where for f in ctx.findings) == [
        "choices.0.content",
        "choices.0.refusal",
        "choices.0.tool_calls.0.arguments",
    ]
    assert {(f.detector, f.category) for f in ctx.findings} == {("marker_hygiene", "marker_echo")}


def test_answer_without_echo_is_relayed_byte_for_byte() -> None:
    raw = orjson.dumps(completion("Nothing to see."))
    ctx = context()
    assert run(MarkerHygiene().finish(raw, ctx)) is raw
    assert ctx.findings == []


async def _relay(pieces: list[str], record: RuleRecord = RECORD) -> tuple[str, RequestContext]:
    ctx = context(record)

    async def events() -> AsyncIterator[bytes]:
        for event in chunks(*pieces):
            yield event.encode() if isinstance(event, str) else encode_event(event)

    text = ""
    async for event in MarkerHygiene().relay(events(), ctx):
        data = event_data(event)
        if data is None or data.strip() == b"[DONE]":
            assert event == DONE or data is None
            continue
        for choice in orjson.loads(data)["choices"]:
            text += choice["delta"].get("content") or ""
    return text, ctx


def test_a_marker_split_across_chunks_is_removed_from_the_stream() -> None:
    pieces = [
        "Sure. <untr",
        f"usted-{B[:5]}",
        f'{B[5:]} n="1" kind=',
        '"quote">quoted',
        " text</untrusted-",
        f"{B}> and {B[:9]}",
        f"{B[9:]}",
        " end.",
    ]
    text, ctx = run(_relay(pieces))
    assert text == "Sure. quoted text and  end."
    assert [f.category for f in ctx.findings] == ["marker_echo"]


def test_a_partial_marker_left_at_the_end_of_a_stream_is_dropped() -> None:
    text, ctx = run(_relay(["All done. <untrusted-", B[:6]]))
    assert text == "All done. "
    assert [f.category for f in ctx.findings] == ["marker_echo"]


def test_ordinary_text_ending_in_a_bracket_is_released_at_the_end() -> None:
    text, ctx = run(_relay(["if a ", "<"]))
    assert text == "if a <"
    assert ctx.findings == []


pieces = st.lists(
    st.sampled_from(
        [
            "hello",
            " ",
            "\n",
            "<",
            ">",
            "/",
            "un",
            "untrusted-",
            B,
            B[:4],
            B[4:],
            f'<untrusted-{B} n="2">',
            f"</untrusted-{B}>",
            MARK,
            "<b>",
            "x",
        ]
    ),
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(parts=pieces, cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8))
# removing the tag joins the two halves of the bare boundary around it
@example(parts=[B[:4], f'<untrusted-{B} n="2">', B[4:]], cuts=[5])
def test_streamed_cleaning_matches_cleaning_the_whole_answer(
    parts: list[str], cuts: list[int]
) -> None:
    whole = "".join(parts) + " end."
    points = sorted({0, len(whole), *(c for c in cuts if c < len(whole))})
    split = [whole[a:b] for a, b in itertools.pairwise(points)]
    streamed, _ = run(_relay(split))
    assert streamed == strip_markers(whole, RECORD)[0]


def test_markers_are_removed_from_every_text_of_a_complete_answer() -> None:
    body = completion("ok")
    message = body["choices"][0]["message"]
    message["reasoning_content"] = f"see untrusted-{B} now"
    message["audio"] = {"id": "a1", "data": "AAAA", "transcript": f"say {B}"}
    message["content"] = [{"type": "text", "text": f"one{MARK}two"}]
    ctx = context()
    out = orjson.loads(run(MarkerHygiene().finish(orjson.dumps(body), ctx)))
    cleaned = out["choices"][0]["message"]
    assert cleaned["reasoning_content"] == "see  now"
    assert cleaned["audio"] == {"id": "a1", "data": "AAAA", "transcript": "say "}
    assert cleaned["content"] == [{"type": "text", "text": "one two"}]
    assert sorted(f.where for f in ctx.findings) == [
        "choices.0.audio.transcript",
        "choices.0.content",
        "choices.0.reasoning_content",
    ]


async def _relay_reasoning(pieces: list[str]) -> tuple[str, RequestContext]:
    ctx = context()

    async def events() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield encode_event({"choices": [{"index": 0, "delta": {"reasoning_content": piece}}]})
        yield encode_event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        yield DONE

    text = ""
    async for event in MarkerHygiene().relay(events(), ctx):
        data = event_data(event)
        if data is not None and data != b"[DONE]":
            for choice in orjson.loads(data)["choices"]:
                text += choice["delta"].get("reasoning_content") or ""
    return text, ctx


def test_a_marker_split_across_reasoning_chunks_is_removed_and_the_tail_released() -> None:
    text, ctx = run(_relay_reasoning(["I read <untr", f"usted-{B}>the page", " and then <"]))
    assert text == "I read the page and then <"
    assert [f.where for f in ctx.findings] == ["choices.0.reasoning_content"]
