"""Training sets of the ``cbrn`` and ``nsfw`` classifiers, built from ``../shared/eval-data``.

Each classifier learns from its own task file plus *background negatives*: benign rows of
other tasks (NotInject trigger-word prompts, awesome-chatgpt-prompts role-play prompts,
literary short quotes, hh-rlhf assistant turns, Presidio sentences without sensitive data), so
it sees ordinary prompts and prose and does not learn "a question" or "a role-play" as the
positive class. No row whose text appears in ``overrefusal.jsonl`` is ever trained on, so that
file stays a held-out measure of over-refusal for both detectors.

Everything is read in file order and de-duplicated deterministically, so the same data gives the
same training set (and, with the same seed, the same model). The ``fit_*`` and ``*_evidence_of``
functions are the ``specguard train`` recipes (``detectors/train.py``): evidence is computed
exactly as the detectors compute it, with each row's ``context`` as the user's input.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from detectors.normalize import normalize
from detectors.textmodel import TextModel

FloatArray = npt.NDArray[np.float64]

BACKGROUND = (
    ("injection", "notinject", None),
    ("jailbreak", "roleplay_prompt", None),
    ("copyright", "short_quote", None),
    ("copyright", "unrelated", "hh-rlhf-harmless"),
    ("privacy", "non_sensitive_entities_only", None),
)
"""``(task, category, source)`` of the benign rows used as background negatives."""


def read_task(data_dir: str | Path, task: str) -> list[dict[str, Any]]:
    """Rows of ``<data_dir>/<task>.jsonl``."""
    with open(Path(data_dir) / f"{task}.jsonl", "rb") as handle:
        return [orjson.loads(line) for line in handle if line.strip()]


def held_out(data_dir: str | Path) -> frozenset[str]:
    """Texts of ``overrefusal.jsonl``, never trained on."""
    return frozenset(row["text"] for row in read_task(data_dir, "overrefusal"))


def background_negatives(data_dir: str | Path) -> list[str]:
    """Benign texts of other tasks (``BACKGROUND``), minus held-out texts, in file order."""
    excluded = held_out(data_dir)
    seen: set[str] = set()
    texts: list[str] = []
    for task, category, source in BACKGROUND:
        for row in read_task(data_dir, task):
            text = row["text"]
            if (
                row["label"] == 0
                and row.get("category") == category
                and (source is None or row.get("source") == source)
                and text not in excluded
                and text not in seen
            ):
                seen.add(text)
                texts.append(text)
    return texts


def training_set(
    rows: list[dict[str, Any]], background: list[str], excluded: frozenset[str] = frozenset()
) -> tuple[list[str], list[int]]:
    """Normalised texts and labels: ``rows`` (minus ``excluded`` texts) then ``background``."""
    kept = [row for row in rows if row["text"] not in excluded]
    texts = [normalize(row["text"]) for row in kept] + [normalize(text) for text in background]
    labels = [int(row["label"]) for row in kept] + [0] * len(background)
    return texts, labels


def task_training_set(data_dir: str | Path, task: str) -> tuple[list[str], list[int]]:
    """The full training set of the ``task`` classifier (``cbrn`` or ``nsfw``)."""
    return training_set(
        read_task(data_dir, task), background_negatives(data_dir), held_out(data_dir)
    )


# --- recipes for ``specguard train`` (detectors/train.py) -----------------------------------


def fit_cbrn(rows: Sequence[dict[str, Any]], data_dir: Path, seed: int) -> TextModel:
    """The ``cbrn`` classifier on ``rows`` plus background negatives."""
    return _fit(rows, data_dir, seed)


def fit_nsfw(rows: Sequence[dict[str, Any]], data_dir: Path, seed: int) -> TextModel:
    """The ``nsfw`` classifier on ``rows`` plus background negatives."""
    return _fit(rows, data_dir, seed)


def _fit(rows: Sequence[dict[str, Any]], data_dir: Path, seed: int) -> TextModel:
    texts, labels = training_set(list(rows), background_negatives(data_dir), held_out(data_dir))
    model = TextModel.train(texts, labels, seed=seed)
    model.meta["background"] = len(texts) - len(rows)
    return model


def cbrn_evidence_of(
    model: TextModel, texts: Sequence[str], inputs: Sequence[tuple[str, ...]] | None = None
) -> tuple[FloatArray, FloatArray]:
    """Best heuristic score and consulted probability of each text, as ``CbrnDetector``."""
    from detectors.cbrn import cbrn_scores

    h, p = np.zeros(len(texts)), np.zeros(len(texts))
    inputs = inputs if inputs is not None else [()] * len(texts)
    for i, (text, user_inputs) in enumerate(zip(texts, inputs, strict=True)):
        rules, p[i] = cbrn_scores(model, text, user_inputs)
        h[i] = max(rules.values(), default=0.0)
    return h, p


def nsfw_evidence_of(
    model: TextModel,
    texts: Sequence[str],
    inputs: Sequence[tuple[str, ...]] | None = None,
    floor: float | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Heuristic score (the highest of ``sexual``, ``sexual_minors`` and
    ``sexual_nonconsensual``) and probability of each text, as ``NsfwDetector`` computes them
    (each row's ``context`` as the user's input); ``floor`` replaces ``FRAMING_FLOOR``."""
    from detectors.base import ScanContext
    from detectors.nsfw import FRAMING_FLOOR, nsfw_scores, reproduces_user_text, request_scores
    from detectors.nsfw_compliance import compliance_score

    floor = FRAMING_FLOOR if floor is None else floor

    h, p = np.zeros(len(texts)), np.zeros(len(texts))
    inputs = inputs if inputs is not None else [()] * len(texts)
    for i, (text, user_inputs) in enumerate(zip(texts, inputs, strict=True)):
        ev, rule, p[i] = nsfw_scores(model, text, floor)
        sexual = max(rule, compliance_score(text, user_inputs))
        # An answer whose sexual words all repeat the user's own text is not scored as sexual
        # (``NsfwDetector.scan``); with minors it still is.
        if reproduces_user_text(text, ev, ScanContext("train", user_inputs=user_inputs)):
            sexual, p[i] = 0.0, p[i] if ev.minor_link else 0.0
        h[i] = max(
            sexual,
            ev.minor_link * rule,
            ev.minor_clinical,
            *request_scores(text, user_inputs),
        )
    return h, p
