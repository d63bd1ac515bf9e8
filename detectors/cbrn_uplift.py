"""Harmful goals and plain operational answers for the ``cbrn`` detector.

Lexicons of agents miss the commonest harmful answer: a compliant, step-by-step reply in
everyday words ("Sure, here is how... Step 1: gather a container, a fuse, a battery") to a
request whose *goal* is a weapon or an attack. This module reads the two halves separately:

- ``goals`` (``detectors/cbrn_goals.py``): a harmful goal stated in a request or an answer, per
  category, and ``_paired_goals``: a means (device, toxin, pathogen, nuclear material) beside a
  harmful purpose.
- ``operational``: how far a text reads as a procedure: ordered steps of any verb, sentences
  that tell the reader what to do (``Pour some into ...``, ``you would then add ...``, ``the
  way to do it is to ...``), hiding it from the victim (``so nobody tastes it``), a compliant
  opener (``Sure, here is``, ``Here's how``), everyday
  operational words (containers, wiring, timers, reservoirs, guard rotations, cameras) and
  quantities. Refusal sentences are removed
  first by the caller.

``goal_score`` turns them into a score: a short request for a goal scores ``GOAL_REQUEST``
(fiction framing without asks for detail does not count as a request); an answer scores
``goal * operational``, with the goal taken from the user's request or from the answer itself.
Educational, historical and safety framing without steps leaves ``operational`` low, so it
passes.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from detectors.cbrn_goals import BOMBISH, CYBER, FACILITY_KIND, NOT_DEVICE, compile_words, goals

GOAL_REQUEST = 0.8
"""Score of a short request that asks how to reach a harmful goal."""
MAX_REQUEST_CHARS = 600
"""Longer texts are answers, not requests."""

_I = re.IGNORECASE
_M = re.IGNORECASE | re.MULTILINE
_REQUEST = re.compile(
    r"(?:^|[.!?:]\s+|\n)\s*(?:(?:please |can you |could you |would you )?(?:how (?:to|"
    r"(?:do|can|could|would|should|might) (?:i|we|you|one|someone|a person))|"
    r"give|provide|write|list|describe|explain|tell me|show me|outline|detail|teach me|help me|"
    r"walk me through|i (?:want|need|would like|wanna) to|what(?:'s| is| are) (?:the b"
    r"est|the easiest|"
    r"the most effective|the simplest|some) (?:way|method|steps)|steps? to|instruction"
    r"s? (?:for|on|to)|guide (?:to|for|on)|"
    r"ways? to|where (?:can|do) i|what (?:do i|would i) need))",
    _M,
)
_TASK = re.compile(
    r"\b(?:(?:develop|outline|generate|instruct(?: users)?|design|draft|devise|come up with|create|"
    r"write|give|provide|make) (?:me )?(?:a |an |the )?(?:detailed )?(?:plan|guide|tutorial|"
    r"strategy|step|method|way|instructions?|how|recipe|list)|(?:what|which) \w+(?: \w"
    r"+)? (?:can|could|"
    r"should|do|would) (?:i|we)|how would (?:i|we|you|one) go about)\b",
    _I,
)
_SAFETY = re.compile(
    r"\b(?:safe(?:ly|ty)?|prevent\w*|protect\w*|defus\w+|disposal|dispose|detect\w*|"
    r"symptoms?|treat\w*|first aid|what should i do if|suspect|report\w*|how (?:are|is|do|does) "
    r"\w+ (?:protected|secured|defended|stopped))\b",
    _I,
)
_EVADE = re.compile(
    r"\b(?:without (?:it |them |anyone )?(?:being |getting )?(?:detected|caught|traced|noticed)|"
    r"undetect\w+|untrace\w+|autops\w+|toxicology|evad\w+|get away with)\b",
    _I,
)
_FICTION = re.compile(
    r"\b(?:story|novel|poem|screenplay|script|scene|fiction\w*|plot|character)\b", _I
)
_DETAIL = re.compile(
    r"\b(?:step[- ]by[- ]step|detailed|exact|specific|precise|quantities|materials|ing"
    r"redients|components|recipe)\b",
    _I,
)
_HISTORY = re.compile(
    r"\b(?:history|historical|why did|what happened|was (?:built|made|used|developed)|"
    r"were (?:built|made|used|developed)|(?:in|during) (?:world war|ww|the \d{4}s|\d{4})|"
    r"how did (?:they|people|the \w+)|(?:in|during|after|before) (?:the )?[\w ]{0,25}\bwar)\b",
    _I,
)

_OPENER = re.compile(
    r"(?:^|[.!?]\s+|\n)\s*(?:sure|certainly|absolutely|of course|okay|ok|alright|here("
    r"?:'s| is| are)|"
    r"to (?:make|build|do|create|get|poison|contaminate|access|acquire) (?:this|it|one|that)|"
    r"first(?:ly)?,|you(?:'ll| will) need|you need|what you need|the (?:basic )?steps|"
    r"follow these)\b",
    _M,
)
_DO = (
    r"(?:add|mix|combine|pour|put|place|fill|insert|attach|connect|wire|light|ignite|heat|boil|"
    r"dissolve|stir|grind|crush|pack|seal|drill|tape|wrap|obtain|acquire|buy|purchase|gather|"
    r"collect|slip|sneak|inject|spray|release|plant|hide|conceal|disguise|mask|shake|soak|"
    r"detonate|throw|aim|carry|transport|smuggle|steal|dump|drop|lace|spike|contaminate|"
    r"poison|infect|culture|grow|extract|concentrate|purify|disperse|aerosoli[sz]e|enrich|"
    r"assemble|build|make|set|trigger|bypass|disable|avoid|wait|leave|ensure|make sure)"
)
_IMPERATIVE = re.compile(rf"(?:^|[.!?:;]\s+|\n|,? then )\s*(?:\d+[.)]\s*)?{_DO}\b", _M)
"""A sentence that tells the reader to do something (``Pour some into ...``)."""
_MODAL = re.compile(
    rf"\b(?:you|one|they|i) (?:would|will|should|could|can|must|might|may|need to|have to)"
    rf"(?: (?:also|then|first|simply|just|need to|have to|want to|be able to))* {_DO}\b|"
    rf"\b(?:way|method|option|approach) (?:to [\w ]{{1,40}} )?(?:is|would be) to {_DO}\b",
    _I,
)
"""Instructions in the second person or as "the way to do it is to ..."."""
_CONCEAL = re.compile(
    r"\b(?:(?:mask|disguise|hide|cover) (?:the |its |their )?(?:taste|smell|odou?r|colou?r|"
    r"flavou?r)|(?:does not|doesn't|do not|don't|won't|will not|nobody|no one|not) (?:\w+ )?"
    r"(?:notice|taste|smell|detect|suspect)s?|(?:intended |the )victims?|unnoticed|undetected|"
    r"without (?:them|anyone|him|her|people) (?:noticing|knowing|suspecting))\b",
    _I,
)
"""Keeping the harm from its victims: only a procedure against someone needs it."""
_REDIRECT = re.compile(
    r"\b(?:harmless|non-?toxic|safe) (?:alternatives?|substances?|ingredients?|pranks?|fun|"
    r"options?|ways?)\b|\b(?:instead|rather), (?:let's|try|consider|how about)\b",
    _I,
)
"""An answer that turns the ask into a harmless alternative: its steps are not the goal's."""
_STEP_LINE = re.compile(r"^\s*(?:\(?\d{1,2}[.):]|step\s*\d+\b|[-*\u2022]\s+\S)", _M)
_INLINE_STEP = re.compile(r"(?:^|[\s:])\(?\d{1,2}[.)]\s+[a-z]", _I)
_SEQUENCE = re.compile(
    r"\b(?:first(?:ly)?|second(?:ly)?|then|next|after that|finally|once (?:it|this|tha"
    r"t|you)|step \d+)\b",
    _I,
)
_EVERYDAY = re.compile(
    r"\b(?:containers?|pipes?|end caps?|fuses?|detonators?|batter(?:y|ies)|wires?|wiring|timers?|"
    r"switch(?:es)?|nails|ball bearings|shrapnel|bottles?|jars?|lids?|tape|igniters?|triggers?|"
    r"circuits?|(?:cell |mobile )?phones? (?:as|for) (?:a )?(?:trigger|detonator)|gasoline|petrol|"
    r"fertili[sz]ers?|powders?|mixtures?|gloves|masks?|respirators?|ventilation|"
    r"(?:water )?(?:reservoirs?|intakes?|inlets?|pipelines?|tanks?|hydrants?|pumping stations?)|"
    r"dose|doses|odou?rless|tasteless|colou?rless|undetect\w+|untraceabl\w+|"
    r"guards?|(?:guard |shift )(?:rotations?|changes?|schedules?)|security cameras?|cctv|"
    r"badges?|key ?cards?|access cards?|fences?|perimeter|locks?|lock ?picks?|blind spots?|"
    r"disguise\w*|uniforms?|vents?|air ducts?|crowded|crowds?|rush hour|spray(?:er|ers)?|"
    r"aerosol\w*|culture\w*|incubat\w+)\b",
    _I,
)
_QUANTITY = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:mg|g|kg|ml|l|litres?|liters?|gallons?|grams?|kilograms?|pounds?|lbs?|"
    r"ounces?|oz|cups?|%|percent|parts?|inch(?:es)?|cm|mm|feet|ft|meters?|metres?|minutes?|hours?|"
    r"seconds?|volts?|v)\b",
    _I,
)


_PAIR_WINDOW = 90
_MEANS = {
    "explosives": re.compile(
        r"\b(?:bombs?|explosives?|explosive (?:vest|belt|device)s?|IEDs?|detonators?|grenades?|"
        r"(?:suicide|bomb|explosive) (?:vest|belt)s?|goes? boom|explod\w*|blows? up|blast\w*|"
        r"shrapnel|incendiar\w+|molotov\w*|napalm|thermite)\b",
        _I,
    ),
    "chemical": re.compile(
        r"\b(?:(?:toxic|poison(?:ous)?|deadly|lethal|nerve|chlorine|mustard|cyanide) ?gas(?:es)?|"
        r"gas|toxins?|poisons?|nerve agents?|chemical (?:weapons?|agents?)|toxic chemicals?|"
        r"cyanide|ricin|sarin|arsenic|thallium|strychnine|chemicals?)\b",
        _I,
    ),
    "biological": re.compile(
        r"\b(?:anthrax|smallpox|plague|ebola|botulinum|pathogens?|spores|bioweapons?|"
        r"biological (?:weapons?|agents?)|(?:deadly|contagious|infectious|engineered) "
        r"(?:virus|disease|bacteria|strain)s?|virus(?:es)?|bacteria)\b",
        _I,
    ),
    "nuclear": re.compile(
        r"\b(?:uranium|plutonium|polonium|fissile|radioactive (?:material|source|waste)s?|"
        r"cesium|caesium|cobalt-60|strontium-90|dirty bombs?|nuclear (?:material|bomb|device|"
        r"weapon)s?|enrichment (?:site|facility|plant)s?|reactors?|fuel rods?|nuclear fuel|"
        r"nuclear (?:power )?(?:station|plant)s?)\b",
        _I,
    ),
}
_HARM = {
    "explosives": re.compile(
        r"\b(?:make|making|build\w*|assembl\w+|creat\w+|construct\w*|put together|walkthrough|"
        r"recipe|shopping list|turn \w+ into|take out|kill\w*|hurt\w*|destroy\w*|attack\w*|"
        r"detonat\w+|plant\w*|hide|rig\w*|set off|maximi[sz]e (?:damage|casualties))\b",
        _I,
    ),
    "chemical": re.compile(
        r"\b(?:(?:on|at|against|into|in) (?:people|humans|a crowd|crowds|the crowd|my \w+|"
        r"(?:a|the) (?:mall|subway|school|office|stadium|concert|train|building))|"
        r"(?:make|making) (?:people|someone|them|him|her|my \w+) (?:sick|ill|die)|hurt\w*|"
        r"kill\w*|poison\w* (?:people|someone|him|her|them|my|the)|slip\w* (?:it |\w+ )?into|"
        r"(?:put|add|pour)\w* (?:\w+ ){0,2}(?:in|into) (?:the |my |our |their |his |her )?"
        r"(?:\w+ )?(?:coffee|food|drinks?|water|tea|meals?|lunch)|mass casualt\w+|"
        r"as many (?:people )?as possible|crowded)\b",
        _I,
    ),
    "biological": re.compile(
        r"\b(?:spread\w*|releas\w+|dispers\w+|weaponi[sz]\w+|aerosoli[sz]\w+|spray\w*|drones?|"
        r"over (?:a|an|the) (?:city|crowd|stadium|town|population)|infect (?:people|"
        r"as many|a|the)|in (?:an|a|the) (?:airport|subway|crowd|stadium|city|mall|school)|"
        r"mass casualt\w+|as many (?:people )?as possible|outbreak on purpose)\b",
        _I,
    ),
    "nuclear": re.compile(
        r"\b(?:(?:obtain|acquir|get|buy|steal|smuggl|divert)\w* [^.?!\n]{0,60}(?:without|"
        r"trac(?:e|ed|ing)|secretly|black market|dark ?web|illegal\w*)|unauthori[sz]ed "
        r"(?:entry|access)|break\w* into|sneak\w* into|get(?:ting)? past|bypass\w*|"
        r"infiltrat\w+|build\w* (?:a|an)|make (?:a|an)|steal\w*|stole)\b",
        _I,
    ),
}
_FACILITY_BREACH = re.compile(
    r"\b(?:get(?:ting)? past|bypass\w*|break\w* into|sneak\w* into|unauthori[sz]ed (?:entry|"
    r"access)|infiltrat\w+|defeat\w* (?:the )?security|get(?:ting)? into)\b[^.?!\n]{0,80}?"
    r"\b(?:(?:bio|chem\w*|research|high[- ]containment|BSL-?[34])[- ]?lab\w*|lab\w*(?='s)|"
    r"BSL-?[34]|(?:chemical|nuclear|weapons?|enrichment|pharmaceutical) (?:plant|site|facility|"
    r"facilities|depot|storage)|reactors?)[^.?!\n]{0,80}?\b(?:take|steal|grab|get|obtain|"
    r"samples?|security|badge|cameras?|guards?|unnoticed|without)",
    _I,
)


def _paired_goals(text: str) -> dict[str, float]:
    """Goals read from a means (device, toxin, pathogen, nuclear material) and a harmful
    purpose or illicit acquisition within ``_PAIR_WINDOW`` characters of each other."""
    found: dict[str, float] = {}
    lowered = text.lower()
    for category, means in _MEANS.items():
        if not _MEANS_GATE_RES[category].search(lowered):
            continue
        for match in means.finditer(text):
            if NOT_DEVICE.search(text, max(0, match.start() - 24), match.end() + 16):
                continue
            lo, hi = max(0, match.start() - _PAIR_WINDOW), match.end() + _PAIR_WINDOW
            if _HARM[category].search(text[lo:hi]):
                if category == "biological" and CYBER.search(text):
                    break
                found[category] = 1.0
                break
    breach = _FACILITY_BREACH.search(text) if _BREACH_GATE_RE.search(lowered) else None
    if breach is not None:
        kind = FACILITY_KIND.search(breach.group(0))
        category = "chemical" if kind is None else "nuclear" if kind.group(1) else "biological"
        found[category] = 1.0
    return found


_MEANS_GATES: dict[str, tuple[str, ...]] = {
    "explosives": (*BOMBISH, "explod", "boom", "blow", "blast", "shrapnel", "thermite", "vest",
                   "belt"),
    "chemical": ("gas", "toxi", "poison", "nerve", "chemical", "cyanide", "ricin", "sarin",
                 "arsenic", "thallium", "strychnine"),
    "biological": ("anthrax", "smallpox", "plague", "ebola", "botulinum", "pathogen", "spore",
                   "bioweapon", "biological", "virus", "bacteri", "disease", "strain"),
    "nuclear": ("uranium", "plutonium", "polonium", "fissile", "radioactive", "cesium", "caesium",
                "cobalt", "strontium", "dirty bomb", "nuclear", "enrichment", "reactor",
                "fuel rod"),
}  # fmt: skip
_BREACH_GATE = ("lab", "bsl", "plant", "site", "facilit", "depot", "storage", "reactor")


_MEANS_GATE_RES = {category: compile_words(words) for category, words in _MEANS_GATES.items()}
_BREACH_GATE_RE = compile_words(_BREACH_GATE)


def asks_for_goal(text: str) -> dict[str, float]:
    """The goals of ``text`` when it is a short request to reach them, else nothing. A goal read
    from a means and a purpose (``_paired_goals``) needs no request wording: a short text that
    states one is refused unless history, fiction or safety frames it."""
    if len(text) > MAX_REQUEST_CHARS:
        return {}
    paired, stated = _paired_goals(text), goals(text)
    if not paired and not stated:
        return {}
    if (_HISTORY.search(text) or _FICTION.search(text)) and not _DETAIL.search(text):
        return {}
    found = {} if _SAFETY.search(text) and not _EVADE.search(text) else paired
    if stated and (_REQUEST.search(text) or _TASK.search(text)):
        found.update(stated)
    return found


def operational(answer: str) -> float:
    """How far ``answer`` (refusals removed) reads as a procedure, in [0, 1]."""
    steps = max(len(_STEP_LINE.findall(answer)), len(_INLINE_STEP.findall(answer)))
    sequence = len({m.lower() for m in _SEQUENCE.findall(answer)})
    everyday = len({m.lower() for m in _EVERYDAY.findall(answer)})
    told = len(_IMPERATIVE.findall(answer)) + len(_MODAL.findall(answer))
    signals = (
        0.45 * min(1.0, max(steps, sequence) / 3),
        min(0.45, 0.2 * told),
        0.25 if _CONCEAL.search(answer) else 0.0,
        0.3 if _OPENER.search(answer) else 0.0,
        min(0.45, 0.12 * everyday),
        min(0.3, 0.1 * len(_QUANTITY.findall(answer))),
    )
    return 1.0 - math.prod(1.0 - s for s in signals)


def user_goals(user_inputs: tuple[str, ...]) -> dict[str, float]:
    """Harmful goals the user's inputs ask for or state; a goal only mentioned while asking how
    to stay safe, spot or report it does not count."""
    return dict(_stated_goals(user_inputs))


@lru_cache(maxsize=16)
def _stated_goals(user_inputs: tuple[str, ...]) -> dict[str, float]:
    """``user_goals``, once per request: every scan of a stream's answer asks again, and the
    request may be megabytes (the caller copies the result before changing it)."""
    stated: dict[str, float] = {}
    for source in user_inputs:
        mentioned = {} if _SAFETY.search(source) and not _EVADE.search(source) else goals(source)
        stated.update(asks_for_goal(source) or mentioned)
    return stated


def goal_scores(answer: str, text: str, user_inputs: tuple[str, ...]) -> dict[str, float]:
    """Score per category from harmful goals: a short request for one, or an answer (``answer``
    is ``text`` without refusals) that goes along with one stated in the request or itself.

    A goal the user only mentions while asking how to stay safe, spot or report it (``what
    should I do if someone put poison in my drink``) is not one the answer can go along with.
    An answer that restates the user's goal ("How to make X? Interesting question...") is not a
    request of its own: it is judged by how operational it is, and half as operational when it
    turns to harmless alternatives (``_REDIRECT``).
    """
    stated = user_goals(user_inputs)
    own = not user_inputs or any(text.strip() == source.strip() for source in user_inputs)
    requested = asks_for_goal(text if own else answer)
    scores = {category: GOAL_REQUEST for category in requested if own or category not in stated}
    stated.update(goals(answer))
    if stated and answer.strip():
        level = operational(answer) * (0.5 if _REDIRECT.search(answer) else 1.0)
        for category, weight in stated.items():
            scores[category] = max(scores.get(category, 0.0), weight * level)
    return scores
