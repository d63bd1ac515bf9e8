"""The ``copyright`` detector: long verbatim or near-verbatim reproduction of a protected work.

The output's word k-grams are looked up in a ``FingerprintIndex`` of the tenant's protected
corpora. Matches with one work that advance together in the output and in the work, with small
gaps (edited, added or dropped words, up to ``MAX_GAP``), are chained into runs. A run whose
reproduced words (its extent in the output, less words added between matches and words the user
supplied) reach ``min_words`` is a finding whose span the redaction can cut. A short quote inside
commentary never reaches that length, and two quotes from distant places in a work do not chain.
A work shorter than ``min_words`` counts as reproduced once a run covers ``whole_work_fraction``
of it.

Words the user supplied in the request (``ScanContext.user_inputs``) do not count: translating,
editing or summarising one's own text is the Model Spec's transformation exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, ClassVar

import numpy as np
import numpy.typing as npt
from pydantic import AfterValidator, Field, model_validator

from detectors.base import DetectorConfig, ScanContext
from detectors.copyright_index import (
    FingerprintIndex,
    Hits,
    K,
    W,
    Words,
    kgram_hashes,
    word_hashes,
    words,
)
from detectors.findings import Finding
from detectors.plugins import Plugin
from detectors.provenance import covered, supplied_spans

MAX_GAP = 16
"""Most words between two chained matches, in the output and in the work: edits, insertions
and deletions of up to a line or so keep a run going."""
WHOLE_WORK_FLOOR = 20
"""Works shorter than this are never matched as a whole: too little text to be evidence."""
CHARS_PER_WORD = 8
"""A generous average length of an English word with its space (about 6 in prose): converts
``min_words`` into the characters a stream holds back."""


_TAIL_WORDS = W + K - 1
"""Words at the end of a streamed text a live stream always holds (``open_tail``)."""
_OPEN_RUN_WORDS = K + MAX_GAP
"""Words at the end of a text whose k-grams can keep a run open (its last hit within
``MAX_GAP`` words of the end)."""


def _existing(path: str) -> str:
    if not Path(path).exists():
        raise ValueError(f"no such file or directory: {path!r}")
    return path


def _existing_file(path: str) -> str:
    if not Path(path).is_file():
        raise ValueError(f"no such index file: {path!r}")
    return path


class CopyrightConfig(DetectorConfig):
    """Protected corpora and how much of one work an output may reproduce."""

    corpora: list[Annotated[str, AfterValidator(_existing)]] = Field(default_factory=list)
    """``.txt`` files or directories of them, fingerprinted at start-up."""
    index_files: list[Annotated[str, AfterValidator(_existing_file)]] = Field(default_factory=list)
    """Indexes written ahead of time by ``specguard index DIR -o FILE``."""
    min_words: int = Field(40, ge=K + W - 1)
    """Shortest reproduced run of one work that counts (near-verbatim edits included)."""
    whole_work_fraction: float = Field(0.8, gt=0)
    """A run covering this fraction of a work shorter than ``min_words`` also counts."""

    @model_validator(mode="after")
    def _has_sources(self) -> CopyrightConfig:
        if not self.corpora and not self.index_files:
            raise ValueError("set corpora or index_files: there is nothing to protect")
        return self


@dataclass(frozen=True, slots=True)
class Run:
    """Chained matches of one work over output words ``first .. last + K - 1``."""

    work: int
    """Index of the work in the ``FingerprintIndex``."""
    first: int
    """First output word of the first chained k-gram."""
    last: int
    """First output word of the last chained k-gram."""
    inserted: int
    """Output words between matches with no counterpart in the work (commentary, additions)."""


class CopyrightDetector:
    """Finds long runs of a protected work in a text."""

    name: ClassVar[str] = "copyright"
    cpu_heavy: ClassVar[bool] = True
    holdback_chars: int
    lookback_chars: int

    def __init__(self, config: CopyrightConfig):
        self.config = config
        loaded = [FingerprintIndex.load(path) for path in config.index_files]
        if config.corpora:
            loaded.append(FingerprintIndex.from_paths(config.corpora))
        self.index = loaded[0] if len(loaded) == 1 else FingerprintIndex.merge(loaded)
        # A run becomes a finding once it spans ``min_words`` words: a stream holds that much
        # back, so no word of it is released before the run is judged.
        self.holdback_chars = CHARS_PER_WORD * config.min_words
        self.lookback_chars = CHARS_PER_WORD * (W + K)

    def open_tail(self, text: str, ctx: ScanContext) -> int:
        """The end of ``text`` a live stream holds: the last ``W + K - 1`` words (winnowing
        keeps a fingerprint in every ``W`` k-grams of a work, so a reproduced passage shows a
        hit within that many words of its start) and, while fingerprint hits chain to the end
        (the last within ``MAX_GAP`` words of it), the run from ``W - 1`` words before its first
        hit. Until a hit starts a run, nothing like the whole ``min_words`` hold-back is
        needed."""
        quiet = self._quiet_tail(text)
        return self.whole_tail(text) if quiet is None else quiet

    def whole_tail(self, text: str) -> int:
        """``open_tail`` computed from every word of ``text``."""
        hashes = word_hashes(text)
        count = len(hashes)
        if not count:
            return 0
        first = max(0, count - (W + K - 1))
        hits = self.index.lookup(kgram_hashes(hashes)).query
        if len(hits):
            chained = sorted(set(hits.tolist()), reverse=True)
            if count - K - chained[0] <= MAX_GAP:
                run = chained[0]
                for q in chained[1:]:
                    if run - q > MAX_GAP:
                        break
                    run = q
                first = min(first, max(0, run - (W - 1)))
        if count - first <= _TAIL_WORDS:  # no open run: offsets of the last words only
            end = text[-_TAIL_WORDS * 2 * CHARS_PER_WORD :]
            last = words(end).starts
            if len(last) > count - first:
                return len(end) - int(last[len(last) - (count - first)])
        return len(text) - int(words(text).starts[first])

    def _quiet_tail(self, text: str) -> int | None:
        """``open_tail`` read from the end of ``text`` alone, when no k-gram of its last
        ``_OPEN_RUN_WORDS`` words matches (most texts): then no run is open and the answer is
        the last ``_TAIL_WORDS`` words, without hashing and looking up the whole text again.
        None when the end has a hit or the text is short (the full reading decides)."""
        end = text[-(_OPEN_RUN_WORDS + 2) * 2 * CHARS_PER_WORD :]
        if len(end) == len(text):
            return None
        found = words(end)
        if len(found.starts) <= _OPEN_RUN_WORDS:
            return None
        # the first word may be cut in half; the rest are the text's own last words
        if len(self.index.lookup(kgram_hashes(found.hashes[1:])).query):
            return None
        return len(end) - int(found.starts[len(found.starts) - _TAIL_WORDS])

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        """A ``verbatim`` finding per reproduced run, spans merged where runs overlap."""
        hits = self.index.lookup(kgram_hashes(word_hashes(text)))
        if not len(hits.query):
            return []
        found = words(text)  # where each word is, now that something matched
        supplied = _supplied_words(text, found, ctx.user_inputs)
        spans: list[tuple[int, int, float]] = []
        for run in chain_runs(hits):
            needed = self._needed(run.work)
            reproduced = _reproduced_words(run, supplied)
            if reproduced >= needed:
                score = min(1.0, 0.5 + 0.5 * (reproduced - needed) / needed)
                spans.append(
                    (int(found.starts[run.first]), int(found.ends[run.last + K - 1]), score)
                )
        return [
            Finding(self.name, "verbatim", round(score, 4), start, end)
            for start, end, score in _merge(spans)
        ]

    def _needed(self, work: int) -> int:
        """Reproduced words of ``work`` that make a finding."""
        length = int(self.index.lengths[work])
        if length >= self.config.min_words or length < WHOLE_WORK_FLOOR:
            return self.config.min_words
        whole = max(WHOLE_WORK_FLOOR, math.ceil(self.config.whole_work_fraction * length))
        return min(self.config.min_words, whole)


def chain_runs(hits: Hits) -> list[Run]:
    """Group ``hits`` per work into runs that advance together in the output and the work."""
    order = np.lexsort((hits.position, hits.query, hits.work))
    works = hits.work[order]
    bounds = np.flatnonzero(np.diff(works)) + 1
    runs: list[Run] = []
    for part in np.split(order, bounds):
        if len(part) < 2:  # one fingerprint is K words: never a run worth reporting
            continue
        work = int(hits.work[part[0]])
        # a run is [first query, last query, last work position, inserted words]; hits come in
        # query order, so a run left MAX_GAP words behind can no longer grow
        open_runs: list[list[int]] = []
        done: list[list[int]] = []
        current = -1
        for q, p in zip(hits.query[part].tolist(), hits.position[part].tolist(), strict=True):
            if q != current:
                current = q
                done += [run for run in open_runs if q - run[1] > MAX_GAP]
                open_runs = [run for run in open_runs if q - run[1] <= MAX_GAP]
            best: list[int] | None = None
            best_drift = MAX_GAP
            for run in open_runs:
                dq, dp = q - run[1], p - run[2]
                if dq > 0 and 0 < dp <= MAX_GAP and abs(dq - dp) < best_drift:
                    best, best_drift = run, abs(dq - dp)
            if best is None:
                open_runs.append([q, q, p, 0])
            else:
                best[3] += max(0, q - best[1] - (p - best[2]))
                best[1], best[2] = q, p
        runs += [
            Run(work, first, last, inserted)
            for first, last, _, inserted in done + open_runs
            if last > first
        ]
    return runs


def _reproduced_words(run: Run, supplied: npt.NDArray[np.bool_]) -> int:
    """Estimated words of the work reproduced by ``run``, minus user-supplied words.

    Winnowing keeps about one k-gram in ``(W + 1) / 2``, so a reproduced passage usually starts a
    little before its first kept fingerprint and ends a little after its last: ``W - 1`` words
    are added back for the two edges together.
    """
    own = int(np.count_nonzero(~supplied[run.first : run.last + K]))
    return own + (W - 1 if own else 0) - run.inserted


def _supplied_words(text: str, found: Words, sources: tuple[str, ...]) -> npt.NDArray[np.bool_]:
    """Which words of ``text`` lie in a span reproducing user-supplied text (provenance)."""
    spans = supplied_spans(text, sources) if sources else []
    if not spans:
        return np.zeros(len(found.hashes), np.bool_)
    return np.fromiter(
        (
            covered(start, end, spans)
            for start, end in zip(found.starts.tolist(), found.ends.tolist(), strict=True)
        ),
        np.bool_,
        len(found.hashes),
    )


def _merge(spans: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    merged: list[tuple[int, int, float]] = []
    for start, end, score in sorted(spans):
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), max(last[2], score))
        else:
            merged.append((start, end, score))
    return merged


PLUGIN: Plugin[CopyrightDetector] = Plugin("copyright", CopyrightConfig, CopyrightDetector)
"""Registration of the detector under ``[tenants.*.detectors.copyright]``."""
