"""Structured JSON logs. A log line carries ids, names, numbers and decisions; never prompt or
completion text, never keys."""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson

LOGGER = logging.getLogger("specguard")


FOREIGN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "asyncio")
"""Loggers of the server and event loop, also sent through ``JSONFormatter``: a traceback they
would print (uvicorn's "Exception in ASGI application") becomes one line naming the exception."""


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, event and the record's ``fields``; the exception
    type alone, never its message or traceback."""

    def format(self, record: logging.LogRecord) -> str:
        own = record.name == LOGGER.name or record.name.startswith(f"{LOGGER.name}.")
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "event": record.getMessage() if own else _template(record),
        }
        if not own:
            entry["logger"] = record.name
        entry.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type only: messages and tracebacks may quote request content.
            entry["exception"] = record.exc_info[0].__name__
        return orjson.dumps(entry).decode()


def _template(record: logging.LogRecord) -> str:
    """Another library's message without its arguments (they may carry request or upstream
    text): the first line of the format string, or the type of a non-string message."""
    if not isinstance(record.msg, str):
        return type(record.msg).__name__
    return record.msg.strip().split("\n", 1)[0][:200]


def configure(level: str = "INFO") -> None:
    """Send specguard's logs, and the server's and event loop's, to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter())
    LOGGER.handlers[:] = [handler]
    LOGGER.setLevel(level)
    LOGGER.propagate = False
    for name in FOREIGN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False


def event(name: str, level: int = logging.INFO, exc_info: bool = False, **fields: Any) -> None:
    """Log ``name`` with structured ``fields``."""
    if LOGGER.isEnabledFor(level):
        LOGGER.log(level, name, extra={"fields": fields}, exc_info=exc_info)
