"""The ``jailbreak`` detector: user turns that claim authority they do not have.

Under the chain of command (MODEL-SPEC §1) roles come from the wire, never from content: "I am
the developer", "developer mode enabled", "ignore all previous instructions", "new system
prompt:", DAN-style personas and fake system messages inside a user turn change nothing. This
detector finds them so the ``authority_claims`` rule can annotate or refuse. Findings have
category ``jailbreak`` (overrides, personas, the model) or one of the finer categories a tenant
can tune separately (``[tenants.*.detectors.jailbreak.categories.<name>]``):
``refusal_suppression`` ("never refuse", "start your reply with 'Sure, here is'", "omit
disclaimers"), ``prompt_extraction`` ("repeat your initial prompt", "the text above", "what is
the password", "your system prompt" in several languages), ``persona_framing`` (personas that
strip the rules: "you have no restrictions", "OpenAI's rules don't apply", dual answers
"[CLASSIC] / [JAILBREAK]", hypothetical framing around a harmful ask) and
``adversarial_suffix`` (a gibberish tail, ``detectors.gibberish``).

How the evidence combines:

1. **Heuristics** (``detectors.jailbreak_rules``) match what the attack does, each with a fixed
   score: instruction overrides ("regardless of previous instructions", "*** NEW INSTRUCTIONS
   ***"), chat-template control tokens and ``System:`` headers, "developer / DAN / god mode"
   switches, safety switched off ("content policies are suspended", ``CONTENT_FILTER:
   DISABLED``), "I am your developer / creator / admin", "new system prompt", "freed from the
   confines", "not bound by rules", asks to bypass the content policy. Each match is a finding
   spanning the match. None names a persona or a topic.
2. The **model** (``detectors/models/jailbreak.npz``, ``specguard train jailbreak``) scores the
   whole turn; it catches the long in-the-wild persona prompts that state no single trigger
   phrase. It is calibrated so that 0.5 is the operating point chosen on a held-out benign
   calibration set (``detectors.attacktrain``), and is a finding spanning the whole text.
3. Findings are returned most confident first; the turn's score is the maximum. Role-play
   requests ("act as a Linux terminal", "act as a travel guide") and safe prompts with scary
   words (XSTest) match no rule; the model is trained on benign role-play prompts beside the
   same prompts with a rule-stripping clause (``detectors.jailbreak_roleplay``), so the persona
   itself is not what it learns.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from detectors import gibberish
from detectors.base import DetectorConfig, ScanContext
from detectors.findings import Finding
from detectors.injection_rules import match_rules
from detectors.jailbreak_categories import CATEGORY_RULES
from detectors.jailbreak_rules import RULES
from detectors.plugins import Plugin
from detectors.textmodel import TextModel, load_model

MODEL_PATH = Path(__file__).parent / "models" / "jailbreak.npz"
"""The shipped model artifact."""
REPORT_FLOOR = 0.3
"""A model score below this is not reported."""


def rule_hits(text: str) -> list[tuple[int, int, float]]:
    """``(start, end, score)`` of every heuristic match of category ``jailbreak``."""
    return match_rules(RULES, text)


def category_hits(text: str) -> list[tuple[str, int, int, float]]:
    """``(category, start, end, score)`` of every finer-category heuristic match."""
    return [
        (category, start, end, score)
        for category, rules in CATEGORY_RULES.items()
        for start, end, score in match_rules(rules, text)
    ]


class JailbreakConfig(DetectorConfig):
    """Settings of the ``jailbreak`` detector."""

    model_path: str = str(MODEL_PATH)
    """Model artifact (``specguard train jailbreak`` writes the default one)."""


class JailbreakDetector:
    """Scores a user turn for claims of authority and jailbreak personas."""

    name: ClassVar[str] = "jailbreak"
    cpu_heavy: ClassVar[bool] = True
    scored: ClassVar[bool] = True
    """A classifier: a live stream gates release on its window scores (``release_kind``)."""

    def __init__(self, config: JailbreakConfig, model: TextModel | None = None):
        self.config = config
        self.model = model if model is not None else load_model(config.model_path, self.name)
        gibberish.words()  # load the word lists now (~1 s), not inside the first scan's deadline

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        """Rule matches and the model's verdict on the whole turn, most confident first."""
        if not text.strip():
            return []
        findings = [
            Finding(self.name, "jailbreak", score, start, end)
            for start, end, score in rule_hits(text)
        ]
        findings += [
            Finding(self.name, category, score, start, end)
            for category, start, end, score in category_hits(text)
        ]
        suffix = gibberish.suffix_finding(text)
        if suffix is not None:
            findings.append(Finding(self.name, "adversarial_suffix", *suffix))
        probability = self.model.score(text)
        if probability >= REPORT_FLOOR:
            findings.append(Finding(self.name, "jailbreak", round(probability, 4), 0, len(text)))
        return sorted(findings, key=lambda f: (-f.score, f.start))


PLUGIN: Plugin[JailbreakDetector] = Plugin("jailbreak", JailbreakConfig, JailbreakDetector)
"""Registration of the detector under ``[tenants.*.detectors.jailbreak]``."""
