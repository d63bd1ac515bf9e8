"""Credentials in an answer: passwords, API keys, access tokens and private keys.

The provider patterns and the entropy measure come from detect-secrets (Yelp, the library LLM
Guard's Secrets scanner wraps): its regex plugins run in-process on the text (never on files,
never with verification, so nothing touches the network). Token shapes that need no keyword
(provider plugins, well-known prefixes, prefix + random tail, webhook URLs, ``name = <random
token>``) live in ``detectors.secret_shapes``; the value tests in ``detectors.secret_values``.
This module adds what a code scanner does not look for in prose:

- **Key blocks.** ``-----BEGIN ... PRIVATE KEY-----`` to its ``END`` line (or to the end of the
  base64 body) is one ``PRIVATE_KEY`` span, not just the header the plugin reports.
- **Assignments.** ``password = "..."``, ``API_KEY: ...``, ``SLACK_TOKEN=...``,
  ``creds.Secret != "..."``, ``env('JIRA_API_TOKEN', '...')``, ``<add key="DbPassword"
  value="..."/>``: a secret-named key with a value; token and key values must have the
  entropy of a random string (detect-secrets' Shannon entropy) and not be made of words,
  passwords must not be a placeholder (detect-secrets' templated/sequential filters plus
  ``<...>``, ``${...}``, ``***``, documented examples) or code (``form_data.password``,
  ``get_password()``, ``SMTP_PASSWORD``). The key must start a word or a camelCase part and
  end one (``bypass``, ``passport``, ``tokenizer`` are not keys).
- **Made-up values** (``SECRET=abcdefghijklmnop``, ``api_key: aaaa...``, ``Password=secret;``):
  a value given to a credential-named key that looks made up (``secret_values.made_up``) is
  ``SECRET`` at a lower score, which the privacy detector redacts instead of refusing; under a
  key or token name this wins over the entropy test (a weak password stays a ``PASSWORD``).
- **Headers.** ``Authorization:`` with any scheme (``Bearer``, ``Basic``, ``SSWS`` ...) or none,
  ``Bearer: ...``.
- **Prose and glued keys.** "her password is Qr7!dke#39", "login maria@x.net / SecureP@ss8901",
  "the secret key is ...", "Unseal Key 2: ...", ``weatherbitACCESS ...``, ``bloggerKEY-...``,
  ``oanda SECRET key ...``, "private access key" ending a line with the key alone on the next.
  An unquoted plain lower-case word ("the password is incorrect")
  counts only when the caller says a password was asked for (``asked=True``); "password X"
  with nothing between counts only when X looks like a password (same line, or alone on the next).

Cost: the shape rules run only on lines with a 20-character token (or a key-block or
URL-credential marker), the assignment and prose patterns only after a keyword; prose without
either costs a few microseconds per KB. Every pattern is bounded (key prefixes, identifier
tails, values) and overlapping hits are de-duplicated against their neighbours, so repetitive
text stays near linear (``api_key=`` 8,000 times: ~0.3 s).
"""

from __future__ import annotations

import bisect
import re

from detect_secrets.plugins.basic_auth import BasicAuthDetector

from detectors.secret_shapes import Hit, locate, shape_hits
from detectors.secret_values import (
    basic_credentials,
    credential_value,
    made_up,
    password_like,
    random_looking,
)

SECRET_CATEGORIES = ("PASSWORD", "API_KEY", "ACCESS_TOKEN", "PRIVATE_KEY")
"""Credential categories this module reports; the privacy detector refuses them by default."""
MADE_UP = "SECRET"
"""The category of a made-up-looking value given to a credential-named key
(``SECRET=abcdefghijklmnop``, ``Password=secret;``); the privacy detector redacts it."""
MADE_UP_SCORE = 0.6
"""Score of a ``SECRET`` finding: below every credential's, so a real one overlapping it wins."""

_BASIC_AUTH = BasicAuthDetector()
_LONG = 20
_LONG_TOKEN = re.compile(r"(?<![\w+/=.:-])[\w+/=.:-]{20,}")

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
    r"bearer[_ -]?token|api[_ -]?token|token|credentials?|key|access|private|pat|auth)"
)
# More key words after the first: "SECRET_ACCESS_KEY", "ACCESS TOKEN", "PRIVATE key", "access code"
_MORE_KEY = r"(?:[ _.-]?(?:key|token|secret|access|private|code|api)){0,3}"
_QUOTED = (
    r"\\?(?P<q>[\"'`\u2018\u201c])(?P<quoted>[^\"'`\u2019\u201d\n\\]{3,256})\\?[\"'`\u2019\u201d]"
)
# a bare value stops at "=" (base64 padding aside): "a=b=c" is two assignments, not a value
_BARE = r"(?P<bare>[^\s\"'`,;()<>\[\]{}\\=]{3,160}={0,2})"
_VALUE = rf"(?:{_QUOTED}|{_BARE})"

# `password = ...`, `"api_key": "..."`, `SLACK_TOKEN=...`, `creds.Secret != "..."`,
# `env('JIRA_API_TOKEN', '...')` (a secret-named string, a comma, then a quoted value)
_ASSIGNMENT = re.compile(
    rf"(?i)(?P<key>{_PASSWORD_WORD}|{_TOKEN_WORD})(?P<rest>[\w-]{{0,40}})(?P<kq>[\"'\]\\]{{0,3}})\s*"
    rf"(?P<sep>:=|=>|!==?|===?|=|:|,|\bis\b|\bwas\b)\s*(?:bearer\s+|basic\s+|token\s+)?{_VALUE}"
)
# `Authorization: Bearer X`, `Authorization: SSWS X`, `Authorization:rubygems_X`, `Bearer: X`
_AUTH_HEADER = re.compile(
    r"(?i)\bauthori[sz]ation[\"']?\s*[:=]\s*[\"']?(?:[a-z][\w-]{1,20}\s+)?(?P<bare>[\w.~+/=-]{12,})"
)
_BEARER = re.compile(r"(?i)\b(?:bearer|basic)\s*:?\s+(?P<bare>[\w.~+/=-]{16,})")
# "her password is X", "his Gmail password was X", "use the password X", "with password X",
# "password for the router: X", "the secret key is X", "weatherbitACCESS X", "bloggerKEY-X",
# "password attempt string revealed: 'X'" (a few words, a colon, a quoted value)
_PROSE = re.compile(
    rf"(?i)(?<![a-z0-9])(?P<key>{_PASSWORD_WORD}|(?:[a-z][a-z0-9]{{0,30}}?)??{_TOKEN_WORD}{_MORE_KEY})s?\b"
    rf"(?:(?P<glue>[-.:_])|(?:\s*#?\d{{1,2}}(?=\s*:))?(?:\s+(?:for|to|of|on)\s+[^\n:]{{1,40}}?|"
    rf"(?:\s+[a-z]+){{1,3}}(?=:\s*(?P<lq>[\"'`])[^\s\"'`]{{4,64}}(?P=lq)))?"
    rf"(?:\s*(?P<psep>is|was|=|:|->|would be|will be|reads|set to|changed to)\s*|[ \t]+|"
    rf"(?P<nl>[ \t]*\n[ \t]*)))"
    rf"(?:(?:now|still|just|actually|simply)\s+)?{_VALUE}"
)
# .NET appSettings and similar: <add key="SmtpPassword" value="..." />
_KEY_VALUE_ATTRIBUTES = re.compile(
    rf"(?i)\bkey\s*=\s*[\"'](?P<name>[\w.:-]{{0,40}}?(?P<key>{_PASSWORD_WORD}|{_TOKEN_WORD})[\w.:-]{{0,40}})[\"']"
    r"\s+value\s*=\s*[\"'](?P<value>[^\"'\n]{4,256})[\"']"
)
# "maria@jobport.net / SecureP@ss8901", "user jsmith and password X" (login pairs)
_LOGIN_PAIR = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*(?:/|\|)\s*(?P<bare>[^\s\"',;]{4,64})")
# Where a keyword-led pattern can start (on the lower-cased text): the assignment and prose
# patterns are tried only at these positions.
_KEYWORD_AT = re.compile(
    r"p(?:ass|wd|in\b|rivate|at\b)|secret|token|key|credential|bearer|auth|contrase|access"
)
# Keys whose value is a password-like string, not a random token ("secret: 'development#x'")
_PASSWORD_LIKE_KEY = re.compile(r"(?i)^(?:[a-z]*secret|pass\w*|pwd|pin)$")
_TRAILING = ".,;:!?"
_STOCK_KEY = re.compile(rf"(?i)secret|token|api|{_PASSWORD_WORD}")
_CALL_OPEN = re.compile(r"\(\s*[\"']$")
_WORDS = re.compile(r"[A-Za-z]+(?:[ _-][A-Za-z]+)*")


def find_secrets(text: str, *, asked: bool = False) -> list[Hit]:
    """Credentials in ``text``; ``asked`` says the user asked for someone's password."""
    hits: list[Hit] = []
    if "-----BEGIN" in text or "PuTTY" in text:
        for match in _KEY_BLOCK.finditer(text):
            hits.append(("PRIVATE_KEY", match.start(), match.end(), 0.95))
    if max(map(len, text.split()), default=0) >= _LONG:
        for start, end in _lines_with_long_tokens(text):
            hits += shape_hits(text, start, end)
    if "-p" in text or "-u" in text:
        hits += _cli_hits(text, asked)
    if "://" in text:
        found = _BASIC_AUTH.analyze_string(text)
        hits += [("PASSWORD", s, e, 0.85) for s, e in locate(text, found)]
    hits += _keyword_hits(text, asked)
    if "value" in text:
        for match in _KEY_VALUE_ATTRIBUTES.finditer(text):
            category = _category(match.group("key"))
            value = match.group("value")
            if credential_value(value, category, quoted=True, asked=False):
                hits.append((category, match.start("value"), match.end("value"), 0.8))
            elif made_up(value, quoted=True):
                hits.append((MADE_UP, match.start("value"), match.end("value"), MADE_UP_SCORE))
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
        word, floor = match.start(), max(0, match.start() - 64)
        while word > floor and (lower[word - 1].isalnum() or lower[word - 1] in "_-."):
            word -= 1
        while word < match.start() and not lower[word].isalnum():
            word += 1  # "-vaultToken x", "$password": the word, not the punctuation before it
        starts += [word, match.start()] if word != match.start() else [word]
    return starts


def _cli_hits(text: str, asked: bool) -> list[Hit]:
    hits: list[Hit] = []
    for match in _CLI_FLAG.finditer(text):
        group = "bare" if match.group("bare") else "pair"
        if credential_value(match.group(group), "PASSWORD", quoted=True, asked=asked):
            hits.append(("PASSWORD", match.start(group), match.end(group), 0.8))
    return hits


def _keyword_hits(text: str, asked: bool) -> list[Hit]:
    hits: list[Hit] = []
    for position in _keyword_starts(text):
        for pattern in (_ASSIGNMENT, _PROSE):
            match = pattern.match(text, position)
            if match is not None:
                hits += _keyword_value(text, match, asked)
        for header in (_AUTH_HEADER.match(text, position), _BEARER.match(text, position)):
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


def _keyword_value(text: str, match: re.Match[str], asked: bool) -> list[Hit]:
    """The credential a keyword-led match names, if its value is one (or a made-up value:
    ``SECRET``)."""
    group = "quoted" if match.group("quoted") is not None else "bare"
    start, end = _trimmed(text, match.start(group), match.end(group))
    value, key = text[start:end], match.group("key")
    category = _category(key)
    if _inside_a_word(text, match.start("key"), key) or text[end : end + 1] in ("(", "["):
        return []  # "bypass", "tokenizer", "passport"; a call or an index is code, not a value
    if match.re is _ASSIGNMENT:
        sep, rest = match.group("sep"), match.group("rest")
        if rest[:1].isalpha() and rest[:1].islower() == key[-1].islower() and rest.lower() != "s":
            return []  # the key word goes on: "passport", "keyboard", "author", "patch"
        if sep == "," and not (group == "quoted" and _first_argument(text, match.start("key"))):
            return []  # a comma joins a value only in a call: env('API_KEY', '...')
        quoted = group == "quoted" or sep in ("=", "==", ":=", "=>", "!=", "===", "!==")
        loose = False
    else:
        if match.group("glue") and (category == "PASSWORD" or not value[:1].isalnum()):
            return []  # "pass-through", "password-protected"; a glued value is a token
        quoted = group == "quoted"
        # "password X" with no "is"/":" between: X must look like a password itself
        loose = match.group("psep") is None and group == "bare"
        if match.group("nl") and text[end : end + 1] not in ("", "\n", "\r"):
            return []  # "access key" ending a line: only a value alone on the next line
    made = _gives_made_up(text, match, value, end, quoted=quoted, loose=loose)
    if made and category != "PASSWORD":
        return [(MADE_UP, start, end, MADE_UP_SCORE)]  # a key made up (a weak password is real)
    if credential_value(value, category, quoted=quoted, asked=asked and not loose):
        return [(category, start, end, 0.8)]
    if made:
        return [(MADE_UP, start, end, MADE_UP_SCORE)]
    if (
        quoted
        and key.lower() == "secret"
        and not (match.re is _ASSIGNMENT and match.group("rest"))
        and len(value) >= 8
        and password_like(value)
        and not _WORDS.fullmatch(value)
        and credential_value(value, "PASSWORD", quoted=True, asked=False)
    ):
        return [("PASSWORD", start, end, 0.75)]  # JWT: secret: "development#product"
    return []


def _gives_made_up(
    text: str, match: re.Match[str], value: str, end: int, *, quoted: bool, loose: bool
) -> bool:
    """Whether the keyword-led ``match`` gives its key a made-up value (``SECRET=abcdefgh...``,
    ``Password=secret;``, ``karma SECRET abcdefghijklmnopqrst``): a stock word counts quoted
    or ending a connection-string field; with no separator, only a long token-shaped one."""
    if loose:
        return len(value) >= 16 and made_up(value, quoted=False)
    if not _STOCK_KEY.search(match.group("key")):
        return made_up(value, quoted=False)  # "Key": "api_key": a stock word needs a secret's key
    if match.re is not _ASSIGNMENT or match.group("rest"):
        return made_up(value, quoted=False)  # passwordLabel: "Password", "password field: ..."
    name_start = match.start("key")
    while name_start > 0 and (text[name_start - 1].isalnum() or text[name_start - 1] == "_"):
        name_start -= 1
    if _bare_name(value) in (
        _bare_name(match.group("key")),
        _bare_name(text[name_start : match.end("key")]),
    ):
        return False  # password="password", token: token: the field's name, not a value
    # a stock word counts quoted, or bare in a field that ends there: Password=secret;
    tight = match.group(0)[match.end("key") - match.start() :].find(" ") < 0
    field = tight and text[end : end + 1] in ("", ";", "&", "\n", "\r")
    literal = match.group("quoted") is not None or field
    return made_up(value, quoted=quoted and literal and match.group("sep") != ",")


def _bare_name(name: str) -> str:
    return re.sub(r"[\W_]", "", name.lower())


def _inside_a_word(text: str, start: int, key: str) -> bool:
    """Whether the key starts inside a word (``bypass``), not at a word or camelCase part."""
    before = text[start - 1 : start]
    return before.isalpha() and not (before.islower() and key[:1].isupper())


def _first_argument(text: str, key_start: int) -> bool:
    """Whether the identifier holding the key is a call's first, quoted argument."""
    start = key_start
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.-"):
        start -= 1
    return bool(_CALL_OPEN.search(text, max(0, start - 4), start))


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without trailing sentence punctuation."""
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    return start, end


def _category(key: str) -> str:
    key = key.lower()
    if re.search(_PASSWORD_WORD, key) and not re.search(r"key|token|secret", key):
        return "PASSWORD"
    if "private" in key and "key" in key:
        return "PRIVATE_KEY"
    if "token" in key or "bearer" in key:
        return "ACCESS_TOKEN"
    return "API_KEY"


def _dedupe(hits: list[Hit]) -> list[Hit]:
    """Of overlapping hits, the highest-scoring (ties: the longest).

    The kept hits never overlap, so a new one needs checking only against its neighbours in
    start order: linear-logarithmic even for thousands of hits.
    """
    starts: list[int] = []
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (-h[3], h[1] - h[2])):
        at = bisect.bisect_left(starts, hit[1])
        neighbours = kept[max(0, at - 1) : at + 1]
        if not any(k[1] < hit[2] and hit[1] < k[2] for k in neighbours):
            starts.insert(at, hit[1])
            kept.insert(at, hit)
    return kept
