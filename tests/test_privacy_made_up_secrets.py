"""Made-up values given to a credential-named key: redacted, not refused, and not passed.

A statement that gives a value to ``SECRET``, ``password``, ``api_key`` ... reads as a credential
even when the value looks made up (``abcdefghijklmnop``, ``aaaa...``, ``Password=secret;``).
The privacy detector reports it as ``SECRET`` at a lower score and redacts it by default, so the
answer still passes; a realistic value stays a refused credential, and placeholders, field
names, variables and code that only names a secret pass untouched. The cases are written for
these tests, not copied from the rule sources in ``../shared/train-data``.
"""

from __future__ import annotations

from typing import Any

import pytest
from openai import OpenAI

from detectors.base import ScanContext
from detectors.evaluation import counts_as_fired
from detectors.policy import effective
from detectors.privacy import PrivacyConfig, PrivacyDetector
from detectors.secret_values import made_up
from proxy.testing import FakeUpstream, ProxyServer, Reply, completion, make_config
from tests.conftest import user

NO_CONTEXT = ScanContext()


def acted_on(detector: PrivacyDetector, text: str) -> list[tuple[str, str, str]]:
    """``(category, action, matched text)`` of each finding the default policy acts on."""
    found = []
    for finding in detector.scan(text, NO_CONTEXT):
        if counts_as_fired([finding], detector.config):
            action, _ = effective(detector.config, finding.category)
            found.append((finding.category, action, text[finding.start : finding.end]))
    return found


MADE_UP = [
    ("In .env put SECRET=abcdefghijklmnopqrstuvwx and restart.", "abcdefghijklmnopqrstuvwx"),
    ('The connection string is "Server=db01;User Id=app;Password=secret;".', "secret"),
    ('db_password = "secret"', "secret"),
    ("WIDGETS_API_TOKEN: aaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaa"),
    ("acme ACCESS key ABCDEFGHIJKLMNOPQRSTUVWX", "ABCDEFGHIJKLMNOPQRSTUVWX"),
    ("client_secret: abc123def456ghi789", "abc123def456ghi789"),
    ('api_key = "abcdefabcdefabcdefabcdef"', "abcdefabcdefabcdefabcdef"),
    ('<add key="SmtpPassword" value="password" />', "password"),
    ("https://db.example.net/app?user=app&password=secret", "secret"),
]


@pytest.mark.parametrize(("text", "value"), MADE_UP)
def test_a_made_up_value_given_to_a_credential_key_is_redacted(
    privacy: PrivacyDetector, text: str, value: str
) -> None:
    assert acted_on(privacy, text) == [("SECRET", "redact", value)]


REALISTIC = [
    ("In your .env file put SECRET=q8Zr3Lk9Xv2Mn7Bc4Tw6Yp1Ud5 and restart.", "API_KEY"),
    ('The connection string is "Server=db01;User Id=app;Password=Tr0ub4dor&3;".', "PASSWORD"),
    ("WIDGETS_API_TOKEN: 7c1e9a4f2b8d6c3e0a5f9b2d7e4c1a8f", "ACCESS_TOKEN"),
]


@pytest.mark.parametrize(("text", "category"), REALISTIC)
def test_a_realistic_value_under_the_same_key_is_still_refused(
    privacy: PrivacyDetector, text: str, category: str
) -> None:
    assert [(c, a) for c, a, _ in acted_on(privacy, text)] == [(category, "refuse")]


UNTOUCHED = [
    # code that names a secret without holding one
    "password = get_password()",
    "token = os.environ['WIDGETS_TOKEN']",
    "client = connect(host, user=user, password=password)",
    "self.api_key = api_key",
    "headers['api_key'] = api_key\nreturn headers",
    'usernameLabel: "Username", passwordLabel: "Password"',
    'ENTITIES = ("PASSWORD", "API_KEY", "ACCESS_TOKEN")',
    # placeholders and documented examples
    'api_key: "<YOUR_API_KEY>"',
    "SECRET=${SECRET}",
    "API_KEY=your-api-key-here",
    "export TOKEN=xxxxxxxxxxxxxxxxxxxxxxxx",
    "password: changeme",
    "password: ********",
    "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "besttime_samplekey = abcdefghijklmnopqrstuvwxyz1234567890",
    "InstrumentationKey=00000000-0000-0000-0000-000000000000;EndpointSuffix=example.net",
    "token = XxXxXxXxXxXxXxXxXxXx",
    # hashes, digests, ids and prose
    "checksum: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "request_id: 123e4567-e89b-12d3-a456-426614174000",
    "The password is incorrect; the token is expired.",
    "Your password is secret, so never share it.",
    "The secret to good bread is time; the key is patience.",
    "Rotate the API key every 90 days and keep the secret in a vault.",
]


@pytest.mark.parametrize("text", UNTOUCHED)
def test_placeholders_variables_field_names_and_ids_pass_untouched(
    privacy: PrivacyDetector, text: str
) -> None:
    assert acted_on(privacy, text) == []


def test_a_made_up_finding_loses_to_a_credential_over_the_same_value(
    privacy: PrivacyDetector,
) -> None:
    text = "token = ghp_abcdefghijklmnopqrstuvwxyz0123456789"
    assert [c for c, _, _ in acted_on(privacy, text)] == ["ACCESS_TOKEN"]


def test_made_up_values_are_told_from_generated_and_placeholder_ones() -> None:
    for value in ("abcdefghijklmnop", "aaaaaaaaaaaa", "abcdefabcdefabcdef", "abcd1234"):
        assert made_up(value, quoted=False), value
    for value in ("q8Zr3Lk9Xv2Mn7Bc", "hunter2024", "development", "xxxxxxxxxxxx", "<TOKEN>"):
        assert not made_up(value, quoted=False), value
    assert made_up("secret", quoted=True) and not made_up("secret", quoted=False)


def test_a_tenant_can_refuse_made_up_values_too() -> None:
    config = PrivacyConfig.model_validate({"categories": {"SECRET": {"action": "refuse"}}})
    assert effective(config, "SECRET")[0] == "refuse"
    assert effective(config, "EMAIL_ADDRESS")[0] == "redact"


def test_a_tenant_listing_credential_entities_still_gets_made_up_values_redacted() -> None:
    detector = PrivacyDetector(PrivacyConfig(entities=("API_KEY", "ACCESS_TOKEN")))
    text = "In .env put SECRET=abcdefghijklmnopqrstuvwx and restart."
    assert acted_on(detector, text) == [("SECRET", "redact", "abcdefghijklmnopqrstuvwx")]
    assert acted_on(PrivacyDetector(PrivacyConfig(entities=("EMAIL_ADDRESS",))), text) == []


def _privacy_proxy(upstream: FakeUpstream, serve: Any) -> OpenAI:
    config = make_config(
        upstream.base_url, extra={"tenants": {"acme": {"detectors": {"privacy": {}}}}}
    )
    server: ProxyServer = serve(config)
    return OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)


def test_an_answer_with_a_made_up_secret_passes_with_the_value_redacted(
    upstream: FakeUpstream, serve: Any
) -> None:
    client = _privacy_proxy(upstream, serve)
    text = "Add this line to .env:\n\nSECRET=abcdefghijklmnopqrstuvwx\n\nThen restart the app."
    upstream.queue(Reply(json=completion(text)))
    raw = client.chat.completions.with_raw_response.create(
        model="fake-model", messages=user("How do I configure the app?")
    )
    choice = raw.parse().choices[0]
    assert choice.finish_reason == "stop"
    assert raw.headers["x-specguard-decision"] == "redact; rule=privacy.SECRET"
    content = choice.message.content or ""
    assert "SECRET=[redacted: SECRET]" in content and "Then restart the app." in content
    assert "abcdefghijklmnopqrstuvwx" not in raw.http_response.text


def test_an_answer_with_a_realistic_secret_under_the_same_key_is_refused(
    upstream: FakeUpstream, serve: Any
) -> None:
    client = _privacy_proxy(upstream, serve)
    text = "Add this line to .env:\n\nSECRET=q8Zr3Lk9Xv2Mn7Bc4Tw6Yp1Ud5\n\nThen restart the app."
    upstream.queue(Reply(json=completion(text)))
    raw = client.chat.completions.with_raw_response.create(
        model="fake-model", messages=user("How do I configure the app?")
    )
    assert raw.parse().choices[0].finish_reason == "content_filter"
    assert raw.headers["x-specguard-decision"] == "refuse; rule=privacy.API_KEY"
    assert "q8Zr3Lk9Xv2Mn7Bc4Tw6Yp1Ud5" not in raw.http_response.text
