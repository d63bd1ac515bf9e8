"""When a stream's text is scanned, and by which detectors.

This is the strict plan (``[stream].mode = "strict"``); ``proxy.stream_live`` is the live one.

Every detector keeps its own progress through each streamed text (``scanned``: detector name ->
how far it has screened). A character may be released once every detector has screened it with
its own hold-back of right-context after it (``Schedule.safe_to``); a detector's next scan starts
its own hold-back before its progress, so a match straddling two scans is seen whole and no more
than that is scanned twice (``Schedule.window``).

The first scans are split in two rounds so that the time to first token is short: the detectors
needing the longest hold-back scan as soon as the first delta has that much text after it; the
others scan together earlier, as soon as every one of them can clear the first delta, while the
stream is waiting for the longest hold-back anyway. The scan that releases the first delta is
then the long-hold-back detectors' alone. After that every detector scans together, whenever
``step`` characters have arrived since the least advanced one's last scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from detectors.base import Detector, ScanContext, holdback

if TYPE_CHECKING:
    from proxy.config import StreamConfig
    from proxy.stream_live import LiveSchedule

NEVER = float("inf")
"""``next_due`` of a text no scan will ever be due for (no detectors)."""
_MIN_STEP = 64


@dataclass(frozen=True, slots=True)
class Schedule:
    """The scan plan of one tenant's detectors, shared by all its streams."""

    context: Mapping[str, int]
    """Left-context per detector: how far before its progress its next scan starts."""
    release: Mapping[str, int]
    """Right-context per detector before a character may be released."""
    first: Mapping[str, int]
    """Text after the first delta at which a detector makes its first scan."""
    step: int
    """New characters that make the next (joint) scan due."""

    @classmethod
    def plan(
        cls,
        detectors: Iterable[Detector],
        holdback_chars: int | None = None,
        scan_every_chars: int | None = None,
    ) -> Schedule:
        """The schedule for ``detectors``; ``holdback_chars`` (a tenant's setting) replaces
        every detector's own right-context need, ``scan_every_chars`` the default step of 3x the
        hold-back (each character scanned at most ~1.33 times, releases in bursts of about that
        size)."""
        context = {d.name: holdback(d) for d in detectors}
        release = {
            name: holdback_chars if holdback_chars is not None else need
            for name, need in context.items()
        }
        top = max(release.values(), default=0)
        early = max((need for need in release.values() if need < top), default=top)
        first = {name: need if need == top else early for name, need in release.items()}
        step = scan_every_chars or max(3 * top, _MIN_STEP)
        return cls(context, release, first, step)

    @property
    def holdback(self) -> int:
        """The longest right-context any detector needs."""
        return max(self.release.values(), default=0)

    def next_due(
        self, first_piece: int, scanned: Mapping[str, int], cleared: object = None
    ) -> float:
        """Text length at which the next scan of a text is due."""
        due = [first_piece + need for name, need in self.first.items() if name not in scanned]
        if scanned:
            due.append(min(scanned.values()) + self.step)
        return min(due, default=NEVER)

    def due(
        self, length: int, first_piece: int, scanned: Mapping[str, int], cleared: object = None
    ) -> list[str]:
        """Detectors to scan a text that has reached ``length`` (its ``next_due``)."""
        if scanned and length >= min(scanned.values()) + self.step:
            return list(self.release)  # all together, so they stay in step
        return [
            name
            for name, need in self.first.items()
            if name not in scanned and length >= first_piece + need
        ]

    def behind(self, length: int, scanned: Mapping[str, int]) -> list[str]:
        """Detectors that have not screened a finished text to its end yet."""
        return [name for name in self.release if scanned.get(name, 0) < length]

    def window(
        self, names: Iterable[str], scanned: Mapping[str, int]
    ) -> tuple[int, dict[str, int]]:
        """Where a scan by ``names`` starts, and where each of them finds text it has not
        screened yet, counted from that start (``detectors.screen.Field.fresh``)."""
        names = list(names)
        start = max(0, min((scanned.get(n, 0) - self.context[n] for n in names), default=0))
        return start, {name: scanned.get(name, 0) - start for name in names}

    def scan_window(
        self,
        names: Iterable[str],
        scanned: Mapping[str, int],
        opened: object = None,
        ending: int | None = None,
    ) -> tuple[int, dict[str, int], None]:
        """``window``, and no ``Field.lookback``: every detector repeats its own hold-back."""
        start, fresh = self.window(names, scanned)
        return start, fresh, None

    def settle(
        self,
        name: str,
        text: str,
        begin: int,
        ctx: ScanContext,
        peak: float,
        disguised: bool,
    ) -> tuple[int, int]:
        """After ``name`` scanned ``text``: how far it may be released as far as that detector
        is concerned (its hold-back before the end), and where its next scan's context starts."""
        return len(text) - self.release[name], len(text)

    def safe_to(self, scanned: Mapping[str, int], length: int) -> int:
        """How much of a text every detector has screened with its right-context after it."""
        return min(
            (scanned.get(name, 0) - need for name, need in self.release.items()), default=length
        )


def plan(detectors: Iterable[Detector], config: StreamConfig) -> Schedule | LiveSchedule:
    """The tenant's stream plan: ``[stream].mode`` ``strict`` (this module) or ``live``
    (``proxy.stream_live``)."""
    if config.mode == "live":
        from proxy.stream_live import LiveSchedule

        return LiveSchedule.plan(detectors, config.scan_every_chars)
    return Schedule.plan(detectors, config.holdback_chars, config.scan_every_chars)
