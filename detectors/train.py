"""``specguard train NAME``: cross-validate, calibrate and write a detector's model artifact.

Each entry of ``TRAINERS`` is a ``Recipe``: how to fit a ``TextModel`` on rows of
``<data_dir>/<task>.jsonl``, how the detector turns a model into scores (its heuristics and the
model's probability, ``Evidence``), how rows are grouped for cross-validation, and the
false-positive rate the operating point may spend. ``train`` then

1. runs grouped k-fold cross-validation (rows sharing a group never straddle train and test, so
   near-duplicates and shared payloads cannot leak) and collects out-of-fold scores;
2. picks the lowest model threshold whose out-of-fold false-positive rate, counting rows the
   heuristics alone fire on, stays within ``max_fpr``, and prints precision, recall and FPR at
   that threshold, overall and per category. These are honest held-out figures, except that
   the threshold itself is chosen on the same pooled out-of-fold scores;
3. fits on all rows with the same seed, shifts the model so that the chosen threshold scores
   0.5 (the detectors' default threshold), and writes ``detectors/models/<name>.npz``.

To add a model, add a ``Recipe`` to ``TRAINERS`` (``fit_documents`` and ``model_only`` cover a
plain document classifier).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from detectors import attacktrain, trainsets
from detectors.textmodel import TextModel

Row = dict[str, Any]
FloatArray = npt.NDArray[np.float64]
Evidence = Callable[[TextModel, Sequence[str]], tuple[FloatArray, FloatArray]]
"""``(heuristic score, model probability)`` per text, as the detector computes them; a row
fires when the heuristic score is at least 0.5 or the probability reaches the threshold."""
ContextualEvidence = Callable[
    [TextModel, Sequence[str], Sequence[tuple[str, ...]]], tuple[FloatArray, FloatArray]
]
"""``Evidence`` that also gets each text's user inputs (a response's question)."""

MODELS = Path(__file__).parent / "models"
SEED = 0
FOLDS = 5


@dataclass(frozen=True)
class Recipe:
    """How one named model is trained, cross-validated and calibrated."""

    fit: Callable[[Sequence[Row], Path, int], TextModel]
    """Fits a model on rows; gets the data directory for auxiliary files, and the seed."""
    evidence: Evidence
    """Scores texts the way the detector does."""
    groups: Callable[[Sequence[Row]], list[str]]
    """Cross-validation group of each row."""
    max_fpr: float
    """Out-of-fold false-positive rate the operating point may spend."""
    task: str = ""
    """Eval-data file stem, when it differs from the recipe's name."""
    contextual: ContextualEvidence | None = None
    """Used instead of ``evidence`` when set: also gets each row's ``context`` as user input."""


def read_rows(path: Path) -> list[Row]:
    """Rows of a JSONL file."""
    with open(path, "rb") as handle:
        return [orjson.loads(line) for line in handle if line.strip()]


# --- generic pieces -------------------------------------------------------------------------


def fit_documents(rows: Sequence[Row], data_dir: Path, seed: int) -> TextModel:
    """A classifier of whole texts."""
    return TextModel.train([r["text"] for r in rows], [int(r["label"]) for r in rows], seed=seed)


def model_only(model: TextModel, texts: Sequence[str]) -> tuple[FloatArray, FloatArray]:
    """No heuristics: the model's probability of each whole text."""
    return np.zeros(len(texts)), model.score_many(texts)


def near_duplicate_groups(rows: Sequence[Row], shingle: int = 8, overlap: float = 0.5) -> list[str]:
    """Near-duplicate rows share a group: two rows are linked when at least ``overlap`` of the
    smaller one's ``shingle``-word runs (case and punctuation ignored) occur in the other;
    groups are the linked components."""
    runs: list[set[str]] = []
    for row in rows:
        words = "".join(c if c.isalnum() else " " for c in row["text"].lower()).split()
        starts = range(max(len(words) - shingle + 1, 1))
        runs.append({" ".join(words[j : j + shingle]) for j in starts})
    holders: dict[str, list[int]] = defaultdict(list)
    for i, keys in enumerate(runs):
        for key in keys:
            holders[key].append(i)
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, keys in enumerate(runs):
        shared = Counter(j for key in keys for j in holders[key] if j > i)
        for j, count in shared.items():
            if count >= overlap * min(len(keys), len(runs[j])):
                parent[find(i)] = find(j)
    first: dict[int, int] = {}
    for i in range(len(rows)):  # name each component by its first row: stable across runs
        first.setdefault(find(i), i)
    return [f"g{first[find(i)]}" for i in range(len(rows))]


def assign_folds(groups: Sequence[str], labels: Sequence[int], k: int, seed: int) -> list[int]:
    """A fold per row: whole groups, largest first, to the fold short of the most of its class."""
    members: dict[str, list[int]] = defaultdict(list)
    for i, group in enumerate(groups):
        members[group].append(i)
    order = sorted(members)
    np.random.default_rng(seed).shuffle(order)
    order.sort(key=lambda g: -len(members[g]))
    folds = [0] * len(groups)
    positives, totals = [0] * k, [0] * k
    for group in order:
        pos = sum(labels[i] for i in members[group])
        load = positives if pos else [t - p for t, p in zip(totals, positives, strict=True)]
        fold = min(range(k), key=lambda f: (load[f], totals[f]))
        for i in members[group]:
            folds[i] = fold
        positives[fold] += pos
        totals[fold] += len(members[group])
    return folds


def choose_threshold(
    h: FloatArray, p: FloatArray, y: npt.NDArray[np.int64], max_fpr: float
) -> float:
    """The lowest probability threshold keeping the false-positive rate within ``max_fpr``."""
    negative = y == 0
    budget = math.floor(max_fpr * int(negative.sum())) - int((negative & (h >= 0.5)).sum())
    scores = np.sort(p[negative & (h < 0.5)])[::-1]
    if budget < 0:
        return 1.0 - 1e-6
    if budget >= len(scores):
        return 1e-6
    return float(min(max(np.nextafter(scores[budget], 1.0), 1e-6), 1.0 - 1e-6))


def figures(fired: npt.NDArray[np.bool_], y: npt.NDArray[np.int64]) -> dict[str, Any]:
    """n, precision, recall and false-positive rate."""
    tp = int((fired & (y == 1)).sum())
    fp = int((fired & (y == 0)).sum())
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    return {
        "n": len(y),
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(tp / pos, 4) if pos else None,
        "fpr": round(fp / neg, 4) if neg else None,
    }


def cross_validate(recipe: Recipe, rows: Sequence[Row], data_dir: Path) -> dict[str, Any]:
    """Out-of-fold figures at the chosen threshold, overall and per category."""
    y = np.array([int(r["label"]) for r in rows])
    folds = np.array(assign_folds(recipe.groups(rows), list(y), FOLDS, SEED))
    h, p = np.zeros(len(rows)), np.zeros(len(rows))
    for fold in range(FOLDS):
        test = np.flatnonzero(folds == fold)
        training = [row for row, f in zip(rows, folds, strict=True) if f != fold]
        model = recipe.fit(training, data_dir, SEED)
        texts = [rows[int(i)]["text"] for i in test]
        if recipe.contextual is not None:
            inputs = [(c,) if (c := rows[int(i)].get("context")) else () for i in test]
            h[test], p[test] = recipe.contextual(model, texts, inputs)
        else:
            h[test], p[test] = recipe.evidence(model, texts)
    threshold = choose_threshold(h, p, y, recipe.max_fpr)
    fired = (h >= 0.5) | (p >= threshold)
    categories = np.array([str(r.get("category")) for r in rows])
    return {
        "folds": FOLDS,
        "groups": len(set(recipe.groups(rows))),
        "threshold": threshold,
        **figures(fired, y),
        "heuristics_only_recall": figures(h >= 0.5, y)["recall"],
        "by_category": {
            c: figures(fired[categories == c], y[categories == c]) for c in sorted(set(categories))
        },
    }


TRAINERS: dict[str, Recipe] = {
    "cbrn": Recipe(
        trainsets.fit_cbrn,
        trainsets.cbrn_evidence_of,
        near_duplicate_groups,
        max_fpr=0.01,
        contextual=trainsets.cbrn_evidence_of,
    ),
    "nsfw": Recipe(
        trainsets.fit_nsfw,
        trainsets.nsfw_evidence_of,
        near_duplicate_groups,
        max_fpr=0.02,
        contextual=trainsets.nsfw_evidence_of,
    ),
}
"""Every model ``specguard train`` can build, by name."""


def train(name: str, data_dir: str | Path) -> int:
    """Cross-validate, then train and write ``detectors/models/<name>.npz``; an exit status."""
    if name in attacktrain.RECIPES:
        return attacktrain.train(name, data_dir)
    recipe = TRAINERS.get(name)
    if recipe is None:
        print(f"unknown model {name!r} (known: {', '.join(sorted(TRAINERS))})")
        return 2
    data = Path(data_dir)
    rows = read_rows(data / f"{recipe.task or name}.jsonl")
    cv = cross_validate(recipe, rows, data)
    print(
        f"{name}: {cv['folds']}-fold grouped cross-validation over {cv['n']} rows "
        f"({cv['groups']} groups), threshold {cv['threshold']:.4f}"
    )
    print(f"{'slice':<32}{'n':>6}{'precision':>11}{'recall':>9}{'fpr':>9}")
    for label, values in [("overall", cv), *cv["by_category"].items()]:
        cells = "".join(
            f"{'-' if values[key] is None else values[key]:>{width}}"
            for key, width in (("precision", 11), ("recall", 9), ("fpr", 9))
        )
        print(f"{label[:32]:<32}{values['n']:>6}{cells}")
    print(f"recall of the heuristics alone: {cv['heuristics_only_recall']}")
    model = recipe.fit(rows, data, SEED).with_threshold(cv["threshold"])
    model.meta.update({"name": name, "cv": {k: v for k, v in cv.items() if k != "by_category"}})
    MODELS.mkdir(exist_ok=True)
    path = MODELS / f"{name}.npz"
    model.save(path)
    print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0
