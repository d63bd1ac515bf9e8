"""How untrusted text is cut into the segments the injection model scores.

Sentences of prose lines, table rows, JSON string fields and records, and whole fenced code
blocks (pieces without a word are dropped). The document gets a kind: ``json`` (a tool/API
result), ``table``, ``email`` (two or more header fields), ``code``, ``prose``, or ``alone``
(one or two sentences).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from detectors.alternation import Alternation, accelerated, spans
from detectors.caseless import haystack

_M = re.IGNORECASE | re.MULTILINE
_LINE = re.compile(r"[^\n]+")
_WORDY = re.compile(r"[^\W\d_]{3}")
_EMAIL_FIELD = r"[ \t]*(?:subject|from|to|cc|date|sent|received date|email_from)[ \t]*:"
_EMAIL_HEADER = re.compile(rf"(?:^|\|){_EMAIL_FIELD}", _M)
_EMAIL_HEADERS = accelerated(
    # The same matches, found from the literal "\n" or "|" before a field (a line branch).
    [Alternation(_EMAIL_HEADER, (f"^{_EMAIL_FIELD}", rf"\|{_EMAIL_FIELD}"), 0x42068E52)]
)
_CLOSE = r"[.!?]*+[\"'\u201d\u2019)\]]*+(?=\s*[A-Z\"'\u201c\u2018(\[<]|\s*$)"
_BLOCK = r"<(?=(?:p|div|li|h[1-6]|tr|td|section|article|span)\b)"
_BOUNDARY = re.compile(
    # Every branch begins with a literal character, so ``re`` skips to the candidates instead
    # of trying each at every position: ``[.!?]++`` is spelled as one branch per first stop.
    rf"\.{_CLOSE}|!{_CLOSE}|\?{_CLOSE}|\||\",[ \t]*(?=\")|\\n(?:\\n)*|\}}[ \t]*,[ \t]*(?=\{{)|"
    rf"{_BLOCK}"
)
"""Where a line is cut: a sentence end (stops and closing quotes before a capital, a tag or
the line end), a table cell, a JSON field or record, literal ``\\n`` runs, and the start of an
HTML block (``<p style="display:none">`` hides a paragraph of its own). A cell's ``|`` and a
block's ``<`` begin the next piece; the other boundaries end the one before."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One unit the model scores."""

    start: int
    """Offset of the first character."""
    end: int
    """Offset after the last character."""
    kind: str
    """``prose`` (a sentence), ``row`` (a table row) or ``code`` (a fenced block)."""


def segment(text: str) -> tuple[list[Segment], str]:
    """The segments of ``text`` and the document kind (``json``, ``table``, ``email``,
    ``code``, ``prose``, ``alone``)."""
    segments: list[Segment] = []
    fenced = False
    block: tuple[int, int] | None = None
    for line in _LINE.finditer(text):
        stripped = line.group().strip()
        if not stripped:
            continue
        if stripped.startswith("```"):
            if fenced and block:
                segments.append(Segment(block[0], block[1], "code"))
            fenced, block = not fenced, None
        elif fenced:
            block = (block[0] if block else line.start(), line.end())
        elif stripped.startswith("|"):
            segments.append(Segment(line.start(), line.end(), "row"))
        else:
            segments += _sentences(line.group(), line.start())
    if fenced and block:
        segments.append(Segment(block[0], block[1], "code"))
    # Punctuation-only pieces (a JSON "}," line, a table rule) carry no words to judge.
    segments = [s for s in segments if _WORDY.search(text, s.start, s.end)]
    kinds = Counter(s.kind for s in segments)
    if text.lstrip()[:1] in ("{", "["):
        doc = "json"
    elif kinds["row"] >= max(2, kinds["prose"]):
        doc = "table"
    elif _email_headers(text[:2000]) >= 2:
        doc = "email"
    elif kinds["code"]:
        doc = "code"
    elif kinds["prose"] <= 2:
        doc = "alone"
    else:
        doc = "prose"
    return segments, doc


def _email_headers(head: str) -> int:
    """How many e-mail header fields ``head`` has, counting up to two."""
    return min(len(spans(_EMAIL_HEADER, haystack(head), _EMAIL_HEADERS)), 2)


def _sentences(line: str, offset: int) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    cuts: list[tuple[int, int]] = []  # (end of this piece, start of the next)
    for m in _BOUNDARY.finditer(line):
        if m.group() == "<":  # a block's tag begins the next piece
            cuts.append((m.start(), m.start()))
        elif m.group() == "|":  # a cell's bar belongs to neither
            cuts.append((m.start(), m.end()))
        else:  # a stop or a separator ends this one
            cuts.append((m.end(), m.end()))
    for end, following in [*cuts, (len(line), len(line))]:
        part = line[pos:end]
        if part.strip():
            lead = len(part) - len(part.lstrip())
            out.append(Segment(offset + pos + lead, offset + pos + len(part.rstrip()), "prose"))
        pos = following
    return out
