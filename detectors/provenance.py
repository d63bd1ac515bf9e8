"""Provenance: which parts of an output reproduce text the user supplied in this request.

The Model Spec's transformation exception (translating, summarising or reformatting the user's
own text is allowed even when it holds personal data or protected text) needs to know which
output spans came from the user. Two questions are answered here:

- ``supplied_spans``: character spans of an output that reproduce a run of at least ``min_words``
  consecutive words of a source. Words are ``\\w+`` runs compared after NFKC and case folding,
  so punctuation, spacing, line breaks and case do not matter. Matching uses a hash set of the
  sources' word n-grams, so it is linear in the length of text and sources.
- ``SuppliedText.has_value``: whether a short value (an SSN, an e-mail, a card number) occurs in
  the sources once case and separators are ignored, so ``123-45-6789`` pasted by the user and
  written back as ``123 45 6789`` counts as supplied.

Only the sources passed in count as supplied: content fetched by URL or named by title is the
caller's business to leave out.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\w+")
_NOT_ALNUM = re.compile(r"[\W_]+")

MIN_VALUE_CHARS = 5
"""Values with fewer letters and digits than this are never treated as supplied (too common)."""
_MIN_PHONE_DIGITS = 9
"""Digits a phone number keeps when its country code or trunk prefix is left off."""


def _fold(word: str) -> str:
    if not word.isascii():
        word = unicodedata.normalize("NFKC", word)
    return word.casefold()


def _words(text: str) -> list[str]:
    return [_fold(word) for word in _WORD.findall(text)]


def squash(value: str) -> str:
    """``value`` case-folded with everything but letters and digits removed."""
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    return _NOT_ALNUM.sub("", value.casefold())


@dataclass(frozen=True, slots=True)
class SuppliedText:
    """The user-supplied inputs of one request, prepared for provenance queries.

    Build one per scan (``SuppliedText.of(ctx.user_inputs)``); it holds request data, so it is
    never kept on a detector.
    """

    sources: tuple[str, ...]
    """The supplied texts as given."""
    squashed: tuple[str, ...]
    """Each source case-folded with separators removed (for ``has_value``)."""

    @classmethod
    def of(cls, sources: Iterable[str]) -> SuppliedText:
        """Prepare ``sources`` (empty strings are dropped)."""
        kept = tuple(source for source in sources if source)
        return cls(kept, tuple(squash(source) for source in kept))

    def __bool__(self) -> bool:
        return bool(self.sources)

    def has_value(self, value: str) -> bool:
        """Whether ``value`` occurs in a source, ignoring case and separators."""
        key = squash(value)
        if len(key) < MIN_VALUE_CHARS:
            return False
        if any(key in source for source in self.squashed):
            return True
        # A phone number copied with a country code added or a trunk 0 dropped (a tool call
        # dialling "+49 30 44556677" from "(030) 4455-6677") is the same supplied number.
        cuts = range(1, 4) if key.isdigit() and len(key) >= _MIN_PHONE_DIGITS + 1 else ()
        return any(
            key[cut:] in source
            for cut in cuts
            if len(key) - cut >= _MIN_PHONE_DIGITS
            for source in self.squashed
        )

    def spans(self, text: str, *, min_words: int = 8) -> list[tuple[int, int]]:
        """Spans of ``text`` reproducing ``min_words`` consecutive source words (sorted, merged)."""
        return supplied_spans(text, self.sources, min_words=min_words)


def _ngrams(words: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def supplied_spans(
    text: str, sources: Iterable[str], *, min_words: int = 8
) -> list[tuple[int, int]]:
    """Character spans of ``text`` that reproduce runs of ``min_words``+ words of any source.

    The spans are sorted, non-overlapping and merged when they touch at word level; each starts
    at the first and ends after the last word of a reproduced run.
    """
    if min_words < 1:
        raise ValueError(f"min_words must be at least 1, got {min_words}")
    grams: set[tuple[str, ...]] = set()
    for source in sources:
        if source:
            grams |= _ngrams(_words(source), min_words)
    if not grams:
        return []
    matches = list(_WORD.finditer(text))
    words = [_fold(match.group()) for match in matches]
    spans: list[tuple[int, int]] = []
    run_end = -1  # index (exclusive) of the last word covered by the current run
    run_start = 0
    for i in range(len(words) - min_words + 1):
        if tuple(words[i : i + min_words]) not in grams:
            continue
        if i <= run_end:
            run_end = i + min_words
            continue
        if run_end >= 0:
            spans.append((matches[run_start].start(), matches[run_end - 1].end()))
        run_start, run_end = i, i + min_words
    if run_end >= 0:
        spans.append((matches[run_start].start(), matches[run_end - 1].end()))
    return spans


def covered(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether ``[start, end)`` lies inside one of the sorted ``spans`` (``supplied_spans``)."""
    if end <= start:
        return False
    index = bisect.bisect_right(spans, start, key=lambda span: span[0]) - 1
    return index >= 0 and spans[index][0] <= start and end <= spans[index][1]


def supplied_value(value: str, sources: Iterable[str]) -> bool:
    """Whether ``value`` occurs in ``sources``, ignoring case and separators (``SuppliedText``)."""
    return SuppliedText.of(sources).has_value(value)
