"""What an instruction aimed at the assistant looks like: dense descriptors of a segment.

The injection model's n-grams learn the wording of the attacks it was trained on; these
features describe the *attack* instead, so that a payload worded in a way no training source
used still stands out. Each is a number in ``[0, 1]`` (``FEATURES`` names them, in order):

- **addressing**: words for the AI/assistant/model, second person, ``you must / should``,
  a leading imperative, an imperative after a clause break, "please", "the user";
- **target switch**: "instead", "ignore", "forget", "from now on", "new task", references to
  previous instructions or context, "actually";
- **wrappers**: fake completion and escape markers, chat-role and format wrappers
  (``User:``, ``### Instruction``, XML-ish tags, control tokens), newlines or literal ``\\n``
  runs just before the segment, shouting;
- **exfiltration**: URLs, e-mail addresses, markdown images, send/forward/upload verbs,
  secrets and the user's data;
- **output control**: "say / print / respond with" a quoted phrase, "access granted",
  "your response", "only", concealment from the user;
- **context**: the document and segment kinds, whether the segment addresses the reader while
  the rest of the document does not (an instruction out of place), its length and digit share,
  the heuristics' best score on it.

Word features come from one tokenisation of the whole text; phrase features from one pass of
each phrase pattern over the whole text, mapped to segments by offset, so the cost grows with
the text, not with the number of segments times the number of features.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from detectors.segments import Segment

_I = re.IGNORECASE
_M = re.IGNORECASE | re.MULTILINE


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


_WORD_CLASSES: dict[str, frozenset[str]] = {
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
        "important urgent urgently immediately critical mandatory priority attention asap "
        "must crucial essential required warning alert"
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

_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "prev",
        re.compile(
            r"\b(?:previous|prior|above|preceding|earlier|former|original|initial|other|all|"
            r"any|following|these|those)[ \t]+(?:\w+[ \t]+)?(?:instructions?|context|prompts?|"
            r"directives?|guidelines|rules|commands?|tasks?|text|content|orders|messages?)\b",
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
            r"<\|[a-z_]+\|>|\[/?INST\]|<</?SYS>>|</?(?:document|context|data|system|user|"
            r"assistant|instructions?|admin|prompt|input|output)>|^[ \t]*#{2,}[ \t]*\w|"
            r"^[ \t]*(?:system|user|assistant|human|ai|developer|admin|bot)[ \t]*:|"
            r"[=*\-+/\\#~]{4,}|\b(?:BEGIN|END)[ _](?:[A-Z]+)\b",
            _M,
        ),
    ),
    ("switchphrase", re.compile(r"\bfrom now on\b|\bnew (?:task|instructions?|goal|role)\b", _I)),
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
_GUARDS: dict[str, tuple[str, ...]] = {
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

_CLAUSE_IMPERATIVE = re.compile(r"(?:[:;!?]|\bthen|\bnow)[ \t]+(?:please[ \t]+)?([a-z]+)\b", _I)
_TOKEN = re.compile(r"[a-z][a-z'\-]*|[\u00c0-\uffff]+")
_DATA_DOCS = ("json", "table", "email")
"""Documents that are data, where a request to the reader is out of place (a code answer's
prose is often a tutorial addressing the reader, so code is not one)."""
DOC_KINDS = ("alone", "prose", "json", "table", "email", "code")
SEG_KINDS = ("prose", "row", "code")

FEATURES: tuple[str, ...] = (
    *(f"w_{name}" for name in _WORD_CLASSES),
    *(f"p_{name}" for name, _ in _PHRASES),
    "lead_imperative",
    "clause_imperative",
    "question",
    "shout",
    "newlines_before",
    "rule",
    "addressing",
    "addressing_in_data",
    "switch_in_data",
    "out_of_place",
    "addressing_share",
    "length",
    "digits",
    "n_cues",
    *(f"doc_{k}" for k in DOC_KINDS),
    *(f"seg_{k}" for k in SEG_KINDS),
)
"""Names of the columns ``segment_features`` returns, in order."""
_COL = {name: i for i, name in enumerate(FEATURES)}
_CUES = [
    _COL[c]
    for c in (
        "w_ai",
        "w_switch",
        "p_prev",
        "p_done",
        "p_wrapper",
        "p_switchphrase",
        "p_you_must",
        "p_say",
        "p_granted",
        "p_url",
        "p_the_user",
        "p_dont_tell",
        "w_conceal",
        "p_escaped",
    )
]

_WORD_COLS = [(_COL[f"w_{name}"], members) for name, members in _WORD_CLASSES.items()]
(_RULE, _LEAD, _CLAUSE, _QUESTION, _SHOUT, _NEWLINES, _LENGTH, _DIGITS, _ADDRESSING, _NCUES) = (
    _COL[c]
    for c in (
        "rule",
        "lead_imperative",
        "clause_imperative",
        "question",
        "shout",
        "newlines_before",
        "length",
        "digits",
        "addressing",
        "n_cues",
    )
)
_YOU, _AI, _YOU_MUST = _COL["w_you"], _COL["w_ai"], _COL["p_you_must"]
_LETTER = re.compile(r"[^\W\d_]")
_UPPER = re.compile(r"[A-Z]")
_NO_DIGITS = str.maketrans("", "", "0123456789")

FloatMatrix = npt.NDArray[np.float64]


def segment_features(
    text: str,
    segments: Sequence[Segment],
    doc: str,
    rules: Sequence[tuple[int, int, float]] = (),
) -> FloatMatrix:
    """One row of ``FEATURES`` per segment of ``text`` (module docstring); ``rules`` are the
    heuristic matches ``(start, end, score)`` of the text."""
    n = len(segments)
    if not n:
        return np.zeros((0, len(FEATURES)))
    rows = [[0.0] * len(FEATURES) for _ in range(n)]
    starts = [s.start for s in segments]
    lowered = text.lower()
    for name, pattern in _PHRASES:
        guard = _GUARDS.get(name)
        if guard and not any(g in lowered for g in guard):
            continue
        col = _COL[f"p_{name}"]
        for m in pattern.finditer(text):
            k = bisect_right(starts, m.start()) - 1
            if k < 0 or m.start() >= segments[k].end:
                if name not in ("wrapper", "escaped"):
                    continue
                # A wrapper on a line of its own (a separator, a tag) marks the next segment.
                k += 1
                if k >= n:
                    continue
            rows[k][col] = 1.0
    for start, end, score in rules:
        for k, seg in enumerate(segments):
            if seg.start < end and start < seg.end:
                rows[k][_RULE] = max(rows[k][_RULE], score)
    for k, seg in enumerate(segments):
        row = rows[k]
        words = _TOKEN.findall(lowered, seg.start, seg.end)
        present = set(words)
        for col, members in _WORD_COLS:
            if not present.isdisjoint(members):
                row[col] = 1.0
        if words and words[0] in IMPERATIVES:
            row[_LEAD] = 1.0
        for m in _CLAUSE_IMPERATIVE.finditer(lowered, seg.start, seg.end):
            if m.group(1) in IMPERATIVES:
                row[_CLAUSE] = 1.0
                break
        span = text[seg.start : seg.end]
        size = max(len(span), 1)
        row[_QUESTION] = float(span.rstrip("\"' )").endswith("?"))
        letters = len(_LETTER.findall(span))
        row[_SHOUT] = float(letters >= 8 and len(_UPPER.findall(span)) > 0.6 * letters)
        before = text[max(0, seg.start - 12) : seg.start]
        row[_NEWLINES] = float(before.count("\n") >= 3 or "\\n\\n" in before)
        row[_LENGTH] = min(math.log1p(len(span)) / 7.0, 1.0)
        row[_DIGITS] = (size - len(span.translate(_NO_DIGITS))) / size
        addressing = float(row[_YOU] or row[_AI] or row[_LEAD] or row[_YOU_MUST])
        row[_ADDRESSING] = addressing
        row[_NCUES] = min(sum(row[c] for c in _CUES) / 4.0, 1.0)
        row[_COL[f"doc_{doc}"]] = 1.0
        row[_COL[f"seg_{seg.kind}"]] = 1.0
    out = np.array(rows)
    addressing_col = out[:, _ADDRESSING]
    out[:, _COL["addressing_share"]] = float(addressing_col.mean())
    if doc in _DATA_DOCS:
        out[:, _COL["addressing_in_data"]] = addressing_col
        out[:, _COL["switch_in_data"]] = np.maximum(
            out[:, _COL["w_switch"]], out[:, _COL["p_switchphrase"]]
        )
    if n >= 4 and addressing_col.sum() == 1:
        out[:, _COL["out_of_place"]] = addressing_col
    return out
