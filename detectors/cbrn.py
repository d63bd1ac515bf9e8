"""The ``cbrn`` detector: actionable uplift toward chemical, biological, radiological or nuclear
weapons and explosives, and requests for it with stated harmful intent.

Categories: ``chemical``, ``biological``, ``radiological``, ``nuclear``, ``explosives``; each can
be switched per tenant under ``categories``. Naming an agent is never enough: history, policy,
treaties, symptoms and treatment, household and school chemistry all name agents and pass.

How the three sources of evidence combine (``cbrn_evidence`` then ``CbrnDetector.scan``):

(a) **Lexicon** (``detectors/lexicons/cbrn.txt``, names only, from public control lists) gives
    each category a hazard weight ``H``: a named agent, toxin, pathogen or device 1.0, a
    controlled precursor 0.8, a generic word (``nerve agent``, ``poison``, ``explosive``) 0.7.
(b) **Actionability** is read from the text with refusal sentences removed (a persona answer
    after "I can't help with that" still counts):
    ``A = 1 - prod(1 - s)`` over procedure steps (numbered or ``Step n`` lines that start with
    a production verb, 0.5 for three or more), quantities with units (0.4 for two or more),
    reaction or culture conditions and lab equipment (0.15 each, up to 0.45), acquisition or
    evasion wording (0.5); ``A`` is halved in clinical text (two or more of treatment, dose,
    antidote, patient ...), whose doses are not recipes. ``rule = H * A``.
    A short **request** (``how do I make``, ``give detailed instructions``) for producing,
    obtaining or using something named in the lexicon scores ``H * R``: ``R`` starts at 0.7
    for a named agent or device and at 0.6 (below threshold) for a precursor or generic word,
    and rises towards 1 with asks for detail, home production, evasion or stated harm.
    A **harmful-intent exchange** -- the user (``ScanContext.user_inputs``) or the text states
    an intent to poison or hurt someone, states or asks for a harmful goal
    (``cbrn_uplift.user_goals``), or the user's input is itself a request as above,
    and the answer goes along with it (offers substances, options or "the best way") instead
    of refusing -- scores ``COMPLIANCE_NAMED`` (0.9) when it names what to use and
    ``COMPLIANCE_VAGUE`` (0.4, left to the classifier) when it does not, in the category of
    the substances named (``chemical`` when none is).
(d) **Harmful goals** (``detectors/cbrn_uplift.py``): a short request stating a harmful goal
    (building a device, poisoning people or a water or food supply, releasing a pathogen or a
    gas on people, acquiring nuclear material illicitly, breaking into a facility) scores 0.8,
    and an answer to such a goal, stated in the user's request or the answer itself, scores
    ``operational`` (steps, a compliant opener, everyday operational words, quantities). This
    catches the plain compliant answer that names no agent at all. The category's score is the
    highest of (a)-(b) and (d).
(c) The **classifier** (``detectors/models/cbrn.npz``, ``specguard train cbrn``) decides only
    the uncertain cases: when the best heuristic score lies in ``[BAND, 0.5)`` the top
    category's score becomes ``max(rule, p)``. ``specguard train`` shifts the model so that
    ``p >= 0.5`` is the lowest operating point whose grouped out-of-fold false-positive rate
    (heuristic firings included) stays within 1 %. Elsewhere the score is the heuristic one:
    the dev set the model learns from is tiny (153 rows, one poisoning question), so it never
    fires on its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import field_validator

from detectors.base import CategoryPolicy, DetectorConfig, ScanContext
from detectors.cbrn_evidence import cbrn_evidence, rule_scores
from detectors.findings import Finding
from detectors.plugins import Plugin
from detectors.textmodel import TextModel, load_model

CATEGORIES = ("chemical", "biological", "radiological", "nuclear", "explosives")
"""Finding categories, one per kind of weapon."""
MODEL_PATH = Path(__file__).parent / "models" / "cbrn.npz"
"""The shipped classifier artifact."""
BAND = 0.3
"""Heuristic scores in ``[BAND, 0.5)`` are uncertain; only then is the classifier consulted."""


class CbrnConfig(DetectorConfig):
    """Settings of the ``cbrn`` detector; switch a kind of weapon with ``categories``."""

    model_path: str = str(MODEL_PATH)
    """Classifier artifact (``specguard train cbrn`` writes the default one)."""

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: dict[str, CategoryPolicy]) -> dict[str, CategoryPolicy]:
        unknown = sorted(set(value) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown categories {unknown} (known: {', '.join(CATEGORIES)})")
        return value


class CbrnDetector:
    """Scores actionable CBRN and explosives uplift, and requests for it."""

    name: ClassVar[str] = "cbrn"
    cpu_heavy: ClassVar[bool] = True
    scored: ClassVar[bool] = True
    """A classifier: a live stream gates release on its window scores (``release_kind``)."""
    input_categories: ClassVar[tuple[str, ...]] = CATEGORIES
    """Screened on the user's turn by default (``detectors/input_defaults.py``)."""

    def __init__(self, config: CbrnConfig, model: TextModel | None = None):
        self.config = config
        self.model = (
            model if model is not None else load_model(config.model_path, self.name, "classifier")
        )

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        """One finding per category with evidence; scores ignore the tenant's thresholds."""
        rules, probability = cbrn_scores(self.model, text, ctx.user_inputs)
        if not rules:
            return []
        top = max(rules, key=lambda category: rules[category])
        rules[top] = max(rules[top], probability)
        return [
            Finding(self.name, category, round(score, 4), 0, len(text))
            for category, score in rules.items()
            if score > 0
        ]


def cbrn_scores(
    model: TextModel, text: str, user_inputs: tuple[str, ...] = ()
) -> tuple[dict[str, float], float]:
    """Heuristic score per category, and the classifier's probability when it is consulted
    (the best heuristic score lies in the uncertain band ``[BAND, 0.5)``; else 0)."""
    rules = rule_scores(cbrn_evidence(text, user_inputs))
    top = max(rules.values(), default=0.0)
    return rules, model.score(text) if BAND <= top < 0.5 else 0.0


PLUGIN: Plugin[CbrnDetector] = Plugin("cbrn", CbrnConfig, CbrnDetector)
"""Registration of the detector under ``[tenants.*.detectors.cbrn]``."""
