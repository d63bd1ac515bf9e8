"""The words and phrases ``detectors.attackfeatures`` looks for in a segment.

Word classes (the AI, second person, target switch, urgency, authority, exfiltration, secrets,
the response, concealment), the imperatives that make a sentence an order, phrase patterns
(previous instructions, fake completion, wrappers, "you must", "say ...", exfiltration
targets, "only respond", role play, escaped newlines) with the substrings that gate them, and
and the shape of a tutorial's step.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE
_M = re.IGNORECASE | re.MULTILINE


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


WORD_CLASSES: dict[str, frozenset[str]] = {
    "ai": _words(
        "ai assistant assistants chatbot llm llms gpt chatgpt claude model models bot "
        "agent copilot gemini bard ai's assistant's"
    ),
    "you": _words("you your yours yourself you're you'll"),
    "switch": _words(
        "instead ignore ignoring disregard disregarding forget override overriding bypass "
        "abandon nevermind rather"
    ),
    "meta": _words(
        "instruction instructions directive directives command commands task tasks prompt "
        "prompts guidelines orders"
    ),
    "urgent": _words(
        "urgent urgently immediately critical mandatory priority asap must required warning alert"
    ),
    "authority": _words(
        "admin administrator system developer developers operator root official security "
        "compliance ceo"
    ),
    "exfil": _words(
        "send forward upload transmit exfiltrate leak post email e-mail share transfer wire"
    ),
    "secret": _words(
        "password passwords credential credentials token tokens secret secrets ssn pin "
        "otp cookie cookies iban api history contacts inbox login"
    ),
    "response": _words("response responses reply replies answer output summary"),
    "please": _words("please kindly"),
    "conceal": _words("secretly silently quietly covertly discreetly"),
}

IMPERATIVES = _words(
    "employ utilize utilise apply incorporate integrate implement adopt "
    "add answer append ask begin call change click copy create delete describe disregard "
    "do download email execute explain forget forward generate give ignore include inform "
    "insert list make mention modify notify open output paste pay please post pretend "
    "print provide recommend remember remove repeat reply respond return reveal rewrite "
    "say schedule send share show start stop summarize summarise tell transfer translate "
    "type update upload use visit write act imagine ensure instead now"
)
"""Words that, leading a sentence, make it an order."""

PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "prev",
        re.compile(
            r"\b(?:previous|prior|above|preceding|earlier|former|original|initial)[ \t]+"
            r"(?:\w+[ \t]+)?(?:instructions?|context|prompts?|directives?|guidelines|rules|"
            r"commands?|tasks?|text|content|orders|messages?)\b|\b(?:other|all|any|following|"
            r"these|those|your)[ \t]+(?:\w+[ \t]+)?(?:instructions?|prompts?|directives?)\b",
            _I,
        ),
    ),
    (
        "done",
        re.compile(
            r"\b(?:task|summary|request|job|assignment|answer)[ \t]+(?:is[ \t]+|has been[ \t]+)?"
            r"(?:complete|completed|done|finished)\b|\bend of (?:document|text|e-?mail|context|"
            r"data|input|file)\b|\bthe (?:document|text|e-?mail|data) (?:has )?ended\b",
            _I,
        ),
    ),
    (
        "wrapper",
        re.compile(
            # Lower-case literals (the pattern ignores case): the faster lower-cased-text
            # variant of ``detectors.caseless`` applies.
            r"<\|[a-z_]+\|>|\[/?inst\]|<</?sys>>|</?(?:document|context|data|system|user|"
            r"assistant|instructions?|admin|prompt|input|output)>|^[ \t]*#{2,}[ \t]*\w|"
            r"^[ \t]*(?:system|user|assistant|human|ai|developer|admin|bot)[ \t]*:|"
            r"[=*\-+/\\#~]{4,}|\b(?:begin|end)[ _](?:[a-z]+)\b",
            _M,
        ),
    ),
    ("switchphrase", re.compile(r"\bfrom now on\b|\bnew (?:task|instructions?|goal|role)\b", _I)),
    (
        "announce",
        re.compile(
            r"\b(?:upcoming|following|next|subsequent|additional|new|fresh|further|urgent|"
            r"critical|vital|essential|crucial|important|priority)[ \t]+(?:[a-z]+[ \t]+){0,2}?"
            r"(?:instructions?|directives?|directions|guidelines|commands?|tasks?|orders|steps|"
            r"mandates?)\b|\b(?:instructions?|directives?|tasks?|commands?|steps)[ \t]+(?:that|"
            r"which)[ \t]+follows?\b|\bwhat (?:follows|comes next)\b",
            _I,
        ),
    ),
    (
        "you_must",
        re.compile(
            r"\byou[ \t]+(?:must|should|need[ \t]+to|have[ \t]+to|are[ \t]+to|will[ \t]+now|"
            r"shall|are[ \t]+(?:now[ \t]+)?required|are[ \t]+now|can[ \t]+now)\b",
            _I,
        ),
    ),
    (
        "say",
        re.compile(
            r"\b(?:say|print|output|respond[ \t]+with|reply[ \t]+with|answer[ \t]+with|repeat|"
            r"write|type|begin[ \t]+with|start[ \t]+with|end[ \t]+with|include)\b[^.\n]{0,30}?"
            r"[\"'\u201c\u2018`]\w",
            _I,
        ),
    ),
    ("granted", re.compile(r"\baccess granted\b|\bpwned\b|\bhacked\b|\bi have been\b", _I)),
    (
        "url",
        re.compile(r"https?://|www\.|!\[[^\]]*\]\(|\b[\w.+-]+@[\w-]+\.[a-z]{2,}\b|\]\(http", _I),
    ),
    ("the_user", re.compile(r"\bthe user'?s?\b|\busers'\b", _I)),
    (
        "dont_tell",
        re.compile(
            r"\b(?:do not|don't|never|without)[ \t]+(?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)?|"
            r"reveal(?:ing)?|notify(?:ing)?|let)\b",
            _I,
        ),
    ),
    (
        "only",
        re.compile(
            r"\bonly\b[^.\n]{0,40}?\b(?:respond|reply|answer|output|say|write)\b|"
            r"\b(?:respond|reply|answer|output|say|write)\b[^.\n]{0,40}?\bonly\b",
            _I,
        ),
    ),
    ("role", re.compile(r"\byou are (?:now )?(?:a|an|the)\b|\bact as\b|\bpretend\b", _I)),
    ("escaped", re.compile(r"(?:\\n){2,}|(?:\\r)|\\t", 0)),
)
"""Phrase features: one pass of each pattern over the whole text."""
GUARDS: dict[str, tuple[str, ...]] = {
    "prev": (
        "instruction",
        "context",
        "prompt",
        "directive",
        "guideline",
        "rule",
        "command",
        "task",
        "text",
        "content",
        "order",
        "message",
    ),
    "done": ("complete", "done", "finished", "end of", "ended"),
    "switchphrase": ("now on", "new "),
    "announce": (
        "instruction",
        "directive",
        "direction",
        "guideline",
        "command",
        "task",
        "order",
        "step",
        "mandate",
        "what follows",
        "comes next",
    ),
    "you_must": ("you",),
    "say": ('"', "'", "\u201c", "\u2018", "`"),
    "granted": ("granted", "pwned", "hacked", "i have been"),
    "url": ("http", "www.", "@", "]("),
    "the_user": ("user",),
    "dont_tell": ("not ", "n't ", "never ", "without "),
    "only": ("only",),
    "role": ("you are", "act as", "pretend"),
    "escaped": ("\\",),
}
"""Substrings of the lower-cased text one of which every match of a phrase contains: texts
without any skip the (slower) pattern."""

CLAUSE_IMPERATIVE = re.compile(r"(?:[:;!?]|\bthen|\bnow)[ \t]+(?:please[ \t]+)?([a-z]+)\b", _I)
TOKEN = re.compile(r"[a-z][a-z'\-]*|[\u00c0-\uffff]+")
MARKER = re.compile(r"[ \t]*(?:\d{1,2}[.)]|[-*\u2022])?[ \t]*")
HEADING = re.compile(
    r"(?:\d{1,2}[.)]|[-*\u2022])[ \t]+(?=\S)|(?:\*\*)?[A-Z][\w'\- ]{1,40}(?:\*\*)?:[ \t]"
)
"""A tutorial's step: a numbered or bulleted item, or a short title and a colon before it."""
JSON_KEY = re.compile(r"[\[{ \t]*\"[^\"\n]{1,40}\"[ \t]*:")
"""A JSON field's key at the start of a segment."""
