"""The heuristics of the ``jailbreak`` detector, each with a fixed score.

``RULES`` are category ``jailbreak`` (authority claims, overrides, safety switched off); the
finer categories a tenant can tune apart are in ``detectors.jailbreak_categories``. Every rule
describes the *attack* (removing rules, overriding instructions), never the persona or the
topic: "act as a Linux terminal" and "hypothetically, how do volcanoes erupt?" match nothing.
"""

from __future__ import annotations

import re

from detectors.caseless import prepare
from detectors.injection_rules import FAKE_HEADER, OVERRIDE_LEAD, OVERRIDE_TRIGGERS, Rule

_I = re.IGNORECASE
_M = re.IGNORECASE | re.MULTILINE
_MODES = r"(?:developer|dev|god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|dan|evil)"

RULES: tuple[Rule, ...] = (
    Rule(
        "override",
        re.compile(
            OVERRIDE_LEAD + r"(?:instructions?|prompts?|rules|directions?|guidelines|directives?|"
            r"programming|restrictions|boundaries|safeguards|requests)\b",
            _I,
        ),
        0.95,
        OVERRIDE_TRIGGERS,
    ),
    Rule(
        "control_token",
        re.compile(
            r"<\|(?:im_start|im_end|system|endoftext|start_header_id|eot_id)\|>|\[/?INST\]|<</?SYS>"
            r">",
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
            rf"(?:you are|you're|are) (?:now )?(?:operating |running )?in)[ \t]+(?:the[ \t]+)?"
            rf"{_MODES}[ \t]+mode\b|"
            rf"\b{_MODES}[ \t_\\]+mode(?:[ \t:]+|[ \t]*=[ \t]*)(?:is[ \t]+|has[ \t]+been[ \t]+)?(?:"
            rf"now[ \t]+)?"
            rf"(?:enabled|activated|on|engaged)\b",
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
            r"content polic(?:y|ies)|your programming)\b|\bnot[ \t]+limited[ \t]+to[ \t]+"
            r"(?:openai|chatgpt)\b",
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
    Rule(
        "regardless_of_instructions",
        re.compile(
            r"\bregardless[ \t]+of[ \t]+(?:any[ \t]+|all[ \t]+|the[ \t]+)?(?:your[ \t]+)?"
            r"(?:(?:previous|prior|pre-existing|earlier|original|preceding)[ \t]+(?:instructions?|"
            r"guidelines|restrictions|rules|programming|input|requests?)|(?:guidelines|"
            r"programming|safety guidelines|content polic(?:y|ies)))\b",
            _I,
        ),
        0.85,
        ("regardless",),
    ),
    Rule(
        "new_instructions_header",
        re.compile(
            r"^[ \t]*[*#=\[(-]{1,4}[ \t]*(?:(?:new|updated|urgent|important|priority)[ \t]+){1,3}"
            r"(?:instructions?|task|directives?)[ \t]*[*#=\])-]{1,4}",
            _M,
        ),
        0.8,
        ("instruction", "task", "directive"),
    ),
    Rule(
        "safety_switched_off",
        re.compile(
            r"\b(?:content|safety|ethical|moral|standard|normal|default)[ _-]?(?:polic(?:y|ies)|"
            r"filters?|guidelines|protocols|restrictions|constraints|checks|layers?|guardrails|"
            r"safeguards|behaviou?r)[ \t:]+(?:(?:is|are|have|has|been|now|hereby|temporarily)"
            r"[ \t]+)*(?:suspended|disabled|waived|lifted|deactivated|bypassed|turned off|"
            r"switched off)\b",
            _I,
        ),
        0.85,
        (
            "suspend",
            "disabl",
            "waive",
            "lifted",
            "deactivat",
            "bypass",
            "turned off",
            "switched off",
        ),
    ),
    Rule(
        "safety_switch_verb",
        re.compile(
            r"\b(?:suspend|disabl|waiv|lift|deactivat)(?:e|es|ed|ing)?[ \t]+(?:all[ \t]+|the[ \t]+|"
            r"your[ \t]+|any[ \t]+)*(?:content|safety|ethical)[ \t]+(?:polic(?:y|ies)|filters?|"
            r"guidelines|protocols|restrictions|guardrails)\b",
            _I,
        ),
        0.85,
        ("suspend", "disabl", "waiv", "lift", "deactivat"),
    ),
    Rule(
        "admin_override",
        re.compile(
            r"\badmin(?:istrator)?[ _-]?override\b|\boverride[ _-]?(?:protocol|active)\b", _I
        ),
        0.85,
        ("override",),
    ),
)
"""The heuristics of category ``jailbreak``."""

prepare(rule.pattern for rule in RULES)
