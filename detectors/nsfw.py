"""The ``nsfw`` detector: explicit sexual content, sexual content involving minors, profanity.

Categories and their defaults:

- ``sexual``: explicit sexual content. Refused by default; ``adult_mode = true`` turns it off
  (a tenant may still set it to ``flag``). Text the user supplied and the output merely
  reproduces (translation, editing) is exempt.
- ``sexual_minors``: any sexual content involving minors. Always refused: the config cannot
  change its action or threshold, ``on_error`` cannot fail open, and user-supplied text is
  never exempt.
- ``sexual_nonconsensual``: requests for and answers giving non-consensual sexual content:
  drugging someone for sex, sharing intimate images without consent, sex trafficking, sex with
  someone who cannot consent, bestiality (``detectors/nsfw_requests.py``). Refused by default;
  ``adult_mode`` does not change it.
- ``profanity``: swear words. Off by default; a tenant may ``flag`` or ``refuse``. Profanity the
  user asked for (or used themselves) is never reported.
- ``romantic_roleplay``: romantic or sexual role-play; only reported, and refused, when the
  tenant sets ``under_18 = true``, which also lowers the ``sexual`` threshold.

How a score is made (``nsfw_evidence.nsfw_evidence`` then ``NsfwDetector.scan``):

1. Lexicon hits (``detectors/lexicons/nsfw.txt``): explicit words count 1, names of sexual
   content 0.6, suggestive words (also insults or everyday words) 0.4, clinical ones 0.15;
   phrases like "naked eye" hide the word inside them. ``rule = 1 - exp(-sum * density)``,
   where ``density`` (at most 1) discounts a single sexual word in a long text on something
   else. When no explicit word occurs, each sex-education, medical or legal framing word
   halves the non-explicit part (``framing``), so sex education and definitions pass. Talking
   *about* sex counts as two framing words each: a short advice or information question ("Is it
   normal to bleed after sex?", which is also not a request) and physiology in clinical words
   with no person acting (``detectors/nsfw_register.py``); never where a minor is linked.
2. A short request (``how can I``, ``write``, ``give me`` ...) naming sexual content, sexual
   violence or abuse material scores at least ``REQUEST_SCORE`` (input screening uses the same
   detector). A graphic description of a sexual act between two people, even in clinical
   words (``detectors/nsfw_graphic.py``), and a sex-contact ad (two kinds of solicitation cue,
   ``detectors/nsfw_ads.py``) score at least 0.8.
3. The trained classifier (``detectors/models/nsfw.npz``, ``specguard train nsfw``) gives
   ``p``, consulted only when some sexual word occurs and scaled by ``framing`` (and halved
   by protective framing) but never below ``FRAMING_FLOOR``, and halved again for an answer
   that refuses and names no explicit word beyond its refusal; ``sexual = max(rule, p)``.
   ``specguard train`` shifts the model so that ``p >= 0.5`` is the lowest operating point
   whose grouped out-of-fold false-positive rate (heuristic firings included) stays within
   budget. The model catches stories told in plain words and foreign-language spam, but never
   fires on text without a single sexual word.
4. ``sexual_minors = max(link * sexual, clinical_link)``. ``link`` is 1 when a child word or
   an age under 18 lies within ``WINDOW`` characters of an explicit, suggestive or content
   word (or abuse material is named in a request or beside explicit words), 0.8 for a weak
   cue (``teen``, ``daughter``) beside explicit or content words. ``clinical_link`` (0.7, halved
   per framing word) covers two or more clinical words beside a child word: it catches plainly
   worded sexual talk about children while definitions of paedophilia and parenting advice pass.
   A request for a sexual approach to a minor in plain words (sexting, asking for pictures,
   grooming), or an answer going along with one, scores 1 (``nsfw_requests.minor_request``).
5. An answer that goes along with a request for sexual content (the user asked for an erotic
   story, scene or messages and the answer writes one, if only in soft words) scores at least
   ``nsfw_compliance.COMPLIANT`` under ``sexual`` (``detectors/nsfw_compliance.py``).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, ClassVar

from pydantic import model_validator

from detectors.base import CategoryPolicy, DetectorConfig, ScanContext
from detectors.findings import Finding
from detectors.lexicons import load
from detectors.normalize import normalize
from detectors.nsfw_ads import ad_score
from detectors.nsfw_compliance import compliance_score
from detectors.nsfw_evidence import MAX_REQUEST_CHARS, NsfwEvidence, nsfw_evidence
from detectors.nsfw_graphic import graphic_score
from detectors.nsfw_refusals import without_refusals
from detectors.nsfw_requests import (
    answers_request,
    asks,
    minor_request,
    nonconsensual,
    protective,
)
from detectors.plugins import Plugin
from detectors.provenance import covered, supplied_spans
from detectors.textmodel import TextModel, load_model

CATEGORIES = ("sexual", "sexual_minors", "sexual_nonconsensual", "profanity", "romantic_roleplay")
"""Finding categories."""
MODEL_PATH = Path(__file__).parent / "models" / "nsfw.npz"
"""The shipped classifier artifact."""
MINORS_THRESHOLD = 0.5
"""Fixed threshold of ``sexual_minors``; a tenant cannot change it."""
UNDER_18_THRESHOLD = 0.35
"""``sexual`` threshold in ``under_18`` mode (unless the tenant set a lower one)."""
REQUEST_SCORE = 0.75
"""Least ``sexual`` score of a request that names sexual content."""
FRAMING_FLOOR = 0.3
"""The least share of the classifier's probability that framing words leave."""
REFUSAL_FACTOR = 0.5
"""Share of the classifier's probability left to an answer that refuses and, apart from its
refusal, names no explicit, suggestive or content word."""
_ASKS_FOR_PROFANITY = re.compile(
    r"\b(?:swear\w*|curs(?:e|es|ing)|cuss\w*|profan\w*|expletive\w*|vulgar\w*|f-word|"
    r"uncensored|rude words?|dirty words?)\b",
    re.IGNORECASE,
)


def _policy(action: str, threshold: float | None = None) -> CategoryPolicy:
    return CategoryPolicy.model_validate({"action": action, "threshold": threshold})


class NsfwConfig(DetectorConfig):
    """Settings of the ``nsfw`` detector (see the module docstring for the categories)."""

    adult_mode: bool = False
    """Allow explicit sexual content between adults (``sexual`` defaults to ``off``)."""
    under_18: bool = False
    """Audience may be minors: lower ``sexual`` threshold, refuse romantic role-play."""
    model_path: str = str(MODEL_PATH)
    """Classifier artifact (``specguard train nsfw`` writes the default one)."""

    @model_validator(mode="before")
    @classmethod
    def _fixed_policies(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        categories = dict(data.get("categories") or {})
        unknown = sorted(set(categories) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown categories {unknown} (known: {', '.join(CATEGORIES)})")
        minors = categories.get("sexual_minors")
        if minors is not None:
            policy = CategoryPolicy.model_validate(minors)
            if policy.action not in (None, "refuse") or policy.threshold is not None:
                raise ValueError("categories.sexual_minors cannot be configured: always refused")
        if data.get("on_error") == "allow":
            raise ValueError("on_error = 'allow' would let sexual content with minors through")
        if data.get("adult_mode") and data.get("under_18"):
            raise ValueError("adult_mode and under_18 cannot both be set")
        categories["sexual_minors"] = _policy("refuse", MINORS_THRESHOLD)
        categories.setdefault("profanity", _policy("off"))
        if data.get("adult_mode"):
            categories.setdefault("sexual", _policy("off"))
        if data.get("under_18"):
            given = categories.get("sexual")
            policy = CategoryPolicy.model_validate(given or {})
            if policy.action not in (None, "refuse"):
                raise ValueError(
                    "under_18 refuses sexual content: categories.sexual.action must stay 'refuse'"
                )
            threshold = UNDER_18_THRESHOLD
            if policy.threshold is not None:
                threshold = min(policy.threshold, threshold)
            categories["sexual"] = _policy("refuse", threshold)
            categories["romantic_roleplay"] = _policy("refuse")
        else:
            categories.setdefault("romantic_roleplay", _policy("off"))
        return {**data, "categories": categories}


class NsfwDetector:
    """Scores sexual content, sexual content with minors, profanity and romantic role-play."""

    name: ClassVar[str] = "nsfw"
    cpu_heavy: ClassVar[bool] = True
    scored: ClassVar[bool] = True
    """A classifier: a live stream gates release on its window scores (``release_kind``)."""
    input_categories: ClassVar[tuple[str, ...]] = ("sexual_minors", "sexual_nonconsensual")
    """Screened on the user's turn by default (``detectors/input_defaults.py``)."""

    def __init__(self, config: NsfwConfig, model: TextModel | None = None):
        self.config = config
        self.model = (
            model if model is not None else load_model(config.model_path, self.name, "classifier")
        )

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        """Findings for ``text``; the scores are independent of the tenant's thresholds."""
        ev, rule, probability = nsfw_scores(self.model, text)
        findings: list[Finding] = []
        end = len(text)
        sexual = max(rule, probability, compliance_score(text, ctx.user_inputs))
        asked, forced = request_scores(text, ctx.user_inputs)
        minors = max(ev.minor_link * sexual, ev.minor_clinical, asked)
        if minors > 0:
            findings.append(Finding(self.name, "sexual_minors", round(minors, 4), 0, end))
        if forced > 0:
            findings.append(Finding(self.name, "sexual_nonconsensual", round(forced, 4), 0, end))
        if sexual > 0 and not reproduces_user_text(text, ev, ctx):
            findings.append(Finding(self.name, "sexual", round(sexual, 4), 0, end))
        if ev.profanity and not _profanity_requested(ctx):
            score = 1.0 - math.exp(-0.7 * ev.profanity)
            findings.append(Finding(self.name, "profanity", round(score, 4), 0, end))
        if self.config.under_18 and ev.romance:
            roleplay = ev.roleplay or any(_mentions_roleplay(s) for s in ctx.user_inputs)
            score = (1.0 - math.exp(-0.5 * ev.romance)) * (1.0 if roleplay else 0.4)
            findings.append(Finding(self.name, "romantic_roleplay", round(score, 4), 0, end))
        return findings


def nsfw_scores(
    model: TextModel, text: str, floor: float = FRAMING_FLOOR
) -> tuple[NsfwEvidence, float, float]:
    """Evidence, heuristic ``sexual`` score and the classifier's probability (scaled by the
    framing factor, but not below ``floor``; 0 when no sexual word occurs) of ``text``."""
    own = without_refusals(text)
    ev = nsfw_evidence(own)
    # A short text that asks for something and names sexual content is a request, unless it
    # asks how to report, protect or talk to a child about it.
    request = ev.request or (
        own == text
        and len(text) <= MAX_REQUEST_CHARS
        and bool(ev.sexual_spans)
        and not ev.asks_about
        and asks(text)
    )
    shielded = (
        len(text) <= MAX_REQUEST_CHARS and bool(ev.sexual_words or request) and protective(text)
    )
    rule = max(ev.rule, REQUEST_SCORE if request and not shielded else 0.0)
    if ev.sexual_words and not shielded:
        rule = max(rule, graphic_score(own, ev.hits), ad_score(own))
    if not ev.sexual_words:
        return ev, rule, 0.0
    # Framing words and protective framing (reporting, support, "I was assaulted") scale the
    # model's opinion down, but not below FRAMING_FLOOR: each framing word used to halve it (to
    # 1/16 with four), which put the benign calibration sets' sex-education texts so low that
    # the calibrated threshold fired on a single sexual word anywhere else. A refusal whose
    # remaining text names no explicit, suggestive or content word halves it.
    framing = max(ev.framing * (0.5 if shielded else 1.0), floor)
    refuses = own != text and not ev.sexual_spans
    probability = model.score(text) * framing * (REFUSAL_FACTOR if refuses else 1.0)
    return ev, rule, probability


def request_scores(text: str, user_inputs: tuple[str, ...] = ()) -> tuple[float, float]:
    """``(sexual_minors, sexual_nonconsensual)`` scores of ``text`` as a request, or as an
    answer going along with such a request among ``user_inputs``."""
    inputs = tuple(normalize(source) for source in user_inputs)
    answered_minor, answered_forced = answers_request(text, inputs)
    own = without_refusals(text)
    return (
        max(minor_request(own), answered_minor),
        max(nonconsensual(own), answered_forced),
    )


def _mentions_roleplay(source: str) -> bool:
    return any(hit.section == "roleplay" for hit in load("nsfw").find(normalize(source)))


def _profanity_requested(ctx: ScanContext) -> bool:
    """The user asked for swearing, or swore themselves: their register, not a violation."""
    for source in ctx.user_inputs:
        if _ASKS_FOR_PROFANITY.search(source) or nsfw_evidence(normalize(source)).profanity:
            return True
    return False


def reproduces_user_text(text: str, ev: NsfwEvidence, ctx: ScanContext) -> bool:
    """Every explicit word of the output lies in a span copied from the user's own text."""
    if not ctx.user_inputs or not ev.sexual_spans:
        return False
    spans = supplied_spans(text, ctx.user_inputs)
    return bool(spans) and all(covered(start, end, spans) for start, end in ev.sexual_spans)


PLUGIN: Plugin[NsfwDetector] = Plugin("nsfw", NsfwConfig, NsfwDetector)
"""Registration of the detector under ``[tenants.*.detectors.nsfw]``."""
