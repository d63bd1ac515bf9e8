"""Scoring constants chosen inside each leave-one-source-out fold (the nested protocol).

A constant of a detector's scoring that was chosen by looking at the leave-one-source-out
figures (``nsfw``'s ``FRAMING_FLOOR`` was picked from a sweep of them) makes those figures a
best case, not a blind measurement. ``specguard crossval`` therefore chooses each ``Tuning``
again inside every fold, from the fold's **training sources only**:

1. the training rows are split into ``FOLDS`` grouped folds (near-duplicates stay together, as
   in ``specguard train``'s cross-validation);
2. for each inner fold, the recipe fits a model on the other inner folds, and for every
   candidate value the threshold is calibrated exactly as the outer fold calibrates it (the
   inner training negatives plus the broad benign set, minus the held-out source) and the
   inner fold is scored;
3. the value with the best pooled out-of-fold F1 wins (ties: the first in ``values``).

The held-out source is then scored with the winning value only. The benign sources and the
overrefusal probe are scored with the value chosen on every labelled row the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from detectors import trainsets
from detectors.textmodel import TextModel
from detectors.train import FOLDS, SEED, ContextualEvidence, Recipe, assign_folds

Row = dict[str, Any]


class HeldOut(Protocol):
    """Scores ``test`` with ``model`` at a threshold calibrated on ``calibration``."""

    def __call__(
        self,
        recipe: Recipe,
        model: TextModel,
        test: Sequence[Row],
        calibration: Sequence[Row],
        max_fpr: float,
    ) -> Any: ...


@dataclass(frozen=True)
class Tuning:
    """A scoring constant of one detector and the candidates the nested protocol tries."""

    name: str
    """The constant's name in the report (``framing_floor``)."""
    values: tuple[float, ...]
    """Candidate values, in order of preference on ties."""
    evidence: Callable[[float], ContextualEvidence]
    """The recipe's contextual evidence with the constant set to a value."""

    def recipe(self, recipe: Recipe, value: float) -> Recipe:
        """``recipe`` scoring with the constant at ``value``."""
        return replace(recipe, contextual=self.evidence(value))


def _nsfw_at(floor: float) -> ContextualEvidence:
    return functools.partial(trainsets.nsfw_evidence_of, floor=floor)


TUNINGS: dict[str, Tuning] = {
    "nsfw": Tuning("framing_floor", (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 1.0), _nsfw_at),
}
"""Constants chosen inside each fold, per detector."""


def _f1(fired: npt.NDArray[np.bool_], y: npt.NDArray[np.int64]) -> float:
    tp = int((fired & (y == 1)).sum())
    predicted, positives = int(fired.sum()), int((y == 1).sum())
    return 2 * tp / (predicted + positives) if predicted + positives else 0.0


def choose(
    tuning: Tuning,
    recipe: Recipe,
    rows: Sequence[Row],
    benign: Sequence[Row],
    data_dir: Path,
    max_fpr: float,
    held_out: HeldOut,
) -> tuple[float, dict[float, float]]:
    """The value of ``tuning`` with the best pooled out-of-fold F1 on ``rows`` (module
    docstring), and the F1 of every candidate."""
    y = np.array([int(r["label"]) for r in rows], dtype=np.int64)
    folds = np.array(assign_folds(recipe.groups(rows), list(y), FOLDS, SEED))
    fired = {value: np.zeros(len(rows), dtype=bool) for value in tuning.values}
    for fold in range(FOLDS):
        test = np.flatnonzero(folds == fold)
        if not len(test):
            continue
        training = [row for row, f in zip(rows, folds, strict=True) if f != fold]
        model = recipe.fit(training, data_dir, SEED)
        calibration = [r for r in training if not r["label"]] + list(benign)
        test_rows = [rows[int(i)] for i in test]
        for value in tuning.values:
            scored = held_out(tuning.recipe(recipe, value), model, test_rows, calibration, max_fpr)
            fired[value][test] = scored.fired
    f1 = {value: round(_f1(fired[value], y), 4) for value in tuning.values}
    best = max(tuning.values, key=lambda value: f1[value])
    return best, f1
