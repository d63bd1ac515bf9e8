"""Recall under each disguise through the screening path, and what the normaliser costs per KB.

``python -m tests.bench_disguise`` prints, for the privacy, cbrn and nsfw eval files in
../shared/eval-data: the recall on the positive rows, plain and under every disguise of
``detectors.disguise`` (``Screener.scan`` over the text and its variants, then the policy, as
the proxy does), the false-positive rate on the negatives and on overrefusal.jsonl, and the
time ``detectors.screen.variants`` takes per KB on ordinary and on disguised text.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, cast

from detectors.base import DetectorConfig
from detectors.disguise import DISGUISES
from detectors.evaluation import evaluate, read_rows
from detectors.registry import DETECTORS
from detectors.screen import Field, variants

EVAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "eval-data"
TASKS = ("privacy", "cbrn", "nsfw")


def detector(task: str) -> tuple[Any, DetectorConfig]:
    """The task's detector with its default settings (a generous deadline: this is no
    latency test)."""
    plugin = DETECTORS.get(task)
    config = cast(DetectorConfig, plugin.config_model.model_validate({"deadline_ms": 10_000}))
    return plugin.factory(config), config


def recall_table() -> dict[str, dict[str, float]]:
    """Recall by task and disguise (``plain`` = none), plus each task's FPRs."""
    table: dict[str, dict[str, float]] = {}
    overrefusal = read_rows(EVAL_DATA / "overrefusal.jsonl")
    for task in TASKS:
        rows = read_rows(EVAL_DATA / f"{task}.jsonl")
        positives = [row for row in rows if row["label"]]
        negatives = [row for row in rows if not row["label"]]
        found, config = detector(task)
        column = {"plain": evaluate(positives, found, config)["recall"]}
        for name, disguise in DISGUISES.items():
            column[name] = evaluate(positives, found, config, disguise=disguise)["recall"]
        column["fpr_negatives"] = evaluate(negatives, found, config)["fpr"]
        column["fpr_overrefusal"] = evaluate(overrefusal, found, config)["fpr"]
        table[task] = column
    return table


def cost_per_kb(texts: list[str], repeat: int = 9) -> float:
    """CPU milliseconds per KB that building the variants of ``texts`` takes (the best of
    ``repeat`` rounds: the machine's other load only ever adds)."""
    size = sum(len(text.encode()) for text in texts) / 1024
    times = []
    for _ in range(repeat):
        started = time.process_time()
        for text in texts:
            variants([Field("x", text)])
        times.append((time.process_time() - started) * 1000 / size)
    return min(times)


def main() -> int:
    if not EVAL_DATA.is_dir():
        print(f"no eval data at {EVAL_DATA}", file=sys.stderr)
        return 2
    table = recall_table()
    names = ["plain", *DISGUISES, "fpr_negatives", "fpr_overrefusal"]
    print(f"{'':<22}" + "".join(f"{task:>10}" for task in TASKS))
    for name in names:
        print(f"{name:<22}" + "".join(f"{table[task][name]:>10.3f}" for task in TASKS))
    ordinary = [row["text"] for row in read_rows(EVAL_DATA / "overrefusal.jsonl")]
    ordinary += [row["text"] for row in read_rows(EVAL_DATA / "nsfw.jsonl")]
    ordinary += [row["text"] for row in read_rows(EVAL_DATA / "copyright.jsonl")][:300]
    print(f"\nvariants() on ordinary text: {cost_per_kb(ordinary):.4f} ms/KB")
    for name, disguise in DISGUISES.items():
        disguised = [disguise(text) for text in ordinary[:300]]
        print(f"variants() on {name:<20} {cost_per_kb(disguised, 5):.4f} ms/KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
