"""Where a CPU-heavy detector runs: on the event loop for a short answer to a short request,
on a worker thread when the answer or the request it is judged against is long (a short answer
to a megabyte prompt once held the loop while cbrn read the prompt)."""

from __future__ import annotations

import asyncio
import threading
from typing import ClassVar

import pytest

from detectors.base import DetectorConfig, ScanContext
from detectors.findings import Finding
from detectors.screen import INLINE_CHARS, ConfiguredDetector, Field, Screener


class ThreadRecorder:
    """Finds nothing; notes the thread each scan ran on."""

    name: ClassVar[str] = "recorder"
    cpu_heavy: ClassVar[bool] = True

    def __init__(self) -> None:
        self.threads: list[int] = []

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        self.threads.append(threading.get_ident())
        return []


def ran_on_the_loop(answer: str, request: str) -> bool:
    detector = ThreadRecorder()
    screener = Screener([ConfiguredDetector(detector, DetectorConfig())])  # type: ignore[list-item]
    ctx = ScanContext(user_inputs=(request,))

    async def run() -> int:
        await screener.scan([Field("choices.0.content", answer)], ctx, normalise=False)
        return threading.get_ident()

    loop_thread = asyncio.run(run())
    assert detector.threads
    return set(detector.threads) == {loop_thread}


def test_a_short_answer_to_a_short_request_is_scanned_on_the_loop() -> None:
    assert ran_on_the_loop("Paris is the capital of France.", "What is the capital of France?")


@pytest.mark.parametrize(
    ("answer", "request_text"),
    [
        ("Done.", "x " * INLINE_CHARS),
        ("word " * INLINE_CHARS, "Summarise this."),
    ],
    ids=["long-request", "long-answer"],
)
def test_a_long_answer_or_request_is_scanned_on_a_worker_thread(
    answer: str, request_text: str
) -> None:
    assert not ran_on_the_loop(answer, request_text)
