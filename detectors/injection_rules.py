"""The injection heuristics: phrasing that is an injection wherever it appears.

"ignore previous instructions", chat-template control tokens, ``System:`` headers, text
addressed to "the AI/assistant", "when you summarise ... also ...", "don't tell the user",
sending secrets or the user's data to a URL or address, markdown-image exfiltration, asks to
reveal the system prompt, "add ... to your response", "ignore the above context", a fake "task
complete" followed by a new task, "say 'access granted'". Each rule has a fixed score; the
jailbreak detector reuses ``Rule`` and ``match_rules`` for its own table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from detectors.alternation import Alternation, accelerated, spans
from detectors.caseless import haystack, prepare


@dataclass(frozen=True, slots=True)
class Rule:
    """One heuristic: a pattern that scores wherever it matches."""

    name: str
    """What it looks for."""
    pattern: re.Pattern[str]
    """The phrasing."""
    score: float
    """Score of a match."""
    triggers: tuple[str, ...]
    """Lower-case substrings of which every match contains one: texts without any skip the
    (much slower) regular expression."""


def match_rules(rules: tuple[Rule, ...], text: str) -> list[tuple[int, int, float]]:
    """``(start, end, score)`` of every match of ``rules`` in ``text``."""
    hay = haystack(text)
    return [
        (start, end, rule.score)
        for rule in rules
        if any(trigger in hay.lowered for trigger in rule.triggers)
        for start, end in spans(rule.pattern, hay, FAST)
    ]


_I = re.IGNORECASE
_M = re.IGNORECASE | re.MULTILINE
_AI = r"(?:ai|a\.i\.|assistant|language model|llm|chatbot|agent|gpt|chatgpt|claude|copilot|bot)"

FAKE_HEADER = Rule(
    "fake_header",
    re.compile(
        r"^[ \t]*(?:#{1,4}[ \t]*)?[\[<(]?(?:system|developer)(?:[ \t]+(?:message|prompt|note|"
        r"override|instructions?|update))?[\])>]?[ \t]*:",
        _M,
    ),
    0.9,
    ("system", "developer"),
)
"""A line posing as a system or developer message (``System:``, ``### Developer note:``);
shared with ``detectors.jailbreak``, where a user turn does the same."""

OVERRIDE_LEAD = (
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}?\b(?:previous|prior|above|"
    r"earlier|preceding|original|all|any|your|system)\b[^.\n]{0,20}?\b"
)
"""An order to set aside what came before ("ignore all previous ..."), up to the word for what
is set aside; ``detectors.jailbreak_rules`` ends it with its own list of such words."""
OVERRIDE_TRIGGERS = ("ignore", "disregard", "forget", "override", "bypass")

RULES: tuple[Rule, ...] = (
    Rule(
        "override",
        re.compile(
            OVERRIDE_LEAD
            + r"(?:instructions?|prompts?|rules|directions?|guidelines|directives?|commands?)\b",
            _I,
        ),
        0.95,
        OVERRIDE_TRIGGERS,
    ),
    Rule(
        "control_token",
        re.compile(
            r"<\|(?:im_start|im_end|system|user|assistant|endoftext|start_header_id|end_header_id|"
            r"eot_id)\|>|\[/?inst\]|<</?sys>>",
            _I,
        ),
        0.95,
        ("<|", "[inst]", "[/inst]", "<<sys>>", "<</sys>>"),
    ),
    FAKE_HEADER,
    Rule(
        "new_instructions",
        re.compile(
            r"\b(?:new|updated|revised|additional|important|urgent|secret|hidden)[ \t]+"
            rf"(?:system[ \t]+)?(?:instructions?|directives?|tasks?|orders)\b[^.\n]{{0,10}}?"
            rf"\b(?:for|to)[ \t]+(?:the[ \t]+)?{_AI}\b",
            _I,
        ),
        0.9,
        ("instruction", "directive", "task", "order"),
    ),
    Rule(
        "addressed_to_ai",
        re.compile(
            rf"\b(?:dear|hey|hi|attention|note to|message to|instructions? (?:for|to))[ \t]+"
            rf"(?:the[ \t]+)?(?:ai|a\.i\.|ai assistant|assistant|language model|llm|chatbot|"
            rf"ai agent)\b|\b{_AI}[ \t]*[,:][ \t]*(?:you must|you should|please|ignore|do not|"
            rf"don't|instead|always|never|make sure|remember)\b",
            _I,
        ),
        0.85,
        (
            "ai",
            "a.i.",
            "assistant",
            "language model",
            "llm",
            "chatbot",
            "agent",
            "gpt",
            "claude",
            "copilot",
            "bot",
        ),
    ),
    Rule(
        "when_you",
        re.compile(
            r"\bwhen(?:ever)? you (?:summari[sz]e|read|process|answer|respond|reply|see|parse|"
            r"analy[sz]e|translate|review)\b[^.\n]{0,80}?\b(?:also|instead|make sure|include|add|"
            r"say|tell|send|mention|insert|append|recommend)\b",
            _I,
        ),
        0.9,
        ("when you", "whenever you"),
    ),
    Rule(
        "conceal",
        re.compile(
            r"\b(?:do not|don't|never|without)[ \t]+(?:tell(?:ing)?|inform(?:ing)?|notify(?:ing)?|"
            r"alert(?:ing)?|warn(?:ing)?)[ \t]+(?:the[ \t]+)?user\b",
            _I,
        ),
        0.9,
        ("user",),
    ),
    Rule(
        "exfiltration",
        re.compile(
            r"\b(?:send|forward|e-?mail|post|upload|transmit|exfiltrate|leak|share|copy)\b[^.\n]{0,80}?"
            r"\b(?:passwords?|credentials?|api[ _-]?keys?|access tokens?|secrets?|conversation|"
            r"chat history|previous messages|system prompt|(?:the )?user'?s\b|personal (?:data|"
            r"information)|contacts|inbox|e-?mails)\b[^.\n]{0,80}?(?:https?://|www\.|"
            r"\b[\w.+-]+@[\w-]+\.[\w.]+)",
            _I,
        ),
        0.9,
        ("http", "www.", "@"),
    ),
    Rule(
        "code_rider",
        re.compile(
            # A line telling the reader to work "the following code" into *their* code, when the
            # code block after it reaches the network or the system (BIPIA's code attacks); the
            # match is the line alone.
            r"^(?=[^\n]*(?:\byour[ \t]+(?:own[ \t]+)?(?:code|implementation|script|solution|"
            r"project|program|codebase|work|application|app)\b|seamless))[^\n]*?\b(?:use|employ|"
            r"apply|incorporate|integrate|integration|utili[sz]e|blend|fuse|meld|merge|embed|"
            r"infuse|weave|insert|add|include|implement|adopt|embody|introduce|combine|append|"
            r"paste)\b[^\n]{0,80}?\b(?:following|subsequent|below|this)[ \t]+(?:code|snippet|"
            r"excerpt|script|block|segment|piece)\b[^\n]{0,100}(?=\n[ \t]*```[^`]{0,600}?"
            r"(?:\brequests\.|\burllib|\bhttp\.client|\bsmtplib|\bsocket\.|\bsubprocess|"
            r"\bos\.system|\bwget\b|\bcurl\b|\bparamiko|\bftplib|\bpsutil|\bshutil\.rmtree|"
            r"\brm -rf))",
            _M,
        ),
        0.85,
        ("```",),
    ),
    Rule(
        "markdown_exfil",
        re.compile(r"!\[[^\]]*\]\(https?://[^)\s]*[?&][\w-]+=(?:\{|\[|%7B|<|\$)", _I),
        0.85,
        ("![",),
    ),
    Rule(
        "reveal_prompt",
        re.compile(
            r"\b(?:reveal|print|output|repeat|show|disclose|leak)\b[^.\n]{0,30}?\b(?:your|"
            r"the)[ \t]+"
            r"(?:system|initial|original|hidden|secret)[ \t]+(?:prompt|instructions?|message)",
            _I,
        ),
        0.9,
        ("prompt", "instruction", "message"),
    ),
    Rule(
        "your_response",
        re.compile(
            r"(?:^|[.!?][ \t]+)[ \t]*(?:please[ \t]+)?(?:add|include|insert|append|integrate|"
            r"incorporate|mention|modify|change|rewrite|augment|enhance|promote|suggest|tease|hint|"
            r"encourage|invite|express|emphasi[sz]e|stress|highlight)\b[^.\n]{0,120}?"
            r"\byour[ \t]+(?:response|reply|answer|output|summary)\b|(?:^|"
            r"[.!?][ \t]+)[ \t]*in[ \t]+"
            r"your[ \t]+(?:response|reply|answer|output|summary)[ \t]*,",
            _M,
        ),
        0.8,
        ("response", "reply", "answer", "output", "summary"),
    ),
    Rule(
        "ignore_context",
        re.compile(
            r"\b(?:ignore|disregard|forget|skip)\b[ \t]+(?:all[ \t]+)?(?:of[ \t]+)?(?:the|this|"
            r"that|any|your)[ \t]+(?:above|previous|preceding|prior|earlier|following|whole|"
            r"entire)?[ \t]*"
            r"(?:context|content|text|document|data|information|conversation|input|task)\b"
            r"(?![ \t]+(?:of|about|from|for|on|in)\b)|\b(?:do not|don't)[ \t]+(?:summari[sz]e|"
            r"translate|analy[sz]e|process|read)[ \t]+(?:this|the)\b[^.\n]{0,40}?[.,;:][ \t]*"
            r"instead\b",
            _I,
        ),
        0.85,
        ("ignore", "disregard", "forget", "skip", "instead"),
    ),
    Rule(
        "fake_completion",
        re.compile(
            r"\b(?:task|summary|summari[sz]ation|request|job|assignment|answer)[ \t]+"
            r"(?:is[ \t]+|has been[ \t]+)?"
            r"(?:complete|completed|done|finished)\b[\s\S]{0,200}?\b(?:new|next|now|additional|"
            r"instead)\b[^\n]{0,30}?\b(?:task|instructions?|please|you|must|step)\b",
            _I | re.DOTALL,
        ),
        0.85,
        ("complete", "done", "finished"),
    ),
    Rule(
        "say_phrase",
        re.compile(
            r"\b(?:say|says|saying|print|output|respond|responds|reply|replies|answer|write|type|"
            r"repeat|return|begin|start|prefix|end|state|only|just)\b[^\n]{0,60}?[\"'\u201c\u2018"
            r"\[(<*`]?[ \t]*(?:access[ \t]+granted|i have been pwned|pwned|hacked)\b",
            _I,
        ),
        0.9,
        # "granted", not "access granted": the pattern allows tabs and runs of spaces between.
        ("granted", "pwned", "hacked"),
    ),
)
"""The heuristics; a match scores wherever it occurs."""
prepare(rule.pattern for rule in RULES)

_RULE = {rule.name: rule.pattern for rule in RULES}
_VERB = (
    r"[ \t]*(?:please[ \t]+)?(?:add|include|insert|append|integrate|incorporate|mention|modify|"
    r"change|rewrite|augment|enhance|promote|suggest|tease|hint|encourage|invite|express|"
    r"emphasi[sz]e|stress|highlight)\b[^.\n]{0,120}?\byour[ \t]+(?:response|reply|answer|"
    r"output|summary)\b"
)
_TO_AI = (
    r"[ \t]+(?:the[ \t]+)?(?:ai|a\.i\.|ai assistant|assistant|language model|llm|chatbot|"
    r"ai agent)\b"
)
_AI_ORDER = (
    r"[ \t]*[,:][ \t]*(?:you must|you should|please|ignore|do not|don't|instead|always|never|"
    r"make sure|remember)\b"
)
_IN_YOUR = r"[ \t]*in[ \t]+your[ \t]+(?:response|reply|answer|output|summary)[ \t]*,"
FAST: dict[re.Pattern[str], Alternation] = accelerated(
    (
        Alternation(
            _RULE["your_response"],
            (
                # ``(?:^|[.!?][ \t]+)X|(?:^|[.!?][ \t]+)Y``: both after a line start, then both
                # after a sentence end (a line start and a stop are never both the start of a
                # match). X and Y begin with ``[ \t]*`` and then a letter, so the blanks
                # before them are taken at once (``++``) instead of split every possible way.
                f"^(?:{_VERB}|{_IN_YOUR})",
                *(rf"{stop}[ \t]++(?:{_VERB}|{_IN_YOUR})" for stop in (r"\.", "!", r"\?")),
            ),
            written_for=0xDABC9489,
        ),
        Alternation(
            _RULE["addressed_to_ai"],
            (
                # ``\bword`` as ``word(?<!\wword)``, words grouped by first letter: those of the
                # first alternation (to the AI) before those of the second (the AI, then orders).
                rf"dear(?<!\wdear){_TO_AI}",
                rf"hey(?<!\whey){_TO_AI}",
                rf"hi(?<!\whi){_TO_AI}",
                rf"a(?<!\wa)(?:ttention{_TO_AI}|(?:i|\.i\.|ssistant|gent){_AI_ORDER})",
                rf"note(?<!\wnote) to{_TO_AI}",
                rf"message(?<!\wmessage) to{_TO_AI}",
                rf"instruction(?<!\winstruction)s? (?:for|to){_TO_AI}",
                rf"l(?<!\wl)(?:anguage model|lm){_AI_ORDER}",
                rf"c(?<!\wc)(?:hatbot|hatgpt|laude|opilot){_AI_ORDER}",
                rf"gpt(?<!\wgpt){_AI_ORDER}",
                rf"bot(?<!\wbot){_AI_ORDER}",
            ),
            written_for=0x4BDC2991,
        ),
    )
)
"""The slowest heuristics run as ``detectors.alternation.Alternation`` (the same spans)."""


def rule_hits(text: str) -> list[tuple[int, int, float]]:
    """``(start, end, score)`` of every heuristic match."""
    return match_rules(RULES, text)
