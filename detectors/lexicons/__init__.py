"""Term lists shipped as data files, compiled into one regular expression per file.

A lexicon file has ``[section]`` headers followed by one term per line (``#`` starts a comment).
Terms match whole words, case-insensitively; spaces and hyphens in a term match any run of
spaces or hyphens, and a plural ``s``/``es`` is allowed after a term ending in a letter. A term
written entirely in capitals (``VX``, ``TATP``) matches with exactly that case, so acronyms do not
fire on ordinary words. Longer terms win over their prefixes at the same position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_SEPARATOR = re.compile(r"[\s\-]+")
_Trie = dict[str, "_Trie"]


@dataclass(frozen=True, slots=True)
class Hit:
    """One occurrence of a lexicon term."""

    section: str
    """Header of the section the term is listed under (``chemical.agent``, ``minor.strong``)."""
    term: str
    """The matched text as it appears in the scanned text."""
    start: int
    """Offset of the match."""
    end: int
    """End offset (exclusive) of the match."""


def _key(term: str) -> str:
    return " ".join(part for part in _SEPARATOR.split(term.lower()) if part)


def _trie_regex(terms: list[str]) -> str:
    """One alternation-free-ish regex for ``terms`` (a trie, so matching does not try every term
    at every position); a space in a term matches any run of spaces or hyphens."""
    trie: _Trie = {}
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        optional = "" in node
        branches = [
            (r"[\s\-]+" if char == " " else re.escape(char)) + emit(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if optional:
            return f"(?:{body})?"
        return body

    return emit(trie)


class Lexicon:
    """The sections of one lexicon file, searchable in a single regex pass."""

    def __init__(self, sections: dict[str, list[str]]):
        self.sections = {name: tuple(terms) for name, terms in sections.items() if terms}
        self._section_of: dict[str, str] = {}
        folded: list[str] = []
        exact: list[str] = []
        for name, terms in self.sections.items():
            for term in terms:
                self._section_of.setdefault(_key(term), name)
                if term.isupper() and any(ch.isalpha() for ch in term):
                    exact.append(term)
                else:
                    folded.append(_key(term))
        edge = r"(?<![\w])({}(?:e?s)?)(?![\w])"
        self._folded = re.compile(edge.format(_trie_regex(folded))) if folded else None
        # Lower-casing can change a text's length (a few non-ASCII letters); such texts are
        # searched case-insensitively instead so offsets stay right.
        self._folded_any_case = (
            re.compile(self._folded.pattern, re.IGNORECASE) if self._folded else None
        )
        self._exact = re.compile(edge.format(_trie_regex(exact))) if exact else None

    @classmethod
    def parse(cls, text: str) -> Lexicon:
        """A lexicon from the file format described in the module docstring."""
        sections: dict[str, list[str]] = {}
        current: list[str] | None = None
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("[") and line.endswith("]"):
                current = sections.setdefault(line[1:-1].strip(), [])
            elif current is None:
                raise ValueError(f"line {number}: term {line!r} before any [section]")
            else:
                current.append(line)
        return cls(sections)

    def _section(self, matched: str) -> str | None:
        key = _key(matched)
        for candidate in (key, key[:-1], key[:-2]):
            section = self._section_of.get(candidate)
            if section is not None:
                return section
        return None

    def find(self, text: str) -> list[Hit]:
        """Every term occurrence in ``text``, in order of position."""
        hits: list[Hit] = []
        lowered = text.lower()
        folded = self._folded
        if len(lowered) != len(text):
            folded, lowered = self._folded_any_case, text
        for regex, subject in ((folded, lowered), (self._exact, text)):
            if regex is None:
                continue
            for match in regex.finditer(subject):
                section = self._section(match.group())
                if section is not None:
                    start, end = match.span()
                    hits.append(Hit(section, text[start:end], start, end))
        hits.sort(key=lambda hit: hit.start)
        return hits


@cache
def load(name: str) -> Lexicon:
    """The lexicon ``<name>.txt`` shipped in this package (parsed once per process)."""
    text = resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
    return Lexicon.parse(text)
