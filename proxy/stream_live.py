"""The live stream plan (``[stream].mode = "live"``): release as soon as no check can still object.

The strict plan (``proxy.stream_schedule.Schedule``) releases a character once every detector has
screened it with its whole hold-back of right-context after it: 256 characters with the default
policy, about 1.3 s of a model writing 50 tokens a second. The live plan asks each detector only
for what it needs (``detectors.base.release_kind``):

- **Exact patterns** (``tail``: privacy, prompt_leak, deny_terms, copyright) scan the first
  ``first`` characters (and every ``first`` more until something can be released), then every
  ``step`` characters, each scan repeating the detector's open tail and its ``lookback`` of
  left-context before that. After a scan everything before the
  open tail is released (``detectors.tails``): an identifier, a key, a term or a run of prompt
  words still being written is held from its start, plain prose goes at once. The guarantee of
  the strict plan stands: no character of a match reaches the client, under any chunking. Text
  whose normalised or decoded reading differs (a disguise) is held with the full hold-back.
- **Classifiers** (``score``: cbrn, nsfw, llm_judge, injection, jailbreak) score a window every
  ``score_step`` characters (one that blocks on I/O, the judge, every ``SLOW_STEPS`` steps).
  While the last window scores below ``band`` of the threshold, text is released without
  waiting for their next scan (at most that interval ahead of it); in the uncertain band they
  hold their full hold-back and rescan every ``step`` until the score clears, and a violation
  cuts the stream (refusal chunk, ``[DONE]``, upstream cancelled). The finished answer is
  scored whole, up to ``FINAL_CHARS``.
  What a violating answer shows before its cut is measured by ``tests.bench_leak``.
- **Any other detector** (``holdback``) keeps its full hold-back, as in the strict plan.

Bursts of about a line only matter while someone is waiting for the text. While the upstream's
next event has already arrived (an upstream far ahead of any reader, or a buffered answer:
``proxy.readahead``), a due scan waits for up to ``HURRY_STEPS`` more steps of text (~1.4 KB),
so such a stream costs fewer, larger scans; a model writing at a reading pace is scanned every
step, and the last event of a burst is scanned and released at once, not held for the next.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from detectors.base import (
    Detector,
    ReleaseKind,
    ScanContext,
    holdback,
    lookback,
    open_tail,
    release_kind,
)
from proxy import logs

FIRST = 32
"""Characters before the first scan: the first release comes after about this much text."""
STEP = 96
"""Characters between exact-pattern scans: about one line released per scan."""
SCORE_STEPS = 3
"""Exact-pattern steps between classifier scans (classifiers cost the most per character)."""
FINAL_CHARS = 1536
"""Text a classifier scores whole when the stream ends (its last window reaches this far back).
Every cbrn and nsfw dev positive refused whole is then cut as a stream; the last 1,024
characters alone leave three of cbrn's uncut (``tests/test_stream_live.py``)."""
HURRY_STEPS = 15
"""Steps a due scan may wait while the upstream's next event has already arrived."""
SLOW_STEPS = 8
"""Steps between scans of a classifier that blocks on I/O (``llm_judge``): 768 characters, the
strict mode's interval with the default policy, so a live stream asks a judge no more often."""
BAND = 0.5
"""A classifier window scoring at least this share of its threshold is uncertain: held."""


@dataclass(frozen=True, slots=True)
class LiveSchedule:
    """The live scan and release plan of one tenant's detectors, shared by all its streams."""

    kinds: Mapping[str, ReleaseKind]
    detectors: Mapping[str, Detector]
    context: Mapping[str, int]
    """Left-context a scan repeats, per detector (``detectors.base.lookback``)."""
    release: Mapping[str, int]
    """Full hold-back per detector: held while disguised, uncertain or of unknown kind."""
    first: int
    step: int
    score_step: int
    slow: frozenset[str] = frozenset()
    """Classifiers that block on I/O (a judge model's HTTP call): scanned every ``SLOW_STEPS``
    steps, as often as in strict mode, not every ``score_step``."""
    band: float = BAND
    hurry: int = 0
    """Characters a due scan may wait for while the upstream is ahead (0: scan when due)."""

    @classmethod
    def plan(
        cls, detectors: Iterable[Detector], scan_every_chars: int | None = None
    ) -> LiveSchedule:
        """The live plan for ``detectors``; ``scan_every_chars`` replaces ``STEP``."""
        found = {d.name: d for d in detectors}
        kinds = {name: release_kind(d) for name, d in found.items()}
        context = {
            name: lookback(d) if kinds[name] == "tail" else holdback(d) for name, d in found.items()
        }
        release = {name: holdback(d) for name, d in found.items()}
        step = scan_every_chars or STEP
        return cls(
            kinds,
            found,
            context,
            release,
            min(FIRST, step),
            step,
            SCORE_STEPS * step,
            hurry=HURRY_STEPS * step,
            slow=frozenset(
                name
                for name, d in found.items()
                if kinds[name] == "score" and getattr(d, "blocking_io", False)
            ),
        )

    @property
    def holdback(self) -> int:
        """The longest hold-back any detector may fall back to."""
        return max(self.release.values(), default=0)

    def _cadence(self, name: str, scanned: int, cleared: Mapping[str, int]) -> int:
        if min(cleared.values(), default=0) <= 0:
            return self.first  # nothing released yet: look again soon, for the first token
        if self.kinds[name] != "score" or cleared.get(name, 0) < scanned:
            return self.step  # exact patterns, and classifiers in the uncertain band
        return self._score_step(name)

    def _score_step(self, name: str) -> int:
        return SLOW_STEPS * self.step if name in self.slow else self.score_step

    def next_due(
        self, first_piece: int, scanned: Mapping[str, int], cleared: Mapping[str, int]
    ) -> float:
        """Text length at which the next scan of a text is due."""
        if not self.kinds:
            return float("inf")
        if not scanned:
            return self.first
        return min(
            scanned.get(name, 0) + self._cadence(name, scanned.get(name, 0), cleared)
            for name in self.kinds
        )

    def due(
        self,
        length: int,
        first_piece: int,
        scanned: Mapping[str, int],
        cleared: Mapping[str, int],
    ) -> list[str]:
        """Detectors to scan a text that has reached ``length``: all of them the first time,
        then those whose cadence has come round (classifiers join an exact-pattern scan once
        theirs has too, so they share its normalised and decoded readings)."""
        if not scanned:
            return list(self.kinds)
        return [
            name
            for name in self.kinds
            if length >= scanned.get(name, 0) + self._cadence(name, scanned.get(name, 0), cleared)
        ]

    def behind(self, length: int, scanned: Mapping[str, int]) -> list[str]:
        """Detectors that have not screened a finished text to its end yet."""
        return [name for name in self.kinds if scanned.get(name, 0) < length]

    def scan_window(
        self,
        names: Iterable[str],
        scanned: Mapping[str, int],
        opened: Mapping[str, int],
        ending: int | None = None,
    ) -> tuple[int, dict[str, int], dict[str, int]]:
        """Where a scan by ``names`` starts, where each finds text it has not screened (from that
        start: ``Field.fresh``), and how much before that each is given (``Field.lookback``):
        its lookback before its open tail (or before what it has screened, if that comes first),
        so a value still undecided there is judged with all its left context. The final scan of
        a finished text (``ending``: its length) gives classifiers at least its last
        ``FINAL_CHARS``, so a stream is cut whenever the whole answer would have been refused."""
        begins: dict[str, int] = {}
        for name in names:
            done = scanned.get(name, 0)
            context = self.context[name]
            begin = min(done, opened.get(name, done)) - context
            if ending is not None and self.kinds[name] == "score":
                begin = min(begin, ending - FINAL_CHARS)
            begins[name] = max(0, begin)
        start = min(begins.values(), default=0)
        fresh = {name: scanned.get(name, 0) - start for name in begins}
        before = {name: scanned.get(name, 0) - begin for name, begin in begins.items()}
        return start, fresh, before

    def settle(
        self,
        name: str,
        text: str,
        begin: int,
        ctx: ScanContext,
        peak: float,
        disguised: bool,
    ) -> tuple[int, int]:
        """After ``name`` scanned ``text[begin:]`` (a scan found nothing to refuse): how far the
        text may be released as far as it is concerned, and where its open tail starts."""
        length = len(text)
        kind = self.kinds[name]
        strict = length - self.release[name]
        if peak == float("inf"):  # the scan failed (``on_error = "allow"``): nothing is known
            return strict, strict
        if kind == "score":
            return (strict if peak >= self.band else length + self._score_step(name)), length
        if kind == "holdback" or disguised:
            return strict, strict
        try:
            tail = open_tail(self.detectors[name], text[begin:], ctx)
        except Exception as exc:  # fail closed: the whole hold-back, as in the strict plan
            logs.event(
                "open_tail_failed", logging.WARNING, detector=name, exception=type(exc).__name__
            )
            return strict, strict
        return length - tail, length - tail
