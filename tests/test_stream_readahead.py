"""A live stream knows when its upstream is ahead: it scans less often during a burst whose next
event has already arrived, and releases a burst that ends in a pause at once, not at the next
event (``proxy.readahead``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from proxy.context import RequestContext
from proxy.readahead import ReadAhead
from proxy.runtime import Tenant
from proxy.sse import DONE
from proxy.stream_screen import StreamScreen
from proxy.testing import chunks, make_tenant, sse_event
from tests.test_stream_screening import delivered

DEFAULTS = {"privacy": {}, "prompt_leak": {}, "cbrn": {}, "nsfw": {}}
SENTENCE = "Foxes hunt rodents, birds and insects, and they also eat fruit in the late summer. "
BURST = SENTENCE * 24  # 1,992 characters: more than a hurried scan may wait for
PIECE = 4


def live() -> Tenant:
    return make_tenant({"detectors": DEFAULTS, "stream": {"mode": "live"}})


def events(text: str) -> list[bytes]:
    return [
        sse_event(event)
        for event in chunks(*(text[i : i + PIECE] for i in range(0, len(text), PIECE)))
    ]


async def shown_during_pause(owner: Tenant) -> tuple[str, str]:
    """Text the client had while the upstream paused after ``BURST`` (waiting up to 5 s for
    it to show), and the whole text once the upstream finished."""
    sent = events(BURST + "The end.")
    pause = 1 + len(BURST) // PIECE  # after the role chunk and the burst (whole pieces)
    paused, resume = asyncio.Event(), asyncio.Event()

    async def upstream() -> AsyncIterator[bytes]:
        for event in sent[:pause]:
            yield event
        paused.set()
        await resume.wait()
        for event in sent[pause:]:
            yield event

    out = b""

    async def client() -> None:
        nonlocal out
        async for event in owner.pipeline.relay(upstream(), RequestContext("req", owner)):
            out += event

    reading = asyncio.create_task(client())
    await paused.wait()
    for _ in range(500):
        if delivered(out)[0] == BURST:
            break
        await asyncio.sleep(0.01)
    during = delivered(out)[0]
    resume.set()
    await reading
    return during, delivered(out)[0]


def test_a_burst_that_ends_in_a_pause_is_released_before_the_pause_ends() -> None:
    during, whole = asyncio.run(shown_during_pause(live()))
    assert during == BURST, (len(during), len(BURST))
    assert whole == BURST + "The end."


async def scans(owner: Tenant, pace_s: float | None) -> int:
    """Scans a live stream of ``BURST`` makes, its events back to back or ``pace_s`` apart."""
    count = 0
    decide = StreamScreen._decide

    async def counted(self: StreamScreen, *args: Any) -> Any:
        nonlocal count
        count += 1
        return await decide(self, *args)

    async def upstream() -> AsyncIterator[bytes]:
        for event in events(BURST):
            if pace_s is not None:
                await asyncio.sleep(pace_s)
            yield event

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(StreamScreen, "_decide", counted)
        async for _ in owner.pipeline.relay(upstream(), RequestContext("req", owner)):
            pass
    return count


def test_a_burst_already_received_is_scanned_in_fewer_larger_scans_than_a_paced_stream() -> None:
    owner = live()
    burst, paced = asyncio.run(scans(owner, None)), asyncio.run(scans(owner, 0.001))
    assert burst * 3 <= paced, (burst, paced)


def test_read_ahead_hands_on_every_event_in_order_then_the_upstreams_error() -> None:
    class Broken(Exception):
        pass

    async def upstream() -> AsyncIterator[bytes]:
        for n in range(40):
            yield b"%d" % n
        raise Broken

    async def read() -> tuple[list[bytes], bool]:
        ahead, seen = ReadAhead(upstream(), limit=8), []
        try:
            async for event in ahead:
                seen.append(event)
        except Broken:
            return seen, True
        finally:
            await ahead.aclose()
        return seen, False

    seen, raised = asyncio.run(read())
    assert seen == [b"%d" % n for n in range(40)]
    assert raised


def test_closing_read_ahead_closes_the_upstream_it_was_waiting_on() -> None:
    closed = asyncio.Event()

    async def upstream() -> AsyncIterator[bytes]:
        try:
            yield b"data: first\n\n"
            await asyncio.Event().wait()  # an upstream that never sends again
            yield DONE
        finally:
            closed.set()

    async def read() -> bytes:
        ahead = ReadAhead(upstream())
        first = await anext(ahead)
        await ahead.aclose()
        return first

    assert asyncio.run(read()) == b"data: first\n\n"
    assert closed.is_set()
