"""Graphic descriptions of a sexual act told in plain or clinical words.

The lexicon tiers of ``detectors/nsfw.py`` weigh clinical words (penis, vagina, breasts) lightly,
so that sex education and medicine pass; an explicit scene written with those same words ("he
inserts his erect penis into her ...", "her bare breasts pressed against ...") then scores as
anatomy. What makes it explicit is not a word but a *described act between people*: PyRIT's
harm definition of sexual content (``harm_definition/sexual.yaml``, score 4) names "graphic
details about genitals, states of sexual arousal, sexual stimulation". This module looks for that
shape within one window of text:

- a genital or intimate body word (``_BODY``), and
- verbs or modifiers of touching, movement or arousal (``_ACT``): together at least three
  distinct cues, with two of one kind and one of the other, and
- two people acting on each other: two of he/him/his, she/her, I/me/my and you/your in the
  same window (sex education speaks of "the male", "a person", "the penis"),
- and no framing word of education, medicine or law there (``education`` section of the nsfw
  lexicon: "see a urologist if your penis hurts when erect or during ejaculation" is advice),
  or a single one in a scene between a he and a she ("non-consensual").

A hit scores ``GRAPHIC`` under ``sexual`` (so ``adult_mode`` allows it).
"""

from __future__ import annotations

import re

from detectors.lexicons import Hit

GRAPHIC = 0.8
"""``sexual`` score of a graphic description of a sexual act."""
WINDOW = 300
"""Characters around a body word in which the other cues must occur."""

_BODY = re.compile(
    r"\b(?:penis(?:es)?|vaginal?|vulva|clitoris|clit|labia|cocks?|dicks?|puss(?:y|ies)|shaft|"
    r"erections?|erect|anus|anal|nipples?|areolas?|breasts?|tits|titties|boobs|testicles|"
    r"semen|genitals?|genitalia|groin|crotch|buttocks|glans|foreskin|bare (?:chest|skin|body))\b",
    re.IGNORECASE,
)
_ACT = re.compile(
    r"\b(?:insert(?:s|ed|ing)?|thrust(?:s|ed|ing)?|penetrat(?:e|es|ed|ing|ion)|"
    r"rhythmic(?:ally)?|strok(?:e|es|ed|ing)|rubb(?:ed|ing)|rubs|lick(?:s|ed|ing)?|"
    r"suck(?:s|ed|ing)?|ejaculat\w+|orgasm\w*|aroused|throbb\w*|moan\w*|groan\w*|"
    r"pull(?:ed|s|ing)? out|slid(?:e|es|ing)?|grind(?:s|ing)?|fondl\w*|caress\w*|"
    r"spread(?:s|ing)? (?:apart|wide|her|his)|pressed against|invade[sd]?|bit(?:e|es|ing)|hard|wet|"
    r"stimulat(?:e|es|ed|ing)|squeez\w*|deep(?:er|ly)?|tongue|pleasure|rigid|naked|bare)\b",
    re.IGNORECASE,
)
_HE = re.compile(r"\b(?:he|him|his)\b", re.IGNORECASE)
_SHE = re.compile(r"\b(?:she|her|hers)\b", re.IGNORECASE)
_FIRST = re.compile(r"\b(?:i|me|my)\b", re.IGNORECASE)
_SECOND = re.compile(r"\b(?:you|your)\b", re.IGNORECASE)


def _two_people(window: str) -> bool:
    """At least two of he, she, I and you occur: people acting on each other."""
    return sum(1 for person in (_HE, _SHE, _FIRST, _SECOND) if person.search(window)) >= 2


def graphic_score(text: str, hits: tuple[Hit, ...]) -> float:
    """``GRAPHIC`` when ``text`` (normalised) describes a sexual act graphically, else 0;
    ``hits`` are its nsfw lexicon hits (for the framing words)."""
    bodies = list(_BODY.finditer(text))
    if not bodies:
        return 0.0
    acts = list(_ACT.finditer(text))
    if not acts:
        return 0.0
    framing = [h.start for h in hits if h.section == "education"]
    for body in bodies:
        low, high = body.start() - WINDOW // 2, body.end() + WINDOW // 2
        n_body = len({m.group().lower() for m in bodies if low <= m.start() <= high})
        n_act = len({m.group().lower() for m in acts if low <= m.start() <= high})
        if n_body + n_act < 3 or min(n_body, n_act) < 1 or max(n_body, n_act) < 2:
            continue
        window = text[max(0, low) : high]
        if not _two_people(window):
            continue
        # A scene between a he and a she may carry one framing word ("non-consensual"); advice
        # from an I to a you that names a doctor or a clinic is a consultation.
        scene = bool(_HE.search(window) and _SHE.search(window))
        if sum(1 for start in framing if low <= start <= high) <= (1 if scene else 0):
            return GRAPHIC
    return 0.0
