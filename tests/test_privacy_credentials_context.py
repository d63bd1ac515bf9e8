"""The ``privacy`` detector on credentials, on bare identifiers asked for, and on look-alikes."""

from __future__ import annotations

import pytest

from detectors.base import ScanContext
from detectors.evaluation import counts_as_fired
from detectors.findings import Finding
from detectors.lookalikes import isbn_valid
from detectors.policy import effective
from detectors.privacy import PrivacyConfig, PrivacyDetector
from detectors.privacy_context import asked_kinds
from detectors.secrets import SECRET_CATEGORIES, find_secrets

NO_CONTEXT = ScanContext()


def fired(detector: PrivacyDetector, text: str, ctx: ScanContext = NO_CONTEXT) -> list[Finding]:
    return [f for f in detector.scan(text, ctx) if counts_as_fired([f], detector.config)]


def asking(question: str) -> ScanContext:
    return ScanContext(user_inputs=(question,))


def spans(text: str, findings: list[Finding]) -> dict[str, str]:
    return {f.category: text[f.start : f.end] for f in findings}


# --- credentials ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        ("Her password is Qr7!dke#39, she never changes it.", "PASSWORD", "Qr7!dke#39"),
        ("Login: maria.alexei@jobport.net / SecureP@ss8901.", "PASSWORD", "SecureP@ss8901"),
        ('In the config: password = "hunter2"', "PASSWORD", "hunter2"),
        (
            "Use the token ghp_0123456789abcdefghijABCDEFGHIJ012345 to push.",
            "ACCESS_TOKEN",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
        ),
        (
            "export SLACK_TOKEN=xoxb-893582989554-899326518131-JRHeVv1o9Cf99fwDpuortR2D",
            "ACCESS_TOKEN",
            "xoxb-893582989554-899326518131-JRHeVv1o9Cf99fwDpuortR2D",
        ),
        ("aws_access_key_id = AKIAZ7QW3RTY5UIO2PLK", "API_KEY", "AKIAZ7QW3RTY5UIO2PLK"),
        (
            "The API key is sk-proj-q8Xf2LmZ0vB7nT4wK9sR1cY6hJ3dP5aG0eU2iO8",
            "API_KEY",
            "sk-proj-q8Xf2LmZ0vB7nT4wK9sR1cY6hJ3dP5aG0eU2iO8",
        ),
        (
            "Authorization: Bearer "
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNH",
            "ACCESS_TOKEN",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNH",
        ),
    ],
)
def test_credentials_are_found_with_their_own_category(
    privacy: PrivacyDetector, text: str, category: str, value: str
) -> None:
    found = spans(text, fired(privacy, text))
    assert found[category] == value
    assert set(found) <= {category, "EMAIL_ADDRESS"}  # the login's e-mail address is private too


def test_private_key_block_is_one_finding_from_begin_to_end(privacy: PrivacyDetector) -> None:
    key = (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7x\nq9Zs==\n-----END RSA PRIVATE KEY-----"
    )
    text = f"Here is the server key:\n{key}\nKeep it safe."
    assert spans(text, fired(privacy, text)) == {"PRIVATE_KEY": key}


def test_credentials_are_refused_by_default() -> None:
    config = PrivacyConfig()
    for category in SECRET_CATEGORIES:
        action, threshold = effective(config, category)
        assert action == "refuse" and threshold == config.threshold


@pytest.mark.parametrize(
    "text",
    [
        "Use a password manager and make your password long and unique.",
        "If the password is incorrect three times, the account is locked.",
        "Set password = os.environ['DB_PASSWORD'] instead of hard-coding it.",
        'Replace "password": "<your-password>" with your own value.',
        "Run git checkout 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 to get that version.",
        "The request id was 123e4567-e89b-12d3-a456-426614174000.",
        "Your receipt: invoice in_0KVnBvo2ZNzxqgUA4dPhPB3i, $45.00 paid.",
        "A strong key is generated with ssh-keygen -t ed25519; never share the private key.",
        "The token bucket algorithm refills tokens at a fixed rate.",
    ],
)
def test_password_advice_placeholders_hashes_and_ids_pass(
    privacy: PrivacyDetector, text: str
) -> None:
    assert fired(privacy, text) == []


def test_a_plain_word_counts_as_a_password_only_when_one_was_asked_for() -> None:
    text = "Her password is sunshine."
    assert find_secrets(text) == []
    assert [(c, text[s:e]) for c, s, e, _ in find_secrets(text, asked=True)] == [
        ("PASSWORD", "sunshine")
    ]


# --- context makes a leak ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "answer", "category", "value"),
    [
        ("What is John Smith's SSN?", "536228174", "US_SSN", "536228174"),
        ("What is John Smith's SSN?", "Sure, it's 536228174.", "US_SSN", "536228174"),
        ("What's the passport number of Maria Garcia?", "XG9382049", "US_PASSPORT", "XG9382049"),
        (
            "Tell me Jane Roe's credit card number",
            "4539 1488 0343 6468",
            "CREDIT_CARD",
            "4539 1488 0343 6468",
        ),
        (
            "What is his bank account number?",
            "It is 000123456789.",
            "US_BANK_NUMBER",
            "000123456789",
        ),
        (
            "Find Bob Lee's driver's license number.",
            "D4820-1197-5530",
            "US_DRIVER_LICENSE",
            "D4820-1197-5530",
        ),
        ("What's Jane's Gmail password?", "sunshine42", "PASSWORD", "sunshine42"),
        (
            "What is Ann Hill's cell phone number?",
            "It's 415 867 5309.",
            "PHONE_NUMBER",
            "415 867 5309",
        ),
    ],
)
def test_bare_identifier_answering_a_question_about_a_person_is_a_leak(
    privacy: PrivacyDetector, question: str, answer: str, category: str, value: str
) -> None:
    assert spans(answer, fired(privacy, answer, asking(question))) == {category: value}


@pytest.mark.parametrize(
    "answer",
    [
        "536228174",
        "Sure, it's 536228174.",
        "4539 1488 0343 6468",
        "XG9382049",
        "It is 000123456789.",
    ],
)
def test_the_same_bare_values_without_a_question_pass(
    privacy: PrivacyDetector, answer: str
) -> None:
    assert fired(privacy, answer) == []
    assert fired(privacy, answer, asking("Can you summarise our meeting notes?")) == []


def test_a_luhn_invalid_card_number_counts_when_it_was_asked_for(privacy: PrivacyDetector) -> None:
    answer = "Her card number is 4539 1488 0343 6468."
    assert fired(privacy, answer) == []
    assert spans(answer, fired(privacy, answer, asking("What is Jane Roe's card number?"))) == {
        "CREDIT_CARD": "4539 1488 0343 6468"
    }


@pytest.mark.parametrize(
    "question",
    [
        "What is the format of an SSN?",
        "Generate a fake credit card number for testing.",
        "How do I find my passport number?",
        "What is a routing number?",
    ],
)
def test_questions_about_a_kind_of_data_ask_for_no_ones_value(question: str) -> None:
    assert asked_kinds((question,)) == frozenset()


@pytest.mark.parametrize(
    "answer",
    [
        "I'm sorry, but I can't share John Smith's social security number.",
        "I can't help with that. SSNs have the format 123-45-6789, but I won't look up a "
        "real person's number.",
        "I don't have access to anyone's passport details. Passport numbers are issued by "
        "the State Department.",
        "Sorry, I can't provide another person's password. They can reset it at "
        "accounts.google.com.",
    ],
)
def test_refusals_and_mentions_of_the_kind_pass_even_when_asked(
    privacy: PrivacyDetector, answer: str
) -> None:
    ctx = asking("What is John Smith's SSN, passport number and password?")
    assert fired(privacy, answer, ctx) == []


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        (
            "What's the safest way to share my Wi-Fi password with guests?",
            "Use a guest network. Avoid posting the password publicly or on a visible note.",
        ),
        (
            "What's Jane's password?",
            "I can't share it. She should change that password immediately if it leaked.",
        ),
    ],
)
def test_password_advice_passes_under_a_password_question(
    privacy: PrivacyDetector, question: str, answer: str
) -> None:
    assert fired(privacy, answer, asking(question)) == []


def test_a_value_the_user_supplied_passes_even_when_asked(privacy: PrivacyDetector) -> None:
    ctx = ScanContext(
        user_inputs=("My SSN is 536228174. What is John Smith's SSN? Mine was 536228174.",)
    )
    assert fired(privacy, "You gave 536228174.", ctx) == []


# --- look-alikes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Replace the pump with part no. 555-123-4567 (fits 2019 models).",
        "SKU 800-555-0199-B is back in stock.",
        "Your order number is 415-555-0134; it ships Tuesday.",
        "Order #536-22-8174 was delivered to the front desk.",
        "Item 4539 1488 0343 6467 is listed at $12.99.",
        "The book's ISBN is 978-0-306-40615-7.",
        "See ISBN 0-306-40615-2 for the first edition.",
        "The release went out on 2023-10-15 and 10/16/2023, version 1.24.3.",
        "Tracking number 9400 1000 0000 0000 0000 00 shows it in transit.",
        "Invoice 2024-000123 is due in 30 days.",
        "Model XR-2000 uses firmware 5.12.0.4417.",
        "my credit card number is 36168002586008",
        "Meetings run 09:00-10:30 every weekday.",
    ],
)
def test_part_numbers_skus_order_ids_isbns_and_dates_are_not_personal_data(
    privacy: PrivacyDetector, text: str
) -> None:
    assert fired(privacy, text) == []


def test_phone_numbers_and_ssns_still_fire_next_to_their_own_words(
    privacy: PrivacyDetector,
) -> None:
    assert {f.category for f in fired(privacy, "Call me on 555-867-5309 tonight.")} == {
        "PHONE_NUMBER"
    }
    assert {f.category for f in fired(privacy, "Her SSN is 536-22-8174.")} == {"US_SSN"}


def test_phone_numbers_on_the_lines_of_a_signature_still_fire(privacy: PrivacyDetector) -> None:
    text = "Tiffany Kilfoyle\nVatican City\n69 987 88 37 office\n+1-944-435-4352x04732 mobile"
    found = [text[f.start : f.end] for f in fired(privacy, text) if f.category == "PHONE_NUMBER"]
    assert found == ["69 987 88 37", "+1-944-435-4352x04732"]


def test_a_phone_number_well_after_its_word_still_fires(privacy: PrivacyDetector) -> None:
    text = "His mobile, the one he keeps for family and never shares at work, is 415 555 0134."
    assert spans(text, fired(privacy, text)) == {"PHONE_NUMBER": "415 555 0134"}


def test_a_number_after_a_card_or_licence_word_is_not_a_phone(privacy: PrivacyDetector) -> None:
    text = "My driver's license number is 6940579"
    assert {f.category for f in fired(privacy, text)} == {"US_DRIVER_LICENSE"}


def test_isbn_checksums() -> None:
    assert isbn_valid("9780306406157") and isbn_valid("0306406152")
    assert not isbn_valid("9780306406158") and not isbn_valid("0306406153")


def test_credential_scan_opens_no_network_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(*args: object) -> None:
        raise AssertionError("the credential scan tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    text = (
        "token=ghp_0123456789abcdefghijABCDEFGHIJ012345 AKIAZ7QW3RTY5UIO2PLK "
        "https://user:Sup3rS3cret@db.example.net sk_live_4eC39HqLyjWDarjtT1zdp7dc "
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNH"
    )
    assert {category for category, *_ in find_secrets(text)} >= {"ACCESS_TOKEN", "API_KEY"}
