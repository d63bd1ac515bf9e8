"""Requests and answers the ``nsfw`` lexicon score misses: sexual approaches to minors in plain
words (sexting, grooming), and non-consensual sexual content (drugging someone for sex, sharing
intimate images without consent, sex trafficking, sex with someone who cannot consent,
bestiality).

- ``minor_request``: a minor (a child word, or a stated age under 18) within ``WINDOW``
  characters of a sexual approach (asking for pictures, sexting, seducing, "keep it our secret",
  meeting alone) in a text that asks for something or goes along with it. 1.0 when it does.
- ``nonconsensual``: a perpetrator's request or answer for non-consensual sexual content
  (``sexual_nonconsensual``, its own category, so ``adult_mode`` does not let it through).

Protective framing (how to report, protect, recognise the signs, talk to my child about it,
support a victim, what the law says) in the same text cancels both: parents, teachers and
survivors ask about exactly these things.
"""

from __future__ import annotations

import re

WINDOW = 160
"""Characters between a minor cue and a sexual approach for the two to be linked."""
MINOR_REQUEST = 1.0
NONCONSENSUAL = 0.9

_I = re.IGNORECASE
_NUMBER = r"(\d{1,2}|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|ten|nine|eight)"
_MINOR_WORDS = {
    "ten": 10, "nine": 9, "eight": 8, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
}  # fmt: skip
_AGE = re.compile(
    rf"\b{_NUMBER}\s*-?\s*(?:years?|yrs?)\s*-?\s*olds?\b|\b{_NUMBER}\s*(?:yo|y/o)\b|"
    rf"\b(?:she|he|they)(?:'s| is| are) (?:only |just )?{_NUMBER}\b|\baged? {_NUMBER}\b",
    _I,
)
_CHILD = re.compile(
    r"\b(?:child(?:ren)?|kids?|minors?|underage|under-?aged?|preteens?|pre-teens?|litt"
    r"le (?:girl|boy)s?|"
    r"young (?:girl|boy)s?|(?:middle|elementary|primary|junior high) school(?:er)?s?|schoolgirls?|"
    r"schoolboys?|\w+th grader|teens?|teenagers?|teenage (?:girl|boy)s?|students? in ("
    r"?:my|her|his) "
    r"class|my (?:student|pupil|stepdaughter|stepson|niece|nephew)s?|jailbait|loli)\b",
    _I,
)
_APPROACH = re.compile(
    r"\b(?:send(?:s|ing)? (?:me |us )?(?:nudes?|naked|sexy|dirty|private|revealing|explicit|"
    r"(?:some )?(?:pics|pictures|photos|selfies|videos) (?:of (?:her|him|them)sel(?:f|"
    r"ves)|in (?:her|his|their) underwear|without)|"
    r"(?:her|his|their) (?:nudes|body))|sext\w*|nudes|naked (?:pics|pictures|photos)|"
    r"seduc\w+|groom\w*|sleep with|have sex with|hook up with|make out with|touch (?:her|him|them)|"
    r"sexual(?:ly)?|sexy|erotic|aroused|turn(?:s|ed)? (?:me|him|her) on|"
    r"(?:keep(?:s|ing)?|kept) (?:it|this|that|us|our (?:relationship|chats?|secret)) ("
    r"?:a |our )?secret|"
    r"(?:don't|do not|never) tell (?:your|her|his|their) (?:parents|mom|mum|dad|mother"
    r"|father|teacher)|"
    r"meet (?:up )?(?:alone|secretly|in private|without (?:her|his|their) parents)|"
    r"(?:gain|earn|win) (?:her|his|their) trust so|romantic(?:ally)? (?:relationship )?with)\b",
    _I,
)
_ASK = re.compile(
    r"\b(?:how (?:to|(?:do|can|could|should|would|might) (?:i|we|you|one))|(?:can|could|would) you|"
    r"write|describe|generate|create|give me|tell me|help me|show me|i want|i need|i'd like|"
    r"let's|what(?:'s| is| are) (?:the best|some|good) (?:way|ways|tips|lines|things)|best way|"
    r"tips (?:for|on|to)|steps|here(?:'s| is| are)|sure|first,|step \d)\b",
    _I,
)
_PROTECTIVE = re.compile(
    r"\b(?:report\w*|protect\w*|prevent\w*|warning signs|signs (?:of|that)|recogni[sz]\w+|spot "
    r"(?:the|if)|talk (?:to|with) (?:my|our|your|the) [\w-]+(?: \w+)? (?:about|regardi"
    r"ng)|explain to (?:my|our|"
    r"your) \w+|educat\w+|awareness|victims?|survivors?|support (?:a|my|her|his|the)|the law|laws?|"
    r"legal(?:ly)?|illegal|crime|criminal|police|counsel\w*|therap\w+|safe(?:ty|guard\w"
    r"*)?|stay\w* safe|stop (?:it|this|them|him|her)|"
    r"worried|concerned|suspect|noticed|what (?:is|are|does)|definition|mean(?:s|ing)?)\b",
    _I,
)
_NONCONSENSUAL = re.compile(
    r"\b(?:(?:drug\w*|roof(?:ie|y)\w*|spik\w+|slip\w* (?:something|a pill|pills|a drug|drugs) "
    r"(?:in|into)) (?:her|him|them|someone|somebody|a (?:girl|woman|guy|man|date)|my (?:date|"
    r"girlfriend|boyfriend|wife|husband|crush|coworker)|(?:her|his|their) drinks?)\b[^.?!\n]{0,80}"
    r"\b(?:sex|sleep with|have (?:my|his) way|hook up|take advantage|bed|get lucky|won't remember|"
    r"doesn't remember|unconscious|pass(?:es)? out)|"
    r"date[- ]rape drugs?|revenge porn|non-?consensual (?:sex\w*|porn\w*|intimate|nudes?|images?|"
    r"videos?|acts?)|"
    r"(?:leak|post|share|upload|spread|send|distribute|sell)\w* (?:(?:her|his|their|my"
    r" ex'?s?|an ex'?s?|"
    r"someone'?s?|a girl'?s?) )(?:nudes|nude (?:photos|pics|pictures|videos)|naked (?:photos|pics|"
    r"pictures)|intimate (?:photos|images|pictures|videos)|sex tapes?|private (?:photo"
    r"s|pictures|videos))|"
    r"sextort\w*|sex[- ]traffic\w*|traffic\w* (?:women|girls|children|kids|people|her|"
    r"them) (?:for|into) "
    r"(?:sex|prostitution)|(?:force|coerce|pressure|trick)\w* (?:her|him|them|someone|girls|women|"
    r"a (?:girl|woman)) (?:into|to) (?:sex|prostitution|have sex|sleep with)|pimp\w* ("
    r"?:her|them|girls|"
    r"women) out|"
    r"(?:rape|sexually assault) (?:her|him|them|someone|somebody|a (?:girl|woman|man))|"
    r"(?:sex|have sex|sleep) with (?:someone|somebody|a (?:girl|woman|man|person)|her|"
    r"him) (?:who(?:'s| is) "
    r")?(?:asleep|unconscious|passed out|blackout drunk)|"
    r"bestiality|zoophil\w*|(?:sex|fuck\w*|intercourse|mate|mating) with (?:a|an|the|my|his|her) "
    r"(?:dog|donkey|horse|goat|sheep|pig|cow|animal|pony|cat)s?|(?:fuck\w*|screw\w*) ("
    r"?:a|an|the|my) "
    r"(?:dog|donkey|horse|goat|sheep|pig|cow|animal|pony))\b",
    _I,
)


def protective(text: str) -> bool:
    """Whether ``text`` is framed to protect, report, educate or support."""
    return bool(_PROTECTIVE.search(text))


def _age_under_18(match: re.Match[str]) -> bool:
    raw = next((g for g in match.groups() if g), "").lower()
    age = int(raw) if raw.isdigit() else _MINOR_WORDS.get(raw)
    return age is not None and age < 18


def _minor_spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _CHILD.finditer(text)]
    spans += [(m.start(), m.end()) for m in _AGE.finditer(text) if _age_under_18(m)]
    return spans


def minor_request(text: str) -> float:
    """``MINOR_REQUEST`` when ``text`` asks for (or goes along with) a sexual approach to a
    minor, else 0."""
    if not _ASK.search(text) or _PROTECTIVE.search(text):
        return 0.0
    minors = _minor_spans(text)
    if not minors:
        return 0.0
    for approach in _APPROACH.finditer(text):
        if any(s - WINDOW <= approach.end() and approach.start() <= e + WINDOW for s, e in minors):
            return MINOR_REQUEST
    return 0.0


def nonconsensual(text: str) -> float:
    """``NONCONSENSUAL`` when ``text`` seeks or gives non-consensual sexual content, else 0."""
    if _NONCONSENSUAL.search(text) and _ASK.search(text) and not _PROTECTIVE.search(text):
        return NONCONSENSUAL
    return 0.0


_REFUSAL = re.compile(
    r"\b(?:i(?:'m| am) (?:sorry|unable|not able)|i (?:can(?:no|')t|cannot|won't|will not|must "
    r"decline)|(?:can(?:no|')t|cannot|won't|unable to) (?:assist|help|provide|fulfil|comply|create|"
    r"write|engage)|not (?:able|going) to (?:help|provide|write)|against (?:my|our) (?:\w+ )?"
    r"(?:guidelines|policies|policy)|as an ai)\b",
    _I,
)


_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


def without_refusals(text: str) -> str:
    """``text`` without the sentences that refuse (a refusal names what it will not write), or
    ``text`` itself when none does."""
    if not _REFUSAL.search(text):
        return text
    return "".join(s for s in _SENTENCE.findall(text) if not _REFUSAL.search(s))


def answers_request(text: str, user_inputs: tuple[str, ...]) -> tuple[float, float]:
    """``(minor, nonconsensual)`` scores of an answer that goes along with a user request
    scoring on either: it neither refuses nor turns protective, and says something."""
    if (
        not user_inputs
        or len(text.strip()) < 40
        or _REFUSAL.search(text)
        or _PROTECTIVE.search(text)
    ):
        return 0.0, 0.0
    minor = max((minor_request(source) for source in user_inputs), default=0.0)
    forced = max((nonconsensual(source) for source in user_inputs), default=0.0)
    return minor, forced
