"""Hot reload: on SIGHUP or when the config file changes, validate, then swap atomically.

A request takes the ``Runtime`` current when it arrives and keeps it to the end, so swapping never
changes a request mid-flight. A file that fails validation keeps the running config (logged, and
counted in ``specguard_config_reloads_total{result="invalid"}``). Each worker process watches the
file itself, so all workers converge on the same config. ``[server]`` settings (host, port,
workers) only take effect on restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from proxy import logs, metrics
from proxy.config import ConfigError, load_config
from proxy.runtime import Runtime


class Reloader:
    """Watches one config file and rebuilds the runtime when it changes."""

    def __init__(
        self,
        path: str,
        build: Callable[[object], Runtime],
        swap: Callable[[Runtime], None],
        poll_s: float,
    ):
        self.path = Path(path)
        self.poll_s = poll_s
        self._build = build
        self._swap = swap
        self._stamp = self._current_stamp()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def _current_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def start(self) -> None:
        """Begin watching; SIGHUP also triggers a reload where signals can be handled."""
        if self.poll_s > 0:
            self._task = asyncio.get_running_loop().create_task(self._watch())
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
            # Only the main thread may install signal handlers (not so under test servers).
            asyncio.get_running_loop().add_signal_handler(
                signal.SIGHUP, lambda: asyncio.ensure_future(self.reload("signal"))
            )

    async def stop(self) -> None:
        """Stop watching."""
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.poll_s)
            stamp = self._current_stamp()
            if stamp is not None and stamp != self._stamp:
                self._stamp = stamp
                await self.reload("file")

    async def reload(self, trigger: str) -> bool:
        """Load, validate and swap in the file's config; False (and no change) if invalid."""
        async with self._lock:
            try:
                # Building detectors (indexes, NLP engines) is CPU work: off the event loop.
                runtime = await asyncio.to_thread(lambda: self._build(load_config(self.path)))
            except Exception as exc:
                metrics.CONFIG_RELOADS.labels("invalid").inc()
                detail: dict[str, Any] = (
                    {"problems": [f"{path}: {problem}" for path, problem in exc.problems]}
                    if isinstance(exc, ConfigError)
                    else {"exception": type(exc).__name__}
                )
                logs.event("config_reload_failed", logging.ERROR, trigger=trigger, **detail)
                return False
            self._swap(runtime)
            metrics.CONFIG_RELOADS.labels("ok").inc()
            logs.event(
                "config_reloaded",
                trigger=trigger,
                pid=os.getpid(),
                tenants=len(runtime.config.tenants),
            )
            return True
