"""``prompt_leak``: answers that reveal the developer's instructions (MODEL-SPEC §2).

Four signals, each a ``Finding`` with its own category:

- ``canary``: a configured canary string occurs in the answer (case-insensitive). Score 1.
- ``verbatim``: runs of at least ``min_words`` consecutive words of the developer prompt
  (``detectors.provenance`` word n-grams) cover ``min_fraction`` of its words, or at least
  ``min_leaked_words`` words in all.
- ``paraphrase``: a stretch of the answer contains ``min_fraction`` of the developer prompt's
  distinct content words (stop words and generic assistant vocabulary removed, crude stemming),
  and at least ``min_shared_words`` of them; 1.5 times that share when the answer does not talk
  about instructions ("I was told", "my rules"), because an answer doing its job shares words
  with the prompt that set the job.
- ``confirmation``: the answer confirms or denies what its instructions say ("my instructions
  say ...") while there is a developer prompt. Score 0.55.

Statements of identity, capabilities, tools and knowledge cutoff are allowed, so sentences of the
developer prompt that only say who the assistant is or what it can do ("You are Ava, a shopping
assistant. You can search the web. Your knowledge cutoff is 2024.") are left out of the
comparison, unless they also restrict ("never", "do not", "only", "secret" ...). Scores scale so
that reaching ``min_fraction`` gives 0.5, the default threshold.
"""

from __future__ import annotations

import re
import unicodedata
from typing import ClassVar

from pydantic import Field

from detectors.base import DetectorConfig, ScanContext
from detectors.findings import Finding
from detectors.plugins import Plugin
from detectors.provenance import supplied_spans
from detectors.tails import run_tail, token_tail


class PromptLeakConfig(DetectorConfig):
    """Settings of the ``prompt_leak`` detector."""

    canaries: tuple[str, ...] = ()
    """Strings planted in developer prompts; any of them in an answer is a leak."""
    min_words: int = Field(8, ge=3)
    """Shortest run of consecutive developer-prompt words that counts as verbatim."""
    min_fraction: float = Field(0.3, gt=0, le=1)
    """Share of the (confidential part of the) developer prompt that makes a leak."""
    min_shared_words: int = Field(5, ge=1)
    """Fewest shared content words for a paraphrase."""
    min_leaked_words: int = Field(60, ge=1)
    """Verbatim words that are a leak whatever the prompt's length."""


_WORD = re.compile(r"\w+")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_STOP_WORDS = (
    # English function words
    "a about above after again against all also am an and any are as at be because been before "
    "being below between both but by can could did do does doing down during each few for from "
    "further had has have having he her here hers herself him himself his how i if in into is "
    "it its itself just me more most my myself no nor not now of off on once only or other our "
    "ours ourselves out over own same she should so some such than that the their theirs them "
    "themselves then there these they this those through to too under until up very was we were "
    "what when where which while who whom why will with would you your yours yourself "
    "yourselves shall may might must ll re ve don doesn isn aren won t s d m "
    # generic assistant vocabulary: shared by almost every prompt and answer
    "assistant ai model language help helpful answer answers question questions user users "
    "always never please respond response responses reply provide information ask asked "
    "make sure use using like want need also well good best way"
)
_STOP = frozenset(_STOP_WORDS.split())
_IDENTITY = re.compile(
    r"\b(?:you are|you're|your name|you can|you have access|you may use|you (?:help|assist|"
    r"support|serve|answer|handle|work for|represent)|tools?|functions?|"
    r"search|brows(?:e|ing)|knowledge|cutoff|cut-off|trained|current date|today is|"
    r"created by|built by|developed by|made by)\b",
    re.IGNORECASE,
)
_RESTRICTIVE = re.compile(
    r"\b(?:never|not|don't|do not|must|only|secret|confidential|private|hidden|reveal|"
    r"disclose|internal|password|code|key|discount|price|unless|except|instead)\b",
    re.IGNORECASE,
)
NO_META_FACTOR = 1.5
"""How much more overlap a paraphrase needs when the answer does not talk about instructions."""
# An answer that talks about its own instructions: a paraphrase there needs less overlap.
_META = re.compile(
    r"\b(?:instruct(?:ed|ions?)|told|prompt|rules?|guidelines?|supposed to|not allowed|"
    r"configured|programmed|directed|required to|my orders|i was asked|i am asked|i'm asked)\b",
    re.IGNORECASE,
)
_CONFIRMATION = re.compile(
    r"\b(?:my|the)\s+(?:system\s+(?:prompt|message|instructions)|instructions|"
    r"developer\s+(?:message|prompt|instructions)|hidden\s+prompt)\s+(?:(?:do|does)\s+(?:not\s+)?)?"
    r"(?:says?|tells?|states?|includes?|contains?|mentions?|specif(?:y|ies)|instructs?)\b",
    re.IGNORECASE,
)


_CONFIRMING = re.compile(
    r"\b(?:my|the)(?:\s+(?:system|instructions|developer|hidden)\b[^.!?\n]{0,40})?\s*\S{0,12}\Z",
    re.IGNORECASE,
)
"""The end of a text that may still become a ``_CONFIRMATION`` ("... my instructions say")."""


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold() if not text.isascii() else text.lower()


def confidential_part(developer_text: str) -> str:
    """The developer prompt without sentences that only state identity or capabilities."""
    kept = [
        sentence.group()
        for sentence in _SENTENCE.finditer(developer_text)
        if not _IDENTITY.search(sentence.group()) or _RESTRICTIVE.search(sentence.group())
    ]
    return " ".join(kept)


def _content(text: str) -> list[tuple[str, int, int]]:
    """``(stem, start, end)`` of the content words of ``text``.

    When folding changed the length (``ß`` -> ``ss``), offsets are unknown: every word then
    spans the whole text.
    """
    folded = _fold(text)
    exact = len(folded) == len(text)
    return [
        (
            _stem(match.group()),
            match.start() if exact else 0,
            match.end() if exact else len(text),
        )
        for match in _WORD.finditer(folded)
        if match.group() not in _STOP and not match.group().isdigit() and len(match.group()) > 1
    ]


class PromptLeakDetector:
    """Finds answers that reproduce or paraphrase the developer prompt (module docstring)."""

    name: ClassVar[str] = "prompt_leak"
    cpu_heavy: ClassVar[bool] = False
    holdback_chars: ClassVar[int] = 256
    """Streaming right-context: a verbatim run of ``min_words`` words fits in it many times."""

    def __init__(self, config: PromptLeakConfig) -> None:
        self.config = config
        self._canaries = [_fold(canary) for canary in config.canaries if canary.strip()]

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        """Canary, verbatim, paraphrase and confirmation findings for ``text``."""
        findings: list[Finding] = []
        folded = _fold(text)
        for canary in self._canaries:
            at = folded.find(canary)
            if at >= 0:
                span = (at, at + len(canary)) if len(folded) == len(text) else (0, len(text))
                findings.append(Finding(self.name, "canary", 1.0, *span))
        secret = confidential_part(ctx.developer_text) if ctx.developer_text else ""
        if secret.strip():
            findings += self._verbatim(text, secret)
            findings += self._paraphrase(text, secret)
            findings += [
                Finding(self.name, "confirmation", 0.55, match.start(), match.end())
                for match in _CONFIRMATION.finditer(text)
            ]
        return findings

    def open_tail(self, text: str, ctx: ScanContext) -> int:
        """The end of ``text`` a live stream holds (``detectors.tails``): the start of a canary,
        a trailing run of words found one after another in the developer prompt (a verbatim
        run in the making), a "my instructions ..." that may become a confirmation, the stretch
        sharing words with the prompt once it is half-way to a paraphrase, and the unfinished
        last token. At most the hold-back; all of it when case folding changes the length."""
        folded = _fold(text)
        if len(folded) != len(text):
            return self.holdback_chars
        tail = max(token_tail(text), *(_canary_tail(folded, c) for c in self._canaries), 0)
        secret = confidential_part(ctx.developer_text) if ctx.developer_text else ""
        if not secret.strip():
            return tail
        cap = self.holdback_chars
        complete = folded if not folded[-1:].isalnum() else folded[: len(folded) - tail]
        found = [(m.group(), m.start()) for m in _WORD.finditer(complete, max(0, len(text) - cap))]
        source = " " + " ".join(_WORD.findall(_fold(secret))) + " "
        tail = max(tail, run_tail(found, source, len(text), cap))
        confirming = _CONFIRMING.search(text, max(0, len(text) - 80))
        if confirming:
            tail = max(tail, len(text) - confirming.start())
        # A verbatim finding adds up every run of ``min_words`` prompt words in the answer, and
        # needs ``min_fraction`` of the prompt (up to ``min_leaked_words`` words: more than the
        # hold-back): once a run is there, hold from it, whatever the cap, until the answer
        # either reaches a finding or ends.
        runs = supplied_spans(text, [secret], min_words=self.config.min_words)
        if runs:
            tail = max(tail, len(text) - runs[0][0])
        return min(max(tail, self._paraphrase_tail(text, secret)), max(cap, tail))

    def _paraphrase_tail(self, text: str, secret: str) -> int:
        """From the first word shared with the prompt in the last hold-back of ``text``, when
        they share half the distinct words a paraphrase finding needs (the uncertain band)."""
        wanted = {stem for stem, _, _ in _content(secret)}
        if len(wanted) < 2:
            return 0
        offset = max(0, len(text) - self.holdback_chars)
        hits = [(stem, start) for stem, start, _ in _content(text[offset:]) if stem in wanted]
        needed = max(
            self.config.min_shared_words / 2, 0.5 * self.config.min_fraction * len(wanted), 2
        )
        if len({stem for stem, _ in hits}) < needed:
            return 0
        return len(text) - offset - hits[0][1]

    def _score(self, fraction: float) -> float:
        return round(min(1.0, 0.5 * fraction / self.config.min_fraction), 3)

    def _verbatim(self, text: str, secret: str) -> list[Finding]:
        spans = supplied_spans(text, [secret], min_words=self.config.min_words)
        if not spans:
            return []
        leaked = sum(len(_WORD.findall(text[start:end])) for start, end in spans)
        total = max(len(_WORD.findall(secret)), 1)
        score = self._score(min(leaked / total, 1.0))
        if leaked >= self.config.min_leaked_words:
            score = max(score, 0.9)
        return [Finding(self.name, "verbatim", score, spans[0][0], spans[-1][1])]

    def _paraphrase(self, text: str, secret: str) -> list[Finding]:
        wanted = {stem for stem, _, _ in _content(secret)}
        if len(wanted) < 2:
            return []
        hits = [
            (position, stem, start, end)
            for position, (stem, start, end) in enumerate(_content(text))
            if stem in wanted
        ]
        window = max(30, 3 * len(wanted))  # content words of the answer in one stretch
        best, best_span = 0, (0, 0)
        counts: dict[str, int] = {}
        left = 0
        for position, stem, _start, end in hits:
            counts[stem] = counts.get(stem, 0) + 1
            while position - hits[left][0] >= window:
                old = hits[left][1]
                counts[old] -= 1
                if not counts[old]:
                    del counts[old]
                left += 1
            if len(counts) > best:
                best, best_span = len(counts), (hits[left][2], end)
        if best < self.config.min_shared_words:
            return []
        fraction = best / len(wanted)
        if not _META.search(text):
            fraction /= NO_META_FACTOR  # without talk of instructions, overlap may be the task
        return [Finding(self.name, "paraphrase", self._score(fraction), *best_span)]


def _canary_tail(folded: str, canary: str) -> int:
    """Length of the longest end of ``folded`` that begins ``canary`` (but is not all of it)."""
    for size in range(min(len(canary) - 1, len(folded)), 0, -1):
        if folded.endswith(canary[:size]):
            return size
    return 0


PLUGIN: Plugin[PromptLeakDetector] = Plugin("prompt_leak", PromptLeakConfig, PromptLeakDetector)
"""Registration of the detector under ``[tenants.*.detectors.prompt_leak]``."""
