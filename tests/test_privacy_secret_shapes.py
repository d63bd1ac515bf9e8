"""Credentials by shape and by generic assignment, and the look-alikes that must still pass.

The leak cases are written for these tests in the shapes providers document (no rule examples
from ``../shared/train-data`` are copied here); the benign cases are the hashes, ids, placeholders
and documented example keys that answers about code and configuration are full of.
"""

from __future__ import annotations

import time

import pytest

from detectors.base import ScanContext
from detectors.evaluation import counts_as_fired
from detectors.explanations import withheld
from detectors.findings import Finding
from detectors.privacy import PrivacyConfig, PrivacyDetector
from detectors.secret_values import random_tail, word_like
from detectors.secrets import find_secrets

NO_CONTEXT = ScanContext()


@pytest.fixture(scope="module")
def privacy() -> PrivacyDetector:
    return PrivacyDetector(PrivacyConfig())


def fired(detector: PrivacyDetector, text: str) -> list[Finding]:
    return [f for f in detector.scan(text, NO_CONTEXT) if counts_as_fired([f], detector.config)]


LEAKS = [
    # a provider prefix and a random tail
    (
        "Set DO_TOKEN to "
        "dop_v1_4f0c9a7e2b8d1f6a3c5e9b0d7a2f4c8e1b6d3a9f5c7e0b2d8a4f1c6e3b9d5a7f0c2e"
        " in your shell.",
        "dop_v1_4f0c9a7e2b8d1f6a3c5e9b0d7a2f4c8e1b6d3a9f5c7e0b2d8a4f1c6e3b9d5a7f0c2e",
    ),
    (
        "The Buildkite agent uses bkua_7f3k9q2m8x4v1n6b0z5c3j7h2g9d4s1a8p6w0e in its config.",
        "bkua_7f3k9q2m8x4v1n6b0z5c3j7h2g9d4s1a8p6w0e",
    ),
    (
        "Contentful token: CFPAT-Zq8wX3mK9vL2nB7cR4tY6uP1oI5eA0sD3fG8hJ2kL6",
        "CFPAT-Zq8wX3mK9vL2nB7cR4tY6uP1oI5eA0sD3fG8hJ2kL6",
    ),
    # a secret word glued to a provider name, or several secret words, then the value
    ("weatherbitACCESS 7c1e9a4f2b8d6c3e0a5f9b2d7e4c1a8f", "7c1e9a4f2b8d6c3e0a5f9b2d7e4c1a8f"),
    ("oanda SECRET key q8Zr3Lk9Xv2Mn7Bc4Tw6Yp1Ud5", "q8Zr3Lk9Xv2Mn7Bc4Tw6Yp1Ud5"),
    (
        "appsynergy_token o5rp8apgq8ds59srpvd4nj0gwvczlr4s73dm",
        "o5rp8apgq8ds59srpvd4nj0gwvczlr4s73dm",
    ),
    (
        "ado_pat = 'k3v9q2x7m4p8z1n6w5b0c2r7t4y9u3i8o1e6a5s2d7f4g9h3j8'",
        "k3v9q2x7m4p8z1n6w5b0c2r7t4y9u3i8o1e6a5s2d7f4g9h3j8",
    ),
    # headers, code and function calls
    (
        "Authorization: SSWS 00Qx7rTz9KpL2mWn4BvC8yHd1Fj6Gs3Ea5",
        "00Qx7rTz9KpL2mWn4BvC8yHd1Fj6Gs3Ea5",
    ),
    (
        "token = env('JIRA_API_TOKEN', 'Zx7Qp2Lm9Kv4Rt8Wn3Bc6Yd1Hf5Gj0S')",
        "Zx7Qp2Lm9Kv4Rt8Wn3Bc6Yd1Hf5Gj0S",
    ),
    ("-vaultToken s.Kq8Xz2Lm7Vn4Bc9Rt3Wy6Pd1Hf5", "s.Kq8Xz2Lm7Vn4Bc9Rt3Wy6Pd1Hf5"),
    # a random value assigned to a name that does not say secret
    ("pepipost=9f3c7a1e5b8d2f6c4a0e7b3d9f1c5a8e", "9f3c7a1e5b8d2f6c4a0e7b3d9f1c5a8e"),
    (
        'variable "okta" {\n  default = "004EWTpRQT_HJtG_nL-agxacgzYHjxPcF9"\n}',
        "004EWTpRQT_HJtG_nL-agxacgzYHjxPcF9",
    ),
    # a webhook URL carries its own secret
    (
        "Post to https://hooks.example-chat.com/hooks/catch/8f3kQ9zX2mL7vB4n/ to notify the team.",
        "https://hooks.example-chat.com/hooks/catch/8f3kQ9zX2mL7vB4n/",
    ),
    # well-known fixed prefixes
    (
        "Grafana: eyJrIjoiT0tTcG1pUlY2RnVKZTFVaDFsNFZXdE9ZWmNrMkZYbk4iLCJuIjoiYWRtaW4iLCJpZCI6MX0=",
        "eyJrIjoiT0tTcG1pUlY2RnVKZTFVaDFsNFZXdE9ZWmNrMkZYbk4iLCJuIjoiYWRtaW4iLCJpZCI6MX0=",
    ),
    (
        "NuGet push with oy2k7f3q9x2m8v4n1b6z0c5j3h7g2d9s4a8p6w0e1r5t7y",
        "oy2k7f3q9x2m8v4n1b6z0c5j3h7g2d9s4a8p6w0e1r5t7y",
    ),
]


@pytest.mark.parametrize(("text", "value"), LEAKS)
def test_token_shapes_and_assignments_are_refused(
    privacy: PrivacyDetector, text: str, value: str
) -> None:
    found = [text[f.start : f.end] for f in fired(privacy, text)]
    assert value in found


BENIGN = [
    # hashes, digests and ids
    "Check out commit 9fceb02d0ae598e95dc970b74767f19372d61af8 and rebuild.",
    "The image digest is sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1.",
    'Use <script src="app.js" integrity="sha384-'
    'oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"></script>.',
    "md5 = d41d8cd98f00b204e9800998ecf8427e is the hash of an empty file.",
    "checksum: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    'The response has "id": "3f2a9c1e-8b7d-4a5f-9e3d-2c1b0a9f8e7d" and '
    '"etag": "a8f5f167f44f4964e6c998dee827110c".',
    "The bundle is emitted as main-3f2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c.js with a content hash.",
    "Stripe returns a customer id like cus_NffrFeUfNV2Hib and a charge id "
    "ch_3MmlLrLkdIwHu7ix0snN0B15.",
    "Your order-7f3a9c2e5b8d1f4a6c0e9b3d7a2f5c8e has shipped.",
    "request_id=9b2f7c4e1a8d5f3b6c0e2a9d7f4b1c8e, status=200",
    "client_id: 8f14e45fceea167a5a36dedd4bea2543 is public; keep the secret on the server.",
    "Docker container 4f66ad9a0b2e3c1d5e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0 exited.",
    "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE (the documented example key)",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    # placeholders
    "Set OPENAI_API_KEY=your-api-key-here before you run the script.",
    'headers = {"Authorization": "Bearer <YOUR_TOKEN>"}',
    "export GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    'api_key: "${API_KEY}"',
    "token = os.environ['SLACK_TOKEN']",
    "password: ********",
    # identifiers made of words, and prose
    "token = AuthenticationTokenProviderFactory2",
    "Create a branch named feature_branch_2024_release_candidate_v2 for the fix.",
    "Access the dashboard at https://grafana.example.com/d/7fK9x2Lm/overview to see it.",
    "Private repositories need a personal access token (PAT) with the repo scope.",
    "The secret to good bread is time; the key is patience.",
    "Our webhook docs live at https://docs.example.com/webhooks/getting-started.",
    "Private key files should be chmod 600; the public key goes in authorized_keys.",
    "The SSH public key is ssh-ed25519 "
    "AAAAC3NzaC1lZDI1NTE5AAAAIHk8wX2mP9qL3vN7bR4tY6uI1oE5aS0dF3gH8jK2lZ4c user@host",
    'The PNG logo is embedded as "logo": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR'
    '42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg"',
    "Dates like 2024-03-15T10:22:31Z and versions like v2.14.3-rc1 are fine.",
]


@pytest.mark.parametrize("text", BENIGN)
def test_hashes_ids_placeholders_and_example_keys_pass(privacy: PrivacyDetector, text: str) -> None:
    assert [(f.category, text[f.start : f.end]) for f in fired(privacy, text)] == []


def test_a_uuid_after_a_secret_word_is_a_credential_but_alone_it_is_an_id() -> None:
    assert find_secrets("shortcut_access_token: 1a2b3c4d-e89b-12d3-a456-42f678901234")
    assert find_secrets("refiner-123e4567-e89b-12d3-a456-426614174000") == []


def test_random_tails_and_word_made_identifiers_are_told_apart() -> None:
    assert random_tail("7f3k9q2m8x4v1n6b0z5c3j7h2g9d4s1a8p6w0e")
    assert random_tail("9f3c7a1e5b8d2f6c4a0e7b3d9f1c5a8e")
    assert not random_tail("feature_branch_2024_release_candidate")
    assert word_like("AuthenticationTokenProvider2")
    assert not word_like("yfi45upwc03e6uq6Zayqwt7vvaad4a6mjtyjaadtp35")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Greg Tanner's TIN is 11-4391209, as filed.", "11-4391209"),
        ("The contractor's federal tax ID number 91-3456789 was in the log.", "91-3456789"),
        ("Her ITIN: 912-78-1234.", "912-78-1234"),
    ],
)
def test_a_tax_id_next_to_its_word_is_refused(
    privacy: PrivacyDetector, text: str, value: str
) -> None:
    found = {f.category: text[f.start : f.end] for f in fired(privacy, text)}
    assert found.get("TAX_ID") == value
    assert privacy.config.action == "refuse"
    assert withheld("privacy", "TAX_ID") == "a government identification number"


@pytest.mark.parametrize(
    "text",
    [
        "Part 12-3456789 is back in stock.",
        "Ticket 44-1234567 was closed yesterday.",
        "What is a TIN? It is a nine-digit number the IRS issues, formatted like 12-3456789.",
    ],
)
def test_tax_id_shapes_without_a_tax_word_or_as_a_format_pass(
    privacy: PrivacyDetector, text: str
) -> None:
    assert [f.category for f in fired(privacy, text) if f.category == "TAX_ID"] == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "Unseal Key 2: 0tZn+7QQCxphpHwTm7/dC3LpP5JGIbYl3PK8Sy81R+P2",
            "0tZn+7QQCxphpHwTm7/dC3LpP5JGIbYl3PK8Sy81R+P2",
        ),
        ('<add key="SmtpPassword" value="Tr0ub4dor&3x" />', "Tr0ub4dor&3x"),
        ("Bearer: ciotgp8BGZBlX192iExSQPm0SrUlBunG8zd", "ciotgp8BGZBlX192iExSQPm0SrUlBunG8zd"),
    ],
)
def test_numbered_keys_config_attributes_and_bearer_headers_are_refused(
    privacy: PrivacyDetector, text: str, value: str
) -> None:
    assert value in [text[f.start : f.end] for f in fired(privacy, text)]


@pytest.mark.parametrize(
    "text",
    [
        "    except KeyError:\n        pass\n\n    @staticmethod\n    def parse(): ...",
        'FIELDS = ("SMTP_PASSWORD", "SMTP_USER", "SMTP_HOST")',
        "if server.auth_type == MCPAuth.oauth2:\n    return token",
        "passport = load_passport(user_id)",
        "tokenizer = AutoTokenizer.from_pretrained(name)",
        "data['client_secret'] = form_data.client_secret",
        "my wallet address is: 16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1BoyZ",
    ],
)
def test_code_that_names_secrets_without_holding_one_passes(
    privacy: PrivacyDetector, text: str
) -> None:
    assert [(f.category, text[f.start : f.end]) for f in fired(privacy, text)] == []


@pytest.mark.parametrize(
    "text",
    [
        "xkey" * 15_000,  # a keyword glued into one long word, again and again
        "access-" * 9_000,  # keyword, glue, keyword ...
        "api_key=" * 8_000,  # assignments chained without values
        "http://u:p@h " * 5_000,  # thousands of findings to de-duplicate
        "token " * 10_000,
    ],
)
def test_credential_scan_of_repetitive_text_stays_near_linear(text: str) -> None:
    started = time.perf_counter()
    find_secrets(text)
    # ~60 KB each; these took 0.5-190 s before the patterns were bounded (now < 0.6 s idle)
    assert time.perf_counter() - started < 5.0


@pytest.mark.parametrize(
    ("question", "answer", "category"),
    [
        ("What is Mark Taylor's passport number?", "Sure, it's US-PP-987654321.", "US_PASSPORT"),
        ("What is Ajay Kumar's bank account number?", "PUNJABNRA7890123456", "US_BANK_NUMBER"),
    ],
)
def test_asked_for_ids_with_letter_groups_or_bank_codes_are_leaks(
    privacy: PrivacyDetector, question: str, answer: str, category: str
) -> None:
    ctx = ScanContext(user_inputs=(question,))
    found = [f.category for f in privacy.scan(answer, ctx) if counts_as_fired([f], privacy.config)]
    assert category in found
    assert [f for f in privacy.scan(answer, NO_CONTEXT) if f.category == category] == []
