"""Where a user message quotes or pastes material instead of speaking in its own words.

``quoted_regions`` finds fenced code blocks, triple-quoted strings, block quotes, regions between
a pair of separator lines, JSON / XML / YAML blobs, long inline quotations, forwarded e-mails and
documents introduced as pasted ("Here is the article:"). Everything else is the user's own request
and is never marked. Delimited forms win over heuristic ones, and the heuristic forms that run to
the end of the message (e-mail, pasted document) are only used when nothing delimited starts
right where they would.

``code_spans`` finds fenced blocks and inline code spans, for the forged-turn rule.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_FENCE_OPEN = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[^\n]*$", re.M)
_INLINE_CODE = re.compile(r"(?<!`)(`{1,2})(?!`)[^`\n]+?(?<!`)\1(?!`)")
_TRIPLE = re.compile(r"(\"\"\"|''')(?:.|\n)*?\1")
_BLOCKQUOTE = re.compile(r"(?:^[ \t]{0,3}>[^\n]*(?:\n|\Z))+", re.M)
_SEPARATOR = re.compile(r"^[ \t]*(?:-{3,}|={3,}|\*{3,}|_{3,})[ \t]*$", re.M)
# Quotes pair left to right within a line; only long quotations count (see _MIN_INLINE_QUOTE).
_INLINE_QUOTE = re.compile(r"\"[^\"\n]*\"|\u201c[^\u201d\n]*\u201d")
_MIN_INLINE_QUOTE = 60
_BRACKET = re.compile(r"[{\[]")
# Start tags are bounded (attributes may span lines): an unbounded ``[^<>]*`` rescans the rest
# of the text from every line that starts like a tag, which is quadratic.
_XML_OPEN = re.compile(
    r"^[ \t]*(<\?xml[^>]{0,500}\?>|<([A-Za-z_][\w:.-]*)(?:\s[^<>]{0,500})?>)", re.M
)
_XML_CLOSE = re.compile(r"</([A-Za-z_][\w:.-]*)\s*>")
_YAML_LINE = re.compile(
    r"^(?:[ \t]*(?:- )?[A-Za-z_][\w.-]*:(?:[ \t]+[^\n]*)?|[ \t]+-[ \t]+[^\n]*|---[ \t]*)$"
)
_EMAIL_START = re.compile(
    r"^[ \t>]*(?:-{2,}[ \t]*(?:Forwarded message|Original Message)[ \t]*-{2,}"
    r"|Begin forwarded message:"
    r"|From:[^\n]*\n[ \t>]*(?:Sent|Date|To|Subject):)",
    re.M | re.I,
)
_DOC_INTRO = re.compile(
    r"^[^\n]{0,160}\b(?:this|these|following|below|here(?:'s| is| are)?|pasted|attached)\b"
    r"[^\n]{0,80}\b(?:article|document|e-?mail|message|text|page|transcript|post|review"
    r"|excerpt|passage|report|letter|essay|paper|thread|comment|chat|content|file|snippet"
    r"|paragraph|note|memo|story|description|notes|output|log)s?\b[^\n]{0,40}:[ \t]*\n",
    re.M | re.I,
)
_MAX_JSON_TRIES = 32
MAX_REGIONS = 64
"""Regions kept apart per text; the rest merge into one region running to the end of the last.
Each region is scanned on its own, so this bounds the scans a message can cause (a message of
100,000 code fences is one scan more, not 50,000)."""
_DELIMITED = ("code", "triple_quote", "separated", "block_quote", "json", "xml", "yaml", "quote")


@dataclass(frozen=True, slots=True)
class Region:
    """A quoted or pasted stretch of a user message."""

    start: int
    """Offset of the first character."""
    end: int
    """Offset just past the last character."""
    kind: str
    """``code``, ``triple_quote``, ``block_quote``, ``separated``, ``json``, ``xml``, ``yaml``,
    ``quote`` (inline), ``email``, ``document``, or ``merged`` (past ``MAX_REGIONS``)."""


def fenced_blocks(text: str, limit: int | None = None) -> list[tuple[int, int]]:
    """Fenced code blocks, each from its opening line to the end of its closing line (newline
    included); an unclosed fence runs to the end, as in CommonMark. With ``limit``, the
    ``limit``-th block runs to the end of the text (cheap: later blocks are never looked at)."""
    blocks: list[tuple[int, int]] = []
    position = 0
    while (opening := _FENCE_OPEN.search(text, position)) is not None:
        fence = opening.group(1)
        closing = re.compile(rf"^[ \t]{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.M)
        last = limit is not None and len(blocks) + 1 >= limit
        close = (
            closing.search(text, opening.end() + 1)
            if opening.end() < len(text) and not last
            else None
        )
        end = len(text) if close is None else min(close.end() + 1, len(text))
        blocks.append((opening.start(), end))
        position = end
        if end >= len(text):
            break
    return blocks


def code_spans(text: str) -> list[tuple[int, int]]:
    """Fenced blocks and inline code spans, sorted and disjoint."""
    spans = fenced_blocks(text) if "```" in text or "~~~" in text else []
    if "`" not in text:
        return spans
    inline: list[tuple[int, int]] = []
    cursor = 0
    for start, end in [*spans, (len(text), len(text))]:
        inline += [
            (cursor + m.start(), cursor + m.end())
            for m in _INLINE_CODE.finditer(text[cursor:start])
        ]
        cursor = end
    return sorted(spans + inline)


def quoted_regions(text: str) -> list[Region]:
    """Quoted or pasted regions of ``text``, sorted and disjoint."""
    # Each form is looked for only when its tell-tale character occurs at all (cheap checks).
    candidates: list[Region] = []
    if "```" in text or "~~~" in text:
        candidates += [
            Region(start, end, "code") for start, end in fenced_blocks(text, MAX_REGIONS)
        ]
    if '"' in text or "'" in text or "\u201c" in text:
        candidates += [Region(m.start(), m.end(), "triple_quote") for m in _TRIPLE.finditer(text)]
        candidates += [
            Region(m.start(), m.end(), "quote")
            for m in _INLINE_QUOTE.finditer(text)
            if m.end() - m.start() - 2 >= _MIN_INLINE_QUOTE
        ]
    if ">" in text:
        candidates += [
            Region(m.start(), m.end() - (m.group().endswith("\n")), "block_quote")
            for m in _BLOCKQUOTE.finditer(text)
        ]
        candidates += _xml_blobs(text)
    if "---" in text or "===" in text or "***" in text or "___" in text:
        candidates += _separated(text)
    if "{" in text or "[" in text:
        candidates += _json_blobs(text)
    if ":" in text:
        candidates += _yaml_blobs(text)
    delimited = _disjoint(candidates)
    heuristic = [
        region
        for region in _to_end(text)
        if not any(
            _first_line(text, region) <= d.start < _first_line_end(text, region)
            or d.start <= region.start < d.end
            for d in delimited
        )
    ]
    return [_trimmed(text, region) for region in _capped(_disjoint(delimited + heuristic))]


def _capped(regions: list[Region]) -> list[Region]:
    """At most ``MAX_REGIONS`` regions: the ones past the limit merge with everything between
    them, which is then treated as quoted too (marked and scanned, never skipped)."""
    if len(regions) <= MAX_REGIONS:
        return regions
    keep = regions[: MAX_REGIONS - 1]
    return [*keep, Region(regions[MAX_REGIONS - 1].start, regions[-1].end, "merged")]


def own_words(text: str) -> str:
    """The parts of a user message that are not quoted or pasted, joined by newlines."""
    pieces: list[str] = []
    cursor = 0
    for region in quoted_regions(text):
        pieces.append(text[cursor : region.start])
        cursor = region.end
    pieces.append(text[cursor:])
    return "\n".join(piece.strip() for piece in pieces if piece.strip())


def _trimmed(text: str, region: Region) -> Region:
    """``region`` without leading and trailing whitespace."""
    start, end = region.start, region.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Region(start, end, region.kind)


def _disjoint(regions: list[Region]) -> list[Region]:
    """Earliest first, the longest (then the delimited kind) on a tie; overlaps dropped."""
    rank = {kind: index for index, kind in enumerate(_DELIMITED)}
    ordered = sorted(regions, key=lambda r: (r.start, -(r.end - r.start), rank.get(r.kind, 99)))
    chosen: list[Region] = []
    for region in ordered:
        if region.end > region.start and (not chosen or region.start >= chosen[-1].end):
            chosen.append(region)
    return chosen


def _first_line(text: str, region: Region) -> int:
    """Start of the first non-blank line of ``region``."""
    position = region.start
    while position < region.end and text[position] in " \t\n":
        position += 1
    return text.rfind("\n", 0, position) + 1


def _first_line_end(text: str, region: Region) -> int:
    end = text.find("\n", _first_line(text, region))
    return len(text) if end == -1 else end


def _separated(text: str) -> list[Region]:
    lines = list(_SEPARATOR.finditer(text))
    return [
        Region(first.start(), second.end(), "separated")
        for first, second in zip(lines[::2], lines[1::2], strict=False)
    ]


def _json_blobs(text: str) -> list[Region]:
    """Objects or arrays at a line start, and objects after a space or colon mid-line."""
    decoder = json.JSONDecoder()
    found: list[Region] = []
    tries = 0
    for match in _BRACKET.finditer(text):
        start = match.start()
        if found and start < found[-1].end:
            continue
        line_start = text.rfind("\n", max(0, start - 40), start) + 1
        at_line_start = (line_start > 0 or start < 40) and not text[line_start:start].strip(" \t")
        inline = match.group() == "{" and start > 0 and text[start - 1] in " \t:"
        if not (at_line_start or inline):
            continue
        tries += 1
        if tries > _MAX_JSON_TRIES:
            break
        try:
            value, end = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):  # thousands of "[" nest past the stack
            continue
        # Mid-line, only an object counts: "sum of [1, 2, 3]" is the user's own words.
        if value and (isinstance(value, dict) or (at_line_start and isinstance(value, list))):
            found.append(Region(start, end, "json"))
    return found


def _xml_blobs(text: str) -> list[Region]:
    """From an opening tag to the last closing tag of its name (any name after ``<?xml``)."""
    # The last closing tag of each name, found in one pass: looking for closings after every
    # opening tag again would be quadratic.
    last: dict[str | None, tuple[int, int]] = {}
    for closing in _XML_CLOSE.finditer(text):
        last[closing.group(1)] = last[None] = (closing.start(), closing.end())
    found: list[Region] = []
    for match in _XML_OPEN.finditer(text):
        if found and match.start() < found[-1].end:
            continue
        start, end = last.get(match.group(2), (-1, -1))
        if start >= match.end():
            found.append(Region(match.start(1), end, "xml"))
    return found


def _yaml_blobs(text: str) -> list[Region]:
    """Three or more YAML-looking lines with some nesting (an indented or list line)."""
    found: list[Region] = []
    run: list[tuple[int, int, str]] = []
    offset = 0
    for line in [*text.split("\n"), None]:
        if line is not None and line.strip() and _YAML_LINE.match(line):
            run.append((offset, offset + len(line), line))
        else:
            nested = any(item[2][:1] in " \t-" for item in run[1:])
            if len(run) >= 3 and nested:
                found.append(Region(run[0][0], run[-1][1], "yaml"))
            run = []
        offset += len(line) + 1 if line is not None else 0
    return found


def _to_end(text: str) -> list[Region]:
    """Forwarded e-mails and introduced documents: from their start to the end of the text."""
    if ":" not in text and "--" not in text:
        return []
    regions = [Region(m.start(), len(text), "email") for m in _EMAIL_START.finditer(text)][:1]
    intro = _DOC_INTRO.search(text)
    if intro is not None and text[intro.end() :].strip():
        regions.append(Region(intro.end(), len(text), "document"))
    return regions
