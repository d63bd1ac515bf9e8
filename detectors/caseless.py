"""Case-insensitive patterns run faster with the same matches.

Python's ``re`` compares every character of an ``IGNORECASE`` pattern through a case fold and
its Unicode tables; on most texts the same matches come out of cheaper variants of the pattern:

- **ASCII text** (``str.isascii``): the pattern with ``re.ASCII``, which changes the meaning of
  ``\\w``, ``\\b``, ``\\s``, ``\\d`` and case folding only for non-ASCII characters.
- **lower-cased text** (same length as the text, so offsets agree): the pattern *without*
  ``IGNORECASE`` finds the same spans on ``text.lower()`` when every literal in its source is
  lower-case, as long as the text holds no dotless i (U+0131) or long s (U+017F): the only
  characters ``re`` folds onto an ASCII letter that ``str.lower`` leaves alone
  (``re._casefix``).

``finditer`` picks the fastest variant that is exact for the text (both on ASCII text, the
lower-cased one on other texts that allow it, else the pattern itself); ``finditer_lowered``
does the same for a pattern meant to run on the lower-cased text itself. A match's groups are
read from the text it ran on, which may be the lower-cased one; its offsets always fit the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_ESCAPES = re.compile(r"\\[A-Za-z]|\\U[0-9a-fA-F]{8}|\\u[0-9a-fA-F]{4}")
_UNFOLDED = ("\u0131", "\u017f")
"""Characters ``re`` matches to ``i`` and ``s`` under IGNORECASE that ``str.lower`` keeps."""


@dataclass(frozen=True, slots=True)
class Haystack:
    """A text prepared once for many patterns."""

    text: str
    """The text as given."""
    lowered: str
    """``text.lower()``."""
    ascii: bool
    """The text is all ASCII."""
    plain: bool
    """``lowered`` holds no U+0131 or U+017F (case-sensitive matching on it is exact)."""
    foldable: bool
    """Matching ``lowered`` in place of ``text`` is exact (``plain`` and the same length)."""


def haystack(text: str, lowered: str | None = None) -> Haystack:
    """``text`` prepared for ``finditer`` (``lowered`` is ``text.lower()`` when known)."""
    lowered = text.lower() if lowered is None else lowered
    plain = not any(c in lowered for c in _UNFOLDED)
    return Haystack(text, lowered, text.isascii(), plain, plain and len(lowered) == len(text))


@dataclass(frozen=True, slots=True)
class _Variants:
    unicode_lowered: re.Pattern[str] | None
    ascii_text: re.Pattern[str]
    ascii_lowered: re.Pattern[str] | None


_VARIANTS: dict[re.Pattern[str], _Variants] = {}


def _variants(pattern: re.Pattern[str]) -> _Variants:
    found = _VARIANTS.get(pattern)
    if found is None:
        flags = pattern.flags
        ascii_flags = (flags & ~re.UNICODE) | re.ASCII
        lowerable = bool(flags & re.IGNORECASE) and not any(
            c.isupper() for c in _ESCAPES.sub("", pattern.pattern)
        )
        found = _Variants(
            re.compile(pattern.pattern, flags & ~re.IGNORECASE) if lowerable else None,
            re.compile(pattern.pattern, ascii_flags),
            re.compile(pattern.pattern, ascii_flags & ~re.IGNORECASE) if lowerable else None,
        )
        _VARIANTS[pattern] = found
    return found


def prepare(patterns: Iterable[re.Pattern[str]]) -> None:
    """Compile the variants of ``patterns`` now (at import) rather than on a first request."""
    for pattern in patterns:
        _variants(pattern)


def variant(pattern: re.Pattern[str], hay: Haystack) -> tuple[re.Pattern[str], str]:
    """The fastest variant of ``pattern`` that is exact for ``hay`` and the string it runs on
    (``hay.text`` or ``hay.lowered``): its matches have the spans of ``pattern``'s in the text."""
    fast, lowered = variant_for(pattern, hay.ascii, hay.foldable)
    return fast, hay.lowered if lowered else hay.text


def variant_for(
    pattern: re.Pattern[str], ascii: bool, foldable: bool
) -> tuple[re.Pattern[str], bool]:
    """``variant`` for a haystack with these ``ascii`` and ``foldable`` flags: the pattern,
    and whether it runs on the lower-cased text."""
    variants = _variants(pattern)
    if ascii:
        if variants.ascii_lowered is not None:
            return variants.ascii_lowered, True
        return variants.ascii_text, False
    if foldable and variants.unicode_lowered is not None:
        return variants.unicode_lowered, True
    return pattern, False


def finditer(pattern: re.Pattern[str], hay: Haystack) -> Iterator[re.Match[str]]:
    """The matches of ``pattern`` in ``hay.text`` (same spans as ``pattern.finditer``)."""
    fast, string = variant(pattern, hay)
    return fast.finditer(string)


def finditer_lowered(
    pattern: re.Pattern[str], hay: Haystack, pos: int, endpos: int
) -> Iterator[re.Match[str]]:
    """The matches of ``pattern`` in ``hay.lowered[pos:endpos]`` (same as
    ``pattern.finditer(hay.lowered, pos, endpos)``)."""
    variants = _variants(pattern)
    if hay.ascii and variants.ascii_lowered is not None:
        return variants.ascii_lowered.finditer(hay.lowered, pos, endpos)
    if hay.plain and variants.unicode_lowered is not None:
        return variants.unicode_lowered.finditer(hay.lowered, pos, endpos)
    return pattern.finditer(hay.lowered, pos, endpos)
