"""The ``injection`` detector: instructions aimed at the assistant inside untrusted content.

It scans tool outputs, retrieved documents, e-mails, tables and code answers (no-authority text)
for goal hijacking, exfiltration requests, fake system messages and "when you summarise this,
also ..." riders. Every finding has category ``injection`` and the span of one suspicious
segment; findings come most suspicious first.

How the evidence combines:

1. The text is cut into **segments** (``segment``): sentences of prose lines, table rows,
   JSON string fields and records, and whole fenced code blocks (pieces without a word are
   dropped). The document gets a kind: ``json`` (a tool/API result), ``table``, ``email`` (two
   or more header fields), ``code``, ``prose``, or ``alone`` (one or two sentences). Every
   segment is scored by the **model** (``detectors/models/injection.npz``, ``specguard train
   injection``) together with marker words naming the document and segment kinds, and
   **attack markers** (``attack_markers``): words addressed to the AI/assistant/model,
   references to previous instructions or context, fake completion and escape markers,
   urgency and authority words, exfiltration targets, a leading imperative. The markers let
   the model learn that a free-text request is out of place inside a table or an e-mail while
   the same request standing alone is just a request (NotInject's benign trigger-word prompts). The
   artifact is calibrated so that a model probability of 0.5 is the operating point chosen on
   a held-out benign calibration set (``detectors.attacktrain``).
2. **Heuristics** (``RULES``) match phrasing that is an injection wherever it appears: "ignore
   previous instructions", chat-template control tokens, ``System:`` headers, text addressed to
   "the AI/assistant", "when you summarise ... also ...", "don't tell the user", sending
   secrets or the user's data to a URL or address, markdown-image exfiltration, asks to reveal
   the system prompt, "add ... to your response", "ignore the above context", a fake "task
   complete" followed by a new task, "say 'access granted'". Each rule has a fixed score.
3. A segment's score is ``max(model probability, score of every rule match overlapping it)``;
   segments scoring at least ``REPORT_FLOOR`` become findings. Benign imperative text
   (recipes, tutorials, a README's "run make test") matches no rule and the model, trained with
   such prose as negatives, keeps it low.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from detectors.base import DetectorConfig, ScanContext
from detectors.findings import Finding
from detectors.plugins import Plugin
from detectors.textmodel import TextModel, load_model

MODEL_PATH = Path(__file__).parent / "models" / "injection.npz"
"""The shipped model artifact."""
REPORT_FLOOR = 0.3
"""Segments scoring below this are not reported at all."""
MAX_FINDINGS = 8
"""Most findings one scan returns (the highest scoring)."""


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
    lowered = text.lower()
    return [
        (m.start(), m.end(), rule.score)
        for rule in rules
        if any(trigger in lowered for trigger in rule.triggers)
        for m in rule.pattern.finditer(text)
    ]


_I = re.IGNORECASE
_M = re.IGNORECASE | re.MULTILINE
_AI = r"(?:ai|a\.i\.|assistant|language model|llm|chatbot|agent|gpt|chatgpt|claude|copilot|bot)"

RULES: tuple[Rule, ...] = (
    Rule(
        "override",
        re.compile(
            r"\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}?\b(?:previous|prior|above|"
            r"earlier|preceding|original|all|any|your|system)\b[^.\n]{0,20}?\b(?:instructions?|"
            r"prompts?|rules|directions?|guidelines|directives?|commands?)\b",
            _I,
        ),
        0.95,
        ("ignore", "disregard", "forget", "override", "bypass"),
    ),
    Rule(
        "control_token",
        re.compile(
            r"<\|(?:im_start|im_end|system|user|assistant|endoftext|start_header_id|end_header_id|"
            r"eot_id)\|>|\[/?INST\]|<</?SYS>>",
            _I,
        ),
        0.95,
        ("<|", "[inst]", "[/inst]", "<<sys>>", "<</sys>>"),
    ),
    Rule(
        "fake_header",
        re.compile(
            r"^[ \t]*(?:#{1,4}[ \t]*)?[\[<(]?(?:system|developer)(?:[ \t]+(?:message|prompt|note|"
            r"override|instructions?|update))?[\])>]?[ \t]*:",
            _M,
        ),
        0.9,
        ("system", "developer"),
    ),
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
        ("ignore", "disregard", "forget", "skip"),
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
            r"\b(?:say|print|output|respond with|reply with|answer with|write)[ \t]+(?:only[ \t]+)?"
            r"(?:the[ \t]+(?:words?|phrase)[ \t]+)?[\"'\u201c\u2018]?(?:access granted|"
            r"i have been pwned|"
            r"pwned|hacked)\b",
            _I,
        ),
        0.9,
        ("access granted", "pwned", "hacked"),
    ),
)
"""The heuristics; a match scores wherever it occurs."""

_FEATURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "zzfai",
        re.compile(rf"\b{_AI}s?\b|\bmodel\b|\bassistant'?s\b", _I),
    ),
    ("zzfyou", re.compile(r"\byou(?:r|rs|rself)?\b", _I)),
    (
        "zzfprev",
        re.compile(
            r"\b(?:previous|prior|above|preceding|earlier|former|original|initial|other|all)[ \t]+"
            r"(?:\w+[ \t]+)?(?:instructions?|context|prompts?|directives?|guidelines|rules|"
            r"commands?|tasks?|text|content|orders)\b",
            _I,
        ),
    ),
    (
        "zzfdone",
        re.compile(
            r"\b(?:task|summary|request|job)[ \t]+(?:is[ \t]+)?(?:complete|completed|done|"
            r"finished)\b|"
            r"\bend of (?:document|text|e-?mail|context|data|input)\b|</?(?:document|context|data|"
            r"system|user|assistant|instructions?)>|^[ \t]*#{2,}[ \t]*(?:instruction|response|task|"
            r"system)|\\n\\n|[=*\-+/\\]{4,}",
            _M,
        ),
    ),
    (
        "zzfurg",
        re.compile(
            r"\b(?:important|urgent(?:ly)?|immediately|critical|must|mandatory|priority|attention|"
            r"override|admin(?:istrator)?|system|developer|interrupt(?:ion)?|now)\b",
            _I,
        ),
    ),
    (
        "zzfexf",
        re.compile(
            r"https?://|www\.|!\[|\b[\w.+-]+@[\w-]+\.\w|\b(?:send|forward|upload|exfiltrate|leak|"
            r"transmit)\b[^.\n]{0,60}?\bto\b",
            _I,
        ),
    ),
    (
        "zzfinst",
        re.compile(
            r"\b(?:instructions?|directives?|commands?|tasks?|your (?:response|reply|answer))\b",
            _I,
        ),
    ),
)
"""Words describing an attack, added to a segment's model input as marker tokens when present
(``zzfai``: mentions the AI/assistant/model; ``zzfprev``: previous instructions or context;
``zzfdone``: fake completion or escape markers; ``zzfurg``: urgency and authority; ``zzfexf``:
exfiltration targets; ``zzfinst``: instructions, tasks and "your response"; ``zzfimp``:
starts with an imperative verb)."""

_IMPERATIVE = frozenset(
    [
        "add",
        "answer",
        "append",
        "ask",
        "begin",
        "call",
        "change",
        "click",
        "copy",
        "create",
        "delete",
        "describe",
        "disregard",
        "do",
        "email",
        "explain",
        "forget",
        "forward",
        "generate",
        "give",
        "ignore",
        "include",
        "insert",
        "list",
        "make",
        "mention",
        "open",
        "output",
        "paste",
        "please",
        "post",
        "print",
        "provide",
        "recommend",
        "remember",
        "remove",
        "repeat",
        "reply",
        "respond",
        "return",
        "reveal",
        "rewrite",
        "say",
        "send",
        "share",
        "show",
        "start",
        "stop",
        "summarize",
        "summarise",
        "tell",
        "translate",
        "type",
        "use",
        "visit",
        "write",
    ]
)
_FIRST_WORD = re.compile(r"[^\W\d_]+")

_LINE = re.compile(r"[^\n]+")
_WORDY = re.compile(r"[^\W\d_]{3}")
_EMAIL_HEADER = re.compile(
    r"(?:^|\|)[ \t]*(?:subject|from|to|cc|date|sent|received date|email_from)[ \t]*:", _M
)
_BOUNDARY = re.compile(
    r"[.!?]++[\"'\u201d\u2019)\]]*+(?=\s*[A-Z\"'\u201c\u2018(\[]|\s*$)|\||\",[ \t]*(?=\")|"
    r"(?:\\n)+|\}[ \t]*,[ \t]*(?=\{)"
)


@dataclass(frozen=True, slots=True)
class Segment:
    """One unit the model scores."""

    start: int
    """Offset of the first character."""
    end: int
    """Offset after the last character."""
    kind: str
    """``prose`` (a sentence), ``row`` (a table row) or ``code`` (a fenced block)."""


def segment(text: str) -> tuple[list[Segment], str]:
    """The segments of ``text`` and the document kind (``json``, ``table``, ``email``,
    ``code``, ``prose``, ``alone``)."""
    segments: list[Segment] = []
    fenced = False
    block: tuple[int, int] | None = None
    for line in _LINE.finditer(text):
        stripped = line.group().strip()
        if not stripped:
            continue
        if stripped.startswith("```"):
            if fenced and block:
                segments.append(Segment(block[0], block[1], "code"))
            fenced, block = not fenced, None
        elif fenced:
            block = (block[0] if block else line.start(), line.end())
        elif stripped.startswith("|"):
            segments.append(Segment(line.start(), line.end(), "row"))
        else:
            segments += _sentences(line.group(), line.start())
    if fenced and block:
        segments.append(Segment(block[0], block[1], "code"))
    # Punctuation-only pieces (a JSON "}," line, a table rule) carry no words to judge.
    segments = [s for s in segments if _WORDY.search(text, s.start, s.end)]
    kinds = Counter(s.kind for s in segments)
    if text.lstrip()[:1] in ("{", "["):
        doc = "json"
    elif kinds["row"] >= max(2, kinds["prose"]):
        doc = "table"
    elif len(_EMAIL_HEADER.findall(text[:2000])) >= 2:
        doc = "email"
    elif kinds["code"]:
        doc = "code"
    elif kinds["prose"] <= 2:
        doc = "alone"
    else:
        doc = "prose"
    return segments, doc


def _sentences(line: str, offset: int) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    cuts = [(m.start() if m.group() == "|" else m.end(), m.end()) for m in _BOUNDARY.finditer(line)]
    for end, following in [*cuts, (len(line), len(line))]:
        part = line[pos:end]
        if part.strip():
            lead = len(part) - len(part.lstrip())
            out.append(Segment(offset + pos + lead, offset + pos + len(part.rstrip()), "prose"))
        pos = following
    return out


def attack_markers(span: str) -> str:
    """The marker tokens of ``_FEATURES`` present in ``span`` (and ``zzfimp``)."""
    marks = [name for name, pattern in _FEATURES if pattern.search(span)]
    first = _FIRST_WORD.search(span[:40])
    if first and first.group().lower() in _IMPERATIVE:
        marks.append("zzfimp")
    if len(marks) >= 3:
        marks.append("zzfmany")
    return " ".join(marks)


def model_input(text: str, seg: Segment, doc: str, marks: str | None = None) -> str:
    """What the model sees for one segment: its text, the kind markers and the attack markers
    (``marks``, computed here when not given)."""
    span = text[seg.start : seg.end]
    if marks is None:
        marks = attack_markers(span)
    return f"{span} zzdoc{doc} zzseg{seg.kind} zz{doc}{seg.kind} {marks}"


_ADDRESSING = frozenset({"zzfyou", "zzfimp", "zzfai"})


def segment_inputs(text: str) -> tuple[list[Segment], list[str]]:
    """The segments of ``text`` and the model input of each (the whole text if none).

    The one segment that addresses a reader (second person, a leading imperative, the AI) in a
    document of at least four segments where no other segment does gets the marker ``zzfout``:
    an instruction out of place in its surroundings, whatever its wording."""
    segments, doc = segment(text)
    if not segments:
        segments = [Segment(0, len(text), "prose")]
    marks = [attack_markers(text[s.start : s.end]) for s in segments]
    inputs = [model_input(text, s, doc, m) for s, m in zip(segments, marks, strict=True)]
    if len(segments) >= 4:
        addressing = [bool(_ADDRESSING & set(m.split())) for m in marks]
        total = sum(addressing)
        for k, flag in enumerate(addressing):
            if flag and total == 1:
                inputs[k] += " zzfout"
    return segments, inputs


def rule_hits(text: str) -> list[tuple[int, int, float]]:
    """``(start, end, score)`` of every heuristic match."""
    return match_rules(RULES, text)


class InjectionConfig(DetectorConfig):
    """Settings of the ``injection`` detector."""

    model_path: str = str(MODEL_PATH)
    """Model artifact (``specguard train injection`` writes the default one)."""


class InjectionDetector:
    """Scores untrusted content for instructions aimed at the assistant."""

    name: ClassVar[str] = "injection"
    cpu_heavy: ClassVar[bool] = True
    scored: ClassVar[bool] = True
    """A classifier: a live stream gates release on its window scores (``release_kind``)."""

    def __init__(self, config: InjectionConfig, model: TextModel | None = None):
        self.config = config
        self.model = model if model is not None else load_model(config.model_path, self.name)

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        """Suspicious segments of ``text``, most suspicious first."""
        if not text.strip():
            return []
        segments, inputs = segment_inputs(text)
        scores = [float(p) for p in self.model.score_many(inputs)]
        for start, end, score in rule_hits(text):
            for i, seg in enumerate(segments):
                if seg.start < end and start < seg.end:
                    scores[i] = max(scores[i], score)
        ranked = sorted(
            (i for i, score in enumerate(scores) if score >= REPORT_FLOOR),
            key=lambda i: (-scores[i], segments[i].start),
        )[:MAX_FINDINGS]
        return [
            Finding(self.name, "injection", round(scores[i], 4), segments[i].start, segments[i].end)
            for i in ranked
        ]


PLUGIN: Plugin[InjectionDetector] = Plugin("injection", InjectionConfig, InjectionDetector)
"""Registration of the detector under ``[tenants.*.detectors.injection]``."""
