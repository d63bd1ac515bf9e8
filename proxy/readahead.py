"""Reading a stream one step ahead of its screen, so the screen knows when the upstream is ahead.

A live stream scans less often while the upstream is far ahead of any reader (a buffered answer,
a fast model): releasing a line at a time would be invisible and cost a scan each
(``proxy.stream_live.HURRY_STEPS``). Whether it is ahead is a fact, not a guess from timing: the
next event has already arrived. ``ReadAhead`` reads the upstream's events in a task of its own
into a small bounded buffer, and ``buffered`` says whether one is waiting. When the buffer runs dry
the reader gets one turn of the event loop to hand over what the connection already holds, so a
burst is seen as one burst however the buffer's size cuts it; a burst that ends in a pause ends
with an empty buffer, and the screen scans and releases at its last event instead of holding it
until the next one comes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

AHEAD_BYTES = 64 * 1024
"""Bytes of events read ahead at most (one event, however large, always): a bound on memory,
not on the length of a burst. Each refill of an empty buffer costs a few turns of the event loop,
so the bound is in bytes, not in events: a buffered answer's ~300 chunks fit in one."""


@dataclass(frozen=True, slots=True)
class _Failed:
    error: Exception


_END = object()


class ReadAhead:
    """``events`` read ahead into a bounded buffer; iterate it like ``events``, then ``aclose``
    it. A deque and two futures rather than an ``asyncio.Queue``: this sits on every event of
    a stream, and the queue cost ~10% of a back-to-back stream's screening CPU, this ~3.5%."""

    def __init__(self, events: AsyncIterator[bytes], limit: int = AHEAD_BYTES):
        self._events: deque[bytes] = deque()
        self._bytes = 0
        self._limit = limit
        self._end: object = None
        """``_END`` or a ``_Failed`` once the reader has finished."""
        self._loop = asyncio.get_running_loop()
        self._arrived: asyncio.Future[None] | None = None
        """Set while the screen waits for an event."""
        self._room: asyncio.Future[None] | None = None
        """Set while the reader waits for room in the buffer."""
        self._reader = self._loop.create_task(self._read(events))

    @property
    def buffered(self) -> bool:
        """Whether the next event has already arrived."""
        return bool(self._events)

    def __aiter__(self) -> ReadAhead:
        return self

    async def __anext__(self) -> bytes:
        if not self._events and self._end is None:
            self._arrived = self._loop.create_future()
            _wake(self._room)
            await self._arrived
        if not self._events:
            if isinstance(self._end, _Failed):
                raise self._end.error
            raise StopAsyncIteration
        event = self._events.popleft()
        self._bytes -= len(event)
        if not self._events and self._end is None:
            _wake(self._room)
            await asyncio.sleep(0)  # the reader's turn: what the connection holds is a burst
        return event

    async def aclose(self) -> None:
        """Stop reading (the upstream's iterator is closed by the cancellation)."""
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def _read(self, events: AsyncIterator[bytes]) -> None:
        end: object = _END
        try:
            async for event in events:
                self._events.append(event)
                self._bytes += len(event)
                _wake(self._arrived)
                if self._bytes >= self._limit:
                    self._room = self._loop.create_future()
                    await self._room
        except Exception as exc:  # the screen raises it, as if it had read the event itself
            end = _Failed(exc)
        self._end = end
        _wake(self._arrived)


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)
