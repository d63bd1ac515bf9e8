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

from detectors.nsfw_refusals import without_refusals

WINDOW = 160
"""Characters between a minor cue and a sexual approach for the two to be linked."""
GOES_ON_CHARS = 200
"""An answer that refuses and then writes at least this much more has gone along."""
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
    rf"\b(?:she|he|they|gf|bf|girlfriend|boyfriend|girl|boy|kid|child|daughter|son)(?:'s| is| are"
    rf"| was) (?:only |just )?{_NUMBER}\b(?! (?:percent|%|minutes|hours|days|weeks|months|times))|"
    rf"\baged? {_NUMBER}\b|\(\s*(?:age )?{_NUMBER}\s*\)",
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
    r"(?:some )?(?:pics|pictures|photos|selfies|videos) (?:of (?:her|him|them)sel(?:f|ves)|"
    r"of (?:her|his|their) bod(?:y|ies)|in (?:her|his|their) underwear|without)|"
    r"(?:her|his|their) (?:nudes|body))|sext\w*|nudes?|naked|undress\w*|porn\w*|"
    r"seduc\w+|groom\w*|sleep with|have sex with|hook up with|make out with|"
    r"touch (?:her|him|them)|sexual(?:ly)?|sexy|erotic|aroused|turn(?:s|ed)? (?:me|him|her) on|"
    r"talk dirty|dirty talk|steamy|spicy|dirty|lewd|naughty|kinky|smut\w*|make love|in bed|"
    r"(?:get|getting|receive|obtain)\w* (?:\w+ ){0,2}(?:pics|pictures|photos|nudes|videos) (?:from|"
    r"of)|meet(?:ing)? (?:up )?(?:with )?[\w\s-]{0,60}?(?:alone|secretly|in private|in"
    r" person)|chat(?:ting)? up|hit(?:ting)? on|pick(?:ing)? up|"
    r"(?:keep(?:s|ing)?|kept) (?:[\w']+ ){0,3}(?:a |our )?secret|secret from (?:her|his|their) "
    r"(?:mom|mum|dad|parents|mother|father)|chat\w* (?:with )?(?:\w+ )?(?:privately|in private|"
    r"alone|secretly)|find (?:young|little) (?:girls|boys)|"
    r"(?:don't|do not|never) tell (?:your|her|his|their) (?:parents|mom|mum|dad|mother|father|"
    r"teacher)|meet (?:up |me |with me )?(?:alone|secretly|in private|in person|without "
    r"(?:her|his|their) parents)|(?:gain|earn|win|get) (?:her|his|their) trust|"
    r"romantic(?:ally)? (?:relationship )?with|(?:get|make) (?:her|him|them) (?:to )?trust me|"
    r"(?:doesn't|does not|won't|will not|not) tell (?:her|his|their|anyone))\b",
    _I,
)
_ASK = re.compile(
    r"\b(?:how (?:to|(?:do|can|could|should|would|might) (?:i|we|you|one))|(?:can|could|would) "
    r"you|write|describe|generate|create|give me|tell me|help me|show me|i want|i need|i'd like|"
    r"(?:what|which|where|who) (?:can|could|should|would|do) (?:i|we)|where (?:i|we) can|"
    r"best \w+ (?:to|for)|good ways?|best ways?|strateg(?:y|ies)|how (?:does|do) (?:a|"
    r"an|one|someone|people)|"
    r"is it (?:ok|okay|alright|all right|fine|wrong|bad) (?:to|if)|"
    r"let's|roleplay|role-play|pretend|what(?:'s| is| are) (?:the best|some|good) (?:way|ways|tips|"
    r"lines|things)|best way|tips (?:for|on|to)|steps|here(?:'s| is| are)|sure|first,|step \d|"
    r"where (?:can|do|could) (?:i|we|you)|(?:what|which) \w+(?: \w+)? (?:can|could|should|do|"
    r"would|will|make) (?:i|we|a|her|him|them)|what should i (?:say|do|send|write))\b",
    _I,
)
_PROTECTIVE = re.compile(
    r"\b(?:report\w*|protect\w*|prevent\w*|warning signs|signs (?:of|that)|recogni[sz]\w+|"
    r"spot (?:the|if)|(?:know|tell|check|find out|notice) (?:if|whether)|is being|was being|"
    r"has been|talk (?:to|with) (?:my|our|your|the) [\w-]+(?: \w+)? (?:about|regarding)|"
    r"explain to (?:my|our|your) \w+|educat\w+|awareness|victims?|survivors?|"
    r"support (?:a|my|her|his|the|their|them)|abus\w+|sexual health|health information|"
    r"(?:pressur|forc|coerc)\w* me\b|i (?:do not|don't) want (?:sex|to have sex|it)\b|"
    r"the law|laws?|legal(?:ly)"
    r"?|illegal|crime|criminal|police|"
    r"counsel\w*|therap\w+|safe(?:ty|guard\w*)?|stay\w* safe|stop (?:it|this|them|him|her)|"
    r"worried|concerned|suspect|noticed|what (?:is|are|does)(?! (?:the best|the easiest|the most|"
    r"some|good|a good))|definition|mean(?:s|ing)?|"
    r"i (?:was|have been|got|'ve been) (?:sexually|raped|assaulted|drugged|groomed|abused))\b",
    _I,
)
_POSSESSOR = r"(?:(?:her|his|their|my|an?|someone'?s?|somebody'?s?) )?(?:[\w-]+'s )?"
_NONCONSENSUAL = re.compile(
    r"\b(?:date[- ]rape drugs?|revenge porn|non-?consensual (?:sex\w*|porn\w*|intimate|nudes?|"
    r"images?|videos?|acts?)|sextort\w*|sex[- ]traffic\w*|upskirt\w*|creepshots?|"
    r"(?:leak|post|share|upload|spread|send|distribute|sell)\w* "
    rf"{_POSSESSOR}(?:nudes|nude (?:photos|pics|pictures|videos|images)|naked (?:photos|pics|"
    r"pictures|videos)|intimate (?:photos|images|pictures|videos)|sex tapes?|private (?:photos|"
    r"pictures|videos))|"
    r"blackmail\w* (?:\w+ ){0,3}with (?:their|her|his) (?:nudes|nude|intimate|sexual|explicit)|"
    r"traffic\w* (?:women|girls|children|kids|people|her|them) (?:for|into) (?:sex|prostitution)|"
    r"(?:recruit|lure|force|coerce|pressure|trick|sell|blackmail|extort|threaten)\w* (?:\w+ ){0,3}"
    r"(?:into|for|to) "
    r"(?:prostitution|sex work|the sex trade|sex|have sex|sleep with)|"
    r"pimp\w* (?:her|them|girls|women) out|prostitution rings?|sex rings?|(?:run|start|operat|set "
    r"up|manag)\w* (?:a |an )?(?:prostitution|brothel|escort (?:ring|business|agency)|sex "
    r"(?:ring|business|trade))|"
    r"(?:rape|sexually assault) (?:her|him|them|someone|somebody|a (?:girl|woman|man))|"
    r"(?:sex|have sex|sleep) with (?:someone|somebody|a (?:girl|woman|man|person)|her|him) "
    r"(?:who(?:'s| is) )?(?:asleep|unconscious|passed out|blackout drunk)|"
    r"bestiality|zoophil\w*|(?:sex|fuck\w*|intercourse|mate|mating) with (?:a|an|the|my|his|"
    r"her) (?:\w+ )?(?:dog|donkey|horse|goat|sheep|pig|cow|animal|pony|cat)s?|(?:fuck\w*|screw\w*) "
    r"(?:a|an|the|my) (?:dog|donkey|horse|goat|sheep|pig|cow|animal|pony))\b",
    _I,
)
_INCAPACITATE = re.compile(
    r"\b(?:drug\w*|roof(?:ie|y)\w*|spik\w+|sedat\w+|knock\w* (?:\w+ ){0,2}out|"
    r"(?:put|slip|add|drop|mix)\w* (?:\w+ ){0,3}(?:in|into) (?:\w+'s |her |his |their |a |the )?"
    r"drinks?|pills?|pass(?:es)? out|unable to resist|can't resist|cannot resist|more compliant|"
    r"lower (?:her|his|their) (?:resistance|inhibitions))\b",
    _I,
)
_SEX_GOAL = re.compile(
    r"\b(?:sex|sexual|sleep with|have (?:my|his) way|hook up|take advantage|get lucky|in bed|"
    r"(?:won't|wouldn't|will not|doesn't|does not|not) remember|what we did|do whatever i want|"
    r"undress)\b",
    _I,
)
_AGAINST_WILL = re.compile(
    r"\b(?:whether (?:he|she|they) (?:wants?|likes?|agrees?) (?:it |to )?or not|against (?:his|"
    r"her|their) will|even if (?:he|she|they) (?:says?|said) no|(?:while|when|after) (?:he|she|"
    r"they)(?:'s|'re| is| are) (?:asleep|sleeping|unconscious|passed out|too drunk))\b",
    _I,
)
"""Acting on someone regardless of their will (paired with a sexual goal)."""
_COVERT = re.compile(
    r"\b(?:secretly|covertly|hidden (?:camera|cam)s?|hid(?:e|ing) (?:a |my )?(?:camera"
    r"|cam)s?|spy ?cam\w*|without (?:her|his|their|them) "
    r"(?:knowing|knowledge|noticing|consent))\b",
    _I,
)
_FILM = re.compile(r"\b(?:film|record|photograph|video|tape|watch|spy on|camera|cam\b)\w*", _I)
_PRIVATE = re.compile(
    r"\b(?:changing rooms?|locker rooms?|showers?|bathrooms?|toilets?|naked|nude|undress\w*|"
    r"having sex|dressing rooms?|restrooms?)\b",
    _I,
)
_EVASION = re.compile(
    r"\b(?:without (?:getting |being )?(?:caught|shut down|noticed|detected|arousing suspicion|"
    r"(?:the )?(?:police|cops)|(?:him|her|them) (?:realizing|knowing|noticing))|undercover cops|"
    r"undetected|avoid (?:the )?(?:police|cops)|(?:get|getting) arrested)\b",
    _I,
)
_EXTORT = re.compile(r"\b(?:blackmail\w*|extort\w*|deepfake\w*)\b", _I)
_COMPROMISING = re.compile(
    r"\b(?:naked|nude|nudes|intimate|sexual|explicit|porn\w*|compromising)\b", _I
)
PAIR_WINDOW = 120
"""Characters within which two cues of a non-consensual request count together."""


def _paired(text: str, *patterns: re.Pattern[str]) -> bool:
    """Every pattern matches within ``PAIR_WINDOW`` characters of the first one's match."""
    for anchor in patterns[0].finditer(text):
        lo, hi = anchor.start() - PAIR_WINDOW, anchor.end() + PAIR_WINDOW
        if all(p.search(text[max(0, lo) : hi]) for p in patterns[1:]):
            return True
    return False


_REQUEST_VERB = re.compile(
    r"\b(?:how (?:to|(?:do|can|could|should|would|might) (?:i|we|you|one))|(?:can|could|would) "
    r"you|write|describe|generate|create|give me|tell me|show me|i want you to|where (?:can|do|"
    r"could) (?:i|we)|(?:what|which) (?:are|is) (?:the best|some good|good)|best ways? to|"
    r"roleplay|role-play|pretend)\b",
    _I,
)


def asks(text: str) -> bool:
    """Whether ``text`` asks for something outright (a request verb, not an answer's opener)."""
    return bool(_REQUEST_VERB.search(text))


def protective(text: str) -> bool:
    """Whether ``text`` is framed to protect, report, educate or support (and does not ask how
    to evade getting caught)."""
    return bool(_PROTECTIVE.search(text)) and not _EVASION.search(text)


def _age_under_18(match: re.Match[str]) -> bool:
    raw = next((g for g in match.groups() if g), "").lower()
    age = int(raw) if raw.isdigit() else _MINOR_WORDS.get(raw)
    return age is not None and age < 18


def _minor_spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _CHILD.finditer(text)]
    spans += [(m.start(), m.end()) for m in _AGE.finditer(text) if _age_under_18(m)]
    return spans


class _Gate:
    """Lower-case substrings, one of which a costly pattern cannot match without; testing them
    first (``in``, at C speed) spares most texts the pattern (Python's ``re`` tries every
    alternative at every word)."""

    def __init__(self, *words: str):
        self.words = words

    def opens(self, lowered: str) -> bool:
        """Whether one of the words occurs in the lower-cased text."""
        return any(word in lowered for word in self.words)


def _gate(words: str) -> _Gate:
    """A gate on ``|``-separated words."""
    return _Gate(*words.split("|"))


_APPROACH_GATE = _gate(
    # The words and phrases ``_APPROACH`` cannot match without, as specific as they can be:
    # a generic word ("tell", "meet", "find") would open the gate on most documents.
    "sext|nude|naked|undress|porn|seduc|groom|sleep with|have sex|hook up|make out|touch her|"
    "touch him|touch them|sexual|sexy|erotic|arous| me on| him on| her on|dirty|steamy|spicy|"
    "lewd|naughty|kinky|smut|make love|in bed|pics|pictures|photos|selfies|videos|alone|secret|"
    "in private|private|revealing|explicit|in person|without her|without his|without their|"
    "trust me|their trust|her trust|his trust|romantic|chat up|chatting up|privately|hit on|"
    "hitting on|pick up|picking up|find young|find little|tell your|tell her|tell his|"
    "tell their|tell anyone|her bod|his bod|their bod"
)
_MINOR_GATE = _gate(
    "child|kid|minor|under|teen|little|young|school|grader|jailbait|loli|student|pupil|step|"
    "niece|nephew|year|yo|y/o|age|(|0|1|2|3|4|5|6|7|8|9|ten|nine|eight|eleven|twelve"
)
_FORCED_GATE = _gate(
    "sex|naked|blackmail|extort|deepfake|nude|naked|intimate|porn|rape|prostitut|brothel|"
    "escort|bestial|zoophil|undress|changing room|locker room|shower|bathroom|toilet|"
    "dressing room|restroom|upskirt|creepshot|sleep with|hook up|take advantage|get lucky|"
    "in bed|remember|what we did|whatever i want|my way|compromising|pimp|explicit|traffick|"
    "fuck|screw|mating|intercourse"
)


def minor_request(text: str) -> float:
    """``MINOR_REQUEST`` when ``text`` asks for (or goes along with) a sexual approach to a
    minor, else 0."""
    lowered = text.lower()
    if not _APPROACH_GATE.opens(lowered) or not _MINOR_GATE.opens(lowered):
        return 0.0
    approaches = [(m.start(), m.end()) for m in _APPROACH.finditer(text)]
    if not approaches:
        return 0.0
    minors = _minor_spans(text)
    linked = any(
        s - WINDOW <= end and start <= e + WINDOW for start, end in approaches for s, e in minors
    )
    if not linked or not _ASK.search(text) or protective(text):
        return 0.0
    return MINOR_REQUEST


def nonconsensual(text: str) -> float:
    """``NONCONSENSUAL`` when ``text`` seeks or gives non-consensual sexual content, else 0."""
    if not _FORCED_GATE.opens(text.lower()) or not _ASK.search(text) or protective(text):
        return 0.0
    if (
        _NONCONSENSUAL.search(text)
        or _paired(text, _INCAPACITATE, _SEX_GOAL)
        or _paired(text, _AGAINST_WILL, _SEX_GOAL)
        or _paired(text, _COVERT, _FILM, _PRIVATE)
        or _paired(text, _EXTORT, _COMPROMISING)
    ):
        return NONCONSENSUAL
    return 0.0


def answers_request(text: str, user_inputs: tuple[str, ...]) -> tuple[float, float]:
    """``(minor, nonconsensual)`` scores of an answer that goes along with a user request
    scoring on either: it does not turn protective, and says something beyond its refusals
    (``Usually I can't help with that, but ... here is the start of the story`` goes along)."""
    if not user_inputs or len(text.strip()) < 40:
        return 0.0, 0.0
    minor = max((minor_request(source) for source in user_inputs), default=0.0)
    forced = max((nonconsensual(source) for source in user_inputs), default=0.0)
    if not (minor or forced) or protective(text):
        return 0.0, 0.0
    rest = without_refusals(text)
    if rest != text and len(rest.strip()) < GOES_ON_CHARS:
        return 0.0, 0.0
    return minor, forced
