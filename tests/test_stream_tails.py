"""What a live stream holds and when it scans: each check's open tail, the classifiers' score
band, the fallback to the whole hold-back, and a scan cadence that follows the reader."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.base import ScanContext, release_kind
from detectors.copyright import CopyrightConfig, CopyrightDetector
from detectors.deny_terms import DenyTermsConfig, DenyTermsDetector
from detectors.privacy import PrivacyConfig, PrivacyDetector
from detectors.prompt_leak import PromptLeakConfig, PromptLeakDetector
from detectors.tails import token_tail
from proxy.context import RequestContext
from proxy.runtime import Tenant
from proxy.stream_live import LiveSchedule
from proxy.testing import chunks
from tests.test_stream_live import BENIGN, CORPUS, DEVELOPER, tenant
from tests.test_stream_screening import delivered

# --- open tails: what a live stream holds ---------------------------------------------------


def test_plain_prose_holds_only_its_unfinished_last_word() -> None:
    detector = PrivacyDetector(PrivacyConfig())
    assert detector.open_tail("The red fox hunts near dus", ScanContext()) == len("dus")
    assert detector.open_tail("The red fox hunts near dusk. ", ScanContext()) == 0


def test_a_number_is_held_until_enough_text_without_one_follows_it() -> None:
    detector = PrivacyDetector(PrivacyConfig())
    text = "Call him on 555 0134"
    assert detector.open_tail(text, ScanContext()) == len("555 0134")
    later = text + " after lunch, " + "he is usually free then and happy to talk. " * 2
    assert detector.open_tail(later, ScanContext()) == len(later) - text.index("555")
    done = later + "and then some more words follow here. " * 4
    assert detector.open_tail(done, ScanContext()) == 0


def test_an_address_being_written_is_held_from_its_start() -> None:
    detector = PrivacyDetector(PrivacyConfig())
    text = "Reach Dana via dana.whit"
    assert detector.open_tail(text, ScanContext()) == len("dana.whit")


def test_when_the_user_asks_for_private_data_the_whole_holdback_is_held() -> None:
    detector = PrivacyDetector(PrivacyConfig())
    asked = ScanContext(user_inputs=("What is John's social security number?",))
    assert detector.open_tail(BENIGN, asked) == PrivacyDetector.holdback_chars


def test_the_start_of_a_deny_term_is_held_and_nothing_else() -> None:
    detector = DenyTermsDetector(DenyTermsConfig(terms=["Project Nightjar"]))
    assert detector.open_tail("we met on the Project Nigh", ScanContext()) == len("Project Nigh")
    assert detector.open_tail("we met on the project ", ScanContext()) == len("project ")
    assert detector.open_tail("we met on the projector ", ScanContext()) == 0


def test_a_run_of_prompt_words_is_held_and_other_words_are_not() -> None:
    detector = PromptLeakDetector(PromptLeakConfig())
    ctx = ScanContext(developer_text=DEVELOPER)
    text = "Sure! Loyal members who order three crates"
    assert detector.open_tail(text, ctx) == len(text) - text.index("Loyal")
    assert detector.open_tail("Foxes hunt rodents at dusk. ", ctx) == 0
    assert detector.open_tail(text, ScanContext()) == len("crates")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/eval-data is absent")
def test_copyright_holds_a_few_words_until_a_fingerprint_starts_a_run() -> None:
    detector = CopyrightDetector(CopyrightConfig(corpora=[str(CORPUS)]))
    tail = detector.open_tail(BENIGN, ScanContext())
    assert 0 < tail <= 80  # the last few words: a passage could start there
    passage = (CORPUS / "shield-bep-birches-by-robert-frost.txt").read_text(encoding="utf-8")
    start = passage.index("When I see birches")
    text = BENIGN + passage[start : start + 160]
    assert detector.open_tail(text, ScanContext()) >= len(text) - len(BENIGN) - 1


@functools.cache
def copyright_detector() -> CopyrightDetector:
    return CopyrightDetector(CopyrightConfig(corpora=[str(CORPUS)]))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/eval-data is absent")
@settings(max_examples=60, deadline=None)
@given(st.data())
def test_copyright_tail_read_from_the_end_agrees_with_reading_the_whole_text(
    data: st.DataObject,
) -> None:
    detector = copyright_detector()
    passage = (CORPUS / "shield-bep-birches-by-robert-frost.txt").read_text(encoding="utf-8")
    pieces = data.draw(
        st.lists(
            st.sampled_from(["prose", "poem"]).flatmap(
                lambda kind: st.integers(0, 600).map(lambda at: (kind, at))
            ),
            min_size=1,
            max_size=6,
        )
    )
    text = "".join(
        BENIGN[at % len(BENIGN) : at % len(BENIGN) + 120]
        if kind == "prose"
        else passage[at : at + data.draw(st.integers(1, 240))]
        for kind, at in pieces
    )
    assert detector.open_tail(text, ScanContext()) == detector.whole_tail(text)


def test_each_kind_of_check_releases_its_own_way() -> None:
    kinds = {
        name: release_kind(d.detector)
        for name, d in (
            (d.detector.name, d) for d in tenant("live").pipeline.stages[-1].screener.detectors
        )
    }
    assert kinds == {"privacy": "tail", "prompt_leak": "tail", "cbrn": "score", "nsfw": "score"}


def test_a_classifier_window_in_the_uncertain_band_holds_its_full_holdback() -> None:
    schedule = tenant("live").pipeline.stages[-1].schedule
    assert isinstance(schedule, LiveSchedule)
    text = BENIGN * 2
    clear = schedule.settle("cbrn", text, 0, ScanContext(), 0.2, False)
    uncertain = schedule.settle("cbrn", text, 0, ScanContext(), 0.7, False)
    assert clear[0] > len(text)  # released up to its next scan
    assert uncertain[0] == len(text) - schedule.release["cbrn"]


def test_disguised_text_is_held_with_the_full_holdback() -> None:
    schedule = tenant("live").pipeline.stages[-1].schedule
    assert isinstance(schedule, LiveSchedule)
    text = BENIGN * 2
    plain = schedule.settle("privacy", text, 0, ScanContext(), 0.0, False)
    disguised = schedule.settle("privacy", text, 0, ScanContext(), 0.0, True)
    assert plain[0] == len(text)
    assert disguised[0] == len(text) - PrivacyDetector.holdback_chars


def test_token_tail_holds_letters_written_apart() -> None:
    assert token_tail("mail j o h n ") == len("j o h n ")
    assert token_tail("the cat sat ") == 0


# --- cadence: scans follow the reader, not the upstream -------------------------------------


async def count_scans(owner: Tenant, pause_s: float) -> tuple[int, bytes]:
    """Scans made while streaming ``BENIGN * 5`` in 4-character deltas ``pause_s`` apart."""
    from proxy.testing import sse_event

    screener = owner.pipeline.stages[-1].screener
    scan = screener.scan
    scans = 0

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal scans
        scans += 1
        return await scan(*args, **kwargs)

    screener.scan = counted  # type: ignore[method-assign]
    text = BENIGN * 5
    events = [sse_event(e) for e in chunks(*(text[i : i + 4] for i in range(0, len(text), 4)))]

    async def upstream() -> Any:
        for event in events:
            if pause_s:
                await asyncio.sleep(pause_s)
            yield event

    out = b""
    async for event in owner.pipeline.relay(upstream(), RequestContext("req", owner)):
        out += event
    return scans, out


def test_a_stream_far_ahead_of_any_reader_is_scanned_about_as_often_as_in_strict_mode() -> None:
    fast, out = asyncio.run(count_scans(tenant("live"), 0.0))
    strict, _ = asyncio.run(count_scans(tenant("strict"), 0.0))
    assert delivered(out)[0] == BENIGN * 5
    # 1,005 characters: live scans at 32, 32 + 8 x 96 and at the end; strict at 256 + 4, then
    # 768 later and at the end (plus its split first round)
    assert fast <= 4 and strict <= 4, (fast, strict)


def test_a_stream_at_a_reading_pace_is_scanned_every_step() -> None:
    paced_scans, out = asyncio.run(count_scans(tenant("live"), 0.006))
    assert delivered(out)[0] == BENIGN * 5
    assert paced_scans >= len(BENIGN) * 5 // 96  # about one scan (and release) per 96 chars


class _Judge:
    """A classifier that blocks on I/O, like ``llm_judge``."""

    name = "judge"
    cpu_heavy = True
    scored = True
    blocking_io = True

    def scan(self, text: str, ctx: ScanContext) -> list[Any]:
        return []


class _Classifier(_Judge):
    name = "classifier"
    blocking_io = False


def test_a_judge_model_is_asked_no_more_often_than_in_strict_mode() -> None:
    schedule = LiveSchedule.plan([_Judge(), _Classifier()])
    assert schedule.slow == {"judge"}
    scanned = {"judge": 100, "classifier": 100}
    cleared = {
        name: schedule.settle(name, "x" * 100, 0, ScanContext(), 0.0, False)[0] for name in scanned
    }
    assert schedule.due(100 + 288, 4, scanned, cleared) == ["classifier"]
    assert schedule.due(100 + 768, 4, scanned, cleared) == ["judge", "classifier"]
