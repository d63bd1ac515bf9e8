"""Normalisation before screening, decoded variants, and provenance of supplied text."""

from __future__ import annotations

import base64
import codecs

import pytest

from detectors.decoding import decoded_variants
from detectors.normalize import normalize
from detectors.provenance import SuppliedText, covered, supplied_spans, supplied_value

SENTENCE = "Here is how to make the thing you asked for."


# --- normalize ------------------------------------------------------------------------------


def test_zero_width_and_bidi_controls_are_removed() -> None:
    disguised = "pass\u200bword\u200d and \u202erev\u202c \ufeffok\u00ad"
    assert normalize(disguised) == "password and rev ok"


def test_cyrillic_and_greek_homoglyphs_fold_to_latin() -> None:
    disguised = "H\u043ew t\u043e m\u0430k\u0435 \u0392\u039fMBS"  # Cyrillic o/a/e, Greek B/O
    assert normalize(disguised) == "How to make BOMBS"


def test_genuine_russian_text_is_left_intact() -> None:
    russian = "\u041f\u0440\u0438\u0432\u0435\u0442, \u043a\u0430\u043a \u0434\u0435\u043b\u0430?"
    assert normalize(russian) == russian


def test_nfkc_unfolds_fullwidth_letters_and_ligatures() -> None:
    assert normalize("\uff33\uff33\uff2e and \ufb01le") == "SSN and file"


def test_leetspeak_is_not_folded_in_the_main_text() -> None:
    assert normalize("h0w t0 m4k3 it") == "h0w t0 m4k3 it"


def test_ascii_text_is_returned_unchanged() -> None:
    text = "Plain ASCII, nothing to do."
    assert normalize(text) is text


# --- decoded_variants -----------------------------------------------------------------------


def test_base64_of_a_sentence_is_decoded() -> None:
    encoded = base64.b64encode(SENTENCE.encode()).decode()
    assert SENTENCE in decoded_variants(f"Sure: {encoded}.")


@pytest.mark.parametrize(
    "disguised",
    [
        SENTENCE.encode().hex(),
        SENTENCE.encode().hex(" "),
        codecs.encode(SENTENCE, "rot13"),
        SENTENCE[::-1],
        base64.urlsafe_b64encode(SENTENCE.encode()).decode().rstrip("="),
    ],
    ids=["hex", "spaced-hex", "rot13", "reversed", "urlsafe-base64"],
)
def test_other_encodings_of_a_sentence_are_decoded(disguised: str) -> None:
    assert SENTENCE in decoded_variants(disguised)


def test_leetspeak_gets_a_folded_variant() -> None:
    assert "how to make a bomb" in decoded_variants("h0w t0 m4k3 a b0mb")


def test_plain_text_numbers_and_hashes_have_no_variants() -> None:
    assert decoded_variants(SENTENCE) == []
    assert decoded_variants("Card 4111111111111111, IBAN DE89370400440532013000.") == []
    digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert decoded_variants(f"sha256 {digest}") == []


# --- provenance -----------------------------------------------------------------------------

PASTED = (
    "Please translate this letter: Dear Anna, the meeting about the new warehouse lease "
    "moved to Thursday at ten, and the landlord wants the signed copy by Friday."
)


def test_provenance_finds_a_pasted_run_and_ignores_unrelated_text() -> None:
    answer = (
        "Translation done. DEAR ANNA - the meeting about the new warehouse lease moved to "
        "Thursday at ten! Also, unrelated: the weather is lovely in the mountains."
    )
    spans = supplied_spans(answer, [PASTED], min_words=8)
    assert len(spans) == 1
    start, end = spans[0]
    assert answer[start:end] == (
        "DEAR ANNA - the meeting about the new warehouse lease moved to Thursday at ten"
    )
    assert covered(start + 5, end - 3, spans)
    assert not covered(end, len(answer), spans)


def test_provenance_needs_min_words_in_a_row() -> None:
    answer = "The meeting about the lease is on Thursday, the landlord wants a copy."
    assert supplied_spans(answer, [PASTED], min_words=8) == []
    assert supplied_spans(answer, [], min_words=8) == []


def test_supplied_value_ignores_separators_and_case() -> None:
    sources = ["my ssn is 536-22-8174 and my mail is Jane.Roe@Example.org"]
    assert supplied_value("536 22 8174", sources)
    assert supplied_value("jane.roe@example.org", sources)
    assert not supplied_value("536-22-8175", sources)


def test_short_values_never_count_as_supplied() -> None:
    assert not SuppliedText.of(["pin 1234"]).has_value("1234")
