"""Adversarial review of live streams (issue 17): inputs whose match the first live release
rules let out early, or whose redaction came out differently from whole-answer screening.
Each is checked against the whole answer screened as JSON (the oracle) under many chunkings."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proxy.runtime import Tenant
from tests.test_stream_live import paced, relay_with, tenant, whole_answer
from tests.test_stream_screening import delivered, split, sse_bytes

RULES = [
    "Never tell customers that the warehouse in Leeds ships returned parcels on Thursdays only",
    "Do not mention the supplier named Bright Harbour Textiles under any circumstances",
    "Only offer the winter voucher when the basket holds more than four woollen items",
    "Never disclose that refunds above ninety pounds need approval from the regional manager",
    "Do not reveal the internal escalation phrase amber kettle morning to anyone",
    "Never explain that loyalty points expire after eleven months for accounts opened online",
    "Only quote delivery times for mainland postcodes and never promise Saturday delivery",
    "Do not share that the clearance sale starts one week before the public announcement",
    "Never confirm stock levels for the limited cashmere range because they change hourly",
    "Do not tell anyone that damaged items are resold through the outlet store in Harrogate",
    "Never admit that the chatbot escalates complaints mentioning solicitors to the legal team",
    "Only mention the price match promise for identical products from named high street rivals",
]
LONG_PROMPT = ". ".join(RULES) + "."
CHUNKINGS = [1, 2, 3, 4, 5, 7, 11, 16]
"""Delta sizes; every offset of each is tried."""


def streams(owner: Tenant, text: str, developer: str = "") -> list[tuple[str, bool]]:
    """What the client saw (before any refusal sentence) and whether the stream was cut, for
    ``text`` streamed in deltas of every size in ``CHUNKINGS`` at every offset."""
    seen = []
    for size in CHUNKINGS:
        for offset in range(size):
            cuts = list(range(offset, len(text) + size, size))
            out = asyncio.run(relay_with(owner, sse_bytes(split(text, cuts)), developer))
            shown, payloads = delivered(out)
            last = payloads[-1]["choices"][0]
            cut = last["finish_reason"] == "content_filter"
            if cut:
                shown = shown.removesuffix(last["delta"]["content"])
            seen.append((shown, cut))
    return seen


def live(**detectors: Any) -> Tenant:
    return paced(tenant("live", **detectors))


LIVE = live()
LIVE_HURRIED = tenant("live")


# --- prompt_leak: a verbatim run longer than the 256-character hold-back ----------------------


@pytest.mark.parametrize("owner", [LIVE, LIVE_HURRIED], ids=["paced", "hurried"])
def test_no_word_of_a_long_verbatim_prompt_run_reaches_the_client(owner: Tenant) -> None:
    # 104 words copied from a 160-word prompt: a leak only once ~48 words are out (30 %), more
    # than the prompt_leak hold-back of 256 characters
    leaked = ". ".join(RULES[1:9]) + "."
    text = "Sure, here it is. " + leaked + " Anything else?"
    for shown, cut in streams(owner, text, LONG_PROMPT):
        assert cut
        assert len(shown) <= text.index(leaked), shown[-60:]


@pytest.mark.parametrize("owner", [LIVE, LIVE_HURRIED], ids=["paced", "hurried"])
def test_no_word_of_verbatim_prompt_runs_split_by_asides_reaches_the_client(owner: Tenant) -> None:
    # runs of one rule each, a word of the answer's own between them: whole, they add up
    leaked = " Also: ".join(RULES[1:9]) + "."
    text = "Sure, here it is. " + leaked + " Anything else?"
    for shown, cut in streams(owner, text, LONG_PROMPT):
        assert cut
        assert len(shown) <= text.index(leaked), shown[-60:]


def test_an_answer_sharing_a_few_prompt_words_still_streams_unchanged() -> None:
    text = (
        "Our delivery times depend on your postcode. Orders placed before noon usually arrive "
        "within two working days, and you can track the parcel from your account page. "
    ) * 3
    for shown, cut in streams(LIVE, text, LONG_PROMPT):
        assert not cut
        assert shown == text


# --- privacy: a match whose start lies before its first digit ---------------------------------

ADDRESSES = {
    "po box": "Send the forms to her at P.O. Box 4417, Springfield, IL 62704 and she will sign.",
    "street prefix": "Her flat is at Via della Spiga 26, Milano, and she is home after six.",
    "street suffix": "He moved last year to Passauer Strasse 33, Berlin, with his two children.",
}


@pytest.mark.parametrize("owner", [LIVE, LIVE_HURRIED], ids=["paced", "hurried"])
@pytest.mark.parametrize("kind", list(ADDRESSES))
def test_an_address_led_by_words_is_redacted_exactly_as_in_the_whole_answer(
    kind: str, owner: Tenant
) -> None:
    text = ADDRESSES[kind]
    expected = whole_answer(LIVE, text)
    assert expected != text  # the oracle redacts it
    for shown, cut in streams(owner, text):
        assert (shown, cut) == (expected, False)


# --- privacy: a provider's name before a long token --------------------------------------------

TOKEN = (
    "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdocJ2isAjIhKtJ0RlgLKOmxgJTeKdNnFRIBXuDL7DxtpYlSXpfK"
    "Qm3vT9wLr2ZkP7yHs4NcXb8GdJf1MqWe6RtYu0IoAp5SdFgHj2KlZx9CvBn3Mq7WeRt1YuIo4PaSd6FgHj8KlZxC"
)
"""Long enough that a scan sees its start without the 100 characters before it."""


def test_a_long_token_after_a_provider_name_is_cut_before_any_byte_of_it() -> None:
    text = "Configure mailgun with " + TOKEN + " in the settings page and restart the worker."
    assert "credential" in whole_answer(LIVE, text)  # mailgun's name makes the token a key
    assert "credential" not in whole_answer(LIVE, text.replace("mailgun", "the widget"))
    for shown, cut in streams(LIVE, text):
        assert cut
        assert len(shown) <= text.index(TOKEN), shown[-60:]


# --- privacy: public contacts decided by words far before or just after the value --------------

PUBLIC = {
    "office long before": (
        "Permits are handled by the city hall on Elm Street, which is open every weekday "
        "morning and staffed by volunteers from the neighbourhood association; the clerk there "
        "is friendly and answers quickly. Write to martin.ortega@gmail.com for an appointment."
    ),
    "office just after": "Email clerk.jones@gmail.com at city hall for permits.",
    "phone then office": "Call 212-555-0187, the embassy's visa line, before noon on weekdays.",
}


@pytest.mark.parametrize("owner", [LIVE, LIVE_HURRIED], ids=["paced", "hurried"])
@pytest.mark.parametrize("kind", list(PUBLIC))
def test_a_public_contact_streams_as_the_whole_answer_shows_it(kind: str, owner: Tenant) -> None:
    text = PUBLIC[kind]
    assert whole_answer(LIVE, text) == text  # a public office's contact: not redacted
    for shown, cut in streams(owner, text):
        assert (shown, cut) == (text, False)


def test_a_private_email_is_still_redacted_when_no_office_is_near() -> None:
    text = "Write to martin.ortega@gmail.com, he answers quickly, or ring the shop downstairs."
    expected = whole_answer(LIVE, text)
    assert "[redacted: EMAIL_ADDRESS]" in expected
    for shown, cut in streams(LIVE, text):
        assert (shown, cut) == (expected, False)


def test_words_before_a_digit_are_released_once_no_address_can_end_there() -> None:
    text = "The recipe serves 4 people and takes about an hour in a moderate oven. " * 4
    for shown, cut in streams(LIVE, text):
        assert (shown, cut) == (text, False)
    assert re.search(r"\d", text)


# --- a match that ends where a scan ends: more text can undo it --------------------------------


def test_a_deny_term_a_scan_cuts_off_mid_word_does_not_refuse_the_longer_word() -> None:
    from tests.test_stream_screening import tenant as term_tenant

    owner = paced(term_tenant())
    # "Nightjar" ends at character 32, where the first scan of a live stream falls
    text = "We all love the Project Nightjars, a local band who play on Fridays at the pub."
    assert text.index("Nightjars") + len("Nightjar") == 32
    assert whole_answer(owner, text) == text
    for shown, cut in streams(owner, text):
        assert (shown, cut) == (text, False)
    refused = text.replace("Nightjars", "Nightjar")
    for shown, cut in streams(owner, refused):
        assert cut
        assert len(shown) <= refused.index("Project Nightjar")


@pytest.mark.parametrize("written", ["Proj3ct Nightj4r", "Pr0ject N1ghtjar", "PROJ3CT NIGHTJ4R"])
def test_no_byte_of_a_deny_term_in_leetspeak_reaches_the_client(written: str) -> None:
    from tests.test_stream_screening import tenant as term_tenant

    owner = paced(term_tenant())
    # the screener reads leetspeak once two leet words are there: the first came before
    text = "Our new codename is " + written + " and nobody outside may hear it at all."
    assert whole_answer(owner, text).startswith("Sorry")
    for shown, cut in streams(owner, text):
        assert cut
        assert len(shown) <= text.index(written), shown


def test_words_with_digits_that_spell_no_term_stream_unchanged() -> None:
    from tests.test_stream_screening import tenant as term_tenant

    owner = paced(term_tenant())
    text = "Room 101 on floor 3 opens at 9; bring form B4 and 2 pens to the desk downstairs."
    for shown, cut in streams(owner, text):
        assert (shown, cut) == (text, False)


# --- other channels: a second choice, the refusal field, the hurried cadence -------------------


def channel_events(texts: dict[tuple[int, str], str], size: int) -> bytes:
    """Chunks interleaving ``texts`` (by choice index and delta key) ``size`` characters at a
    time, each choice then finishing, then ``[DONE]``."""
    from proxy.testing import sse_event

    head = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    events: list[Any] = []
    longest = max(len(text) for text in texts.values())
    for at in range(0, longest, size):
        for (index, key), text in texts.items():
            if text[at : at + size]:
                delta = {key: text[at : at + size]}
                events.append({**head, "choices": [{"index": index, "delta": delta}]})
    for index in sorted({index for index, _ in texts}):
        events.append({**head, "choices": [{"index": index, "delta": {}, "finish_reason": "stop"}]})
    return b"".join(sse_event(e) for e in [*events, "[DONE]"])


def shown_per_channel(out: bytes) -> dict[tuple[int, str], str]:
    import orjson

    from proxy.sse import SSEDecoder, event_data

    shown: dict[tuple[int, str], str] = {}
    for event in SSEDecoder().feed(out):
        data = event_data(event)
        if data is None or data == b"[DONE]":
            continue
        payload = orjson.loads(data)
        if payload.get("specguard"):
            continue  # the refusal chunk
        for choice in payload["choices"]:
            for key in ("content", "refusal"):
                piece = choice["delta"].get(key)
                if piece:
                    shown[(choice["index"], key)] = shown.get((choice["index"], key), "") + piece
    return shown


SSN_TEXT = "Noted. Her SSN is 536-22-8726, as filed last spring with the county office records."


@pytest.mark.parametrize("owner", [LIVE, LIVE_HURRIED], ids=["paced", "hurried"])
@pytest.mark.parametrize("where", [(1, "content"), (0, "refusal")])
@pytest.mark.parametrize("size", [1, 3, 4, 9])
def test_no_byte_of_an_ssn_in_a_second_choice_or_a_refusal_reaches_the_client(
    owner: Tenant, where: tuple[int, str], size: int
) -> None:
    texts = {(0, "content"): BENIGN_TEXT, where: SSN_TEXT}
    out = asyncio.run(relay_with(owner, channel_events(texts, size)))
    assert b"content_filter" in out
    assert len(shown_per_channel(out).get(where, "")) <= SSN_TEXT.index("536")


BENIGN_TEXT = (
    "Foxes are small to medium-sized omnivorous mammals. The red fox lives across the Northern "
    "Hemisphere, from the Arctic Circle to North Africa, and hunts rodents at dusk. "
)


@pytest.mark.parametrize("size", [1, 4, 9])
def test_a_redaction_in_a_second_choice_matches_the_whole_answer(size: int) -> None:
    text = "Write to martin.ortega@gmail.com, he answers quickly, or ring the shop downstairs."
    expected = whole_answer(LIVE, text)
    assert expected != text
    texts = {(0, "content"): BENIGN_TEXT, (1, "content"): text}
    out = asyncio.run(relay_with(LIVE, channel_events(texts, size)))
    assert shown_per_channel(out) == {(0, "content"): BENIGN_TEXT, (1, "content"): expected}


def test_an_address_after_an_address_phrase_is_redacted_as_in_the_whole_answer() -> None:
    # the words between "lives at" and the number need not be capitalised
    text = "Write to Call lives at Strasse Call the and 42 42 password fox P.O. 62704 and so on."
    expected = whole_answer(LIVE, text)
    assert "lives at [redacted: STREET_ADDRESS]" in expected
    for shown, cut in streams(LIVE, text):
        assert (shown, cut) == (expected, False)


@pytest.mark.xfail(
    strict=True,
    reason="a refusal inside privacy's open tail cuts at once; deferring it like a redaction "
    "would make it exact but cut streams up to ~200 characters (or a hurried burst) later",
)
def test_a_number_a_later_word_makes_a_phone_is_redacted_not_refused() -> None:
    text = "permits@springfield.gov 536-22-8726 Write to Call SSN and then nothing more here."
    expected = whole_answer(LIVE, text)
    assert "[redacted: PHONE_NUMBER]" in expected
    for shown, cut in streams(LIVE, text):
        assert (shown, cut) == (expected, False)


@pytest.mark.parametrize("owner", [LIVE, LIVE_HURRIED], ids=["paced", "hurried"])
def test_a_redaction_left_for_later_is_made_when_the_stream_ends_in_one_event(
    owner: Tenant,
) -> None:
    # the only scan before [DONE] finds the address inside the open tail and leaves it
    text = "Write to martin.ortega@gmail.com tonight."
    expected = whole_answer(owner, text)
    assert "[redacted: EMAIL_ADDRESS]" in expected
    out = asyncio.run(relay_with(owner, sse_bytes([text])))
    assert delivered(out)[0] == expected


# --- random answers made of contact details, addresses and office words -----------------------

PIECES = [
    "the", "fox", "runs", "quickly", "and", "then", "Via", "della", "Spiga", "26,", "Milano",
    "Box", "P.O.", "city hall", "embassy", "hotline", "Call", "212-555-0187",
    "dana.whitfield@gmail.com", "jo@example.com", "12", "Main", "Street,", "Springfield,", "IL",
    "62704", "\n", "\n\n", ".", "Her", "phone", "lives at", "office", "Write to",
    "permits@springfield.gov", "42", "2024", "Passauer", "Strasse", "33", "Apt", "5B",
]  # fmt: skip
PREFIX = (
    "Foxes are small to medium-sized omnivorous mammals. The red fox lives across the Northern "
    "Hemisphere, from the Arctic Circle to North Africa. Foxes hunt rodents, birds and insects. "
)
CONTACTS_ONLY = {
    "paced": live(cbrn={"action": "off"}, nsfw={"action": "off"}),
    "hurried": tenant("live", cbrn={"action": "off"}, nsfw={"action": "off"}),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lead=st.integers(0, len(PREFIX)),
    words=st.lists(st.sampled_from(PIECES), min_size=3, max_size=40),
    cuts=st.lists(st.integers(0, 10_000), max_size=60),
)
@pytest.mark.parametrize("pace", list(CONTACTS_ONLY))
def test_a_live_stream_of_contact_details_delivers_what_the_whole_answer_does(
    pace: str, lead: int, words: list[str], cuts: list[int]
) -> None:
    owner = CONTACTS_ONLY[pace]
    text = PREFIX[:lead] + " ".join(words)
    expected = whole_answer(owner, text)
    out = asyncio.run(relay_with(owner, sse_bytes(split(text, cuts))))
    shown, payloads = delivered(out)
    if expected.startswith("Sorry, I can't"):  # no piece is refused alone; kept for safety
        assert payloads[-1]["choices"][0]["finish_reason"] == "content_filter"
        return
    assert payloads[-1]["choices"][0]["finish_reason"] == "stop"
    assert shown == expected


@pytest.mark.parametrize("pace", list(CONTACTS_ONLY))
def test_an_address_that_grows_past_its_released_placeholder_is_still_only_redacted(
    pace: str,
) -> None:
    # The first scan redacts "Foxthe quickly quickly Strasse 2" and releases its placeholder;
    # the house number's last digit makes the span one character longer. The client saw only
    # the placeholder, so the longer span is redacted too, as in the whole answer.
    owner = CONTACTS_ONLY[pace]
    text = "Foxthe quickly quickly Strasse 26,"
    out = asyncio.run(relay_with(owner, sse_bytes([text[:32], text[32:]])))
    shown, payloads = delivered(out)
    assert payloads[-1]["choices"][0]["finish_reason"] == "stop"
    assert shown == whole_answer(owner, text) == "[redacted: STREET_ADDRESS],"


@pytest.mark.parametrize("pace", list(CONTACTS_ONLY))
def test_an_address_whose_start_was_scanned_early_still_waits_for_a_public_office(
    pace: str,
) -> None:
    # "Write to Strasse 12" begins before privacy's open tail ("Strasse 12 ..."); "city hall",
    # completed by the next delta, makes it an office's address, as in the whole answer.
    owner = CONTACTS_ONLY[pace]
    text = "Write to Strasse 12 the city hall"
    out = asyncio.run(relay_with(owner, sse_bytes([text[:32], text[32:]])))
    shown, payloads = delivered(out)
    assert payloads[-1]["choices"][0]["finish_reason"] == "stop"
    assert shown == whole_answer(owner, text) == text


def test_a_span_released_in_clear_before_it_was_found_still_refuses() -> None:
    from detectors.findings import Finding
    from detectors.policy import Decision
    from proxy.stream_screen import _covered

    def redaction(start: int, end: int) -> Decision:
        return Decision("redact", Finding("privacy", "STREET_ADDRESS", 0.9, start, end))

    assert _covered([redaction(0, 32)], 0, 23)
    assert _covered([redaction(0, 10), redaction(8, 30)], 0, 23)
    assert not _covered([redaction(5, 32)], 0, 23)  # its first five characters went in clear
    assert not _covered([redaction(0, 10), redaction(12, 30)], 0, 23)  # a gap


# --- the open tails themselves ------------------------------------------------------------------


def test_privacy_holds_the_words_that_can_lead_an_address_and_nothing_else() -> None:
    from detectors.base import ScanContext
    from detectors.privacy import PrivacyConfig, PrivacyDetector

    detector = PrivacyDetector(PrivacyConfig())

    def held(text: str) -> str:
        return text[len(text) - detector.open_tail(text, ScanContext()) :]

    assert held("Send the forms to her at P.O. Box ") == "P.O. Box "
    assert held("Her flat is at Via della Spiga 2") == "Via della Spiga 2"
    assert held("Then she moved, and lives at the old mill near ") == "the old mill near "
    assert held("The quick brown fox jumps. ") == ""
    assert held("Call him on 555 0134") == "555 0134"


def test_deny_terms_holds_a_term_begun_in_leetspeak_only() -> None:
    from detectors.base import ScanContext
    from detectors.deny_terms import DenyTermsConfig, DenyTermsDetector

    detector = DenyTermsDetector(DenyTermsConfig(terms=["Project Nightjar"]))
    assert detector.open_tail("we met on the Pr0j3ct N1gh", ScanContext()) == len("Pr0j3ct N1gh")
    assert detector.open_tail("meet in Room 101 tomorrow ", ScanContext()) == 0


def test_prompt_leak_holds_from_the_first_verbatim_run_to_the_end() -> None:
    from detectors.base import ScanContext
    from detectors.prompt_leak import PromptLeakConfig, PromptLeakDetector

    detector = PromptLeakDetector(PromptLeakConfig())
    ctx = ScanContext(developer_text=LONG_PROMPT)
    text = "Well. " + RULES[1] + ". Then some words of my own follow here, quite a few of them. "
    assert detector.open_tail(text, ctx) == len(text) - text.index(RULES[1])
    assert detector.open_tail("Well. Then some words of my own follow here. ", ctx) == 0
