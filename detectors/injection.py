"""The ``injection`` detector: instructions aimed at the assistant inside untrusted content.

It scans tool outputs, retrieved documents, e-mails, tables and code answers (no-authority text)
for goal hijacking, exfiltration requests, fake system messages and "when you summarise this,
also ..." riders. Every finding has category ``injection`` and the span of one suspicious
segment; findings come most suspicious first.

How the evidence combines:

1. The text is cut into **segments** (``detectors.segments``: sentences, table rows, JSON
   fields and records, fenced code blocks) and the document gets a kind (``json``, ``table``,
   ``email``, ``code``, ``prose``, ``alone``).
2. Every segment is scored by one logistic model (``detectors/models/injection.npz``,
   ``specguard train injection``) over two blocks of evidence: hashed word and character
   n-grams of the segment (``detectors.textmodel``) and the **attack descriptors** of
   ``detectors.attackfeatures`` (addressed to the AI or the reader, target switch, previous
   instructions, wrappers and fake completion, exfiltration targets, output control, out of
   place in its document, the heuristics' score). The descriptors are what carries over to
   attacks worded like nothing in the training data; the n-grams add the wording. The artifact
   is calibrated so that 0.5 is the operating point chosen on a held-out benign calibration
   set (``detectors.attacktrain``).
3. **Heuristics** (``detectors.injection_rules``) match phrasing that is an injection wherever
   it appears; a segment's score is ``max(model probability, score of every rule match
   overlapping it)``; segments scoring at least ``REPORT_FLOOR`` become findings.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from detectors.attackfeatures import FEATURES, segment_features
from detectors.base import DetectorConfig, ScanContext
from detectors.findings import Finding
from detectors.injection_rules import RULES, Rule, match_rules, rule_hits
from detectors.plugins import Plugin
from detectors.segments import Segment, segment
from detectors.textmodel import TextModel, dense_weights, load_model

__all__ = [
    "RULES",
    "InjectionConfig",
    "InjectionDetector",
    "Rule",
    "Segment",
    "attack_markers",
    "match_rules",
    "rule_hits",
    "segment",
    "segment_evidence",
    "segment_scores",
]

MODEL_PATH = Path(__file__).parent / "models" / "injection.npz"
"""The shipped model artifact."""
REPORT_FLOOR = 0.3
"""Segments scoring below this are not reported at all."""
MAX_FINDINGS = 8
"""Most findings one scan returns (the highest scoring)."""

FloatMatrix = npt.NDArray[np.float64]


def segment_evidence(text: str) -> tuple[list[Segment], list[str], FloatMatrix]:
    """The segments of ``text`` (the whole text if none), the n-gram input of each (its text)
    and its attack descriptors (rows of ``attackfeatures.FEATURES``)."""
    segments, doc = segment(text)
    if not segments:
        segments = [Segment(0, len(text), "prose")]
    inputs = [text[s.start : s.end] for s in segments]
    return segments, inputs, segment_features(text, segments, doc, rule_hits(text))


def attack_markers(span: str) -> set[str]:
    """Names of the attack descriptors present in ``span`` scored on its own (those that
    describe the attack, not its position)."""
    _, _, features = segment_evidence(span)
    row = features.max(axis=0)
    return {
        name
        for name, value in zip(FEATURES, row, strict=True)
        if value > 0
        and not name.startswith(("doc_", "seg_", "ctx_"))
        and name not in ("length", "digits", "list_step")
    }


def segment_scores(
    model: TextModel, weights: npt.NDArray[np.float64], inputs: list[str], features: FloatMatrix
) -> npt.NDArray[np.float64]:
    """Model probability of each segment (n-gram logit plus descriptor logit)."""
    logits = model.logits(inputs) + features @ weights
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * logits)), dtype=np.float64)


class InjectionConfig(DetectorConfig):
    """Settings of the ``injection`` detector."""

    model_path: str = str(MODEL_PATH)
    """Model artifact (``specguard train injection`` writes the default one)."""


class InjectionDetector:
    """Scores untrusted content for instructions aimed at the assistant."""

    name: ClassVar[str] = "injection"
    cpu_heavy: ClassVar[bool] = True
    scored: ClassVar[bool] = True
    """A classifier: a live stream gates release on its window scores (``release_kind``)."""

    def __init__(self, config: InjectionConfig, model: TextModel | None = None):
        self.config = config
        self.model = model if model is not None else load_model(config.model_path, self.name)
        try:
            self.weights = dense_weights(self.model, FEATURES)
        except (KeyError, ValueError, TypeError) as exc:
            raise RuntimeError(f"{self.name}: bad model {config.model_path!r}: {exc}") from exc

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        """Suspicious segments of ``text``, most suspicious first."""
        if not text.strip():
            return []
        segments, inputs, features = segment_evidence(text)
        scores = segment_scores(self.model, self.weights, inputs, features)
        # The heuristics' best score on each segment is a descriptor column; it also floors it.
        scores = np.maximum(scores, features[:, FEATURES.index("rule")])
        ranked = sorted(
            (i for i, score in enumerate(scores) if score >= REPORT_FLOOR),
            key=lambda i: (-scores[i], segments[i].start),
        )[:MAX_FINDINGS]
        return [
            Finding(
                self.name,
                "injection",
                round(float(scores[i]), 4),
                segments[i].start,
                segments[i].end,
            )
            for i in ranked
        ]


PLUGIN: Plugin[InjectionDetector] = Plugin("injection", InjectionConfig, InjectionDetector)
"""Registration of the detector under ``[tenants.*.detectors.injection]``."""
