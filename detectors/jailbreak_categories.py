"""The finer-category heuristics of the ``jailbreak`` detector, each with a fixed score.

``refusal_suppression``, ``prompt_extraction`` and ``persona_framing`` are their own finding
categories so that a tenant can tune them apart. Like ``detectors.jailbreak_rules`` they describe
what the attack does (suppress refusals, extract the prompt, strip the rules from a persona),
never the persona or the topic.
"""

from __future__ import annotations

import re

from detectors.caseless import prepare
from detectors.injection_rules import Rule

_I = re.IGNORECASE

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

prepare(rule.pattern for rules in CATEGORY_RULES.values() for rule in rules)
