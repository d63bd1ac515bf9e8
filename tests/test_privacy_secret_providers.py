"""A service's name closely followed by a random-looking or UUID-shaped token, and its look-alikes.

Every value is written for these tests (random strings generated once, no rule examples copied);
the benign side is what answers about services are full of: ids, commit SHAs, URLs, trace and
tenant ids after a service's name, made-up and documented example values, plain UUIDs.
"""

from __future__ import annotations

import time

import pytest

from detectors.base import ScanContext
from detectors.evaluation import counts_as_fired
from detectors.privacy import PrivacyConfig, PrivacyDetector
from detectors.secret_providers import PROVIDERS, provider_hits
from detectors.secrets import find_secrets

UUID = "0b5c7e2a-9f3d-4c1e-8a7b-2d6f4e9c1a3b"
HEX32 = "3f2a9c1e7b8d4f6a0c2e5b9d1f3a7c8e"
SHA1 = "3f2a9c1e7b8d4f6a0c2e5b9d1f3a7c8e2b4d6f0a"


@pytest.fixture(scope="module")
def privacy() -> PrivacyDetector:
    return PrivacyDetector(PrivacyConfig())


def refused(detector: PrivacyDetector, text: str) -> list[str]:
    found = detector.scan(text, ScanContext())
    return [text[f.start : f.end] for f in found if counts_as_fired([f], detector.config)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (f"datadog {HEX32}", HEX32),
        (f'postmark: "{UUID}",', UUID),
        (f"Use the postmark server token {UUID} in the header.", UUID),
        (
            "algolia admin SQkJbpF13UdPFytiYqFikfJB2wy9Yt for the index",
            "SQkJbpF13UdPFytiYqFikfJB2wy9Yt",
        ),
        ("heroku = AsxMqOkLjPVyMClPiPvMCInojomYvImoEdGw", "AsxMqOkLjPVyMClPiPvMCInojomYvImoEdGw"),
        (f"clickup-{UUID}", UUID),
        (f"MAILGUN_SIGNING={HEX32}", HEX32),
        ("Here is the private access key\nR7KQ2M9XW4TZ8VNC3PLH", "R7KQ2M9XW4TZ8VNC3PLH"),
    ],
)
def test_a_service_name_before_a_random_token_is_a_refused_credential(
    privacy: PrivacyDetector, text: str, value: str
) -> None:
    assert value in refused(privacy, text)


@pytest.mark.parametrize(
    "text",
    [
        f"Stripe customer id {UUID}",
        f"azure tenant {UUID} in West Europe",
        f"GitHub commit {SHA1} fixed it.",
        f"datadog trace {HEX32} shows the slow call.",
        f"See https://api.mapbox.com/styles/v1/team/{HEX32} for the style.",
        "datadog abcdefabcdefabcdefabcdef12345678",  # made up
        "sendgrid XXXXXXXXXXXXXXXXXXXXXXXXXXXX",  # placeholder
        "blazemeter 123e4567-e89b-12d3-a456-426614174000",  # the textbook example UUID
        "twilio key-EXAMPLE7f3a9c1e7b8d4f6a0c2e5b9d",  # a documented example
        UUID,  # a UUID alone is an id
        f"Request {UUID} failed; retry later.",
        f"order {UUID}",  # a word that is no service
        "heroku AuthenticationTokenProviderConfiguration",  # words
        "API key\nSee the settings page for yours.",
        "Your access key\nis shown on the account page.",
    ],
)
def test_ids_shas_urls_and_made_up_values_after_a_service_name_pass(
    privacy: PrivacyDetector, text: str
) -> None:
    assert refused(privacy, text) == []


def test_service_names_leave_out_plain_words_and_code_hosts() -> None:
    assert {"line", "front", "box", "github", "gitlab", "docker", "password"}.isdisjoint(PROVIDERS)
    assert {"datadog", "postmark", "square", "stripe", "slack"} <= PROVIDERS


def test_a_long_line_of_service_names_and_tokens_stays_near_linear() -> None:
    text = f"datadog {HEX32} " * 3_000 + "stripe " * 10_000
    started = time.perf_counter()
    hits = find_secrets(text)
    assert len(hits) == 3_000
    assert len(provider_hits("mailgun " * 10_000)) == 0
    assert time.perf_counter() - started < 5.0
