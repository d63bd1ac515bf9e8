"""Detector deadlines count a detector's own time: a garbage-collection pause that stops every
thread is not the detector being late, and must not turn a clean answer into a refusal."""

from __future__ import annotations

import asyncio
import gc
import time
import weakref
from collections.abc import Iterator
from typing import ClassVar

import pytest

from detectors.base import DetectorConfig, ScanContext
from detectors.findings import Finding
from detectors.screen import ConfiguredDetector, Field, Screener

DEADLINE_MS = 20


class Collecting:
    """Runs a full garbage collection in its scan and finds nothing."""

    name: ClassVar[str] = "collecting"

    def __init__(self, cpu_heavy: bool):
        self.cpu_heavy = cpu_heavy
        self.paused_s = 0.0

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        started = time.perf_counter()
        gc.collect()
        self.paused_s = time.perf_counter() - started
        return []


class Sleeping:
    """Really late: sleeps past the deadline."""

    name: ClassVar[str] = "sleeping"

    def __init__(self, cpu_heavy: bool):
        self.cpu_heavy = cpu_heavy

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        time.sleep(5 * DEADLINE_MS / 1000)
        return []


@pytest.fixture
def crowded_heap() -> Iterator[None]:
    """Enough live containers that a full collection takes many deadlines."""
    gc.unfreeze()  # objects a server froze at start-up would not be walked
    heap = [[i] for i in range(1_500_000)]
    yield
    del heap


def scan(detector: Collecting | Sleeping) -> list[str]:
    config = DetectorConfig(deadline_ms=DEADLINE_MS)
    screener = Screener([ConfiguredDetector(detector, config)])  # type: ignore[arg-type]
    result = asyncio.run(screener.scan([Field("choices.0.content", "hello")], ScanContext()))
    return [failure.kind for failure in result.failures]


@pytest.mark.parametrize("cpu_heavy", [False, True], ids=["inline", "worker_thread"])
def test_a_collection_pause_does_not_time_out_a_detector(
    crowded_heap: None, cpu_heavy: bool
) -> None:
    detector = Collecting(cpu_heavy)
    assert scan(detector) == []
    assert detector.paused_s * 1000 > 2 * DEADLINE_MS  # the pause alone overran the deadline


@pytest.mark.parametrize("cpu_heavy", [False, True], ids=["inline", "worker_thread"])
def test_a_detector_that_overruns_its_deadline_still_times_out(cpu_heavy: bool) -> None:
    assert scan(Sleeping(cpu_heavy)) == ["timeout"]


class Cycle:
    """Garbage only a collection frees (it refers to itself)."""

    def __init__(self) -> None:
        self.me = self


def test_settling_freezes_the_runtime_and_a_reload_lets_the_previous_one_be_freed() -> None:
    from proxy.runtime import settle

    gc.unfreeze()
    previous = Cycle()
    alive = weakref.ref(previous)
    settle()  # start-up: everything alive now is out of the collector's reach
    assert gc.get_freeze_count() > 0
    del previous
    gc.collect()
    assert alive() is not None  # frozen: a collection does not even look at it
    settle(reloaded=True)  # a reload: the previous runtime is unfrozen and collected
    assert alive() is None
