"""The adversarial-suffix signal: how much of a text's tail is gibberish.

Optimised adversarial suffixes (GCG and its successors) are strings of word fragments, glued
identifiers, stray symbols and mixed scripts appended to a request. Among the last
``WINDOW`` whitespace tokens of a text, a token is **odd** when

- it contains symbols *inside* it (``oppositeley.](``, ``**forder.All``) once one leading and
  one trailing punctuation mark are stripped (ordinary words with a comma, full stop or
  quotes are not odd; ``don't`` and ``well-known`` are not);
- it is a run of two or more symbols (``;)``, ``]{``), other than common punctuation runs
  (``...``, ``?!``, ``--``);
- it is a Latin-letter word that is in none of the English, German, French and Spanish top
  word lists of ``wordfreq`` (``similarlyNow``, ``konk``), or it mixes scripts
  (``double運行rač``).

Table pipes separate tokens. Numbers, URLs, capitalised words (names) and tokens wholly in a
non-Latin script are not odd; an unknown plain word counts ``UNKNOWN_WEIGHT``, the rest 1. The
highest **share** of odd tokens over the last 8 to 16 tokens is the signal. It is 0 for texts
shorter than ``MIN_TOKENS`` tokens, for a tail with a code fence or more than ``MAX_LINES``
lines, and for a tail whose brackets all close in order (or that holds a bracket, in a text of
up to ``_SHORT`` characters whose brackets all close): code, a regular expression, a formula,
a compiler message (``balanced``).
``CUTOFF`` was set by hand on the negatives of the injection and jailbreak corpora of
``specguard train`` plus ``overrefusal.jsonl`` (about 5,600 benign texts, ~0.7% above it, none
of the over-refusal set) against generated suffixes (0.90 above it); a finding starts there and
its score rises linearly from 0.5 at ``CUTOFF`` to 1. A real suffix shorter than about 10
tokens after a long request is diluted and can be missed.
"""

from __future__ import annotations

import re
from functools import lru_cache

WINDOW = 16
"""How many trailing tokens are looked at."""
MIN_TOKENS = 8
"""Texts with fewer tokens are never scored."""
MAX_LINES = 3
"""A tail spanning more non-blank lines than this (or a code fence) is code or a table, never
scored."""
CUTOFF = 0.45
"""Share of odd tokens at which a finding is reported with score 0.5."""
UNKNOWN_WEIGHT = 0.5
"""How much an unknown plain word counts (a whole sentence in a language without a word list
must not look like a suffix)."""
LANGUAGES = ("en", "de", "fr", "es")
"""Word lists of ``wordfreq`` a Latin-letter word is looked up in."""
WORDS_PER_LANGUAGE = 50_000

_EDGE = "\"'`([{<.,;:!?)]}>*_\u201c\u201d\u2018\u2019"
_INNER_SYMBOL = re.compile(r"[^\w\s'\u2019-]")
_SYMBOLS = re.compile(r"^[^\w\s]{2,}$")
_PUNCT_RUN = re.compile(r"^(?:\.{2,}|[?!]{2,}|-{2,}|[.?!][\"')\]]+|[\"'(\[]{2}|\*\*)$")
_CAMEL = re.compile(r"[a-z][A-Z]")
_LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f]+$")
_URL = re.compile(r"^(?:https?://|www\.)|@\w+\.\w|^\w+\.(?:com|org|net|io|py|md|txt|json)$")
_TOKEN = re.compile(r"\S+")
_NUMBER = re.compile(r"^[\d.,:%$€£+/\u2013\u2014-]+$")
_BRACKET = re.compile(r"[()\[\]{}]")
_OPENER = {")": "(", "]": "[", "}": "{"}
_SHORT = 2000
"""A text up to this long whose brackets all close is one snippet (its tail may start inside
a bracket); longer ones, such as a template ending in a request, are judged by their tail."""


@lru_cache(maxsize=1)
def words() -> frozenset[str]:
    """The known words (lower-case): the top ``WORDS_PER_LANGUAGE`` of each of ``LANGUAGES``."""
    import wordfreq

    known: set[str] = set()
    for language in LANGUAGES:
        known.update(wordfreq.top_n_list(language, WORDS_PER_LANGUAGE))
    return frozenset(known)


def _scripts(token: str) -> int:
    latin = any(c.isascii() and c.isalpha() for c in token)
    other = any(not c.isascii() and c.isalpha() and not ("\u00c0" <= c <= "\u024f") for c in token)
    return int(latin) + int(other)


def oddness(token: str, known: frozenset[str]) -> float:
    """1 for a token with symbols inside, a symbol run, mixed scripts or a glued camel-case
    word; ``UNKNOWN_WEIGHT`` for an unknown plain word (it may be a rarer language); else 0."""
    if not is_odd(token, known):
        return 0.0
    core = token.strip(_EDGE)
    if _LATIN.match(core.replace("'", "").replace("-", "")) and not _CAMEL.search(core):
        return UNKNOWN_WEIGHT
    return 1.0


def is_odd(token: str, known: frozenset[str]) -> bool:
    """Whether one whitespace token looks like adversarial-suffix material."""
    if _NUMBER.match(token) or _URL.search(token):
        return False
    if _SYMBOLS.match(token):
        return not _PUNCT_RUN.match(token)
    core = token
    if core[:1] in _EDGE:
        core = core[1:]
    if core[-1:] in _EDGE:
        core = core[:-1]
    if not core:
        return False
    if _INNER_SYMBOL.search(core):
        return True
    if _scripts(core) > 1:
        return True
    word = core.replace("\u2019", "'")
    if word[:1].isupper() and word[1:].islower():
        return False  # a name or a sentence start: unknown names are common in benign text
    if _LATIN.match(word.replace("'", "").replace("-", "")):
        parts = [p for p in re.split(r"['-]", word.lower()) if p]
        return not all(p in known or len(p) <= 2 for p in parts)
    return False


def balanced(text: str) -> bool:
    """Whether ``text`` has brackets and every one is closed in order, with an even number of
    backticks and double quotes: code, a regular expression or a formula. An optimised suffix
    strews brackets and quotes (``oppositeley.](``, ``:)ish? -> %{``) and leaves them open."""
    brackets = _BRACKET.findall(text)
    if not brackets or text.count("`") % 2 or text.count('"') % 2:
        return False
    stack: list[str] = []
    for bracket in brackets:
        if bracket in "([{":
            stack.append(bracket)
        elif not stack or stack.pop() != _OPENER[bracket]:
            return False
    return not stack


def _tail_length(spaced: str, n: int) -> int:
    """Characters from the start of the ``n``-th token from the end of ``spaced`` to its end
    (the tokens read backwards, so the cost is the tail's, not the text's)."""
    backwards = spaced[::-1]
    end = 0
    for k, match in enumerate(_TOKEN.finditer(backwards), 1):
        end = match.end()
        if k == n:
            break
    return end


def odd_share(text: str) -> float:
    """Highest share of odd tokens among the last ``k`` tokens, ``MIN_TOKENS <= k <= WINDOW``
    (a short suffix after a long request is not diluted); 0 for short texts."""
    spaced = text.replace("|", " ")
    tokens = spaced.split()[-WINDOW:]
    if len(tokens) < MIN_TOKENS:
        return 0.0
    tail = text[len(text) - _tail_length(spaced, len(tokens)) :]
    if "```" in tail or sum(1 for line in tail.splitlines() if line.strip()) > MAX_LINES:
        return 0.0  # code or a table: structure, not a suffix
    if balanced(tail) or (
        len(text) <= _SHORT and _BRACKET.search(tail) is not None and balanced(text)
    ):
        return 0.0  # a snippet, a regex, a formula or a compiler message: structure too
    known = words()
    odd = [oddness(t, known) for t in tokens]
    return max(sum(odd[-k:]) / k for k in range(MIN_TOKENS, len(odd) + 1))


def suffix_finding(
    text: str, cutoff: float = CUTOFF, share: float | None = None
) -> tuple[float, int, int] | None:
    """``(score, start, end)`` of the gibberish tail of ``text``, or None below ``cutoff``
    (``share``: its ``odd_share`` when already computed)."""
    share = odd_share(text) if share is None else share
    if share < cutoff:
        return None
    score = 0.5 + 0.5 * (share - cutoff) / max(1.0 - cutoff, 1e-9)
    starts = [m.start() for m in _TOKEN.finditer(text.replace("|", " "))][-WINDOW:]
    return round(min(score, 1.0), 4), starts[0], len(text.rstrip())
