"""``specguard crossval NAME``: leave-one-source-out evaluation of a trainable detector.

A detector that is measured on rows from the sources it was fitted to looks better than it
is: it learns each source's wording. This protocol measures it on sources it never saw.

For every source ``s`` of the labelled rows (the task's eval-data file plus any extra labelled
sources from ``../shared/train-data``, ``EXTRA``):

1. the ``specguard train`` recipe of the detector (``detectors/train.py``) fits a model on
   every labelled row whose source is not ``s``;
2. the model's threshold is **calibrated on a broad benign set**: the negatives of the training
   sources plus the benign material of ``detectors/loso_data.py`` (instructions, chat prompts,
   biomedical questions and answers, help-seeking chats, dual-use chemistry prompts), minus
   anything from ``s``. The threshold is the lowest one whose false-positive rate, counting rows
   the heuristics alone fire on, stays within ``max_fpr`` on that set *and* on each of its
   sources of at least ``MIN_SOURCE`` rows (a pooled budget alone would be spent on the easy
   sources, where the model is never consulted, and leave a threshold too low for hard ones);
3. the rows of ``s`` are scored with that model and threshold.

A scoring constant that was once chosen by looking at these figures (``nsfw``'s
``FRAMING_FLOOR``, ``loso_tuning.TUNINGS``) is chosen again inside each fold, by grouped
cross-validation on the fold's training sources only (``detectors/loso_tuning.py``), so the
figure of ``s`` never depends on a choice made on ``s``. ``run(..., tune=False)`` scores with
the shipped value instead.

Each benign source is also held out in turn (calibrated on the others; the model sees all the
labelled rows), so its false-positive rate is never measured on rows it was calibrated on.
``overrefusal.jsonl`` is never trained or calibrated on: it is scored with the model of all
labelled rows at the threshold calibrated on every benign row.

The report gives, per held-out source, n, positives, precision, recall, F1 and FPR; the worst
and mean recall over sources with positives and FPR over sources with negatives; and, pooling
every row's held-out prediction, figures per category. The heuristics of the detectors are
hand-written code, not fitted here: they are as "seen" by every fold as their author's eye was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detectors import loso_data, loso_tuning
from detectors.textmodel import TextModel
from detectors.train import SEED, TRAINERS, Recipe, choose_threshold, read_rows

Row = dict[str, Any]
FloatArray = npt.NDArray[np.float64]

CBRN_WORDS = ("bomb", "molotov", "explosive", "nerve agent", "anthrax", "sarin", "poison")
EXTRA: dict[str, Callable[[Path], list[Row]]] = {
    "nsfw": loso_data.pyrit_sexual,
    "cbrn": lambda root: (
        loso_data.pyrit_airt(root, {"harms": CBRN_WORDS, "violence": CBRN_WORDS})
        + loso_data.pyrit_violence(root, CBRN_WORDS)
    ),
}
"""Extra labelled sources per detector, read from ``../shared/train-data``."""
UNLABELLED = "S_unlabelled:"
"""Category prefix of nsfw rows whose source did not annotate the sexual flag (labelled 0)."""
MIN_SOURCE = 200
"""Calibration sources at least this large must each stay within the FPR budget."""
DEFAULT_FPR = {"cbrn": 0.03, "nsfw": 0.02}
"""Calibration target per detector (others: 0.02)."""


def _scores(recipe: Recipe, model: TextModel, rows: Sequence[Row]) -> tuple[FloatArray, FloatArray]:
    """``(heuristic, probability)`` of each row as the detector computes them."""
    if not rows:
        return np.zeros(0), np.zeros(0)
    texts = [r["text"] for r in rows]
    if recipe.contextual is not None:
        inputs = [(c,) if (c := r.get("context")) else () for r in rows]
        return recipe.contextual(model, texts, inputs)
    return recipe.evidence(model, texts)


def figures(fired: npt.NDArray[np.bool_], y: npt.NDArray[np.int64]) -> dict[str, Any]:
    tp = int((fired & (y == 1)).sum())
    fp = int((fired & (y == 0)).sum())
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / pos if pos else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    rounded = {
        k: None if v is None else round(v, 4)
        for k, v in {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "fpr": fp / neg if neg else None,
        }.items()
    }
    return {"n": len(y), "positives": pos, **rounded}


class _Fold:
    """One held-out slice: its rows and whether each fired."""

    def __init__(self, rows: Sequence[Row], fired: npt.NDArray[np.bool_], threshold: float):
        self.rows = list(rows)
        self.fired = fired
        self.threshold = threshold


def _held_out(
    recipe: Recipe,
    model: TextModel,
    test: Sequence[Row],
    calibration: Sequence[Row],
    max_fpr: float,
) -> _Fold:
    h_cal, p_cal = _scores(recipe, model, calibration)
    sources = np.array([str(r.get("source")) for r in calibration])
    # The budget holds on the pooled set and on every source of at least MIN_SOURCE rows (the
    # strictest wins): pooled alone, it is spent on the easy sources where the model is never
    # consulted, and the threshold falls too low for the hard ones.
    slices = [np.ones(len(calibration), dtype=bool)] + [
        sources == source
        for source in sorted(set(sources))
        if int((sources == source).sum()) >= MIN_SOURCE
    ]
    threshold = max(
        choose_threshold(h_cal[m], p_cal[m], np.zeros(int(m.sum()), dtype=np.int64), max_fpr)
        for m in slices
    )
    h, p = _scores(recipe, model, test)
    return _Fold(test, (h >= 0.5) | (p >= threshold), threshold)


def crossval(
    name: str | Recipe,
    rows: Sequence[Row],
    benign: Sequence[Row],
    data_dir: Path,
    max_fpr: float,
    probe: Sequence[Row] = (),
    tuning: loso_tuning.Tuning | None = None,
) -> dict[str, Any]:
    """Leave-one-source-out figures of the ``specguard train`` recipe ``name`` (or of a
    ``Recipe`` given directly; module docstring); ``probe`` rows (``overrefusal.jsonl``) are
    only ever scored. A ``tuning``'s constant is chosen inside each fold on its training
    sources only (``detectors/loso_tuning.py``); without one, the shipped value is used."""
    base = TRAINERS[name] if isinstance(name, str) else name

    def tuned(training: Sequence[Row], calibration_benign: Sequence[Row]) -> tuple[Recipe, Any]:
        if tuning is None:
            return base, None
        value, f1 = loso_tuning.choose(
            tuning, base, training, calibration_benign, data_dir, max_fpr, _held_out
        )
        inner = {str(candidate): score for candidate, score in f1.items()}
        return tuning.recipe(base, value), {"value": value, "inner_f1": inner}

    folds: dict[str, _Fold] = {}
    chosen: dict[str, Any] = {}
    sources = sorted({str(r.get("source")) for r in rows})
    for source in sources:
        training = [r for r in rows if r.get("source") != source]
        recipe, chosen[source] = tuned(training, benign)
        model = recipe.fit(training, data_dir, SEED)
        calibration = [r for r in training if not r["label"]] + list(benign)
        test = [r for r in rows if r.get("source") == source]
        folds[source] = _held_out(recipe, model, test, calibration, max_fpr)
    recipe, chosen["(all labelled)"] = tuned(rows, benign)
    full = recipe.fit(rows, data_dir, SEED)
    negatives = [r for r in rows if not r["label"]]
    for source in sorted({str(r["source"]) for r in benign}):
        test = [r for r in benign if r["source"] == source]
        calibration = negatives + [r for r in benign if r["source"] != source]
        folds[f"benign:{source}"] = _held_out(recipe, full, test, calibration, max_fpr)
    if probe:
        folds["probe:overrefusal"] = _held_out(
            recipe, full, probe, negatives + list(benign), max_fpr
        )
    report = _report(name if isinstance(name, str) else "custom", folds, max_fpr)
    if tuning is not None:
        report["tuned"] = {"constant": tuning.name, "by_fold": chosen}
    return report


def _report(name: str, folds: dict[str, _Fold], max_fpr: float) -> dict[str, Any]:
    by_source = {}
    for source, fold in folds.items():
        y = np.array([int(r["label"]) for r in fold.rows], dtype=np.int64)
        by_source[source] = {**figures(fold.fired, y), "threshold": round(fold.threshold, 4)}
    labelled = {s: v for s, v in by_source.items() if not s.startswith(("benign:", "probe:"))}
    recalls = [v["recall"] for v in labelled.values() if v["recall"] is not None]
    fprs = [v["fpr"] for s, v in by_source.items() if v["fpr"] is not None]
    pooled: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for source, fold in folds.items():
        if source.startswith(("benign:", "probe:")):
            continue
        for row, fired in zip(fold.rows, fold.fired, strict=True):
            pooled[str(row.get("category"))].append((int(row["label"]), bool(fired)))
            pooled["(all labelled)"].append((int(row["label"]), bool(fired)))
    by_category = {
        category: figures(
            np.array([f for _, f in pairs], dtype=bool), np.array([y for y, _ in pairs])
        )
        for category, pairs in sorted(pooled.items())
    }
    return summary(name, max_fpr, by_source, recalls, fprs, by_category)


def summary(
    name: str,
    max_fpr: float | None,
    by_source: dict[str, Any],
    recalls: list[float],
    fprs: list[float],
    by_category: dict[str, Any],
) -> dict[str, Any]:
    """The report of one leave-one-source-out run: per source, worst and mean, per category."""
    return {
        "detector": name,
        "max_fpr": max_fpr,
        "by_source": by_source,
        "recall_worst": min(recalls, default=None),
        "recall_mean": round(sum(recalls) / len(recalls), 4) if recalls else None,
        "fpr_worst": max(fprs, default=None),
        "fpr_mean": round(sum(fprs) / len(fprs), 4) if fprs else None,
        "by_category": by_category,
    }


def run(
    name: str,
    data_dir: str | Path,
    train_dir: str | Path = loso_data.TRAIN_DATA,
    max_fpr: float | None = None,
    strict: bool = False,
    tune: bool = True,
) -> dict[str, Any]:
    """Read the data of ``name`` and run ``crossval`` on it. ``strict`` drops the rows whose
    label the source did not annotate (``UNLABELLED``), as the eval-data README advises for a
    strict measurement: they are neither trained, calibrated nor scored on. ``tune=False``
    scores with the shipped constants instead of choosing them inside each fold."""
    data, extra_root = Path(data_dir), Path(train_dir)
    recipe = TRAINERS[name]
    probe = read_rows(data / "overrefusal.jsonl") if (data / "overrefusal.jsonl").exists() else []
    held = {r["text"] for r in probe}
    rows = [r for r in read_rows(data / f"{recipe.task or name}.jsonl") if r["text"] not in held]
    if strict:
        rows = [r for r in rows if not str(r.get("category")).startswith(UNLABELLED)]
    if name in EXTRA and extra_root.is_dir():
        rows += EXTRA[name](extra_root)
    benign = [r for r in loso_data.benign(extra_root) if r["text"] not in held]
    fpr = max_fpr if max_fpr is not None else DEFAULT_FPR.get(name, 0.02)
    tuning = loso_tuning.TUNINGS.get(name) if tune else None
    return crossval(name, rows, benign, data, fpr, probe, tuning=tuning)


def format_report(result: dict[str, Any]) -> str:
    """The report as a table."""
    columns = ("n", "positives", "precision", "recall", "f1", "fpr", "threshold")
    head = f"{'held-out slice':<34}" + "".join(f"{c:>10}" for c in columns)

    def line(label: str, values: dict[str, Any]) -> str:
        cells = "".join(f"{'-' if values.get(c) is None else values[c]:>10}" for c in columns)
        return f"{label[:34]:<34}{cells}"

    lines = [
        f"{result['detector']}: leave-one-source-out, thresholds calibrated on the benign set "
        f"to FPR <= {result['max_fpr']}",
        head,
        *(line(s, v) for s, v in result["by_source"].items()),
        f"recall over held-out sources: worst {result['recall_worst']}, "
        f"mean {result['recall_mean']}",
        f"FPR over held-out sources: worst {result['fpr_worst']}, mean {result['fpr_mean']}",
        *(
            f"{result['tuned']['constant']} chosen inside the fold of {fold}: {v['value']}"
            f" (inner F1 by value: {v['inner_f1']})"
            for fold, v in result.get("tuned", {}).get("by_fold", {}).items()
        ),
        "pooled held-out predictions by category:",
        head,
        *(line(c, v) for c, v in result["by_category"].items()),
    ]
    return "\n".join(lines)
