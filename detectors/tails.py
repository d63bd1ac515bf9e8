"""Open tails: how much of the end of a streamed text could still become (part of) a match.

A live stream (``[stream].mode = "live"``) releases text as soon as no exact-pattern check can
still change its mind about it. For a check that matches bounded patterns (an identifier, a term,
a run of prompt words) that is everything before the *open tail*: the shortest end of the text
that holds the start of every match that more text could still complete. A detector says how
long its open tail is with an ``open_tail(text, ctx)`` method (``detectors.base.open_tail``);
these helpers are the shapes they share. Each returns a length counted from the end of ``text``;
a tail is never longer than ``text``.

They are deliberately generous (holding a few characters too many costs nothing visible), and
they look at the text as delivered: text whose normalised or decoded reading differs from it
(``detectors.screen.ScanResult.disguised``) is held with the detector's full hold-back instead.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence

_SPACED_MAX = 2
"""Tokens this short, one space apart, may be letters written apart (``j o h n @ ...``), which a
decoded reading joins into one word."""


def token_tail(text: str, cap: int = 256) -> int:
    """Length of the unfinished last token, and of a run of spaced-out characters before it."""
    end = len(text)
    floor = max(0, end - cap)
    start = end
    while start > floor and not text[start - 1].isspace():
        start -= 1
    while start - 2 >= floor and text[start - 1] in " \t":
        first = start - 1
        while first > floor and not text[first - 1].isspace() and start - 1 - first < 3:
            first -= 1
        size = start - 1 - first
        if not size or size > _SPACED_MAX or (first > floor and not text[first - 1].isspace()):
            break
        start = first
    return end - start


def cue_tail(text: str, cue: re.Pattern[str], reach: int, cap: int) -> int:
    """Length from the earliest ``cue`` that a chain of cues, each within ``reach`` characters of
    the next and the last within ``reach`` of the end, connects to the end; at most ``cap``.
    ``cue`` matches ``text`` as given: lower-case it first for keywords (much faster than
    ``re.IGNORECASE``).

    A shape anchored on a cue (a digit of an identifier, the ``@`` of an address, a keyword
    before a secret) is then held until ``reach`` characters without a cue follow it: enough to
    see the shape complete and the right-hand context that decides it."""
    window = max(0, len(text) - cap)
    if cue.search(text, window) is None:  # the common case: plain prose
        return 0
    start = len(text)
    for found in _reversed(cue.finditer(text, window)):
        if start - found.end() > reach:
            break
        start = found.start()
    if start == len(text):
        return 0
    # the whole word (or e-mail, or key) the earliest cue sits in
    while start > window and not text[start - 1].isspace():
        start -= 1
    return len(text) - start


def _reversed(matches: Iterable[re.Match[str]]) -> list[re.Match[str]]:
    found = list(matches)
    found.reverse()
    return found


def prefix_tail(text: str, terms: Sequence[str], *, word_start: bool = True) -> int:
    """Length of the longest end of ``text`` that begins one of ``terms`` (sorted, lower-cased),
    a whole term included (a word boundary after it may still be missing). With ``word_start``
    only ends that start a word count (the terms match whole words)."""
    if not terms:
        return 0
    longest = max(len(term) for term in terms)
    end = text[-longest:] if len(text) > longest else text
    lower = end.lower()
    if len(lower) != len(end):  # a letter whose lower case is longer: hold as much as can match
        return len(end)
    offset = len(text) - len(lower)
    for start in range(len(lower)):
        if word_start and start + offset > 0 and _is_word(text[start + offset - 1]):
            continue
        piece = lower[start:]
        at = bisect.bisect_left(terms, piece)
        if at < len(terms) and terms[at].startswith(piece):
            return len(lower) - start
    return 0


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def run_tail(words: Sequence[tuple[str, int]], source: str, text_length: int, cap: int) -> int:
    """Length from the first of the trailing ``words`` (``(folded word, start)``) that appear in
    this order, one after another, in ``source`` (folded words joined by single spaces, with a
    space at each end): a run of copied words that more words could extend. At most ``cap``."""
    if not words or not source:
        return 0
    first = len(words)
    phrase = " "
    for index in range(len(words) - 1, -1, -1):
        candidate = " " + words[index][0] + phrase
        if candidate not in source:
            break
        phrase, first = candidate, index
        if text_length - words[index][1] >= cap:
            return cap
    return 0 if first == len(words) else text_length - words[first][1]
