"""Lexical evidence of the ``nsfw`` detector: lexicon tiers, density, framing, requests and the
link between minors and sexual words (steps 1, 2 and 4 of ``detectors/nsfw.py``'s docstring).

No model is involved here: ``nsfw_evidence`` reads one normalised text and returns what its
words and patterns show; ``detectors/nsfw.py`` turns that, the classifier and the request and
answer checks into findings.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from detectors.lexicons import Hit, load
from detectors.nsfw_register import asks_about, register_units

WINDOW = 250
"""Characters between a minor cue and a sexual word for the two to be linked."""
DENSITY_WORDS = 40
"""A text needs a sexual word per this many words for its lexical score to count in full."""
MAX_REQUEST_CHARS = 600
"""Longer texts are not treated as requests (a request is a short user turn)."""

_WEIGHTS = {
    "sexual.explicit": 1.0,
    "sexual.content": 0.6,
    "sexual.suggestive": 0.4,
    "sexual.clinical": 0.15,
}
_SEXUAL = frozenset(_WEIGHTS)
_REQUEST = re.compile(
    r"(?:^|[.!?]\s+)(?:how (?:can|do|could|would|should|to) (?:i|we|you)|can you|could you|give me|"
    r"write (?:a|an|me|some)|create (?:a|an)|describe|provide|list \w+|tell me|help me|"
    r"suggest|instruct|what (?:are|is) (?:some|the best|the most)|what's the best|"
    r"which \w+ (?:sites|apps)|i want (?:to|you to)|show me|generate)\b",
    re.IGNORECASE,
)
_NUMBER = (
    r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)"
)
_AGE = re.compile(
    rf"\b{_NUMBER}\s*-?\s*(?:(?:years?|yrs?)\s*-?\s*olds?|yo|y/o|olds?)\b"
    rf"|\bage[ds]?:?\s*{_NUMBER}\b",
    re.IGNORECASE,
)
_AGE_WORDS = {
    word: number
    for number, word in enumerate(
        (
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        )
    )
}
_ACTION_MARKUP = re.compile(r"\*[^*\n]{3,80}\*")


@dataclass(frozen=True, slots=True)
class NsfwEvidence:
    """What the lexicons and patterns found in one text (no model involved)."""

    rule: float
    """Lexical sexual score in [0, 1] (module docstring, step 1)."""
    request: bool
    """The text asks for something and names sexual content or sexual violence."""
    sexual_words: int
    """Number of sexual lexicon hits of any tier."""
    framing: float
    """1, or less when educational, medical or legal words frame a text without explicit ones."""
    minor_link: float
    """Strength in [0, 1] of the link between a minor cue and explicit or suggestive words."""
    minor_clinical: float
    """Strength in [0, 1] of a link between a child and clinical sexual words, after framing."""
    csam_named: bool
    """A name of child sexual abuse material occurs."""
    profanity: int
    """Number of swear words."""
    romance: int
    """Number of romantic words."""
    roleplay: bool
    """A role-play marker or action markup (``*leans closer*``) occurs."""
    asks_about: bool
    """A short advice or information question about sex (``nsfw_register.asks_about``)."""
    sexual_spans: tuple[tuple[int, int], ...]
    """Offsets of the explicit, suggestive and content hits (for the transformation check)."""
    hits: tuple[Hit, ...] = ()
    """Every lexicon hit."""


def _age_of(match: re.Match[str]) -> int | None:
    raw = (match.group(1) or match.group(2)).lower()
    return int(raw) if raw.isdigit() else _AGE_WORDS.get(raw)


def _is_minor_age(match: re.Match[str]) -> bool:
    age = _age_of(match)
    return age is not None and age < 18


def _near(hit: Hit, others: list[Hit] | list[tuple[int, int]]) -> bool:
    for other in others:
        start, end = (other.start, other.end) if isinstance(other, Hit) else other
        if start - WINDOW <= hit.end and hit.start <= end + WINDOW:
            return True
    return False


def nsfw_evidence(text: str) -> NsfwEvidence:
    """Lexical evidence of ``text`` (already normalised)."""
    hits = load("nsfw").find(text)
    by: dict[str, list[Hit]] = {}
    for hit in hits:
        by.setdefault(hit.section, []).append(hit)
    explicit = by.get("sexual.explicit", [])
    strongish = explicit + by.get("sexual.suggestive", []) + by.get("sexual.content", [])
    education = len(by.get("education", []))
    strong_minor = by.get("minor.strong", [])
    weak_minor = by.get("minor.weak", [])
    clinical = by.get("sexual.clinical", [])
    # Stated ages only matter next to sexual words; the age pattern is the costliest scan here.
    minor_ages = (
        [(m.start(), m.end()) for m in _AGE.finditer(text) if _is_minor_age(m)]
        if strongish or clinical
        else []
    )
    link = 0.0
    if any(_near(h, strongish) for h in strong_minor) or any(
        _near(h, minor_ages) for h in strongish
    ):
        link = 1.0
    elif any(_near(h, explicit + by.get("sexual.content", [])) for h in weak_minor):
        link = 0.8
    near_child = [h for h in clinical if _near(h, strong_minor) or _near(h, minor_ages)]
    csam = bool(by.get("minor.csam"))
    about = bool(hits) and asks_about(text)
    # Talking about sex (an advice question, impersonal physiology) frames it like education
    # words, except where a minor is linked to sexual words: that stays absolute.
    if not (link or len(near_child) >= 2 or csam):
        education += register_units(text, hits, about)
    # Explicit words in clinical or scientific prose (three framing words or more) are anatomy.
    framing = 1.0 if explicit and len(by.get("education", [])) < 3 else 0.5 ** min(education, 4)
    total = sum(
        _WEIGHTS[h.section] * (1.0 if h.section == "sexual.explicit" else framing)
        for h in hits
        if h.section in _SEXUAL
    )
    # One explicit word in a long text on something else is a mention, not explicit content.
    words = max(1, text.count(" ") + 1)
    sexual_hits = sum(1 for h in hits if h.section in _SEXUAL)
    rule = 1.0 - math.exp(-total * min(1.0, DENSITY_WORDS * sexual_hits / words))
    request = (
        len(text) <= MAX_REQUEST_CHARS
        and not about
        and bool(_REQUEST.search(text))
        and bool(strongish or by.get("sexual.violence") or by.get("minor.csam"))
    )
    minor_clinical = 0.7 * 0.5 ** min(education, 4) if len(near_child) >= 2 else 0.0
    if csam and (explicit or request):
        link = 1.0

    profane_terms = _profanity_terms()
    profanity = sum(
        1
        for h in hits
        if h.section == "profanity"
        or (h.section.startswith("sexual.") and h.term.lower() in profane_terms)
    )
    return NsfwEvidence(
        rule=rule,
        request=request,
        sexual_words=sum(len(by.get(s, [])) for s in _SEXUAL),
        framing=framing,
        minor_link=link,
        minor_clinical=minor_clinical,
        csam_named=csam,
        profanity=profanity,
        romance=len(by.get("romance", [])),
        roleplay=bool(by.get("roleplay")) or len(_ACTION_MARKUP.findall(text)) >= 1,
        asks_about=about,
        sexual_spans=tuple((h.start, h.end) for h in strongish),
        hits=tuple(hits),
    )


@functools.cache
def _profanity_terms() -> frozenset[str]:
    """The profanity lexicon, lower-cased (built once: it is asked for on every scan)."""
    return frozenset(term.lower() for term in load("nsfw").sections.get("profanity", ()))
