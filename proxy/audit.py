"""The decision audit log: one JSON line per policy decision (JSONL sink).

A line names the request, tenant, stage, detector, category, action and rule, with a truncated
SHA-256 of the matched span so a decision can be matched against a known value without the log
holding it. Prompt and completion text and keys are never written.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import orjson

from detectors.policy import Decision


class AuditLog:
    """Appends decisions to a JSONL file, one line each.

    The file is opened per line: decisions are rare next to requests, and this way a config
    reload (or log rotation) never leaves a runtime holding a stale handle.
    """

    def __init__(self, path: str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def write(self, request_id: str, tenant: str, stage: str, decision: Decision) -> None:
        """Record one decision."""
        finding = decision.finding
        line = orjson.dumps(
            {
                "ts": round(time.time(), 3),
                "request_id": request_id,
                "tenant": tenant,
                "stage": stage,
                "detector": finding.detector,
                "category": finding.category,
                "action": decision.action,
                "rule": decision.rule_id,
                "score": round(finding.score, 4),
                "span_sha256": finding.digest or None,
            }
        ).decode()
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
