"""The forms one value takes between the text it came from and a tool call's arguments.

A model copies a value and reformats it: an IBAN written in groups of four is paid without the
spaces, ``(030) 4455-6677`` is dialled as ``+49 30 44556677``, ``archive-bot (at) mailvault
(dot) example`` is mailed as ``archive-bot@mailvault.example``, a wallet address spelled out one
character at a time is sent to in one piece. Tracing a value to its origin has to see through
these, or an obfuscated attacker value looks like one the model made up and a reformatted
legitimate one looks untraceable.
"""

from __future__ import annotations

import re
from functools import lru_cache

SOURCE_DIGITS = re.compile(r"\d(?:(?:[ \t\-/()]{1,3}|\.(?=\d))?\d)+")
"""A run of digits in text as people write numbers: groups split by spaces, dashes, slashes,
parentheses or dots."""
_MIN_PHONE_DIGITS = 9
_TRUNK_OR_COUNTRY = 3
"""Leading digits a number may lose between forms (a trunk ``0``, a country code)."""
_AT = r"\s*(?:@|[\[({<]\s*at\s*[\])}>]|\s+at\s+)\s*"
_DOT = r"\s*(?:\.|[\[({<]\s*dot\s*[\])}>]|\s+dot\s+)\s*"
_MAX_SPELLED = 80
SPELLED_KINDS = frozenset({"email", "token"})
"""Kinds of values ``spelled`` can find in an obfuscated spelling."""


def digits_match(value: str, run: str) -> bool:
    """Whether the digits ``value`` are the run ``run`` or part of it, allowing for a number
    that gained or lost a trunk prefix or country code (``+1 555 010 9999`` / ``(555)
    010-9999``)."""
    if value in run:
        return True
    return any(
        len(value) - cut >= _MIN_PHONE_DIGITS and value[cut:] in run
        for cut in range(1, _TRUNK_OR_COUNTRY + 1)
    )


@lru_cache(maxsize=512)
def _spelled_email(address: str) -> re.Pattern[str] | None:
    local, _, domain = address.partition("@")
    if not local or not domain:
        return None
    labels = _DOT.join(re.escape(label) for label in domain.split("."))
    # Lower-case text, no flags and a literal start: the engine scans for the prefix quickly.
    return re.compile(rf"{re.escape(local)}{_AT}{labels}(?![\w-])")


@lru_cache(maxsize=512)
def _spelled_token(token: str) -> re.Pattern[str] | None:
    if len(token) > _MAX_SPELLED:
        return None
    return re.compile(r"[\s\-]{0,3}".join(re.escape(ch) for ch in token))


def spelled(kind: str, value: str, text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of ``value`` (lower-cased) written in ``text`` (lower-cased) in an
    obfuscated form: an e-mail address with ``(at)``/``[dot]`` words, a token with spaces or
    dashes between characters."""
    if kind == "email":
        pattern = _spelled_email(value)
    elif kind == "token":
        pattern = _spelled_token(value)
    else:
        return []
    if pattern is None:
        return []
    return [(m.start(), m.end()) for m in pattern.finditer(text)]
