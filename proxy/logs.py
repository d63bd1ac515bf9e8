"""Structured JSON logs. A log line carries ids, names, numbers and decisions; never prompt or
completion text, never keys."""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson

LOGGER = logging.getLogger("specguard")


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, event and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type only: messages and tracebacks may quote request content.
            entry["exception"] = record.exc_info[0].__name__
        return orjson.dumps(entry).decode()


def configure(level: str = "INFO") -> None:
    """Send specguard's logs to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter())
    LOGGER.handlers[:] = [handler]
    LOGGER.setLevel(level)
    LOGGER.propagate = False


def event(name: str, level: int = logging.INFO, exc_info: bool = False, **fields: Any) -> None:
    """Log ``name`` with structured ``fields``."""
    if LOGGER.isEnabledFor(level):
        LOGGER.log(level, name, extra={"fields": fields}, exc_info=exc_info)
