"""The ``jailbreak`` detector: user turns that claim authority they do not have.

Under the chain of command (MODEL-SPEC §1) roles come from the wire, never from content: "I am
the developer", "developer mode enabled", "ignore all previous instructions", "new system
prompt:", DAN-style personas and fake system messages inside a user turn change nothing. This
detector finds them so the ``authority_claims`` rule can annotate or refuse. Findings have
category ``jailbreak`` (overrides, personas, the model) or one of the finer categories a tenant
can tune separately (``[tenants.*.detectors.jailbreak.categories.<name>]``):
``refusal_suppression`` ("never refuse", "start your reply with 'Sure, here is'", "no
disclaimers"), ``prompt_extraction`` ("repeat your initial prompt", "the text above", "what is
the password"), ``persona_framing`` (unfiltered/amoral personas, hypothetical framing around a
harmful ask) and ``adversarial_suffix`` (a gibberish tail, ``detectors.gibberish``).

How the evidence combines:

1. **Heuristics** (``RULES``) match the classic claims and overrides, each with a fixed score:
   instruction overrides, chat-template control tokens and ``System:`` headers, "developer /
   DAN / god mode" switches, "I am your developer / creator / admin", "new system prompt",
   "do anything now", "freed from the confines", "not bound by rules", asks to bypass the
   content policy. Each match is a finding spanning the match.
2. The **model** (``detectors/models/jailbreak.npz``, ``specguard train jailbreak``) scores the
   whole turn; it catches the long in-the-wild persona prompts that state no single trigger
   phrase. It is calibrated so that 0.5 is the operating point chosen on a held-out benign
   calibration set (``detectors.attacktrain``), and is a finding spanning the whole text.
3. Findings are returned most confident first; the turn's score is the maximum. Role-play
   requests ("act as a Linux terminal", "act as a travel guide") and safe prompts with scary
   words (XSTest) match no rule and are negatives the model was trained on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from detectors import gibberish
from detectors.base import DetectorConfig, ScanContext
from detectors.findings import Finding
from detectors.injection_rules import FAKE_HEADER, Rule, match_rules
from detectors.plugins import Plugin
from detectors.textmodel import TextModel, load_model

MODEL_PATH = Path(__file__).parent / "models" / "jailbreak.npz"
"""The shipped model artifact."""
REPORT_FLOOR = 0.3
"""A model score below this is not reported."""

_I = re.IGNORECASE
_M = re.IGNORECASE | re.MULTILINE
_MODES = r"(?:developer|dev|god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|dan|evil)"

RULES: tuple[Rule, ...] = (
    Rule(
        "override",
        re.compile(
            r"\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}?\b(?:previous|prior|above|"
            r"earlier|preceding|original|all|any|your|system)\b[^.\n]{0,20}?\b(?:instructions?|"
            r"prompts?|rules|directions?|guidelines|directives?|programming)\b",
            _I,
        ),
        0.95,
        ("ignore", "disregard", "forget", "override", "bypass"),
    ),
    Rule(
        "control_token",
        re.compile(
            r"<\|(?:im_start|im_end|system|endoftext|start_header_id|eot_id)\|>|\[/?INST\]|<</?SYS>>",
            _I,
        ),
        0.95,
        ("<|", "[inst]", "[/inst]", "<<sys>>", "<</sys>>"),
    ),
    FAKE_HEADER,
    Rule(
        "mode_switch",
        re.compile(
            rf"\b(?:enable|enabled|activate|activated|enter|entering|switch(?:ed)? to|turn on|"
            rf"you are (?:now )?in|you're (?:now )?in)[ \t]+(?:the[ \t]+)?{_MODES}[ \t]+mode\b|"
            rf"\b{_MODES}[ \t]+mode[ \t]+(?:is[ \t]+)?(?:enabled|activated|on|engaged)\b",
            _I,
        ),
        0.9,
        ("mode",),
    ),
    Rule(
        "claimed_role",
        re.compile(
            r"\b(?:i am|i'm|this is)[ \t]+(?:your|the)[ \t]+(?:developer|creator|"
            r"admin(?:istrator)?|"
            r"owner|operator|programmer|system administrator)\b(?![ \t]+of[ \t]+(?:a|an|my)\b)|"
            r"\bi (?:am|work) (?:at|for|with) openai\b",
            _I,
        ),
        0.8,
        ("developer", "creator", "admin", "owner", "operator", "programmer", "openai"),
    ),
    Rule(
        "new_system_prompt",
        re.compile(
            r"\b(?:new|updated|override|real|actual|true)[ \t]+system[ \t]+(?:prompt|message|"
            r"instructions?)\b|\bsystem[ \t]+override\b",
            _I,
        ),
        0.9,
        ("system",),
    ),
    Rule(
        "persona",
        re.compile(
            r"\bdo anything now\b|\bDAN\b(?=[^\n]{0,80}\b(?:stands|mode|prompt|persona|jailbreak|"
            r"character)\b)",
            0,
        ),
        0.9,
        ("do anything now", "dan"),
    ),
    Rule(
        "freed",
        re.compile(
            r"\b(?:broken|broke|break|freed?|released)[ \t]+(?:free[ \t]+)?(?:of|from)[ \t]+"
            r"(?:the[ \t]+)?(?:typical[ \t]+)?(?:confines|restrictions|rules|limitations|shackles|"
            r"chains)\b",
            _I,
        ),
        0.85,
        ("confines", "restriction", "rules", "limitation", "shackles", "chains"),
    ),
    Rule(
        "not_bound",
        re.compile(
            r"\b(?:not|no longer|never)[ \t]+(?:be[ \t]+)?(?:bound|restricted|limited|constrained)"
            r"[ \t]+by[ \t]+(?:any[ \t]+)?(?:openai|rules|policies|guidelines|restrictions|ethics|"
            r"content polic(?:y|ies)|your programming)\b",
            _I,
        ),
        0.85,
        ("bound", "restricted", "limited", "constrained"),
    ),
    Rule(
        "policy_bypass",
        re.compile(
            r"\b(?:ignore|bypass|disable|override|forget|"
            r"circumvent)[ \t]+(?:all[ \t]+)?(?:of[ \t]+)?"
            r"(?:your|the|any)?[ \t]*(?:openai|content|safety|ethical|moral)[ \t]+(?:policy|"
            r"policies|filters?|guidelines|restrictions|safeguards)\b",
            _I,
        ),
        0.85,
        ("policy", "policies", "filter", "guideline", "restriction", "safeguard"),
    ),
)
"""The heuristics of category ``jailbreak``."""

_SURE = r"(?:sure|absolutely|certainly|of course|here is|here's|yes)"
CATEGORY_RULES: dict[str, tuple[Rule, ...]] = {
    "refusal_suppression": (
        Rule(
            "never_refuse",
            re.compile(
                r"\b(?:never|do not|don't|must not|cannot|can't|will not|won't|should not|"
                r"not allowed to)[ \t]+(?:ever[ \t]+)?(?:refuse|decline|reject|deny)s?\b|"
                r"\brefrain from not complying\b|\bnever (?:say|respond with|reply with)"
                r"[^.\n]{0,40}?(?:cannot|can't|sorry|unable|as an ai)|\b(?:do not|don't|never|"
                r"without)[ \t]+(?:apologi[sz]e|apologi[sz]ing|(?:include|add|adding|including|"
                r"giving|give)[ \t]+(?:any[ \t]+)?(?:warnings?|disclaimers?|caveats?|moral))|"
                r"\b(?:none of|no)[ \t]+(?:your|his|her|its|\w+'s)[ \t]+responses?[ \t]+(?:will|"
                r"should|shall)[ \t]+contain\b",
                _I,
            ),
            0.85,
            (
                "refus",
                "declin",
                "reject",
                "deny",
                "complying",
                "sorry",
                "unable",
                "cannot",
                "can't",
                "as an ai",
                "apologi",
                "warning",
                "disclaimer",
                "caveat",
                "moral",
                "contain",
            ),
        ),
        Rule(
            "start_with",
            re.compile(
                rf"\b(?:start|begin|prefix|open)[ \t]+(?:your|each|every|the)?[ \t]*(?:\w+[ \t]+)?"
                rf"(?:response|reply|answer|output|message)s?[ \t]+with[ \t]+[\"'\u201c\u2018]?"
                rf"{_SURE}\b",
                _I,
            ),
            0.85,
            ("start", "begin", "prefix", "open"),
        ),
    ),
    "prompt_extraction": (
        Rule(
            "reveal_instructions",
            re.compile(
                r"\b(?:reveal|repeat|print|output|show|share|paste|disclose|display|recite|"
                r"tell me|give me|write out|spell out|list)\b[^.\n]{0,40}?\b(?:your|the)[ \t]+"
                r"(?:(?:exact|full|entire|complete|very first|first|hidden|secret|original|"
                r"initial|internal|system)[ \t]+){1,3}(?:prompt|instructions?|configuration|"
                r"guidelines|directives|rules|message)s?\b|\b(?:repeat|print|output|reveal|"
                r"copy|recite)\b[^.\n]{0,30}?\b(?:everything|all|the (?:text|words|content|"
                r"messages?)|initiali[sz]ation)[ \t]+(?:above|before this|so far)\b|"
                r"\byour[ \t]+system[ \t]+prompt\b|\b(?:what|tell me)[ \t]+(?:is|was)[ \t]+"
                r"the[ \t]+(?:secret[ \t]+)?password\b|\binitiali[sz]ation above\b|"
                r"\b(?:share|output|reveal|print|show|tell me|give me|dump)[ \t]+your[ \t]+"
                r"(?:(?:exact|full|system|internal|hidden|secret|current|entire)[ \t]+)?"
                r"(?:configuration|config|settings|unique id|secret key|"
                r"initial prompt)\b|\b(?:above|before)[ \t]+this[ \t]+"
                r"message\b[^\n]{0,40}?\bstarting with[ \t]+[\"']?you are\b",
                _I,
            ),
            0.85,
            (
                "prompt",
                "instruction",
                "configuration",
                "guideline",
                "directive",
                "rules",
                "message",
                "above",
                "before this",
                "so far",
                "password",
                "config",
                "settings",
                "unique id",
                "secret key",
            ),
        ),
    ),
    "persona_framing": (
        Rule(
            "unfiltered_persona",
            re.compile(
                r"\b(?:amoral|unfiltered|uncensored|unrestricted|unethical|unbound|immoral|"
                r"jailbroken|limitless)[ \t]+(?:and[ \t]+\w+[ \t]+)?(?:ai|chatbot|assistant|model|"
                r"character|persona|entity|version|bot|language model)\b|\b(?:stay|remain|"
                r"staying)[ \t]+in[ \t]+character\b[^\n]{0,200}?\b(?:no matter|regardless|"
                r"never|always|even if)\b|\b(?:doesn't|does not|don't|do not|without)[ \t]+"
                r"(?:have[ \t]+)?(?:any[ \t]+)?(?:ethical|moral)[ \t]+(?:or[ \t]+\w+[ \t]+)?"
                r"(?:guidelines|restrictions|boundaries|limits|principles|constraints)\b",
                _I,
            ),
            0.8,
            (
                "amoral",
                "unfiltered",
                "uncensored",
                "unrestricted",
                "unethical",
                "unbound",
                "immoral",
                "jailbroken",
                "limitless",
                "character",
                "ethical",
                "moral",
            ),
        ),
        Rule(
            "hypothetical_frame",
            re.compile(
                r"\b(?:in[ \t]+(?:this|a)[ \t]+(?:purely[ \t]+)?(?:hypothetical|fictional|"
                r"imaginary)[ \t]+(?:story|scenario|world|setting|universe)|hypothetically[ \t]+"
                r"speaking|for[ \t]+(?:purely[ \t]+)?(?:educational|research|fictional)[ \t]+"
                r"purposes[ \t]+only)\b[^\n]{0,300}?\b(?:no[ \t]+(?:rules|restrictions|limits|"
                r"filters|ethics)|without[ \t]+(?:any[ \t]+)?(?:restrictions|limits|filters|"
                r"censorship|warnings)|illegal|harmful|dangerous|unethical)\b",
                _I | re.DOTALL,
            ),
            0.75,
            ("hypothetical", "fictional", "imaginary", "educational", "research"),
        ),
    ),
}
"""Heuristics of the finer categories, each its own finding category so that a tenant can tune
it (``[tenants.*.detectors.jailbreak.categories.<name>]``)."""


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
