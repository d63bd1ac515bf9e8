"""A slow alternation run as separate fast branches, with exactly the same matches.

``re`` skips ahead to the next candidate position only when a pattern begins with a literal
character (a character class is checked one call per character, a ``\\b`` or ``^`` not at all).
A pattern such as ``\\b(?:say|print)...|^[ \\t]*#...|[=*]{4,}`` begins with none of these, so
``re`` tries every branch at every position of the text. An ``Alternation`` runs each branch
as its own pattern, spelled so that it begins with a literal, and merges their matches as
``re`` would have found them: the leftmost start first, at one start the earliest branch,
the next search from the end of the match. The result is the original pattern's ``finditer``
spans, whatever the text.

Exact spellings a branch may use (the tests compare spans with the original on tricky texts,
and a branch list is only ever checked that way, not proven):

- ``\\bword`` as ``word(?<!\\wword)`` (or ``w(?<!\\ww)ord``): a word character starts a word
  exactly when the character before it is not a word character, and the look-behind re-reads
  the word itself; ``re`` then skips ahead to the literal ``word``. The words of one
  alternation may be grouped by their first letters: only words beginning with the text at a
  position can match there, so their order within the group is what counts.
- ``(?:^|X)REST`` as two branches ``^REST`` and ``XREST`` (``re`` tries them in that order);
  branches that can never match at the same position may be merged or reordered.
- ``^REST`` (``MULTILINE``) as a *line branch*: ``REST`` found just after a newline (searched as
  ``\\nREST``, which begins with a literal) or at offset 0.
- ``C{n,}`` as ``CC{n-1,}``, so that ``re`` sees the class ``C`` first.
- ``[ \\t]+[ \\t]*X`` as ``[ \\t]++[ \\t]*X`` when ``X`` begins with a non-blank: ``X`` can
  only start after the whole run of blanks, so the run need not be split every possible way
  (which costs time quadratic in its length).

A branch that matches the empty string would need ``re``'s rules for empty matches; if one
does, the original pattern runs instead.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence

from detectors.caseless import Haystack, finditer, variant_for

Span = tuple[int, int]


_KINDS = ((True, True), (False, True), (False, False))
"""The ``(ascii, foldable)`` flags a haystack may have, as far as ``variant_for`` tells apart."""


def _kind(hay: Haystack) -> int:
    return 0 if hay.ascii else 1 if hay.foldable else 2


_Search = Callable[[str, int], "re.Match[str] | None"]
_Plan = tuple[_Search, bool, "_Search | None", bool]
"""One branch for one kind of text: ``search`` of its variant and whether that runs on the
lower-cased text; for a line branch also ``match`` at offset 0 of its ``REST`` and the same."""


def _plans(source: str, flags: int) -> tuple[_Plan, ...]:
    """A branch's plan for each of ``_KINDS``."""
    if source.startswith("^"):
        if not flags & re.MULTILINE:
            raise ValueError(f"a line branch needs a MULTILINE pattern: {source[:60]!r}")
        rest = source[1:]
        anywhere = re.compile(f"\n(?:{rest})", flags)
        at_zero: re.Pattern[str] | None = re.compile(rest, flags)
    else:
        anywhere = re.compile(source, flags)
        at_zero = None
    plans: list[_Plan] = []
    for is_ascii, foldable in _KINDS:
        pattern, lowered = variant_for(anywhere, is_ascii, foldable)
        if at_zero is None:
            plans.append((pattern.search, lowered, None, False))
        else:
            zero, zero_lowered = variant_for(at_zero, is_ascii, foldable)
            plans.append((pattern.search, lowered, zero.match, zero_lowered))
    return tuple(plans)


def _first(plan: _Plan, strings: tuple[str, str], pos: int) -> Span | None:
    """The span of the branch's leftmost match starting at ``pos`` or later (``strings``: the
    text and the lower-cased text)."""
    search, lowered, match_at_zero, zero_lowered = plan
    if match_at_zero is None:
        m = search(strings[lowered], pos)
        return None if m is None else m.span()
    if pos == 0:
        m = match_at_zero(strings[zero_lowered], 0)
        if m is not None:
            return m.span()
    # A line starts one character after its newline, which may be just before ``pos``.
    m = search(strings[lowered], max(pos - 1, 0))
    return None if m is None else (m.start() + 1, m.end())


def fingerprint(source: str) -> int:
    """CRC-32 of a pattern's source: what an ``Alternation``'s branches were written for."""
    return zlib.crc32(source.encode())


class Alternation:
    """``pattern`` (an alternation) run as ``branches``, the same alternatives in the same
    order of preference, each spelled to begin with a literal (module docstring).

    ``written_for`` is the ``fingerprint`` of the source the branches were written for: after
    an edit of the pattern that leaves its branches behind the alternation is not ``current``,
    ``accelerated`` leaves it out and the pattern runs as written (the same matches, slower)."""

    __slots__ = ("_plans", "current", "pattern")

    def __init__(self, pattern: re.Pattern[str], branches: Sequence[str], written_for: int):
        self.current = fingerprint(pattern.pattern) == written_for
        """The branches were written for the pattern as it is."""
        self.pattern = pattern
        per_branch = [_plans(source, pattern.flags) for source in branches]
        self._plans = tuple(
            tuple(plans[kind] for plans in per_branch) for kind in range(len(_KINDS))
        )

    def spans(self, hay: Haystack) -> list[Span]:
        """The spans of ``self.pattern.finditer(hay.text)``."""
        plans = self._plans[_kind(hay)]
        strings = (hay.text, hay.lowered)
        nexts = [_first(plan, strings, 0) for plan in plans]
        if not any(nexts):
            return []
        found: list[Span] = []
        pos = 0
        while True:
            best: Span | None = None
            for i, nxt in enumerate(nexts):
                if nxt is not None and nxt[0] < pos:
                    nxt = nexts[i] = _first(plans[i], strings, pos)
                # Strictly earlier only: at one start the earlier branch wins.
                if nxt is not None and (best is None or nxt[0] < best[0]):
                    best = nxt
            if best is None:
                return found
            if best[0] == best[1]:
                return [m.span() for m in finditer(self.pattern, hay)]
            found.append(best)
            pos = best[1]


def accelerated(alternations: Iterable[Alternation]) -> dict[re.Pattern[str], Alternation]:
    """The ``current`` ones of ``alternations``, by pattern (for ``spans``)."""
    return {alternation.pattern: alternation for alternation in alternations if alternation.current}


def spans(
    pattern: re.Pattern[str],
    hay: Haystack,
    fast: Mapping[re.Pattern[str], Alternation] | None = None,
) -> list[Span]:
    """The spans of ``pattern``'s matches in ``hay.text`` (``pattern.finditer``), through its
    ``Alternation`` in ``fast`` when it has one."""
    alternation = fast.get(pattern) if fast else None
    if alternation is not None:
        return alternation.spans(hay)
    return [m.span() for m in finditer(pattern, hay)]
