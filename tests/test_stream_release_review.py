"""Adversarial review of live streams (review s6): a redaction found after its start was cleared
for release, but before any of it was released, is only redacted. Whether a span was "already
released" is what the client got (``Channel.released``), not how far text may go
(``Channel.safe_to``): an event goes out only once all its text may, so a long delta that the
start of a span shares with later words is still held when the span is found.

Found by fuzzing ``test_a_live_stream_of_contact_details_delivers_what_the_whole_answer_does``
(``SPECGUARD_HYPOTHESIS=fuzz``, 4,000 examples)."""

from __future__ import annotations

import asyncio

import pytest

from tests.test_stream_live import relay_with, whole_answer
from tests.test_stream_live_review import CONTACTS_ONLY, PREFIX
from tests.test_stream_screening import delivered, split, sse_bytes

TEXT = PREFIX[:148] + "the Strasse 26,"
"""Whole, privacy redacts "North Africa. Foxes the Strasse 26"; the first scan of its first 149
characters clears up to 148, past the span's start, yet holds the delta (it ends at 149)."""


@pytest.mark.parametrize("pace", list(CONTACTS_ONLY))
@pytest.mark.parametrize("first", [149, 150, 155])
def test_a_span_found_before_any_of_it_was_released_is_redacted_not_refused(
    pace: str, first: int
) -> None:
    owner = CONTACTS_ONLY[pace]
    expected = whole_answer(owner, TEXT)
    assert "[redacted: STREET_ADDRESS]" in expected
    out = asyncio.run(relay_with(owner, sse_bytes(split(TEXT, [first]))))
    shown, payloads = delivered(out)
    assert payloads[-1]["choices"][0]["finish_reason"] == "stop"
    assert shown == expected


@pytest.mark.parametrize("pace", list(CONTACTS_ONLY))
def test_a_span_whose_start_was_released_in_clear_still_cuts_the_stream(pace: str) -> None:
    # the same address, its first words sent (and released) well before the rest arrives
    owner = CONTACTS_ONLY[pace]
    span = TEXT.index("North Africa")
    out = asyncio.run(relay_with(owner, sse_bytes(split(TEXT, [span + 6, span + 7, 149]))))
    shown, payloads = delivered(out)
    last = payloads[-1]["choices"][0]
    if last["finish_reason"] == "stop":
        assert shown == whole_answer(owner, TEXT)
    else:
        assert last["finish_reason"] == "content_filter"
        assert "Strasse" not in shown
