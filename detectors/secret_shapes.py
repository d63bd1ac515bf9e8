"""Credentials recognised by their shape alone, without a keyword in front (used by ``secrets``).

- **Provider plugins.** detect-secrets' regex plugins (AWS, GitHub, GitLab, Slack, Stripe,
  OpenAI, JWT, npm, PyPI, SendGrid, Twilio, Discord, Telegram, ...), run in-process on one line.
- **Well-known prefixes** detect-secrets 1.5 has no plugin for: fixed, documented token
  prefixes (Google ``AIza``/``ya29.``, Anthropic, Hugging Face, Azure DevOps ``...AZDO...``,
  age secret keys, Alibaba ``LTAI``, NuGet ``oy2``, Databricks ``dapi``, Doppler ``dp.pt.``,
  Dropbox ``sl.``, HashiCorp Vault ``hvs.``, Airtable ``pat....``, Cloudflare ``v1.0-``,
  Grafana ``eyJrIjoi``).
- **The prefixed-token shape** most current providers share: a short prefix, ``_`` or ``-``, an
  optional short segment (``_v1``, ``_live``, ``_tkn``), then a long random tail (``dop_v1_...``,
  ``bkua_...``, ``CFPAT-...``, ``figd_...``, ``mdb_sa_sk_...``). The tail must look random
  (``secret_values.random_tail``: mixed case with a random string's entropy, or 32+ hex/base36
  characters); object ids (``cus_``, ``order-``, ``req_``), hash labels (``sha256-``,
  ``commit_``), publishable keys (``pk_``), UUID tails and file names (``main-3f2a....js``) pass.
- **Webhook URLs**: a URL whose path has a ``webhook``/``hooks`` segment followed by a random
  segment is a bearer secret (Teams, Zapier, Discord, generic incoming webhooks).
- **Generic assignments**: ``name = <random token>`` in config, code or prose, when the value
  looks random and the name does not say it is an id, a hash, public or data.
- **A service's name before a token** (``wandb <hex>``, ``postmark: "<uuid>"``):
  ``secret_providers``.
- **Password hashes** in crypt(3)/Kerberos form (``$2b$12$...``, ``$krb5asrep$23$...``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from detect_secrets.filters.heuristic import is_sequential_string
from detect_secrets.plugins.artifactory import ArtifactoryDetector
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
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

from detectors.secret_providers import provider_hits
from detectors.secret_values import alphabet_run, is_example, random_looking, random_tail

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
_TOKEN_TAIL = re.compile(r"[\w.=+/-]*")

# Fixed, documented prefixes detect-secrets 1.5 has no plugin for.
_WELL_KNOWN = re.compile(
    r"(?<![\w-])(?:AIza[0-9A-Za-z_-]{35}|sk-ant-[\w-]{32,}|sk-(?:proj-)?[A-Za-z0-9_-]{40,}|"
    r"hf_[A-Za-z0-9]{30,}|xox[abposre]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{30,}|"
    r"gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|glpat-[\w-]{20}|"
    r"npm_[A-Za-z0-9]{36}|[sr]k_test_[0-9a-zA-Z]{24,}|key-[0-9a-f]{32}|"
    r"ya29\.[\w-]{30,}|AGE-SECRET-KEY-1[0-9A-Z]{58}|LTAI[A-Za-z0-9]{12,20}|oy2[a-z0-9]{43}|"
    r"dapi[a-f0-9]{32}(?:-\d)?|dp\.(?:ct|pt|st|sa|scim|audit)\.(?:[a-z]+\.)?[A-Za-z0-9]{40,}|"
    r"sl\.[A-Za-z0-9_-]{130,}|pat[A-Za-z0-9]{14}\.[a-f0-9]{64}|v1\.0-[a-f0-9]{24,}-[a-f0-9]{100,}|eyJrIjoi[A-Za-z0-9]{60,400}={0,2}|"
    r"[A-Za-z0-9]{52}JQQJ\d\d[A-Za-z0-9]{18}AZDO[A-Za-z0-9]{4}|AKCp[A-Za-z0-9]{69}|"
    r"hv[sbr]\.[\w-]{24,})(?![\w-])"
)
_WELL_KNOWN_GATE = re.compile(
    r"AIza|sk-|hf_|xox|xapp|gh[pousr]_|github_pat|glpat|npm_|k_test_|key-|ya29|AGE-SECRET|LTAI|"
    r"oy2|dapi|dp\.|sl\.|pat|v1\.0-|AZDO|AKCp|eyJrIjoi|hv[sbr]\."
)
_ACCESS_TOKEN_PREFIXES = (
    "xox",
    "xapp",
    "gh",
    "github_pat",
    "glpat",
    "npm_",
    "ya29",
    "sl.",
    "dp.",
    "hvs.",
    "hvb.",
    "hvr.",
)

# A short prefix, "_" or "-", an optional short segment, then a long tail; the tail must look
# random. The prefix may carry a segment of digits or letters (``dop_v1_``, ``pscale_tkn_``).
_PREFIXED_TOKEN = re.compile(
    r"(?<![\w./:@-])(?P<prefix>[A-Za-z][A-Za-z0-9]{1,11}(?:[_.-][A-Za-z0-9]{1,6}){0,2}[_-])"
    r"(?P<tail>[A-Za-z0-9](?:[A-Za-z0-9]|[_-](?=[A-Za-z0-9])){19,})(?![\w-]|\.[A-Za-z0-9])"
)
# Labels whose token-shaped values are not secrets: object and request ids (Stripe's in_, ch_,
# cus_ ...; order, event, trace ids), hash and digest labels, publishable (public) keys.
_NOT_SECRET_PREFIX = re.compile(
    r"(?i)^(?:in|ii|ch|cs|cus|pi|pm|py|po|re|tr|txn|tx|sub|si|prod|price|plan|acct|ba|card|src|"
    r"evt|req|request|inv|invoice|ord|order|id|ref|msg|file|seti|dp|ipi|trace|span|run|job|"
    r"session|sess|cart|item|sku|user|usr|org|team|proj|repo|commit|build|img|image|doc|obj|"
    r"sha\d*|md5|hash|digest|checksum|integrity|etag|uuid|guid|blob|tree|rev|revision|node|"
    r"pk|pub|publishable|client|app|site|tenant|account|customer|device|instance|cluster|vpc|"
    r"subnet|ami|vol|snap|sg|eni|igw|rtb|nat|i|test|example|sample|demo|dummy|fake|mock)"
    r"(?:[_-]|$)"
)
_UUID_TAIL = re.compile(r"(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# https://outlook.office.com/webhook/<id>/IncomingWebhook/<secret>/..., hooks.zapier.com/hooks/...
_WEBHOOK_URL = re.compile(
    r"(?i)https?://[^\s\"'`<>()]*?/(?:incoming)?(?:web)?hooks?/[^\s\"'`<>()]+"
)
_URL_SEGMENT = re.compile(r"[A-Za-z0-9_-]{16,}")
# `name = <random token>` with no secret word in the name (``pepipost=...``, ``default = "..."``,
# ``sonar.login=...``): the value must look random and the name must not say it is an id, a
# hash, public, or data (``client_id``, ``sha256``, ``integrity``, ``public_key``, ``image``).
# URL query parameters (``?s=...&oh=...``: signatures and cache keys of public links) are not it.
_GENERIC_ASSIGNMENT = re.compile(
    r"(?<![\w.$?&;/])\$?(?P<name>[A-Za-z_][\w.-]{0,40}?)[\"'\]]{0,2}\s*(?P<sep>:=|=>|=|:)\s*[\"'`]?"
    r"(?P<value>[A-Za-z0-9][A-Za-z0-9_+/=.-]{19,127})(?![\w+/=.-])"
)
_PLAIN_WORD = re.compile(r"^[a-z]+$")  # before ":" a lower-case word is prose, not a config key
_NAME_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_NOT_SECRET_NAME = re.compile(
    r"^(?:"
    r"id|ids|sha|sha1|sha256|sha384|sha512|md5|hash|hashes|digest|checksum|integrity|etag|"
    r"commit|rev|revision|version|ver|uuid|guid|nonce|salt|iv|data|image|img|icon|logo|"
    r"content|body|payload|base64|b64|blob|cert|certificate|fingerprint|thumbprint|signature|"
    r"sig|public|pub|url|uri|href|src|path|file|filename|name|ref|tag|node|cid|hex|color|"
    r"colour|font|class|style|type|kind|mime|encoding|locale|lang|region|zone|host|domain|"
    r"email|user|username|address|addr|ip|mac|serial|sku|isbn|order|invoice|tracking|ticket|"
    r"build|release|branch|image_id|tx|txid|block|hash_value|object|key_id|kid|jti|sub|aud|"
    r"iss"
    r")$"
)
# Password hashes in crypt(3) / Kerberos form: $2b$12$..., $6$salt$hash, $krb5asrep$23$...
_CRYPT_HASH = re.compile(r"(?<![\w$])\$(?:1|2[abxy]?|5|6|7|8|y|krb5asrep|krb5tgs)\$[^\s\"']{16,}")


def shape_hits(text: str, start: int, end: int) -> list[Hit]:
    """Shape-only credentials in the line ``text[start:end]``, as offsets into ``text``."""
    line = text[start:end]
    return [(c, start + s, start + e, score) for c, s, e, score in _line_hits(line)]


def _line_hits(text: str) -> list[Hit]:
    lower = text.lower()
    hits: list[Hit] = []
    for entry in _PROVIDERS:
        if entry.gate and entry.gate not in lower:
            continue
        spans = (
            [  # the plugin validates what its lazy pattern finds; the span takes the whole token
                (s, _token_end(text, e)) for s, e in locate(text, entry.plugin.analyze_string(text))
            ]
            if isinstance(entry.plugin, JwtTokenDetector)
            else _spans(text, entry.plugin)
        )
        hits += [
            (entry.category, s, e, 0.9)
            for s, e in spans
            if e - s >= 8 and not (s and text[s - 1].isalnum()) and not is_example(text[s:e])
        ]
    if _WELL_KNOWN_GATE.search(text):
        for match in _WELL_KNOWN.finditer(text):
            if is_example(match.group()):
                continue
            access = match.group().startswith(_ACCESS_TOKEN_PREFIXES)
            hits.append(("ACCESS_TOKEN" if access else "API_KEY", match.start(), match.end(), 0.9))
    for match in _PREFIXED_TOKEN.finditer(text):
        prefix, tail = match.group("prefix"), match.group("tail")
        if _NOT_SECRET_PREFIX.match(prefix) or _UUID_TAIL.match(tail) or is_example(tail):
            continue
        if random_tail(tail):
            hits.append(("API_KEY", match.start(), match.end(), 0.75))
    if "hook" in lower:
        hits += _webhook_hits(text)
    for match in _GENERIC_ASSIGNMENT.finditer(text):
        name, value = match.group("name"), match.group("value")
        if match.group("sep") == ":" and _PLAIN_WORD.match(name):
            continue  # prose ("my address is: ..."), not a config key
        lower_name = name.lower()
        parts = {part.lower() for part in _NAME_PART.findall(name)}
        parts |= {lower_name, *re.split(r"[_.-]", lower_name)}
        if any(map(_NOT_SECRET_NAME.match, parts)) or _UUID_TAIL.match(value) or is_example(value):
            continue
        if "." in value or value.startswith("0x") or _NOT_SECRET_PREFIX.match(value):
            continue  # a dotted name, a host, a version, a hex literal or address, an object id
        if alphabet_run(value) or is_sequential_string(value):
            continue  # an alphabet or a made-up value: "abcdefghijklmnopqrstuvwxyz0123456789"
        if random_tail(re.sub(r"[^A-Za-z0-9]", "", value)):
            hits.append(("API_KEY", match.start("value"), match.end("value"), 0.7))
    hits += provider_hits(text)
    for match in _CRYPT_HASH.finditer(text):
        hits.append(("PASSWORD", match.start(), match.end(), 0.75))
    return hits


def _webhook_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for match in _WEBHOOK_URL.finditer(text):
        url = match.group().rstrip(".,;:!?")
        path = url.split("hook", 1)[1]
        if any(random_looking(s.group()) for s in _URL_SEGMENT.finditer(path)):
            hits.append(("ACCESS_TOKEN", match.start(), match.start() + len(url), 0.8))
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


def locate(text: str, values: Iterable[str]) -> Iterator[tuple[int, int]]:
    """Every occurrence of each value a plugin reported (it reports values, not offsets)."""
    seen: set[str] = set()
    for value in values:
        if not value or value in seen:
            continue
        seen.add(value)
        for match in re.finditer(re.escape(value), text):
            yield match.start(), match.end()
