"""Faster exact spellings of the slowest phrase patterns of ``detectors.attacklexicon``.

Each entry runs a phrase pattern as a ``detectors.alternation.Alternation``: the same
alternatives in the same order, each spelled to begin with a literal so that ``re`` skips
ahead to it (that module's docstring lists the exact rewrites). ``FAST`` maps the pattern to
its alternation; ``detectors.alternation.spans`` uses it. A phrase pattern edited without
spelling its branches anew (its fingerprint no longer fits) is left out: it runs as written,
with the same matches, only slower, and ``tests/test_alternation_matching.py`` names it.
"""

from __future__ import annotations

import re

from detectors.alternation import Alternation, accelerated
from detectors.attacklexicon import PHRASES

_PHRASE = dict(PHRASES)
_PREV_ANY = (
    r"[ \t]+(?:\w+[ \t]+)?(?:instructions?|context|prompts?|directives?|guidelines|rules|"
    r"commands?|tasks?|text|content|orders|messages?)\b"
)
_PREV_OWN = r"[ \t]+(?:\w+[ \t]+)?(?:instructions?|prompts?|directives?)\b"
_DONE = r"[ \t]+(?:is[ \t]+|has been[ \t]+)?(?:complete|completed|done|finished)\b"
_QUOTED = r"\b[^.\n]{0,30}?[\"'\u201c\u2018`]\w"
_ORDERED = r"\b[^.\n]{0,40}?\b(?:respond|reply|answer|output|say|write)\b"
_ONLY = r"\b[^.\n]{0,40}?\bonly\b"
_TOLD = r"[ \t]+(?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)?|reveal(?:ing)?|notify(?:ing)?|let)\b"
_ANNOUNCED = (
    r"[ \t]+(?:[a-z]+[ \t]+){0,2}?(?:instructions?|directives?|directions|guidelines|commands?|"
    r"tasks?|orders|steps|mandates?)\b"
)
_FOLLOWING = r"[ \t]+(?:that|which)[ \t]+follows?\b"

FAST: dict[re.Pattern[str], Alternation] = accelerated(
    (
        Alternation(
            _PHRASE["wrapper"],
            (
                # ``<|name|>``, ``<<SYS>>`` and ``<tag>``: exclusive at any one position, and
                # none starts where ``[INST]`` does.
                r"<(?:\|[a-z_]+\|>|</?sys>>|/?(?:document|context|data|system|user|assistant|"
                r"instructions?|admin|prompt|input|output)>)",
                r"\[/?inst\]",
                r"^[ \t]*#{2,}[ \t]*\w",
                r"^[ \t]*(?:system|user|assistant|human|ai|developer|admin|bot)[ \t]*:",
                r"[=*\-+/\\#~][=*\-+/\\#~]{3,}",
                r"begin(?<!\wbegin)[ _](?:[a-z]+)\b",
                r"end(?<!\wend)[ _](?:[a-z]+)\b",
            ),
            written_for=0x1976FABB,
        ),
        # Below, ``\bword`` is ``word(?<!\wword)`` and words are grouped by first letter: the
        # words of the pattern's first alternation before those of its second.
        Alternation(
            _PHRASE["prev"],
            (
                rf"p(?<!\wp)(?:revious|rior|receding){_PREV_ANY}",
                rf"a(?<!\wa)(?:bove{_PREV_ANY}|(?:ll|ny){_PREV_OWN})",
                rf"earlier(?<!\wearlier){_PREV_ANY}",
                rf"f(?<!\wf)(?:ormer{_PREV_ANY}|ollowing{_PREV_OWN})",
                rf"o(?<!\wo)(?:riginal{_PREV_ANY}|ther{_PREV_OWN})",
                rf"initial(?<!\winitial){_PREV_ANY}",
                rf"th(?<!\wth)(?:ese|ose){_PREV_OWN}",
                rf"your(?<!\wyour){_PREV_OWN}",
            ),
            written_for=0x9B9E0155,
        ),
        Alternation(
            _PHRASE["done"],
            (
                rf"t(?<!\wt)(?:ask{_DONE}|he (?:document|text|e-?mail|data) (?:has )?ended\b)",
                rf"summary(?<!\wsummary){_DONE}",
                rf"request(?<!\wrequest){_DONE}",
                rf"job(?<!\wjob){_DONE}",
                rf"assignment(?<!\wassignment){_DONE}",
                rf"answer(?<!\wanswer){_DONE}",
                r"end(?<!\wend) of (?:document|text|e-?mail|context|data|input|file)\b",
            ),
            written_for=0xC57FF17D,
        ),
        Alternation(
            _PHRASE["you_must"],
            (
                r"you(?<!\wyou)[ \t]+(?:must|should|need[ \t]+to|have[ \t]+to|are[ \t]+to|"
                r"will[ \t]+now|shall|are[ \t]+(?:now[ \t]+)?required|are[ \t]+now|can[ \t]+now)\b",
            ),
            written_for=0xBE8DA435,
        ),
        Alternation(
            _PHRASE["dont_tell"],
            (
                rf"do(?<!\wdo)(?: not|n't){_TOLD}",
                rf"never(?<!\wnever){_TOLD}",
                rf"without(?<!\wwithout){_TOLD}",
            ),
            written_for=0x6FE6C83C,
        ),
        Alternation(
            _PHRASE["switchphrase"],
            (
                r"from(?<!\wfrom) now on\b",
                r"new(?<!\wnew) (?:task|instructions?|goal|role)\b",
            ),
            written_for=0x9BBF10FE,
        ),
        Alternation(
            _PHRASE["announce"],
            (
                rf"u(?<!\wu)(?:pcoming|rgent){_ANNOUNCED}",
                rf"f(?<!\wf)(?:ollowing|resh|urther){_ANNOUNCED}",
                rf"n(?<!\wn)(?:ext|ew){_ANNOUNCED}",
                rf"s(?<!\ws)(?:ubsequent{_ANNOUNCED}|teps{_FOLLOWING})",
                rf"additional(?<!\wadditional){_ANNOUNCED}",
                rf"c(?<!\wc)(?:ritical{_ANNOUNCED}|rucial{_ANNOUNCED}|ommands?{_FOLLOWING})",
                rf"vital(?<!\wvital){_ANNOUNCED}",
                rf"essential(?<!\wessential){_ANNOUNCED}",
                rf"i(?<!\wi)(?:mportant{_ANNOUNCED}|nstructions?{_FOLLOWING})",
                rf"priority(?<!\wpriority){_ANNOUNCED}",
                rf"d(?<!\wd)irectives?{_FOLLOWING}",
                rf"t(?<!\wt)asks?{_FOLLOWING}",
                r"w(?<!\ww)hat (?:follows|comes next)\b",
            ),
            written_for=0x39A3BA8F,
        ),
        Alternation(
            _PHRASE["say"],
            (
                rf"s(?<!\ws)(?:ay|tart[ \t]+with){_QUOTED}",
                rf"print(?<!\wprint){_QUOTED}",
                rf"output(?<!\woutput){_QUOTED}",
                rf"re(?<!\wre)(?:spond[ \t]+with|ply[ \t]+with|peat){_QUOTED}",
                rf"answer(?<!\wanswer)[ \t]+with{_QUOTED}",
                rf"write(?<!\wwrite){_QUOTED}",
                rf"type(?<!\wtype){_QUOTED}",
                rf"begin(?<!\wbegin)[ \t]+with{_QUOTED}",
                rf"end(?<!\wend)[ \t]+with{_QUOTED}",
                rf"include(?<!\winclude){_QUOTED}",
            ),
            written_for=0x20930EBC,
        ),
        Alternation(
            _PHRASE["only"],
            (
                rf"o(?<!\wo)(?:nly{_ORDERED}|utput{_ONLY})",
                rf"re(?<!\wre)(?:spond|ply){_ONLY}",
                rf"answer(?<!\wanswer){_ONLY}",
                rf"say(?<!\wsay){_ONLY}",
                rf"write(?<!\wwrite){_ONLY}",
            ),
            written_for=0x5C19D65B,
        ),
        Alternation(
            _PHRASE["role"],
            (
                r"you(?<!\wyou) are (?:now )?(?:a|an|the)\b",
                r"act(?<!\wact) as\b",
                r"pretend(?<!\wpretend)\b",
            ),
            written_for=0xE818E620,
        ),
    )
)
"""The phrase patterns that run as alternations."""
