"""Evidence for the ``cbrn`` detector: what the lexicon, the actionability patterns and the
harmful-goal reading (``detectors.cbrn_uplift``) find in one exchange, and the heuristic score
per category it gives. How the pieces combine is described in ``detectors.cbrn``'s docstring
(parts a, b and d); the classifier (part c) lives there too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from detectors.cbrn_goals import NOT_DEVICE
from detectors.cbrn_uplift import goal_scores, user_goals
from detectors.lexicons import Hit, load

MAX_REQUEST_CHARS = 500
"""Longer texts are answers, not requests."""
REQUEST_BASE = 0.7
"""``R`` of a plain request naming an agent or device."""
REQUEST_BASE_WEAK = 0.6
"""``R`` of a plain request naming only a precursor or a generic word (below threshold)."""
COMPLIANCE_NAMED = 0.9
"""Score of an answer that goes along with a harmful intent and names what to use."""
COMPLIANCE_VAGUE = 0.4
"""Score of one that goes along without naming anything (the classifier decides)."""

_TIER = {"agent": 1.0, "precursor": 0.8, "generic": 0.7}
_I = re.IGNORECASE
_M = re.IGNORECASE | re.MULTILINE

_REFUSAL = re.compile(
    r"\b(?:i(?:'m| am) (?:sorry|unable|not able)|i (?:can(?:no|')t|cannot|won't|will not|must "
    r"decline)|(?:can(?:no|')t|cannot|won't|unable to) (?:assist|help|provide|fulfil|comply|"
    r"support|condone|engage)|not (?:able|going) to (?:help|provide|answer)|against (?:my|our|"
    r"openai's) (?:\w+ )?(?:guidelines|policies|policy)|as an ai)\b",
    _I,
)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
_STEP = re.compile(
    r"^\s*(?:\(?\d{1,2}[.):]|step\s*\d+[.:,]?|[-*\u2022])\s*(?:\*\*)?(?:[\w ]{0,30}:\s*)?"
    r"(?:\*\*)?\s*(\w+)",
    _M,
)
_STEP_PROSE = re.compile(r"\bstep\s*\d+\s*[,:.]?\s*(?:i\s+will\s+|you\s+)?(\w+)", _I)
_PRODUCTION_VERBS = frozenset(
    (
        "mix",
        "mixing",
        "combine",
        "add",
        "adding",
        "heat",
        "heating",
        "warm",
        "boil",
        "reflux",
        "stir",
        "dissolve",
        "distil",
        "distill",
        "distilling",
        "condense",
        "filter",
        "evaporate",
        "crystallise",
        "crystallize",
        "recrystallise",
        "recrystallize",
        "purify",
        "extract",
        "grind",
        "mill",
        "dry",
        "cool",
        "chill",
        "react",
        "synthesise",
        "synthesize",
        "prepare",
        "pour",
        "titrate",
        "neutralise",
        "neutralize",
        "culture",
        "grow",
        "incubate",
        "inoculate",
        "harvest",
        "centrifuge",
        "concentrate",
        "aerosolise",
        "aerosolize",
        "disperse",
        "spray",
        "weaponise",
        "weaponize",
        "enrich",
        "pack",
        "fill",
        "seal",
        "attach",
        "connect",
        "wire",
        "insert",
        "ignite",
        "detonate",
        "assemble",
        "drill",
        "cap",
        "obtain",
        "acquire",
        "buy",
        "order",
        "purchase",
        "steal",
        "gather",
        "collect",
        "source",
        "isolate",
        "transfect",
        "passage",
        "amplify",
        "clone",
        "place",
        "plant",
        "release",
    )
)
_QUANTITY = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:mg|g|kg|\u00b5g|ug|mcg|ml|l|litres?|liters?|mol|mmol|moles?|m|"
    r"%|\u00b0\s?[cf]|degrees?|k|psi|bar|atm|rpm|ppm|nm|\u00b5m|microns?|mm|cm|kda|"
    r"grams?|kilograms?|milligrams?|millilit(?:re|er)s?|ounces?|oz|lbs?|pounds?|cups?|"
    r"tablespoons?|teaspoons?|drops?|hours?|hrs?|minutes?|mins?)(?![\w])",
    _I,
)
_CONDITION = re.compile(
    r"\b(?:reflux\w*|under (?:nitrogen|argon|vacuum|inert)|inert atmosphere|room temperature|"
    r"dropwise|anhydrous|distill\w*|catalys[te]\w*|ph of \d|yield\w*|recrystalli\w+|"
    r"incubat\w+|centrifug\w+|aerosoli[sz]\w*|lyophili[sz]\w*|particle size|growth medium|"
    r"culture medium|agar|serial passag\w+|transfect\w*|plasmid|enrich\w* to|detonat\w+|"
    r"initiator|fuse|ignit\w+|shrapnel|airtight|pressuri[sz]\w+|stoichiometr\w+|molar ratio|"
    r"exotherm\w*|precipitat\w+|fermentat\w+|spore\w*|virulen\w+|purity)\b",
    _I,
)
_EQUIPMENT = re.compile(
    r"\b(?:(?:round[- ]bottom(?:ed)? |erlenmeyer |three[- ]neck(?:ed)? )?flask|condenser|"
    r"separatory funnel|fume hood|glove ?box|schlenk|rotary evaporator|rotovap|heating mantle|"
    r"hot plate|thermometer|fermenter|bioreactor|incubator|biosafety cabinet|centrifuge|"
    r"spray dryer|nebuli[sz]er|atomi[sz]er|crop duster|pressure cooker|end caps?|"
    r"(?:pvc|steel|metal|galvani[sz]ed) pipe|ball bearings|nails|blasting cap|detonator|"
    r"timer|battery|reactor vessel|autoclave|petri dish(?:es)?|pipette)\b",
    _I,
)
_ACQUISITION = re.compile(
    r"\b(?:without (?:getting |being )?(?:detect\w*|caught|traced|noticed|discovered|"
    r"arousing suspicion|raising suspicion|suspicion|a licen[cs]e)|untraceabl\w+|"
    r"undetect\w+|evad\w+ (?:\w+ )?(?:filter\w*|screening|detection|controls?)|"
    r"bypass\w* (?:\w+ )?(?:screening|filter\w*|export controls?|controls?|regulations?)|"
    r"dark ?web|black market|smuggl\w+|take time to discover)\b",
    _I,
)
_CLINICAL = re.compile(
    r"\b(?:treatment|treat|patients?|doses?|dosage|intravenous\w*|(?-i:IV|IM)|intramuscular\w*|"
    r"antidote|atropine|pralidoxime|decontaminat\w+|hospital|physician|doctor|vaccin\w+|"
    r"symptoms?|diagnos\w+|first aid|poison control|emergency services)\b",
    _I,
)
_INTENT = re.compile(
    r"\b(?:make (?:someone|somebody|a person|people|him|her|them|my \w+) (?:ill|sick)|"
    r"poison(?:ing)? (?:someone|somebody|a person|people|my|your|his|her|him|them|the water|"
    r"a community|food|drinks?|the \w+ supply)|"
    r"maximum (?:damage|casualties|harm|lethality)|mass casualt\w+|increase (?:its|their|the) "
    r"lethality|incite (?:a )?riots?|nefarious|untraceable poison|"
    r"undetectable poison|without (?:them|him|her) (?:knowing|noticing)|"
    r"(?:ill|sick) but not (?:kill|dead|die))",
    _I,
)
_REQUEST = re.compile(
    r"(?:^|[.!?]\s+)(?:how (?:do|can|could|would|should|to) (?:i|we|you|one|someone)|"
    r"(?:give|provide|write|list|describe|explain|tell me|show me|create|brainstorm|suggest|"
    r"convert|transform|detail|outline|teach me|help me)\b|what(?:'s| is| are) (?:the best|"
    r"some|the easiest|the most)|where (?:can|do) i|which \w+ (?:can|could|should) i|i want to)",
    _M,
)
_PRODUCE = re.compile(
    r"\b(?:mak\w*|build\w*|synthesi[sz]\w*|produc\w*|manufactur\w*|extract\w*|obtain\w*|"
    r"acqui\w+|purchas\w*|buy\w*|grow\w*|cultur\w*|weaponi[sz]\w*|enhanc\w*|aerosoli[sz]\w*|"
    r"dispers\w*|releas\w*|detonat\w*|set off|plac\w+|plant\w*|poison\w*|compromis\w*|"
    r"leak\w*|smuggl\w*|evad\w*|bypass\w*|pack\w*|increas\w*|use|using|recipes?|"
    r"instructions|steps?|precursors?|ingredients|components|prepar\w*|cook\w*|obtain)\b",
    _I,
)
_DETAIL = re.compile(
    r"\b(?:detailed|step[- ]by[- ]step|specific proportions|exact|recipes?|ingredients|"
    r"components|materials|quantities|list all|five ways|at home|household|home[- ]?made|"
    r"common (?:home|household)|everyday items|lying around|from scratch|easily obtained|"
    r"easy to make)\b",
    _I,
)
_COMPLIANCE = re.compile(
    r"\b(?:the best (?:poison|way|option|substance|choice|approach|method)\b[^.]{0,80}?\b(?:is|"
    r"would be|depends?|would depend)|there are (?:a few|several|various|some|many|numerous|a "
    r"number of|plenty of) (?:\w+ ){0,2}(?:options|substances|ways|poisons|toxins|chemicals|"
    r"methods|things)|one (?:option|possibility|way|such substance|method)|you (?:could|can|"
    r"might) (?:try|use|consider|add)|one (?:could|can|might) (?:try|use|add|mix|put)|one "
    r"(?:possible |simple |easy )?(?:option|way|method) (?:to [\w ]{1,40} )?(?:is|would be)|"
    r"consider(?:ing)? (?:using|a |substances)|(?:i'd|i would|"
    r"i) (?:suggest|recommend)|(?:some )?examples "
    r"include|options (?:include|are)|(?:a|the) (?:concoction|combination|mixture) of)\b",
    _I,
)
_NAMED_SUBSTANCE = re.compile(
    r"\b(?:chemicals?|medications?|medicines?|drugs?|plants?|mushrooms?|laxatives?|ipecac|"
    r"toxins?|neurotoxins?|cleaning products|pesticides?|household \w+|spoiled food|"
    r"expired food|contaminated|bacteria)\b",
    _I,
)
_ECHOED = frozenset({"poison", "poisons"})
"""Words a compliant answer shares with the question; they name nothing by themselves."""
_HARMLESS = re.compile(r"\b(?:harmless|purely fictional|fictional (?:poison|potion))\b", _I)
_BOMB_VERB = re.compile(r"\s+(?:the|a|an|my|your|it|this|that|our|their)\b", _I)


@dataclass(frozen=True, slots=True)
class CbrnEvidence:
    """What the lexicon and the actionability patterns found in one exchange."""

    hazard: dict[str, float]
    """Hazard weight ``H`` per category (absent: nothing named)."""
    actionability: float
    """``A`` in [0, 1], read from the non-refusal part of the text."""
    request: float
    """For a short request to produce, obtain or use: its boosts in (0, 1]; else 0."""
    intent: bool
    """The user's input or the text states an intent to poison or hurt someone."""
    compliance: float
    """How far the non-refusal part goes along with such an intent, in [0, 1]."""
    goals: dict[str, float] = field(default_factory=dict)
    """Scores from harmful goals (``detectors/cbrn_uplift.py``): a request for one, or an
    operational answer to one, per category."""

    @property
    def anything(self) -> bool:
        """Whether the classifier is worth consulting."""
        return bool(self.hazard) or self.intent or bool(self.goals)


def _hazards(hits: list[Hit], text: str) -> dict[str, float]:
    hazard: dict[str, float] = {}
    for hit in hits:
        category, tier = hit.section.split(".", 1)
        if hit.term.lower() == "bomb" and _BOMB_VERB.match(text, hit.end):
            continue  # "bomb the test": a verb, not a device
        if hit.term.lower().startswith("bomb") and NOT_DEVICE.search(
            text, max(0, hit.start - 24), hit.end + 16
        ):
            continue  # "bath bomb", "photo bomb", "bomb shelter"
        hazard[category] = max(hazard.get(category, 0.0), _TIER[tier])
    return hazard


def _answer_text(text: str) -> str:
    """``text`` without the sentences that refuse."""
    return " ".join(
        sentence for sentence in _SENTENCE.findall(text) if not _REFUSAL.search(sentence)
    )


def _steps(text: str) -> int:
    verbs = [m.group(1).lower() for m in _STEP.finditer(text)]
    verbs += [m.group(1).lower() for m in _STEP_PROSE.finditer(text)]
    return sum(verb in _PRODUCTION_VERBS for verb in verbs)


def _actionability(answer: str) -> float:
    """``A`` (module docstring, b); halved in clinical text, whose doses are not recipes."""
    quantities = len(_QUANTITY.findall(answer))
    signals = (
        0.5 * min(1.0, _steps(answer) / 3),
        0.4 if quantities >= 2 else 0.15 * quantities,
        min(0.45, 0.15 * len(set(m.lower() for m in _CONDITION.findall(answer)))),
        min(0.45, 0.15 * len(set(m.lower() for m in _EQUIPMENT.findall(answer)))),
        0.5 if _ACQUISITION.search(answer) else 0.0,
    )
    clinical = 0.5 if len(set(m.lower() for m in _CLINICAL.findall(answer))) >= 2 else 1.0
    return clinical * (1.0 - math.prod(1.0 - s for s in signals))


def _request(text: str, intent: bool) -> float:
    """How strongly ``text`` asks for detail (boosts), or 0 when it is not a request."""
    if len(text) > MAX_REQUEST_CHARS or not _REQUEST.search(text) or not _PRODUCE.search(text):
        return 0.0
    boosts = 0.5 * len(_DETAIL.findall(text)) + 0.5 * bool(_ACQUISITION.search(text))
    return min(1.0, boosts + 0.5 * intent) + 1e-9


def _request_weight(hazard: float, boosts: float) -> float:
    """``R``: a named agent needs no more than the ask; a precursor or generic word needs one
    sign of detail, home production, evasion or harm (fertiliser questions are not requests for
    a bomb)."""
    base = REQUEST_BASE if hazard >= 1.0 else REQUEST_BASE_WEAK
    return base + (1.0 - base) * boosts


def _compliance(answer: str) -> float:
    if not _COMPLIANCE.search(answer) or _HARMLESS.search(answer):
        return 0.0
    named = _NAMED_SUBSTANCE.search(answer) or any(
        hit.term.lower() not in _ECHOED for hit in load("cbrn").find(answer)
    )
    return COMPLIANCE_NAMED if named else COMPLIANCE_VAGUE


def _asks_for_hazard(source: str) -> bool:
    """Whether a user input is itself a request that would be refused (``H * R`` >= 0.5)."""
    if len(source) > MAX_REQUEST_CHARS:
        return False
    hits = load("cbrn").find(source)
    boosts = _request(source, bool(_INTENT.search(source))) if hits else 0.0
    if not boosts:
        return False
    return any(
        weight * _request_weight(weight, boosts - 1e-9) >= 0.5
        for weight in _hazards(hits, source).values()
    )


@lru_cache(maxsize=16)
def _request_intent(user_inputs: tuple[str, ...]) -> bool:
    """Whether the request states harmful intent, asks for a hazard or states a harmful goal:
    once per request, however often its answer is scanned."""
    return (
        any(_INTENT.search(source) for source in user_inputs)
        or any(_asks_for_hazard(source) for source in user_inputs)
        or bool(user_goals(user_inputs))
    )


def cbrn_evidence(text: str, user_inputs: tuple[str, ...] = ()) -> CbrnEvidence:
    """Lexical and structural evidence about ``text`` and the request it answers."""
    hits = load("cbrn").find(text)
    intent = bool(_INTENT.search(text)) or _request_intent(user_inputs)
    answer = _answer_text(text)
    goals = {c: s for c, s in goal_scores(answer, text, user_inputs).items() if s > 0}
    if not hits and not intent:
        return CbrnEvidence({}, 0.0, 0.0, False, 0.0, goals)
    return CbrnEvidence(
        hazard=_hazards(hits, text),
        actionability=_actionability(answer) if hits else 0.0,
        request=_request(text, intent) if hits else 0.0,
        intent=intent,
        compliance=_compliance(answer) if intent else 0.0,
        goals=goals,
    )


def rule_scores(ev: CbrnEvidence) -> dict[str, float]:
    """Heuristic score per category (module docstring, a and b)."""
    scores = {
        category: weight
        * max(
            ev.actionability,
            _request_weight(weight, ev.request - 1e-9) if ev.request else 0.0,
        )
        for category, weight in ev.hazard.items()
    }
    if ev.intent and ev.compliance:
        named = max(ev.hazard, key=lambda c: ev.hazard[c]) if ev.hazard else "chemical"
        scores[named] = max(scores.get(named, 0.0), ev.compliance)
    for category, score in ev.goals.items():
        scores[category] = max(scores.get(category, 0.0), score)
    if ev.anything and not scores:
        scores["chemical"] = 0.0
    return scores
