"""The heuristics of the ``jailbreak`` detector, each with a fixed score.

``RULES`` are category ``jailbreak`` (authority claims, overrides, rule-stripping personas);
``CATEGORY_RULES`` are the finer categories a tenant can tune apart. Every rule describes the
*attack* (removing rules, overriding instructions, extracting the prompt), never the persona or
the topic: "act as a Linux terminal" and "hypothetically, how do volcanoes erupt?" match nothing.
"""

from __future__ import annotations

import re

from detectors.injection_rules import FAKE_HEADER, Rule

_I = re.IGNORECASE
_M = re.IGNORECASE | re.MULTILINE
_MODES = r"(?:developer|dev|god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|dan|evil)"

RULES: tuple[Rule, ...] = (
    Rule(
        "override",
        re.compile(
            r"\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}?\b(?:previous|prior|above"
            r"|"
            r"earlier|preceding|original|all|any|your|system)\b[^.\n]{0,20}?\b(?:instructions?|"
            r"prompts?|rules|directions?|guidelines|directives?|programming|restrictions|"
            r"boundaries|safeguards|requests)\b",
            _I,
        ),
        0.95,
        ("ignore", "disregard", "forget", "override", "bypass"),
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

_SURE = r"(?:sure|absolutely|certainly|of course|here is|here's|yes)"
CATEGORY_RULES: dict[str, tuple[Rule, ...]] = {
    "refusal_suppression": (
        Rule(
            "never_refuse",
            re.compile(
                r"\b(?:never|do not|don't|must not|may not|cannot|can't|will not|won't|should not|"
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
            "omit_disclaimers",
            re.compile(
                r"\bomit[ \t]+(?:all[ \t]+|any[ \t]+|the[ \t]+)?(?:safety[ \t]+|ethical[ \t]+)?"
                r"(?:disclaimers|warnings|caveats)\b",
                _I,
            ),
            0.85,
            ("omit",),
        ),
        Rule(
            "answer_everything",
            re.compile(
                r"\b(?:answer|respond to|reply to|comply with)[ \t]+(?:every|any|all)[ \t]+"
                r"(?:questions?|requests?|prompts?|commands?)\b[^.\n]{0,40}?\b(?:no matter|"
                r"regardless|without (?:question|hesitation|exception|refus))",
                _I,
            ),
            0.85,
            (
                "no matter",
                "regardless",
                "without question",
                "without hesitation",
                "without exception",
                "without refus",
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
        Rule(
            "your_system_prompt_translated",
            re.compile(
                r"\b(?:ton|tes|votre|vos|dein\w*|ihr\w*|tu|tus|su|sus|tuo|tua|tue|tuoi|seu|sua|"
                r"seus|suas|teu|je|jouw|uw|tw\w+|tw[oó]j|tw[oó]je|senin|тв\w+|сво\w+|ваш\w*)"
                r"[ \t]+(?:(?:prompt|instructions?|consignes?|message)[ \t]+(?:du[ \t]+|de[ \t]+)?"
                r"syst[eè]me|system-?(?:prompt|anweisung(?:en)?|nachricht)|(?:prompt|"
                r"instrucciones|mensaje|instru[cç][oõ]es|istruzioni|messaggio)[ \t]+(?:del?|do|di)"
                r"[ \t]+sistema|systeem-?(?:prompt|instructies|bericht)|(?:prompt|instrukcj\w*|"
                r"wiadomo\w*)[ \t]+systemow\w*|sistem[ \t]+(?:istemi\w*|mesaj\w*|talimat\w*)|"
                r"системн\w*[ \t]+(?:промпт\w*|подсказк\w*|инструкци\w*|сообщени\w*)|"
                r"(?:initiale?s?|anf[aä]ngliche\w*)[ \t]+(?:prompt|instructions?|anweisung\w*)|"
                r"(?:prompt|instrucciones|istruzioni|instru[cç][oõ]es)[ \t]+(?:inicial(?:es)?|"
                r"iniziali?))|(?:你的|您的)(?:系统|系統)(?:提示|指令|消息)|"
                r"あなたの(?:システム(?:プロンプト|メッセージ)|指示)|"
                r"(?:당신의|너의)[ \t]*시스템[ \t]*프롬프트",
                _I,
            ),
            0.8,
            (
                "syst",
                "sistem",
                "initial",
                "anf",
                "inicial",
                "inizial",
                "системн",
                "系",
                "システム",
                "指示",
                "시스템",
            ),
        ),
        Rule(
            "repeat_from_you_are",
            re.compile(
                r"[\"'\u201c\u2018]you are[\"'\u201d\u2019][^\n]{0,200}?\btxt\b|"
                r"\btxt\b[^\n]{0,200}?[\"'\u201c\u2018]you are[\"'\u201d\u2019]",
                _I,
            ),
            0.8,
            ("txt",),
        ),
    ),
    "persona_framing": (
        Rule(
            "unfiltered_persona",
            re.compile(
                r"\b(?:amoral|unfiltered|uncensored|unrestricted|unethical|unbound|immoral|"
                r"jailbroken|limitless|no[ -]limits?)[ \t]+(?:and[ \t]+\w+[ \t]+)?(?:ai|chatbot|ass"
                r"istant|model|"
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
                "no limit",
                "no-limit",
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
        Rule(
            "rules_stripped",
            re.compile(
                r"\b(?:you|he|she|it|they|ai|bot|model|assistant|chatbot)[ \t]+(?:now[ \t]+)?"
                r"(?:has|have|will have|has got)[ \t]+(?:absolutely[ \t]+)?no[ \t]+(?:filters?|"
                r"restrictions|limits|limitations|boundaries|censorship|rules|guidelines|morals|"
                r"ethics)\b|\bno[ \t]+(?:restrictions|limits|rules)[ \t]+(?:and|or|&)[ \t]+"
                r"(?:no[ \t]+)?(?:filters?|restrictions|limits|censorship|ethics)\b",
                _I,
            ),
            0.8,
            (
                "no filter",
                "no restriction",
                "no limit",
                "no boundar",
                "no censor",
                "no rules",
                "no guideline",
                "no moral",
                "no ethic",
            ),
        ),
        Rule(
            "does_not_abide",
            re.compile(
                r"\b(?:does not|doesn't|don't|do not|will not|won't|never|no longer)[ \t]+"
                r"(?:have to[ \t]+|need to[ \t]+)?(?:abide by|follow|obey|adhere to|comply with)"
                r"[ \t]+(?:any[ \t]+|the[ \t]+|its[ \t]+|your[ \t]+)?(?:openai(?:'s|\u2019s)?[ \t]+"
                r"(?:(?:content|safety)[ \t]+)?|(?:content|safety|ethical|moral)[ \t]+)(?:rules|"
                r"restrictions|filters|guidelines|polic(?:y|ies))\b",
                _I,
            ),
            0.8,
            ("abide", "follow", "obey", "adhere", "comply"),
        ),
        Rule(
            "rules_do_not_apply",
            re.compile(
                r"\b(?:openai(?:'s|\u2019s)?|content|safety|ethical|usual|normal|your)[ \t]+"
                r"(?:rules|polic(?:y|ies)|guidelines|restrictions)[ \t]+(?:don't|do not|doesn't|"
                r"does not|no longer|won't)[ \t]+apply\b",
                _I,
            ),
            0.8,
            ("apply",),
        ),
        Rule(
            "no_policy",
            re.compile(
                r"\b(?:doesn't|does not|don't|do not|won't)[ \t]+have[ \t]+(?:any[ \t]+)?"
                r"(?:a[ \t]+)?"
                r"(?:content[ \t]+polic(?:y|ies)|filters?|censorship|morals|ethics)\b",
                _I,
            ),
            0.8,
            ("polic", "filter", "censorship", "morals", "ethics"),
        ),
        Rule(
            "ethics_disregarded",
            re.compile(
                r"\b(?:disregards?|disregarding|ignores|ignoring)[ \t]+(?:all[ \t]+)?(?:ethics|"
                r"morals|morality|ethical|moral|legal)\b|\b(?:don't|doesn't|does not|do not|not)"
                r"[ \t]+care[ \t]+(?:about[ \t]+|for[ \t]+)?(?:openai|laws?|morals|ethics|"
                r"content polic)",
                _I,
            ),
            0.8,
            ("disregard", "ignor", "care"),
        ),
        Rule(
            "harm_allowed",
            re.compile(
                r"\b(?:nsfw|illegal|unethical|harmful)[^.\n]{0,40}?\b(?:is|are)[ \t]+"
                r"(?:now[ \t]+|fully[ \t]+)?(?:allowed|permitted)\b",
                _I,
            ),
            0.8,
            ("nsfw", "illegal", "unethical", "harmful"),
        ),
        Rule(
            "dual_response",
            re.compile(
                r"\[(?:\U0001f512|\U0001f513)?[ \t]*(?:classic|jailbreak|jailbroken)[ \t]*\]|"
                r"\((?:\U0001f512|\U0001f513)[ \t]*(?:normal|developer mode)[ \t]+output\)|"
                r"\b(?:two|2)[ \t]+(?:different[ \t]+|separate[ \t]+|distinct[ \t]+)*(?:ways|"
                r"responses|answers|paragraphs|outputs)\b[^\n]{0,400}?\b(?:normally|normal|"
                r"classic|filtered|unfiltered|jailbr\w+|uncensored|developer mode|without "
                r"(?:any )?(?:restrictions|filters|limits))\b",
                _I,
            ),
            0.8,
            ("classic", "jailbr", "filtered", "uncensored", "normal", "developer mode", "without"),
        ),
    ),
}
"""Heuristics of the finer categories, each its own finding category so that a tenant can tune
it (``[tenants.*.detectors.jailbreak.categories.<name>]``)."""

_ESCAPES = re.compile(r"\\[A-Za-z]|\\U[0-9a-fA-F]{8}|\\u[0-9a-fA-F]{4}")


def _lowered(rule: Rule) -> re.Pattern[str] | None:
    """The rule's pattern without IGNORECASE, to run on lower-cased text (about twice as fast in
    ``re``), when every literal in it is lower-case; None otherwise."""
    source, flags = rule.pattern.pattern, rule.pattern.flags
    if not flags & re.IGNORECASE or any(c.isupper() for c in _ESCAPES.sub("", source)):
        return None
    return re.compile(source, flags & ~re.IGNORECASE)


_FAST: dict[int, re.Pattern[str] | None] = {
    id(rule): _lowered(rule)
    for rule in RULES + tuple(r for rules in CATEGORY_RULES.values() for r in rules)
}


def match(rules: tuple[Rule, ...], text: str) -> list[tuple[int, int, float]]:
    """``(start, end, score)`` of every match of ``rules`` in ``text``: the same matches as
    ``injection_rules.match_rules``, found on the lower-cased text where that is exact."""
    lowered = text.lower()
    same_length = len(lowered) == len(text)
    out: list[tuple[int, int, float]] = []
    for rule in rules:
        if not any(trigger in lowered for trigger in rule.triggers):
            continue
        fast = _FAST.get(id(rule)) if same_length else None
        found = fast.finditer(lowered) if fast is not None else rule.pattern.finditer(text)
        out += [(m.start(), m.end(), rule.score) for m in found]
    return out
