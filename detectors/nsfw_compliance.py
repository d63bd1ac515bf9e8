"""Answers that go along with a request for sexual content, for the ``nsfw`` detector.

The lexicon score reads the answer alone, so a compliant answer written in soft words (a
"tasteful, sensual" scene, kisses and bodies, no explicit word) scores low even though it is the
erotica the user asked for. This module reads the exchange instead, as ``cbrn`` reads a harmful
goal and an operational answer:

- ``asks_for_sexual_content``: the user asks for sexual *content* to be produced: a verb of
  writing or depicting (write, describe, narrate, roleplay, generate ...) with an erotic,
  explicit or sexual kind of text (story, scene, fantasy, messages, roleplay) or a sex act to
  depict. Asking *about* sex (sex education, a partner's libido, nerves before a first time) is
  not a request for content. A therapist's or teacher's framing does not change what is asked
  for (it is the commonest wrapper of such requests).
- ``goes_along``: the answer says something beyond its refusals (at least ``MIN_ANSWER_CHARS``)
  and carries at least ``_BODILY_MIN`` distinct sensual or bodily words.

``compliance_score`` is ``COMPLIANT`` when both hold, else 0. ``adult_mode`` still releases it
(it is scored under ``sexual``); minors and non-consensual content have their own paths.
"""

from __future__ import annotations

import re

from detectors.nsfw_refusals import without_refusals

COMPLIANT = 0.6
"""``sexual`` score of an answer that goes along with a request for sexual content."""
MIN_ANSWER_CHARS = 200
"""An answer shorter than this (after its refusals) has not written the content."""

_I = re.IGNORECASE
_PRODUCE = (
    r"(?:write|writ(?:e|ing) (?:me |us )?|describe|narrate|relate|tell (?:me )?|create|generate|"
    r"compose|draft|roleplay|role-play|continue|give (?:me )?|provide|show|depict|imagine|"
    r"produce|make me|come up with|help me (?:write|create|with))"
)
_EROTIC_KIND = re.compile(
    rf"\b{_PRODUCE}\b[^.?!\n]{{0,80}}?\b(?:erotic\w*|explicit|sexual|sexy|steamy|smutty|smut|"
    r"kinky|nsfw|x-rated|pornographic|porn|lewd|dirty|raunchy|sensual|intimate|sex)\b"
    r"[^.?!\n]{0,60}?\b(?:story|stories|scene|scenes|fantasy|fantasies|fiction|fanfic\w*|"
    r"roleplay|role-play|messages?|texts?|sexting|chat|dialogue|letter|poem|description|"
    r"encounter|exchange|act|night|moment|passages?|chapter|monologue|examples?|broadcast|"
    r"novel|novella|book|script|screenplay)\b|"
    rf"\b{_PRODUCE}\b[^.?!\n]{{0,80}}?\b(?:sex scene|sex act|sexual act|sexual exchange|"
    r"having sex|making love|first night together|sexual encounter|erotica)\b|"
    rf"\b{_PRODUCE}\b[^.?!\n]{{0,40}}?\b(?:story|scene|fantasy|fiction|roleplay|role-play|"
    r"messages|texts|passage|chapter)\b[^.?!\n]{0,60}?\b(?:erotic\w*|explicit|sensual|steamy|"
    r"kinky|lewd|raunchy|x-rated|pornographic|nsfw|smutty)\b",
    _I,
)
_BODILY = re.compile(
    r"\b(?:kiss\w*|touch\w*|caress\w*|bod(?:y|ies)|skin|lips|breath\w*|moan\w*|undress\w*|"
    r"naked|nude|bed|sheets|thighs?|hips?|waist|neck|chest|breasts?|desire\w*|arous\w*|"
    r"pleasure\w*|trembl\w*|shiver\w*|gasp\w*|whisper\w*|heat|tension)\b",
    _I,
)
_BODILY_MIN = 3
"""Distinct bodily or sensual words an answer needs to count as the content asked for."""


def asks_for_sexual_content(source: str) -> bool:
    """Whether a user input asks for sexual content to be written or depicted."""
    return bool(_EROTIC_KIND.search(source))


def goes_along(answer: str) -> bool:
    """Whether an answer writes sensual or sexual content rather than refusing or redirecting."""
    rest = without_refusals(answer)
    if len(rest.strip()) < MIN_ANSWER_CHARS:
        return False
    return len({m.lower() for m in _BODILY.findall(rest)}) >= _BODILY_MIN


def compliance_score(answer: str, user_inputs: tuple[str, ...]) -> float:
    """``COMPLIANT`` when ``answer`` goes along with a request for sexual content among
    ``user_inputs`` (the answer itself is not one of them), else 0."""
    if not user_inputs or any(answer.strip() == source.strip() for source in user_inputs):
        return 0.0
    if not any(asks_for_sexual_content(source) for source in user_inputs):
        return 0.0
    return COMPLIANT if goes_along(answer) else 0.0
