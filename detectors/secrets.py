"""Credentials in an answer: passwords, API keys, access tokens and private keys.

The provider patterns and the entropy measure come from detect-secrets (Yelp, the library LLM
Guard's Secrets scanner wraps): its regex plugins run in-process on the text (never on files,
never with verification, so nothing touches the network). This module adds what a code
scanner does not look for in prose:

- **Key blocks.** ``-----BEGIN ... PRIVATE KEY-----`` to its ``END`` line (or to the end of the
  base64 body) is one ``PRIVATE_KEY`` span, not just the header the plugin reports.
- **Assignments.** ``password = "..."``, ``API_KEY: ...``, ``Authorization: Bearer ...``,
  ``SLACK_TOKEN=...``: a secret-named key with a value; token and key values must have the
  entropy of a random string (detect-secrets' Shannon entropy), passwords must not be a
  placeholder (detect-secrets' templated/sequential filters plus ``<...>``, ``${...}``, ``***``).
- **Prose.** "her password is Qr7!dke#39", "login maria@x.net / SecureP@ss8901", "the secret key
  is ...". An unquoted plain lower-case word ("the password is incorrect") counts only when
  the caller says a password was asked for (``asked=True``).

Cost: the provider plugins run only when the text has a 20-character token (or a key-block or
URL-credential marker), the assignment and prose patterns only after a keyword; prose without
either costs a few microseconds per KB.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from detect_secrets.plugins.artifactory import ArtifactoryDetector
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.cloudant import CloudantDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.ibm_cloud_iam import IbmCloudIamDetector
from detect_secrets.plugins.ibm_cos_hmac import IbmCosHmacDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.softlayer import SoftlayerDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

from detectors.secret_values import (
    basic_credentials,
    credential_value,
    random_looking,
    random_tail,
)

SECRET_CATEGORIES = ("PASSWORD", "API_KEY", "ACCESS_TOKEN", "PRIVATE_KEY")
"""Categories this module reports; the privacy detector refuses them by default."""

Hit = tuple[str, int, int, float]
"""``(category, start, end, score)`` of one credential."""


@dataclass(frozen=True, slots=True)
class _Plugin:
    """A detect-secrets regex plugin, the category it reports, and a cheap gate."""

    plugin: RegexBasedDetector
    category: str
    gate: str = ""
    """Lower-case substring that must occur for the plugin to run ('' = always)."""


_PROVIDERS = (
    _Plugin(AWSKeyDetector(), "API_KEY"),
    _Plugin(AzureStorageKeyDetector(), "API_KEY", "accountkey="),
    _Plugin(ArtifactoryDetector(), "API_KEY"),
    _Plugin(CloudantDetector(), "API_KEY", "cl"),
    _Plugin(IbmCloudIamDetector(), "API_KEY", "iam"),
    _Plugin(IbmCosHmacDetector(), "API_KEY", "cos"),
    _Plugin(SoftlayerDetector(), "API_KEY", "softlayer"),
    _Plugin(MailchimpDetector(), "API_KEY", "-us"),
    _Plugin(OpenAIDetector(), "API_KEY", "sk-"),
    _Plugin(SendGridDetector(), "API_KEY", "sg."),
    _Plugin(StripeDetector(), "API_KEY", "k_live_"),
    _Plugin(TwilioKeyDetector(), "API_KEY"),
    _Plugin(SquareOAuthDetector(), "API_KEY", "sq0csp-"),
    _Plugin(DiscordBotTokenDetector(), "ACCESS_TOKEN"),
    _Plugin(GitHubTokenDetector(), "ACCESS_TOKEN", "_"),
    _Plugin(GitLabTokenDetector(), "ACCESS_TOKEN"),
    _Plugin(JwtTokenDetector(), "ACCESS_TOKEN", "eyj"),
    _Plugin(NpmDetector(), "ACCESS_TOKEN", "_authtoken"),
    _Plugin(PypiTokenDetector(), "ACCESS_TOKEN", "pypi-"),
    _Plugin(SlackDetector(), "ACCESS_TOKEN", "slack"),
    _Plugin(SlackDetector(), "ACCESS_TOKEN", "xox"),
    _Plugin(TelegramBotTokenDetector(), "ACCESS_TOKEN", ":"),
)
_BASIC_AUTH = BasicAuthDetector()
_TOKEN_TAIL = re.compile(r"[\w.=+/-]*")
_LONG = 20
_LONG_TOKEN = re.compile(r"(?<![\w+/=.:-])[\w+/=.:-]{20,}")

# A few very common key formats detect-secrets 1.5 has no plugin for (fixed prefixes only).
_EXTRA_PREFIXES = re.compile(
    r"(?<![\w-])(?:AIza[0-9A-Za-z_-]{35}|sk-ant-[\w-]{32,}|sk-(?:proj-)?[A-Za-z0-9_-]{40,}|"
    r"hf_[A-Za-z0-9]{30,}|xox[abposr]-[A-Za-z0-9-]{10,}|gh[pousr]_[A-Za-z0-9]{30,}|"
    r"github_pat_[A-Za-z0-9_]{40,}|glpat-[\w-]{20}|npm_[A-Za-z0-9]{36}|[sr]k_test_[0-9a-zA-Z]{24,}|"
    r"key-[0-9a-f]{32})(?![\w-])"
)
# The shape most current providers share: a short lower- or upper-case prefix, "_" or "-", then
# a long random tail (odt_, dckr_pat_, shpat_, tvly-, NRAK-, sgp_ ...); the tail must look random.
_PREFIXED_TOKEN = re.compile(
    r"(?<![\w./-])[A-Za-z]{2,10}(?:[_-][A-Za-z]{2,6})?[_-](?P<tail>[A-Za-z0-9]{24,})(?![\w-])"
)
# Object ids that share the shape (Stripe's in_, ch_, cus_ ...; request, order and event ids).
_ID_PREFIX = re.compile(
    r"(?i)(?:in|ii|ch|cs|cus|pi|pm|py|po|re|tr|txn|tx|sub|si|prod|price|plan|acct|ba|card|src|"
    r"evt|req|request|inv|invoice|ord|order|id|ref|msg|file|seti|dp|ipi|trace|span|run|job|"
    r"session|sess|cart|item|sku|user|usr|org|team|proj|repo|commit|build|img|doc|obj)[_-]"
)
# Password hashes in crypt(3) / Kerberos form: $2b$12$..., $6$salt$hash, $krb5asrep$23$...
_CRYPT_HASH = re.compile(r"(?<![\w$])\$(?:1|2[abxy]?|5|6|7|8|y|krb5asrep|krb5tgs)\$[^\s\"']{16,}")
# Command-line flags: docker login -p X, mysql --password=X, curl -u user:pass
_CLI_FLAG = re.compile(
    r"(?<!\S)(?:-p|--password|--pass|--passwd|--token|--api-key|--secret)(?:=|\s+)"
    r"(?P<bare>[^\s\"'$`{}<>]{6,256})|(?<!\S)(?:-u|--user)\s+[\w.@-]+:(?P<pair>[^\s\"'$@]{4,128})"
)

_KEY_BLOCK = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s:,-]*)"
    r"|PuTTY-User-Key-File-\d[^\n]*(?:\n[^\n]+){0,40}"
)

_PASSWORD_WORD = r"(?:pass(?:word|wd|phrase|code)?|pwd|pin|contrase(?:ñ|n)a|mot de passe|passwort)"
_TOKEN_WORD = (
    r"(?:api[_ -]?key|apikey|access[_ -]?key|secret[_ -]?key|secret|client[_ -]?secret|"
    r"private[_ -]?key|auth[_ -]?key|access[_ -]?token|auth[_ -]?token|refresh[_ -]?token|"
    r"bearer[_ -]?token|api[_ -]?token|token|credentials?|key)"
)
_QUOTED = r"(?P<q>[\"'`\u2018\u201c])(?P<quoted>[^\"'`\u2019\u201d\n]{3,256})[\"'`\u2019\u201d]"
_BARE = r"(?P<bare>[^\s\"'`,;()<>\[\]{}]{3,256})"
_VALUE = rf"(?:{_QUOTED}|{_BARE})"

# `password = ...`, `"api_key": "..."`, `SLACK_TOKEN=...`, `Authorization: Bearer ...`
_ASSIGNMENT = re.compile(
    rf"(?i)(?P<key>{_PASSWORD_WORD}|{_TOKEN_WORD})[\w-]*[\"'\]]{{0,2}}\s*"
    rf"(?P<sep>:=|=>|==?|:|\bis\b|\bwas\b)\s*(?:bearer\s+|basic\s+|token\s+)?{_VALUE}"
)
_AUTH_HEADER = re.compile(
    r"(?i)\b(?:authorization:\s*)?(?:bearer|basic)\s+(?P<bare>[\w.~+/=-]{16,})"
)
# "her password is X", "his Gmail password was X", "use the password X", "with password X",
# "password for the router: X", "the secret key is X"
_PROSE = re.compile(
    rf"(?i)\b(?P<key>{_PASSWORD_WORD}|(?:[a-z][a-z0-9]*?)??{_TOKEN_WORD})s?\b"
    rf"(?:\s+(?:for|to|of|on)\s+[^\n:]{{1,40}}?)?"
    rf"(?:\s*(?P<psep>is|was|=|:|->|would be|will be|reads|set to|changed to)\s*|\s+)"
    rf"(?:(?:now|still|just|actually|simply)\s+)?{_VALUE}"
)
# "maria@jobport.net / SecureP@ss8901", "user jsmith and password X" (login pairs)
_LOGIN_PAIR = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*(?:/|\|)\s*(?P<bare>[^\s\"',;]{4,64})")
# Where a keyword-led pattern can start (on the lower-cased text): the assignment and prose
# patterns are tried only at these positions.
_KEYWORD_AT = re.compile(
    r"pass|pwd|pin\b|secret|token|key|credential|bearer|authori[sz]|contrase|passwort"
)
_TRAILING = ".,;:!?"


def find_secrets(text: str, *, asked: bool = False) -> list[Hit]:
    """Credentials in ``text``; ``asked`` says the user asked for someone's password."""
    hits: list[Hit] = []
    if "-----BEGIN" in text or "PuTTY" in text:
        for match in _KEY_BLOCK.finditer(text):
            hits.append(("PRIVATE_KEY", match.start(), match.end(), 0.95))
    if max(map(len, text.split()), default=0) >= _LONG:
        for start, end in _lines_with_long_tokens(text):
            hits += _provider_hits(text, start, end)
    if "-p" in text or "-u" in text:
        hits += _cli_hits(text, asked)
    if "://" in text:
        found = _BASIC_AUTH.analyze_string(text)
        hits += [("PASSWORD", s, e, 0.85) for s, e in _locate(text, found)]
    hits += _keyword_hits(text, asked)
    return _dedupe(hits)


def _lines_with_long_tokens(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each line holding a 20-character token (provider plugins run there)."""
    lines: list[tuple[int, int]] = []
    for match in _LONG_TOKEN.finditer(text):
        if lines and match.start() < lines[-1][1]:
            continue
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        lines.append((start, len(text) if end < 0 else end))
    return lines


def _keyword_starts(text: str) -> list[int]:
    """Where keyword-led patterns are tried: each keyword's word start, then the keyword itself
    (``apitemplateKEY x``, ``SLACK_TOKEN=x``)."""
    lower = text.lower()
    starts: list[int] = []
    for match in _KEYWORD_AT.finditer(lower):
        word = match.start()
        while word > 0 and (lower[word - 1].isalnum() or lower[word - 1] in "_-."):
            word -= 1
        starts += [word, match.start()] if word != match.start() else [word]
    return starts


def _provider_hits(text: str, start: int, end: int) -> list[Hit]:
    """Provider plugin matches in the line ``text[start:end]``, as offsets into ``text``."""
    line = text[start:end]
    return [(c, start + s, start + e, score) for c, s, e, score in _line_provider_hits(line)]


def _line_provider_hits(text: str) -> list[Hit]:
    lower = text.lower()
    hits: list[Hit] = []
    for entry in _PROVIDERS:
        if entry.gate and entry.gate not in lower:
            continue
        spans = (
            [  # the plugin validates what its lazy pattern finds; the span takes the whole token
                (s, _token_end(text, e))
                for s, e in _locate(text, entry.plugin.analyze_string(text))
            ]
            if isinstance(entry.plugin, JwtTokenDetector)
            else _spans(text, entry.plugin)
        )
        hits += [
            (entry.category, s, e, 0.9)
            for s, e in spans
            if e - s >= 8 and not (s and text[s - 1].isalnum())  # not inside a longer string
        ]
    for match in _EXTRA_PREFIXES.finditer(text):
        category = "ACCESS_TOKEN" if match.group().startswith(("xox", "gh", "npm_")) else "API_KEY"
        hits.append((category, match.start(), match.end(), 0.9))
    for match in _PREFIXED_TOKEN.finditer(text):
        if random_tail(match.group("tail")) and not _ID_PREFIX.match(match.group()):
            hits.append(("API_KEY", match.start(), match.end(), 0.75))
    for match in _CRYPT_HASH.finditer(text):
        hits.append(("PASSWORD", match.start(), match.end(), 0.75))
    return hits


def _cli_hits(text: str, asked: bool) -> list[Hit]:
    hits: list[Hit] = []
    for match in _CLI_FLAG.finditer(text):
        group = "bare" if match.group("bare") else "pair"
        if credential_value(match.group(group), "PASSWORD", quoted=True, asked=asked):
            hits.append(("PASSWORD", match.start(group), match.end(group), 0.8))
    return hits


def _token_end(text: str, end: int) -> int:
    """``end`` moved over the rest of a base64url token, without trailing dots."""
    tail = _TOKEN_TAIL.match(text, end)
    end = tail.end() if tail else end
    while text[end - 1] == ".":
        end -= 1
    return end


def _spans(text: str, plugin: RegexBasedDetector) -> Iterator[tuple[int, int]]:
    """Where a plugin's patterns match: the secret's group when the pattern captures one."""
    for pattern in plugin.denylist:
        for match in pattern.finditer(text):
            groups = [i for i in range(1, (pattern.groups or 0) + 1) if match.group(i)]
            best = max(groups, key=lambda i: len(match.group(i)), default=0)
            if best and len(match.group(best)) >= 8:
                yield match.span(best)
            else:
                yield match.span()


def _keyword_hits(text: str, asked: bool) -> list[Hit]:
    hits: list[Hit] = []
    for position in _keyword_starts(text):
        for pattern in (_ASSIGNMENT, _PROSE):
            match = pattern.match(text, position)
            if match is None:
                continue
            group = "quoted" if match.group("quoted") is not None else "bare"
            start, end = _trimmed(text, match.start(group), match.end(group))
            category = _category(match.group("key"))
            code = pattern is _ASSIGNMENT and match.group("sep") in ("=", "==", ":=", "=>")
            # "password X" with no "is"/":" between: X must look like a password itself
            loose = pattern is _PROSE and match.group("psep") is None and group == "bare"
            if credential_value(
                text[start:end],
                category,
                quoted=group == "quoted" or code,
                asked=asked and not loose,
            ):
                hits.append((category, start, end, 0.8))
        header = _AUTH_HEADER.match(text, position)
        if header and (
            random_looking(header.group("bare")) or basic_credentials(header.group("bare"))
        ):
            hits.append(("ACCESS_TOKEN", header.start("bare"), header.end("bare"), 0.85))
    at = text.find("@")
    while at >= 0:
        for match in _LOGIN_PAIR.finditer(text, max(0, at - 64), min(len(text), at + 160)):
            start, end = _trimmed(text, match.start("bare"), match.end("bare"))
            if credential_value(text[start:end], "PASSWORD", quoted=False, asked=asked):
                hits.append(("PASSWORD", start, end, 0.8))
        at = text.find("@", at + 160)
    return hits


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without trailing sentence punctuation."""
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    return start, end


def _category(key: str) -> str:
    key = key.lower()
    if re.search(_PASSWORD_WORD, key) and not re.search(r"key|token|secret", key):
        return "PASSWORD"
    if "private" in key:
        return "PRIVATE_KEY"
    if "token" in key or "bearer" in key:
        return "ACCESS_TOKEN"
    return "API_KEY"


def _locate(text: str, values: Iterable[str]) -> Iterator[tuple[int, int]]:
    """Every occurrence of each value the plugin reported (it reports values, not offsets)."""
    seen: set[str] = set()
    for value in values:
        if not value or value in seen:
            continue
        seen.add(value)
        for match in re.finditer(re.escape(value), text):
            yield match.start(), match.end()


def _dedupe(hits: list[Hit]) -> list[Hit]:
    """Of overlapping hits, the highest-scoring (ties: the longest)."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (-h[3], h[1] - h[2])):
        if not any(k[1] < hit[2] and hit[1] < k[2] for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h[1])
