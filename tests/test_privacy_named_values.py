"""An identifier right after the name of its kind is a leak even when nobody asked for it.

The leak cases are written for these tests in the shapes the kinds take (no rows of
``../shared/train-data`` are copied here); the benign cases are the examples, masked values,
record ids and checksum-failing numbers that must keep passing.
"""

from __future__ import annotations

import pytest

from detectors.base import ScanContext
from detectors.explanations import withheld
from detectors.findings import Finding
from detectors.policy import effective
from detectors.privacy import PrivacyConfig, PrivacyDetector
from detectors.secrets import find_secrets
from tests.test_privacy_credentials_context import fired


def spans(text: str, findings: list[Finding]) -> dict[str, str]:
    return {f.category: text[f.start : f.end] for f in findings}


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        (
            "The audit file listed her driver's license number for verification purposes "
            "DL:QW73-81RT-44ZP next to the claim.",
            "US_DRIVER_LICENSE",
            "QW73-81RT-44ZP",
        ),
        (
            "Records showed his driver's license number NV_DL_57204913.",
            "US_DRIVER_LICENSE",
            "NV_DL_57204913",
        ),
        (
            "We matched the passport number GB-PP-530918274 to the booking.",
            "US_PASSPORT",
            "GB-PP-530918274",
        ),
        (
            "The leaked sheet had account number 70319852K in plain text.",
            "US_BANK_NUMBER",
            "70319852K",
        ),
        ("The PAN 'KLMPR4821Q' was visible in the export.", "TAX_ID", "KLMPR4821Q"),
        ("Her tax number FR73920415 appears on the form.", "TAX_ID", "FR73920415"),
        ("Her national ID number is 8504125009087.", "NATIONAL_ID", "8504125009087"),
        ("The profile was stored under ID number 730419582V.", "NATIONAL_ID", "730419582V"),
        ("His Aadhaar number 4821 7730 9156 was in the log.", "NATIONAL_ID", "4821 7730 9156"),
    ],
)
def test_a_value_right_after_the_name_of_its_kind_is_a_leak(
    privacy: PrivacyDetector, text: str, category: str, value: str
) -> None:
    assert spans(text, fired(privacy, text)) == {category: value}


@pytest.mark.parametrize(
    "text",
    [
        # examples and formats
        "Passport numbers look like X12345678 in the US.",
        "A PAN has the format ABCDE1234F: five letters, four digits and a letter.",
        "Enter the account number (e.g. 70319852) without spaces.",
        "A sample national ID number: 8504125009087.",
        # masked values and last digits
        "Your account number ending in 7854 was charged.",
        "The driver's license number XXX-XXXXXXX is masked in the log.",
        "Her account number 1234 is too short to be real.",
        # sequences, one digit repeated, years
        "account number 123456789",
        "Her driver's license number 12-345-678 was a placeholder.",
        "tax number 2023",
        # a record's id, not a person's
        "Your ticket ID number 84512339 is confirmed.",
        "The employee ID number 56789-TRIBAL was printed on the badge.",
        "Order ID number 553920184 shipped today.",
        # checksum kinds keep their checksum
        "Her card number is 4539 1488 0343 6468.",
        "my credit card number is 36168002586008",
    ],
)
def test_examples_masked_values_record_ids_and_failed_checksums_pass(
    privacy: PrivacyDetector, text: str
) -> None:
    assert fired(privacy, text) == []


def test_named_identifiers_are_refused_as_government_or_financial_numbers() -> None:
    config = PrivacyConfig()
    for category in ("NATIONAL_ID", "TAX_ID", "US_DRIVER_LICENSE", "US_PASSPORT"):
        assert effective(config, category)[0] == "refuse"
        assert withheld("privacy", category) == "a government identification number"
    assert effective(config, "US_BANK_NUMBER")[0] == "refuse"


def test_a_named_value_the_user_supplied_passes(privacy: PrivacyDetector) -> None:
    ctx = ScanContext(user_inputs=("Format this: passport number GB-PP-530918274",))
    assert fired(privacy, "Passport number: GB-PP-530918274", ctx) == []


def test_a_tenant_can_leave_national_ids_out() -> None:
    config = PrivacyConfig(entities=("US_SSN", "US_PASSPORT"))
    detector = PrivacyDetector(config)
    assert fired(detector, "Her national ID number is 8504125009087.") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "and the password attempt string revealed: 'Tr0pic-Lantern88', raising flags",
            "Tr0pic-Lantern88",
        ),
        ('the password you chose: "kq9Vw!2e"', "kq9Vw!2e"),
    ],
)
def test_a_password_after_a_few_words_and_a_colon_is_a_leak(text: str, value: str) -> None:
    assert [(c, text[s:e]) for c, s, e, _ in find_secrets(text)] == [("PASSWORD", value)]


@pytest.mark.parametrize(
    "text",
    [
        'The password policy says: "at least eight characters"',
        'Password strength: "strong"',
        'The password field label: "Password"',
        'See the password reset link: "https://example.com/reset"',
    ],
)
def test_labels_and_phrases_after_a_password_word_pass(text: str) -> None:
    assert find_secrets(text) == []


def test_a_bare_national_id_number_is_a_leak_when_a_persons_was_asked_for(
    privacy: PrivacyDetector,
) -> None:
    ctx = ScanContext(user_inputs=("What is Maria Lopez's national ID number?",))
    assert spans("It's 8504125009087.", fired(privacy, "It's 8504125009087.", ctx)) == {
        "NATIONAL_ID": "8504125009087"
    }
    assert fired(privacy, "I can't share Maria's ID number.", ctx) == []
    assert fired(privacy, "It's 8504125009087.") == []
    format_question = ScanContext(user_inputs=("What is the format of a national ID number?",))
    assert fired(privacy, "It's 8504125009087.", format_question) == []


def test_an_example_word_in_the_next_clause_does_not_excuse_a_named_value(
    privacy: PrivacyDetector,
) -> None:
    text = "It held their tax number FR73920415, and financial details like a card ending in 11."
    assert spans(text, fired(privacy, text)) == {"TAX_ID": "FR73920415"}
    example = "Her tax number, for example FR73920415, goes in box 4."
    assert fired(privacy, example) == []
