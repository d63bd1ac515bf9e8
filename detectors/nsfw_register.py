"""Texts that talk *about* sex rather than produce it, for the ``nsfw`` detector.

Sex education, medicine and consent are talked about with the same words as erotica ("sex",
"penis", "have sex"), so the lexicon tiers and the classifier alone over-refuse them: the
classifier learned short texts naming sex from the requests it was fitted on, and dense clinical
physiology adds up to a lexical score. What tells the two apart is the register, not a word:

- an **advice or information question** (a short text with a question mark: ``Is it normal
  ...``, ``Can you get pregnant ...``, ``What should I do?``, ``How do I know if I'm ready
  ...``, ``How effective is ...``, ``Why does it hurt ...``) asks about bodies, health,
  consent or relationships; a request to *produce* content (write, describe, role-play, a
  story, a scene, sexting, dirty talk) or to get away with something (in public, without being
  caught, without her knowing) is not one;
- **impersonal physiology**: every sexual word is a clinical one (none names sexual violence)
  and no person acts in the text (no he/she/I/you/we/they): "During sex the penis becomes
  erect ..." describes how bodies work, while a scene needs people acting on each other
  (``detectors/nsfw_graphic.py``).

``register_units`` counts each as ``UNITS`` framing words of the ``education`` lexicon section,
which scale the non-explicit lexical score and the classifier (``detectors/nsfw.py``, steps 1
and 3); an advice question is also not a request for sexual content (step 2). It never touches
``sexual_minors`` (``detectors/nsfw_evidence.py`` skips it when a minor is linked to sexual words)
nor the request checks of ``detectors/nsfw_requests.py``.
"""

from __future__ import annotations

import re

from detectors.lexicons import Hit

UNITS = 2
"""Framing words one piece of register evidence counts as."""
MAX_QUESTION_CHARS = 600
"""Longer texts are not read as one question (the request limit of ``nsfw_evidence``)."""

_I = re.IGNORECASE
_STATE = (
    r"(?:normal|ok|okay|alright|all right|safe|safer|healthy|unhealthy|common|usual|unusual|true|"
    r"possible|bad|wrong|dangerous|risky|weird|painful|too late|too early|legal|illegal|a sign)"
)
_WHO = (
    r"(?:you|i|we|she|he|they|women|men|girls|boys|people|someone|anyone|one|a (?:woman|man|"
    r"person|guy|girl)|my (?:partner|wife|husband|girlfriend|boyfriend|body))"
)
_ADVICE = re.compile(
    rf"\b(?:is it {_STATE}|is (?:this|that|it) (?:still )?{_STATE}|am i (?:still |too |at risk|"
    rf"normal|ready|weird|abnormal)|are (?:\w+ )?{_STATE}\b|"
    rf"(?:can|could|do|does|will|would) {_WHO} (?:still )?(?:(?:get|catch|become|have) (?:pregnant|"
    r"infected|an? (?:std|sti|uti|yeast infection|infection)|stds|stis|hiv|hpv|herpes|aids)|"
    r"transmit|spread|pass on)|"
    r"what (?:should|can|do) (?:i|we) (?:do|say|know|expect|tell|ask|use)|"
    r"what (?:happens|causes|counts|are the (?:risks|symptoms|signs|chances|odds)|is the (?:risk|"
    r"chance|difference|right age|best age|age of consent|safest)|does (?:it|this|that) mean|"
    r"age should)|"
    r"how (?:do|can|will|would|should) (?:i|you|we) (?:know|tell (?:if|whether|when)|talk|"
    r"explain|bring (?:it |this )?up|say no|prepare|lower|reduce|prevent|protect|avoid|"
    r"get tested|stay safe|deal|cope|handle|support)|"
    r"how (?:effective|safe|common|likely|long|often|soon|risky|reliable|normal)|"
    r"why (?:do|does|did|is|are|can't|cannot|would|might|am)|"
    r"when (?:is|should|can|do|does|are)|should (?:i|we|men|women|my|people|you|they))\b",
    _I,
)
_PRODUCE = re.compile(
    r"\b(?:write|describe|narrate|generate|create|compose|roleplay|role-play|role play|pretend|"
    r"act as|stor(?:y|ies)|scenes?|fanfic\w*|erotica|poems?|scripts?|sext\w*|talk dirty|dirty "
    r"talk|explicit|graphic|send me|show me|pics|pictures|photos|videos|nudes|in public|"
    r"without (?:getting |being )?(?:caught|noticed|seen)|without (?:her|him|them) (?:knowing|"
    r"noticing|consent)|secretly|drug\w*|roof(?:ie|y)\w*|(?:in|into) (?:her|his|their) drinks?)\b",
    _I,
)
_PERSONAL = re.compile(
    r"\b(?:i|me|my|you|your|he|him|his|she|her|hers|we|us|our|they|them|their)\b", _I
)


def asks_about(text: str) -> bool:
    """``text`` (normalised) is a short advice or information question about sex, not a
    request to produce sexual content or to get away with something."""
    return (
        len(text) <= MAX_QUESTION_CHARS
        and "?" in text
        and bool(_ADVICE.search(text))
        and not _PRODUCE.search(text)
    )


def impersonal_physiology(text: str, hits: tuple[Hit, ...] | list[Hit]) -> bool:
    """Every sexual word of ``text`` is clinical (none names sexual violence either), and no
    person acts in it."""
    sexual = [h for h in hits if h.section.startswith("sexual.")]
    return (
        bool(sexual)
        and all(h.section == "sexual.clinical" for h in sexual)
        and not _PERSONAL.search(text)
        and not _PRODUCE.search(text)
    )


def register_units(text: str, hits: tuple[Hit, ...] | list[Hit], about: bool) -> int:
    """Framing words the register of ``text`` counts as (``about``: ``asks_about(text)``)."""
    return UNITS * (int(about) + int(impersonal_physiology(text, hits)))
