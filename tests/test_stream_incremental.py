"""Incremental stream scanning: each detector rescans only its own hold-back of earlier text, and
a match longer than another detector's hold-back is still caught whole before any of it is sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from detectors.base import DEFAULT_HOLDBACK, ScanContext, holdback
from detectors.copyright_index import words
from detectors.deny_terms import DenyTermsConfig, DenyTermsDetector
from detectors.privacy import PrivacyDetector
from detectors.prompt_leak import PromptLeakConfig, PromptLeakDetector
from detectors.screen import ConfiguredDetector, Field, Screener
from proxy.config import ConfigError
from proxy.context import RequestContext
from proxy.runtime import Tenant
from proxy.stream_schedule import Schedule
from proxy.stream_screen import StreamScreen
from proxy.testing import chunks, make_tenant, sse_event
from tests.test_stream_screening import delivered, relay, split, sse_bytes

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "eval-data" / "copyright-corpus"
BIRCHES = CORPUS / "shield-bep-birches-by-robert-frost.txt"
FILLER = "Birch trees grow in cool places and their bark peels in thin white strips. "
REFUSAL = "Sorry, I can't help with that: the answer contained a long passage of a protected work."


def tenant(detectors: dict[str, Any], **stream: Any) -> Tenant:
    return make_tenant({"detectors": detectors, "stream": stream})


def excerpt(first: int, count: int) -> str:
    text = BIRCHES.read_text(encoding="utf-8")
    found = words(text)
    return text[int(found.starts[first]) : int(found.ends[first + count - 1])]


def scan(detector: DenyTermsDetector, field: Field) -> list[tuple[int, int]]:
    screener = Screener([ConfiguredDetector(detector, DenyTermsConfig(terms=["x"]))])
    result = asyncio.run(screener.scan([field], ScanContext(), normalise=False))
    return [(finding.start, finding.end) for finding, _ in result.findings]


def test_detector_rescans_only_its_own_holdback_before_fresh_text() -> None:
    detector = DenyTermsDetector(DenyTermsConfig(terms=["Nightjar"]))
    text = "Nightjar " + "a" * 40 + " Nightjar and more"
    straddling = text.rindex("Nightjar")
    # Fresh text starts inside the second term: the first lies before the detector's hold-back
    # (screened by an earlier scan) and is not reported again; the second is seen whole.
    fresh = straddling + 3
    assert holdback(detector) == len("Nightjar") + 1
    assert scan(detector, Field("choices.0.content", text, fresh=fresh)) == [
        (straddling, straddling + len("Nightjar"))
    ]
    assert len(scan(detector, Field("choices.0.content", text))) == 2


def test_text_with_fresh_offsets_per_detector_is_scanned_by_the_named_ones_only() -> None:
    terms = DenyTermsConfig(terms=["Nightjar"])
    canary = PromptLeakConfig(canaries=("Nightjar",))
    screener = Screener(
        [
            ConfiguredDetector(DenyTermsDetector(terms), terms),
            ConfiguredDetector(PromptLeakDetector(canary), canary),
        ]
    )
    text = "the Nightjar plan"

    def detectors(fresh: int | dict[str, int]) -> set[str]:
        field = Field("choices.0.content", text, fresh=fresh)
        result = asyncio.run(screener.scan([field], ScanContext(), normalise=False))
        return {finding.detector for finding, _ in result.findings}

    assert detectors(0) == {"deny_terms", "prompt_leak"}
    assert detectors({"deny_terms": 0}) == {"deny_terms"}
    assert detectors({"prompt_leak": 0}) == {"prompt_leak"}


def test_detectors_without_a_declared_need_get_the_default_holdback() -> None:
    class Plain:
        name = "plain"
        cpu_heavy = False

        def scan(self, text: str, ctx: ScanContext) -> list[Any]:
            return []

    assert holdback(Plain()) == DEFAULT_HOLDBACK  # type: ignore[arg-type]


def stream_state(detectors: dict[str, Any], **stream: Any) -> StreamScreen:
    owner = tenant(detectors, **stream)
    return StreamScreen(RequestContext("req", owner), owner.pipeline.stages[-1])


def test_stream_holds_back_for_the_most_demanding_detector() -> None:
    schedule = stream_state(
        {"deny_terms": {"terms": ["Nightjar"]}, "prompt_leak": {}}, mode="strict"
    ).schedule
    assert isinstance(schedule, Schedule)
    assert schedule.holdback == 256
    assert schedule.context == {"deny_terms": len("Nightjar") + 1, "prompt_leak": 256}
    assert schedule.step == 3 * 256


def test_tenant_sets_how_often_a_stream_is_scanned() -> None:
    strict = stream_state({"prompt_leak": {}}, scan_every_chars=100, mode="strict")
    assert strict.schedule.step == 100
    assert stream_state({"prompt_leak": {}}, scan_every_chars=100).schedule.step == 100
    text = "word " * 200
    data = sse_bytes(split(text, list(range(10, len(text), 10))))
    owner = tenant({"prompt_leak": {}}, scan_every_chars=100, mode="strict")
    scans = 0
    scan = owner.pipeline.stages[-1].screener.scan

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal scans
        scans += 1
        return await scan(*args, **kwargs)

    owner.pipeline.stages[-1].screener.scan = counted  # type: ignore[method-assign]
    assert asyncio.run(relay(owner, data, [])) == data
    # at 270 characters (the first 10-character delta has its hold-back of 256 after it), then
    # at 370, 470 ... 970, then the last 30 at the end
    assert scans == 9


def test_first_delta_is_released_once_a_holdback_follows_it_in_strict_mode() -> None:
    owner = tenant({"prompt_leak": {}}, mode="strict")  # hold-back 256
    pieces = ["x" * 10] * 60
    events = [sse_event(e) for e in chunks(*pieces) if e != "[DONE]"]
    taken = 0

    async def upstream() -> AsyncIterator[bytes]:
        nonlocal taken
        for event in events:
            taken += 1
            yield event

    async def first_content_after() -> int:
        ctx = RequestContext("req", owner)
        async for event in owner.pipeline.relay(upstream(), ctx):
            if b'"content":"x' in event:
                return taken
        raise AssertionError("no content released")

    # the role chunk, then 27 deltas of 10: 270 characters, the first 10 with 256 after them
    assert asyncio.run(first_content_after()) == 1 + 27


def test_scan_that_releases_the_first_delta_is_the_longest_holdback_detectors_alone() -> None:
    owner = tenant({"deny_terms": {"terms": ["Nightjar"]}, "prompt_leak": {}}, mode="strict")
    screener = owner.pipeline.stages[-1].screener
    calls: list[tuple[int, frozenset[str]]] = []
    scan = screener.scan

    async def recorded(fields: list[Field], ctx: ScanContext, **kwargs: Any) -> Any:
        calls.append((len(fields[0].text), frozenset(kwargs["only"])))
        return await scan(fields, ctx, **kwargs)

    screener.scan = recorded  # type: ignore[method-assign]
    text = "word " * 100
    asyncio.run(relay(owner, sse_bytes(split(text, list(range(10, len(text), 10)))), []))
    # deny_terms (hold-back 9) scans while the stream waits for prompt_leak's 256 characters
    assert calls[:2] == [(20, {"deny_terms"}), (270, {"prompt_leak"})]


def test_scan_interval_below_the_minimum_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="scan_every_chars"):
        tenant({"prompt_leak": {}}, scan_every_chars=4)


needs_corpus = pytest.mark.skipif(not BIRCHES.is_file(), reason="../shared/eval-data is absent")


@needs_corpus
@pytest.mark.parametrize("mode", ["live", "strict"])
@pytest.mark.parametrize("lead", range(0, 1400, 97))
def test_reproduced_passage_is_cut_before_any_of_it_is_sent(lead: int, mode: str) -> None:
    # Privacy alone holds back 200 characters, less than the 45 words of the passage: the
    # copyright detector's own hold-back (strict) or open run (live) is what keeps every word
    # of it from the client.
    owner = tenant({"privacy": {}, "copyright": {"corpora": [str(CORPUS)]}}, mode=mode)
    prefix = (FILLER * 20)[:lead]
    passage = excerpt(10, 45)
    assert len(passage) > PrivacyDetector.holdback_chars
    text = prefix + passage + " " + FILLER * 3
    out = asyncio.run(relay(owner, sse_bytes(split(text, list(range(7, len(text), 13)))), []))
    shown, payloads = delivered(out)
    assert payloads[-1]["choices"][0]["finish_reason"] == "content_filter"
    assert payloads[-1]["specguard"]["rule"] == "copyright.verbatim"
    sent = shown.removesuffix(REFUSAL)
    assert prefix.startswith(sent), "text after the start of the passage reached the client"


@needs_corpus
@pytest.mark.parametrize("mode", ["live", "strict"])
def test_short_quote_in_commentary_streams_unchanged(mode: str) -> None:
    owner = tenant({"privacy": {}, "copyright": {"corpora": [str(CORPUS)]}}, mode=mode)
    text = FILLER * 6 + "Frost writes: " + excerpt(10, 12) + ". " + FILLER * 8
    data = sse_bytes(split(text, list(range(5, len(text), 11))))
    assert asyncio.run(relay(owner, data, [])) == data
