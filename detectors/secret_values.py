"""Whether a string after a secret keyword is a credential (the value tests of ``secrets``).

Placeholders (``<your-password>``, ``${DB_PASSWORD}``, ``****``, ``xxxxx``), code references
(``os.environ[...]``, ``getPassword()``, paths, CSS selectors) and words that follow "password
is" in advice ("incorrect", "required", "case-sensitive") are not credentials. A key or token must
look random (detect-secrets' Shannon entropy over the base64 alphabet); a password must mix
character classes unless it is quoted, assigned in code, or was asked for. A value that is
given but looks made up (alphabet runs, repeats, a quoted stock word) is ``made_up``.
"""

from __future__ import annotations

import base64
import functools
import itertools
import re
import string

from detect_secrets.filters.heuristic import (
    is_potential_uuid,
    is_sequential_string,
    is_templated_secret,
)
from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString

_ENTROPY = Base64HighEntropyString()
_PLACEHOLDER = re.compile(
    r"(?i)^(?:<[^>]*>|\$\{?[\w.]+\}?|%\(?\w*\)?s|\{\{?[^}]*\}?\}|\*+|x{3,}|\.{3}|…|"
    r"your[\w-]*|my[_-]?\w*|example\w*|sample\w*|placeholder|redacted|hidden|none|null|nil|"
    r"true|false|undefined|empty|required|optional|os\.\w+.*|env\.\w+.*|process\.env.*|"
    r"getenv.*|config\.\w+.*|settings\.\w+.*|self\.\w+|\w+\(.*|\[.*|secret|password|token|key|"
    r"changeme|\*\*\*\*|&lt;.*|arn:.*)$"
)
# Words a made-up value may be (``Password=secret;``, ``password 'password'``): made up, given.
_STOCK_WORDS = frozenset(("secret", "password", "passwd", "pass", "token", "apikey", "api_key"))
# Code, paths and markup after a password key: a reference to a secret, not the secret.
_CODE_VALUE = re.compile(
    r"^[#+.,/&|\\]|[()\[\]]|://|/.*/|^\$[A-Za-z_]+$|^\$\w*[A-Z_]{3}|"
    r"^[A-Z][A-Z0-9]*_[A-Z0-9_]+$"  # a constant or variable name: SMTP_PASSWORD
)
# Words that follow "password is" in advice, not a password: "the password is incorrect".
_NOT_A_VALUE = re.compile(
    r"(?i)^(?:a|an|the|not|no|never|also|too|very|so|only|being|been|be|is|are|was|were|to|"
    r"that|this|these|those|it|its|which|what|set|sent|stored|saved|kept|encrypted|hashed|"
    r"salted|required|needed|incorrect|wrong|invalid|correct|valid|expired|weak|strong|secure|"
    r"insecure|case[- ]sensitive|reset|changed|shown|displayed|masked|hidden|protected|"
    r"managed|generated|used|reused|long|short|empty|blank|missing|unknown|private|public|"
    r"confidential|sensitive|secret|safe|unsafe|compromised|leaked|field|manager|policy|"
    r"prompt|hint|length|requirements?|rules?|and|or|but|for|with|from|in|on|at|by|of|if|"
    r"you|your|yours|my|mine|his|her|hers|their|our|we|they|i|me|he|she|them|can|can't|"
    r"cannot|will|should|must|may|might|could|would|do|does|did|has|have|had|here|there|"
    r"below|above|again|yet|now|then|later|first|based|known|available|provided|listed|"
    r"included|attached|authentication|login|access|rotation|file|store|vault|one|same|"
    r"different|unique|each|every|all|any|some|such|like|as|than|because|since|until|"
    r"when|where|who|how|why|please|must|sign|log|enter|type|paste|copy|share|sharing|"
    r"authorization|authorisation|header|value|string|variable|parameter|argument|"
    r"setting|settings|option|name|names|id|ids|type|types|format|pair|pairs)$"
)
_LOWER_WORD = re.compile(r"^[a-z]+$")
_REPEATS = re.compile(r"(?i)x{5,}|(.)\1{7,}")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_WORD_RUN = re.compile(r"[A-Z][a-z]{2,}|[a-z]{4,}")
_IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$")
_EXAMPLE_PARTS = (
    "example", "sample", "dummy", "placeholder", "your_", "your-", "_here", "xxxx", "***", "...",
    "<", ">", "redacted", "changeme", "insert_", "insert-", "replaceme", "replace_me", "replace-me",
)  # fmt: skip
_DIGIT = re.compile(r"\d")
_SIX_LETTERS_OR_DIGITS = re.compile(r"[A-Za-z]{6,}|\d{6,}")


def credential_value(value: str, category: str, *, quoted: bool, asked: bool) -> bool:
    """Whether ``value`` after a secret keyword is a credential, not a placeholder or a word.

    ``quoted`` (a quoted value or a code assignment) accepts a plain word as a password; so
    does ``asked`` (the user asked for someone's password).
    """
    value = value.strip()
    if category != "PASSWORD" and not _DIGIT.search(value):
        return False  # a key or token has digits (cheap first: every later test is costlier)
    if len(value) < 4 or _PLACEHOLDER.match(value) or is_templated_secret(value):
        return False
    if is_example(value) or attribute_reference(value):
        return False
    if is_sequential_string(value) or _REPEATS.search(value) or "://" in value:
        return False
    if category == "PASSWORD" and _CODE_VALUE.search(value):
        return False
    if " " in value:
        return quoted and category == "PASSWORD" and len(value.split()) <= 4
    if category != "PASSWORD":
        return is_potential_uuid(value) or random_looking(value)
    if _NOT_A_VALUE.match(value):
        return False
    if _LOWER_WORD.match(value):
        return quoted or asked
    return password_like(value) or quoted or asked


@functools.lru_cache(maxsize=4096)  # a repeated text judges each distinct value once
def made_up(value: str, *, quoted: bool) -> bool:
    """A value given to a credential-named key that looks made up, not generated.

    ``credential_value`` turned it down, yet it is a specific value, not a placeholder
    (``<TOKEN>``, ``${VAR}``, ``xxxx``, ``your-key``, ``...EXAMPLE``, ``changeme``, ``****``), a
    code reference (``get_password()``, ``os.environ[...]``, ``SMTP_PASSWORD``) or advice
    ("incorrect"): an alphabet or digit run (``abcdefghijklmnop``, ``ABCdefGHIjkl``), a run of
    one character or a short repeated unit (``aaaabbbb``, ``abcdefabcdef``), or, quoted, a stock
    word (``"secret"``, ``'password'``). A statement that gives it to a credential still reads
    as one, so ``secrets`` reports it at a lower score under ``SECRET``, which is redacted.
    """
    value = value.strip()
    if " " in value or len(value) < 6 or len(value) > 256:
        return False
    lower = value.lower()
    if lower in _STOCK_WORDS:
        return quoted
    if _PLACEHOLDER.match(value) or is_templated_secret(value) or is_example(value):
        return False
    if attribute_reference(value) or _CODE_VALUE.search(value) or _NOT_A_VALUE.match(value):
        return False
    if "://" in value or re.search(r"(?i)x{4,}|\*{3,}|#{3,}|\.{3}", value):
        return False  # a URL, or a value masked or elided on purpose
    alnum = [c for c in lower if c.isalnum()]
    if alnum.count("0") >= 0.75 * len(alnum):
        return False  # a null value: 00000000-0000-0000-0000-000000000000
    if _LOWER_WORD.match(value) and word_like(value):
        return False  # a word ("development"), not a made-up token
    return (
        any(alphabet_run(m.group(), 6) for m in _SIX_LETTERS_OR_DIGITS.finditer(value))
        or (len(value) <= 24 and _run_cover(value) >= 0.8)
        or is_sequential_string(value)
        or re.search(r"(.)\1{5,}", value) is not None
        or _repeated_unit(lower)
        or (len(value) >= 12 and len(set(lower)) <= min(10, len(value) // 4))
    )


def _run_cover(value: str) -> float:
    """The share of ``value`` in runs of 3+ characters in alphabet or digit order
    (``abcd1234``: 1.0; ``abc123def456``: 1.0; a generated ``q8Zr3Lk9``: 0)."""
    run, total = 1, 0
    for previous, char in itertools.pairwise(value.lower()):
        if ord(char) - ord(previous) == 1:
            run += 1
            continue
        total += run if run >= 3 else 0
        run = 1
    total += run if run >= 3 else 0
    return total / len(value) if value else 0.0


def _repeated_unit(value: str) -> bool:
    """Whether ``value`` is a short unit repeated (``abcdefabcdef``, ``xyzxyzxyz12``)."""
    for size in range(2, min(9, len(value) // 2 + 1)):
        unit = value[:size]
        repeats = len(value) // size
        if repeats >= 3 and value.startswith(unit * repeats):
            return True
    return False


def password_like(value: str) -> bool:
    """Two or more character classes (a password, not a word): ``W!nter2024``, ``hunter2``."""
    classes = (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value[1:])
        + any(c.isdigit() for c in value)
        + any(c in string.punctuation for c in value)
    )
    return classes >= 2 and not value.isdigit()


def random_looking(value: str) -> bool:
    """A key or token: long enough and with the entropy of a random string, not words."""
    if len(value) < 12 or not _DIGIT.search(value) or word_like(value):
        return False
    return float(_ENTROPY.calculate_shannon_entropy(value)) >= 3.0


def word_like(value: str) -> bool:
    """Mostly words: capitalised or lower-case letter runs with an English share of vowels
    (``AuthenticationTokenProvider2``, ``SetSlowCompTauX20``, ``feature_branch_2024``), not a
    random string (random letters have ~20 % vowels; 1-3 % of random 32-character tokens
    pass for words)."""
    runs = _WORD_RUN.findall(value)
    if _HEX.match(value) or sum(map(len, runs)) < 0.6 * len(value):
        return False
    letters = "".join(runs).lower()
    share = 0.25 if any(c.isupper() for c in value) else 0.33
    return sum(c in "aeiou" for c in letters) >= share * len(letters)


def attribute_reference(value: str) -> bool:
    """A dotted name made of short or word-like parts (``MCPAuth.oauth2``,
    ``form_data.client_secret``): code that refers to a secret, not the secret itself."""
    parts = value.split(".")
    return (
        len(parts) > 1
        and all(_IDENTIFIER.match(part) for part in parts)
        and all(len(part) < 12 or word_like(part) or "_" in part for part in parts)
    )


def alphabet_run(value: str, length: int = 8) -> bool:
    """Whether ``value`` holds ``length`` consecutive characters in alphabet or digit order
    (``abcdefgh``, ``12345678``, ``zyxwvuts``): a made-up example, not a generated secret."""
    run = up = down = 1
    for previous, char in itertools.pairwise(value):
        step = ord(char.lower()) - ord(previous.lower())
        up = up + 1 if step == 1 else 1
        down = down + 1 if step == -1 else 1
        run = max(run, up, down)
    return run >= length


def basic_credentials(value: str) -> bool:
    """A base64 ``user:password`` pair (HTTP Basic authentication)."""
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return False
    user, colon, password = decoded.partition(":")
    return bool(colon and user and password and decoded.isprintable())


def random_tail(tail: str) -> bool:
    """The tail of a prefixed token (``_``/``-`` inside ignored) that looks random, not words.

    Mixed case and digits with a random string's entropy; or 32+ hex characters; or 24+
    single-case letters and digits, at least 15 % digits, with high entropy (base36 keys).
    """
    value = tail.replace("_", "").replace("-", "")
    if len(value) < 20 or not any(c.isdigit() for c in value) or value.isdigit():
        return False
    if word_like(value):
        return False
    entropy = float(_ENTROPY.calculate_shannon_entropy(value))
    if any(c.isupper() for c in value) and any(c.islower() for c in value):
        return entropy >= 3.8
    if _HEX.match(value):
        return len(value) >= 32 and entropy >= 3.0
    digits = sum(c.isdigit() for c in value)
    return len(value) >= 24 and digits >= 0.15 * len(value) and entropy >= 4.0


def is_example(value: str) -> bool:
    """A documented example or placeholder token: ``AKIAIOSFODNN7EXAMPLE``, ``sk-xxxx``,
    ``your_api_key_here``, ``<token>``, ``****``."""
    lower = value.lower()
    return any(part in lower for part in _EXAMPLE_PARTS)
