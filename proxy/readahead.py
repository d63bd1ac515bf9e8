"""Reading a stream one step ahead of its screen, so the screen knows when the upstream is ahead.

A live stream scans less often while the upstream is far ahead of any reader (a buffered answer,
a fast model): releasing a line at a time would be invisible and cost a scan each
(``proxy.stream_live.HURRY_STEPS``). Whether it is ahead is a fact, not a guess from timing: the
next event has already arrived. ``ReadAhead`` reads the upstream's events in a task of its own
into a small bounded queue, and ``buffered`` says whether one is waiting. When the queue runs dry
the reader gets one turn of the event loop to hand over what the connection already holds, so a
burst is seen as one burst however the queue's size cuts it; a burst that ends in a pause ends
with an empty queue, and the screen scans and releases at its last event instead of holding it
until the next one comes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

QUEUE_EVENTS = 16
"""Events read ahead at most: a bound on memory, not on the length of a burst."""


@dataclass(frozen=True, slots=True)
class _Failed:
    error: Exception


_END = object()


class ReadAhead:
    """``events`` read ahead into a queue; iterate it like ``events``, then ``aclose`` it."""

    def __init__(self, events: AsyncIterator[bytes], size: int = QUEUE_EVENTS):
        self._queue: asyncio.Queue[object] = asyncio.Queue(size)
        self._reader = asyncio.get_running_loop().create_task(self._read(events))

    @property
    def buffered(self) -> bool:
        """Whether the next event has already arrived."""
        return not self._queue.empty()

    def __aiter__(self) -> ReadAhead:
        return self

    async def __anext__(self) -> bytes:
        if self._queue.empty():
            item = await self._queue.get()
        else:
            item = self._queue.get_nowait()
        if self._queue.empty() and not self._reader.done():
            await asyncio.sleep(0)  # the reader's turn: what the connection holds is a burst
        if item is _END:
            raise StopAsyncIteration
        if isinstance(item, _Failed):
            raise item.error
        assert isinstance(item, bytes)
        return item

    async def aclose(self) -> None:
        """Stop reading (the upstream's iterator is closed by the cancellation)."""
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def _read(self, events: AsyncIterator[bytes]) -> None:
        end: object = _END
        try:
            async for event in events:
                await self._queue.put(event)
        except Exception as exc:  # the screen raises it, as if it had read the event itself
            end = _Failed(exc)
        await self._queue.put(end)
