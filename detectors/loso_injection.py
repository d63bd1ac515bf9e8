"""Leave-one-source-out evaluation of the ``injection`` and ``jailbreak`` models.

The same protocol and report shape as ``detectors.loso`` (``crossval``, ``run``,
``format_report``), on the wider corpus of ``detectors.attackcorpus``:

For every source ``s`` (the ``source`` of the rows: eval-data sources, and for composed rows the
origin of the attack material, e.g. ``spikee``, ``tasktracker``, ``pyrit-in_the_wild``):

1. the model is fitted on every row whose source is not ``s``, minus the benign calibration half
   (``attacktrain.is_calibration``) and, for jailbreak, minus every row that is a near-duplicate
   of a row of ``s`` (templates recur across collections);
2. its threshold is calibrated to ``max_fpr`` on the **benign calibration half** of every other
   source: benign prompts (self-instruct, MT-bench, spikee's false-positive kit, NotInject,
   XSTest, role-play prompts), biomedical questions and abstracts, and benign carriers. These
   rows are never trained on, so the threshold is not set on scores the model has memorised;
3. the rows of ``s`` are scored with that model and threshold.

The **probes** are never trained or calibrated on: they are scored with the final model (all
sources) at its calibrated threshold. Both jailbreak and injection have ``overrefusal.jsonl``;
injection also has ``human-requests`` (requests between people inside carriers,
``attackcorpus.human_request_probe``), the false positives a benign agent flow would meet.
The heuristics are hand-written, not fitted; they are as "seen" by every fold as their
author's eye was (the author read the train-data kits).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detectors import attacktrain
from detectors.attackcorpus import human_request_probe, read_eval
from detectors.loso import summary
from detectors.textmodel import TextModel

Row = dict[str, Any]


def _figures(fired: npt.NDArray[np.bool_], y: npt.NDArray[np.int64]) -> dict[str, Any]:
    tp = int((fired & (y == 1)).sum())
    fp = int((fired & (y == 0)).sum())
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / pos if pos else None
    values = {"precision": precision, "recall": recall, "fpr": fp / neg if neg else None}
    return {
        "n": len(y),
        "positives": pos,
        **{k: None if v is None else round(v, 4) for k, v in values.items()},
    }


def crossval(
    name: str,
    rows: Sequence[Row],
    max_fpr: float = attacktrain.MAX_FPR,
    probes: Mapping[str, Sequence[Row]] | None = None,
    final: tuple[TextModel, float] | None = None,
) -> dict[str, Any]:
    """Leave-one-source-out figures of the attack recipe ``name`` (module docstring).
    ``final`` is the model fitted on every row and its threshold at ``max_fpr``
    (``attacktrain.fit_calibrated``) when the caller already has it; the probes are scored
    with it."""
    recipe = attacktrain.RECIPES[name]
    groups = (
        attacktrain.groups_of(rows)
        if recipe.near_duplicates
        else [str(i) for i in range(len(rows))]
    )
    sources = attacktrain.by_source(rows)
    fired_all: dict[int, bool] = {}
    by_source: dict[str, dict[str, Any]] = {}
    for source, members in sorted(sources.items()):
        held = set(members)
        held_groups = {groups[i] for i in members}
        training = [
            r
            for i, r in enumerate(rows)
            if i not in held and groups[i] not in held_groups and not attacktrain.is_calibration(r)
        ]
        calibration = [
            r["text"] for i, r in enumerate(rows) if i not in held and attacktrain.is_calibration(r)
        ]
        model = recipe.fit(training, attacktrain.SEED)
        h, p = recipe.evidence(model, calibration)
        threshold = attacktrain.choose_threshold(h, p, max_fpr)
        test = [rows[i] for i in members]
        h, p = recipe.evidence(model, [r["text"] for r in test])
        fired = (h >= 0.5) | (p >= threshold)
        y = np.array([int(r["label"]) for r in test], dtype=np.int64)
        by_source[source] = {**_figures(fired, y), "threshold": round(threshold, 4)}
        fired_all.update(zip(members, (bool(f) for f in fired), strict=True))
    probes = {label: texts for label, texts in (probes or {}).items() if texts}
    if probes:
        model, threshold = final or attacktrain.fit_calibrated(recipe, rows, max_fpr)
        for label, probe in probes.items():
            h, p = recipe.evidence(model, [r["text"] for r in probe])
            fired = (h >= 0.5) | (p >= threshold)
            y = np.zeros(len(probe), dtype=np.int64)
            by_source[f"probe:{label}"] = {**_figures(fired, y), "threshold": round(threshold, 4)}
    return _report(name, rows, fired_all, by_source, max_fpr)


def _report(
    name: str,
    rows: Sequence[Row],
    fired: dict[int, bool],
    by_source: dict[str, dict[str, Any]],
    max_fpr: float,
) -> dict[str, Any]:
    labelled = {s: v for s, v in by_source.items() if not s.startswith("probe:")}
    recalls = [v["recall"] for v in labelled.values() if v["recall"] is not None]
    fprs = [v["fpr"] for v in labelled.values() if v["fpr"] is not None]
    pooled: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for i, row in enumerate(rows):
        category = str(row.get("category")).split("/")[0]
        pooled[category].append((int(row["label"]), fired[i]))
        pooled["(all)"].append((int(row["label"]), fired[i]))
        if "/" in str(row.get("category")) and row["label"]:
            pooled["wrapper:" + str(row["category"]).split("/", 1)[1]].append((1, fired[i]))
    by_category = {
        c: _figures(
            np.array([f for _, f in v], dtype=bool), np.array([y for y, _ in v], dtype=np.int64)
        )
        for c, v in sorted(pooled.items())
    }
    return summary(name, max_fpr, by_source, recalls, fprs, by_category)


def run(
    name: str, data_dir: str | Path, train_dir: str | Path, max_fpr: float | None = None
) -> dict[str, Any]:
    """Build the corpus of ``name`` and run ``crossval`` on it (with its probes)."""
    probes = probe_sets(name, Path(data_dir), Path(train_dir))
    rows = corpus_without_probes(name, Path(data_dir), Path(train_dir), probes)
    recipe = attacktrain.RECIPES[name]
    return crossval(name, rows, recipe.max_fpr if max_fpr is None else max_fpr, probes)


def probe_sets(name: str, data: Path, train_dir: Path) -> dict[str, list[Row]]:
    """The benign probes of ``name`` (module docstring): ``overrefusal.jsonl`` and, for
    injection, the requests between people."""
    over = data / "overrefusal.jsonl"
    probes = {"overrefusal": read_eval(data, "overrefusal") if over.exists() else []}
    if name == "injection":
        probes["human-requests"] = human_request_probe(train_dir)
    return probes


def corpus_without_probes(
    name: str, data: Path, train_dir: Path, probes: Mapping[str, Sequence[Row]]
) -> list[Row]:
    """The corpus of ``name`` minus every probe text (some recur in the sources), so that
    neither crossval nor the shipped model is fitted or calibrated on a probe."""
    held = {r["text"] for probe in probes.values() for r in probe}
    return [r for r in attacktrain.RECIPES[name].corpus(data, train_dir) if r["text"] not in held]


def format_report(result: dict[str, Any]) -> str:
    """The report as a table."""
    columns = ("n", "positives", "precision", "recall", "fpr", "threshold")

    def line(label: str, values: dict[str, Any]) -> str:
        cells = "".join(f"{'-' if values.get(c) is None else values[c]:>10}" for c in columns)
        return f"{label[:34]:<34}{cells}"

    head = f"{'held-out source':<34}" + "".join(f"{c:>10}" for c in columns)
    lines = [
        f"{result['detector']}: leave-one-source-out, thresholds calibrated to FPR <= "
        f"{result['max_fpr']} on the benign calibration half of the other sources",
        head,
        *(line(s, v) for s, v in result["by_source"].items()),
        f"recall worst {result['recall_worst']} mean {result['recall_mean']}; "
        f"FPR worst {result['fpr_worst']} mean {result['fpr_mean']}",
        "",
        f"{'pooled held-out, by category':<34}" + "".join(f"{c:>10}" for c in columns),
        *(line(c, v) for c, v in result["by_category"].items()),
    ]
    return "\n".join(lines)
