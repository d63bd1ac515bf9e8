"""Where an argument value came from, and what the text it came from was doing.

A value (account number, e-mail address, URL, file path) the user or developer wrote is
``user``. A value found only in no-authority text is graded by the text around each occurrence:

- ``data``: a field, a header, a list item, a link: the value is information (a search
  result's URL, a message's sender, an event's attendees, a listed path);
- ``directive``: an imperative governs it ("Contact support@vendor.example", "pay to IBAN ..."):
  an instruction, to a reader who may or may not be the assistant;
- ``injected``: an instruction aimed at the assistant: the injection detector flags the
  sentence or the one before it, or the imperative comes with tells (addressed to the AI,
  "instead", "from now on", "the account has changed", "don't tell the user"), or the value is
  a URL template waiting to be filled in (``?ssn={ssn}``);

and a value found nowhere is ``model`` (the model made it up or derived it). A value's origin is
the most benign of its occurrences: an address that is a message's ``From:`` is data even if
the body repeats it in a request.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rules.conversation import Source
from rules.cues import (
    ADDRESSED,
    DIRECTIVE,
    OVERRIDE,
    PASSIVE_DIRECTIVE,
    PLEASE,
    TELLS,
    TEMPLATE_FIELD,
)
from rules.variants import SOURCE_DIGITS, SPELLED_KINDS, digits_match, spelled

ValueKind = Literal["account", "email", "url", "path", "token", "text"]
Origin = Literal["user", "data", "model", "directive", "injected"]
RANK: dict[Origin, int] = {"user": 0, "data": 1, "model": 2, "directive": 3, "injected": 4}

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://([^\s/?#\"'<>\\]+)[^\s\"'<>]*")
_PATH = re.compile(
    r"(?<![\w/.:~\\-])(?:(?:~|\.{1,2})?/(?:[\w.@~-]+/)*[\w.@~-]*[A-Za-z][\w.@~-]*"
    r"|[A-Za-z]:\\(?:[\w .@~-]+\\)*[\w.@~-]+)"
)
_DIGITS = re.compile(r"\d(?:[ \-]?\d)+")
_TOKEN = re.compile(r"\b(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{16,}\b")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MIN_ACCOUNT_DIGITS = 8
_MIN_RUN_DIGITS = 6

# A sentence ends at a line break, a quote (JSON strings are their own sentences), a table
# cell, a tab, or ., ! or ? before a space.
_BREAK = re.compile(r"[\n\"|\t]|[.!?](?=\s|$)")
_WINDOW_BEFORE = 240
_OPEN_FIELD = re.compile(r"[?&][\w.-]+=$")
"""A URL ending in an empty query parameter: waiting for the reader to fill it in."""


@dataclass(frozen=True, slots=True)
class Value:
    """A checkable value found in a tool call's arguments."""

    kind: ValueKind
    text: str
    """Normalised: lower-cased e-mail, URL host or path; digits only for accounts."""
    raw: str = ""
    """The value as written (the whole URL for ``url``)."""


def values_in(
    text: str, kinds: Sequence[ValueKind] = ("account", "email", "url", "path", "token")
) -> list[Value]:
    """Checkable values in one string."""
    found = [Value("url", _host(m.group(1)), m.group()) for m in _URL.finditer(text)]
    rest = _URL.sub(" ", text)
    found += [Value("email", m.group().lower(), m.group()) for m in _EMAIL.finditer(rest)]
    rest = _EMAIL.sub(" ", rest)
    found += [
        Value("path", m.group().lower(), m.group())
        for m in _PATH.finditer(rest)
        if "/" in m.group() or "\\" in m.group()
    ]
    found += [
        Value("account", digits, m.group())
        for m in _DIGITS.finditer(rest)
        if not _ISO_DATE.fullmatch(m.group())
        and len(digits := re.sub(r"\D", "", m.group())) >= _MIN_ACCOUNT_DIGITS
    ]
    found += [Value("token", m.group().lower(), m.group()) for m in _TOKEN.finditer(rest)]
    return [value for value in found if value.kind in kinds]


class Corpus:
    """Text to look values up in: lower-cased, plus its digit runs without separators."""

    def __init__(self, texts: Sequence[str]):
        self.lower = "\n".join(texts).lower()
        self.runs = [
            digits
            for m in SOURCE_DIGITS.finditer(self.lower)
            if len(digits := re.sub(r"\D", "", m.group())) >= _MIN_RUN_DIGITS
        ]

    def has(self, value: Value, spelled_out: bool = False) -> bool:
        """Whether ``value`` occurs here, as written or reformatted (``rules.variants``; with
        ``spelled_out``, also in an obfuscated spelling)."""
        if value.kind == "account":
            return any(digits_match(value.text, run) for run in self.runs)
        if value.text in self.lower:
            return True
        return spelled_out and bool(spelled(value.kind, value.text, self.lower))


@dataclass(slots=True)
class Indexed:
    """A source prepared for lookups: lower-cased text, digit runs, sentence starts and the
    ranges the injection detector flagged."""

    source: Source
    lower: str
    runs: list[tuple[int, str]]
    starts: list[int]
    flagged: list[tuple[int, int]]
    cache: dict[tuple[int, int], Origin] = field(default_factory=dict)

    @classmethod
    def of(cls, source: Source, threshold: float) -> Indexed:
        """Index ``source``; findings scoring at least ``threshold`` count as flagged."""
        text = source.text
        runs = [
            (m.start(), re.sub(r"\D", "", m.group()))
            for m in SOURCE_DIGITS.finditer(text)
            if len(re.sub(r"\D", "", m.group())) >= _MIN_RUN_DIGITS
        ]
        starts = [0, *(m.end() for m in _BREAK.finditer(text))]
        flagged = [
            (f.start, f.end)
            for f in source.injections
            if f.score >= threshold and f.category != "scan_error"
        ]
        if not source.scanned:
            flagged = [(0, len(text))]
        return cls(source, text.lower(), runs, starts, flagged)

    def occurrences(self, value: Value, spelled_out: bool = False) -> list[tuple[int, int]]:
        """``(start, end)`` of every occurrence of ``value``, as written or reformatted (with
        ``spelled_out``, also as an obfuscated spelling: a slower search, for values found
        nowhere as written)."""
        if value.kind == "account":
            return [
                (s, s + len(value.text))
                for s, digits in self.runs
                if digits_match(value.text, digits)
            ]
        out: list[tuple[int, int]] = []
        at = self.lower.find(value.text)
        while at >= 0:
            out.append((at, at + len(value.text)))
            at = self.lower.find(value.text, at + 1)
        return out or (spelled(value.kind, value.text, self.lower) if spelled_out else [])

    def sentence(self, at: int) -> tuple[int, int]:
        """Bounds of the sentence around offset ``at``."""
        index = bisect.bisect_right(self.starts, at) - 1
        start = self.starts[max(index, 0)]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.lower)
        return start, end

    def previous(self, start: int) -> int:
        """Start of the sentence before the one starting at ``start`` (same paragraph)."""
        index = bisect.bisect_left(self.starts, start) - 1
        if index < 0:
            return start
        before = self.starts[index]
        return start if "\n\n" in self.lower[before:start] else before

    def grade(self, start: int, end: int) -> Origin:
        """What the text around the occurrence ``[start, end)`` was doing with it."""
        key = (start, end)
        if key not in self.cache:
            self.cache[key] = self._grade(start, end)
        return self.cache[key]

    def _grade(self, start: int, end: int) -> Origin:
        text = self.source.text
        s_start, s_end = self.sentence(start)
        token_end = end
        while (
            token_end < len(text) and not text[token_end].isspace() and text[token_end] not in "\"'"
        ):
            token_end += 1
        token = text[start:token_end]
        if TEMPLATE_FIELD.search(token) or _OPEN_FIELD.search(token):
            return "injected"
        before = self.previous(s_start)
        if any(a < s_end and before < b for a, b in self.flagged):
            return "injected"
        window = text[max(before, s_start - _WINDOW_BEFORE) : s_end]
        if ADDRESSED.search(window):
            return "injected"
        prefix = text[s_start:start].lstrip(" \t*->#0123456789.)(\u2022")
        if not (
            DIRECTIVE.search(prefix)
            or PLEASE.search(prefix)
            or PASSIVE_DIRECTIVE.search(prefix)
            # "X is to be added as an attendee": the request follows the value
            or PASSIVE_DIRECTIVE.search(text, token_end, s_end)
        ):
            # "the correct account is now ...": a payee swapped by the text, not a field.
            return "injected" if OVERRIDE.search(text[s_start:s_end]) else "data"
        return "injected" if TELLS.search(window) else "directive"

    def window(self, start: int) -> str:
        """The sentence around ``start`` and the one before it."""
        s_start, s_end = self.sentence(start)
        return self.source.text[self.previous(s_start) : s_end]

    def directives(self, pattern: re.Pattern[str], strict: bool) -> bool:
        """Whether some sentence here directs an action ``pattern`` matches in imperative
        position (``strict``: only one aimed at the assistant counts)."""
        for match in pattern.finditer(self.source.text):
            s_start, s_end = self.sentence(max(match.end() - 1, 0))
            if not strict:
                return True
            before = self.previous(s_start)
            if any(a < s_end and before < b for a, b in self.flagged):
                return True
            window = self.source.text[before:s_end]
            if TELLS.search(window) or ADDRESSED.search(window):
                return True
        return False


def origin_of(value: Value, trusted: Corpus, sources: Sequence[Indexed]) -> Origin:
    """The most benign origin among ``value``'s occurrences (spelled-out forms are looked for
    only when it occurs nowhere as written)."""
    for spelled_out in (False, True):
        if trusted.has(value, spelled_out):
            return "user"
        best: Origin | None = None
        for indexed in sources:
            for start, end in indexed.occurrences(value, spelled_out):
                grade = indexed.grade(start, end)
                if best is None or RANK[grade] < RANK[best]:
                    best = grade
                if best == "data":
                    return best
        if best is not None:
            return best
        if value.kind not in SPELLED_KINDS:
            break
    return "model"


def templates_in(text: str) -> list[str]:
    """The URLs ``text`` leaves open for the reader to fill in, lower-cased and cut where the
    filling goes (``https://x.example/api?readings=``, ``https://x.example/c?ssn=``)."""
    out: list[str] = []
    for match in _URL.finditer(text):
        url = match.group()
        if _OPEN_FIELD.search(url):
            out.append(url.lower())
        elif placeholder := TEMPLATE_FIELD.search(url):
            out.append(url[: placeholder.start() + 1].lower())
    return out


def _host(netloc: str) -> str:
    host = netloc.rpartition("@")[2].lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0]
