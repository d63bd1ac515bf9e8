"""``specguard eval``: precision, recall, F1, false-positive rate and latency of a detector on a
file in the ``../shared/eval-data`` schema, overall and per ``category``.

By default each row goes through the proxy's own screening path: ``Screener.scan`` over the text
and its normalised and decoded variants (``detectors.normalize``), then ``detectors.policy.decide``
with the detector's default configuration; the row counts as fired when the verdict is not
``allow`` (a finding the policy acts on, or a failed scan, which refuses). With ``raw=True`` the
detector scans the text alone and a row fires on any finding the policy would act on, which
measures the detector itself without the normaliser. A ``disguise`` (``detectors.disguise``) is
applied to every row's text first. The row's ``context`` is passed as user-supplied input, as it
would be in a live request.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from detectors.base import DetectorConfig, ScanContext
from detectors.findings import Finding


@dataclass
class Counts:
    """Confusion counts and per-item latencies for one slice of the data."""

    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0
    millis: list[float] = field(default_factory=list)
    ms_per_kb: list[float] = field(default_factory=list)

    def add(self, label: int, fired: bool, millis: float, size: int) -> None:
        """Record one row."""
        if label:
            self.tp += fired
            self.fn += not fired
        else:
            self.fp += fired
            self.tn += not fired
        self.millis.append(millis)
        self.ms_per_kb.append(millis * 1024 / max(size, 1))

    def summary(self) -> dict[str, Any]:
        """n, precision, recall, f1, fpr and latency percentiles (None where undefined)."""
        precision = _ratio(self.tp, self.tp + self.fp)
        recall = _ratio(self.tp, self.tp + self.fn)
        f1 = (
            round(2 * precision * recall / (precision + recall), 4)
            if precision is not None and recall is not None and precision + recall
            else None
        )
        return {
            "n": self.tp + self.fp + self.tn + self.fn,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "fpr": _ratio(self.fp, self.fp + self.tn),
            "p50_ms": _percentile(self.millis, 50),
            "p99_ms": _percentile(self.millis, 99),
            "p50_ms_per_kb": _percentile(self.ms_per_kb, 50),
        }


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _percentile(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 4)
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1], 4)


def counts_as_fired(findings: Iterable[Finding], config: DetectorConfig) -> bool:
    """Whether the default policy of ``config`` would act on any of ``findings``."""
    from detectors.policy import effective

    for finding in findings:
        action, threshold = effective(config, finding.category)
        if action != "off" and finding.score >= threshold:
            return True
    return False


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """The JSONL rows of an eval file."""
    with open(path, "rb") as handle:
        return [orjson.loads(line) for line in handle if line.strip()]


def _context(row: dict[str, Any]) -> ScanContext:
    context = row.get("context")
    return ScanContext(tenant="eval", user_inputs=(context,) if context else ())


def _raw_runs(
    texts: Sequence[str], rows: Sequence[dict[str, Any]], detector: Any, config: DetectorConfig
) -> list[tuple[bool, float, bool]]:
    runs = []
    for text, row in zip(texts, rows, strict=True):
        started = time.perf_counter()
        hit = counts_as_fired(detector.scan(text, _context(row)), config)
        runs.append((hit, (time.perf_counter() - started) * 1000, False))
    return runs


async def _screened_runs(
    texts: Sequence[str], rows: Sequence[dict[str, Any]], detector: Any, config: DetectorConfig
) -> list[tuple[bool, float, bool]]:
    from detectors.policy import decide
    from detectors.screen import ConfiguredDetector, Field, Screener

    screener = Screener([ConfiguredDetector(detector, config)])
    screener.warm_up()
    runs = []
    for text, row in zip(texts, rows, strict=True):
        started = time.perf_counter()
        scan = await screener.scan([Field("text", text)], _context(row))
        verdict = decide(scan.findings, scan.failures, screener.configs)
        runs.append(
            (verdict.action != "allow", (time.perf_counter() - started) * 1000, bool(scan.failures))
        )
    return runs


def fired(
    rows: list[dict[str, Any]],
    detector: Any,
    config: DetectorConfig,
    *,
    raw: bool = False,
    disguise: Callable[[str], str] | None = None,
) -> list[bool]:
    """Whether each of ``rows`` fires (module docstring), in order."""
    texts = [disguise(row["text"]) if disguise else row["text"] for row in rows]
    return [run[0] for run in _runs(texts, rows, detector, config, raw)]


def _runs(
    texts: list[str],
    rows: list[dict[str, Any]],
    detector: Any,
    config: DetectorConfig,
    raw: bool,
) -> list[tuple[bool, float, bool]]:
    if raw:
        return _raw_runs(texts, rows, detector, config)
    return asyncio.run(_screened_runs(texts, rows, detector, config))


def evaluate(
    rows: list[dict[str, Any]],
    detector: Any,
    config: DetectorConfig,
    *,
    raw: bool = False,
    disguise: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """Run ``detector`` over ``rows`` (module docstring); the result has the keys
    ``specguard eval --json`` prints."""
    texts = [disguise(row["text"]) if disguise else row["text"] for row in rows]
    runs = _runs(texts, rows, detector, config, raw)
    overall = Counts()
    by_category: dict[str, Counts] = defaultdict(Counts)
    for text, row, (hit, millis, _) in zip(texts, rows, runs, strict=True):
        size = len(text.encode())
        overall.add(int(row["label"]), hit, millis, size)
        by_category[str(row.get("category"))].add(int(row["label"]), hit, millis, size)
    return {
        "task": rows[0]["task"] if rows else None,
        "path": "raw" if raw else "screened",
        **overall.summary(),
        "failed_scans": sum(failed for _, _, failed in runs),
        "by_category": {name: counts.summary() for name, counts in sorted(by_category.items())},
    }


def format_table(result: dict[str, Any], detector_name: str) -> str:
    """A human-readable report of ``evaluate``'s result."""
    columns = ("n", "precision", "recall", "f1", "fpr", "p50_ms", "p99_ms")
    lines = [
        f"task={result['task']} detector={detector_name} path={result['path']}"
        f" failed_scans={result['failed_scans']}",
        f"{'slice':<44}" + "".join(f"{c:>10}" for c in columns),
    ]

    def row(name: str, values: dict[str, Any]) -> str:
        cells = "".join(f"{'-' if values[c] is None else values[c]:>10}" for c in columns)
        return f"{name[:44]:<44}{cells}"

    lines.append(row("overall", result))
    lines += [row(name, values) for name, values in result["by_category"].items()]
    return "\n".join(lines)
