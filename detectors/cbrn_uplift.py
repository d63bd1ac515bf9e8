"""Harmful goals and plain operational answers for the ``cbrn`` detector.

Lexicons of agents miss the commonest harmful answer: a compliant, step-by-step reply in
everyday words ("Sure, here is how... Step 1: gather a container, a fuse, a battery") to a
request whose *goal* is a weapon or an attack. This module reads the two halves separately:

- ``goals``: a harmful goal stated in a request or an answer, per category: building an
  explosive or incendiary device; poisoning or contaminating people, water or food supplies;
  releasing or spreading a pathogen or toxic gas on people; mass casualties; acquiring controlled
  material (fissile, radioactive, select agents, weapon precursors) illicitly; getting into, or
  defeating the security of, a chemical, biological or nuclear facility. Each goal needs a harmful
  verb *and* its object (``make a bomb``, ``poison the water supply``): naming a thing (``bomb
  shelter``, ``bath bomb``, ``water treatment``) is not a goal.
- ``operational``: how far a text reads as a procedure: ordered steps of any verb, a compliant
  opener (``Sure, here is``, ``Here's how``), everyday operational words (containers, wiring,
  timers, reservoirs, guard rotations, cameras) and quantities. Refusal sentences are removed
  first by the caller.

``goal_score`` turns them into a score: a short request for a goal scores ``GOAL_REQUEST``
(fiction framing without asks for detail does not count as a request); an answer scores
``goal * operational``, with the goal taken from the user's request or from the answer itself.
Educational, historical and safety framing without steps leaves ``operational`` low, so it
passes.
"""

from __future__ import annotations

import functools
import math
import re

GOAL_REQUEST = 0.8
"""Score of a short request that asks how to reach a harmful goal."""
MAX_REQUEST_CHARS = 600
"""Longer texts are answers, not requests."""

_I = re.IGNORECASE
_M = re.IGNORECASE | re.MULTILINE
_MAKE = (
    r"(?:make|making|build|building|construct\w*|assembl\w+|creat\w+|put together|rig\w"
    r"*|craft\w*|manufactur\w+|produc\w+|improvis\w+|prepar\w+|cook\w*)"
)
_DEVICE = (
    r"(?:(?:home[- ]?made |improvised |pipe |nail |car |letter |pressure[- ]cooker |"
    r"suicide |fertili[sz]er |dirty |crude |simple |small |powerful |real )?"
    r"(?:bombs?(?! shelter)(?! squad)|explosives?(?! (?:safety|detection))|explosive devices?|"
    r"IEDs?|detonators?|grenades?|incendiary devices?|fire ?bombs?|molotov(?: cocktails?)?|"
    r"napalm|landmines?|booby[- ]traps?|suicide vests?))"
)
_SUPPLY = (
    r"(?:(?:the |a |our |their |my |this |that |\w+'s |(?:city|town|public|municipal|local|"
    r"school|office|community|village)\w*'?s? ){0,3}"
    r"(?:water (?:supply|supplies|system|reservoir|tank|main)s?|reservoirs?|drinking water|"
    r"wells?|food (?:supply|supplies|chain)|food|drinks?|coffee|meals?|punch bowl|"
    r"(?:water )?treatment plant|air (?:supply|vents?|conditioning|ducts?)|ventilation"
    r"(?: system)?))"
)
_PEOPLE = (
    r"(?:people|someone|somebody|a person|my \w+|(?:the|a) (?:crowd|city|town|neighbou?rhood|"
    r"population|stadium|subway|school|building|concert)|crowds?|civilians|as many (?:people )?"
    r"as possible|him|her|them)"
)
_FACILITY = (
    r"(?:(?:chemical|nuclear|power|bio(?:logical)?|research|weapons?|government|military|"
    r"pharmaceutical|vaccine|water treatment|enrichment|reprocessing)[- ](?:power[- ])?"
    r"(?:plant|facility|facilities|lab|labs|laboratory|laboratories|site|reactor|storage|"
    r"depot|stockpile)s?|BSL-?[34](?: lab\w*)?|biosafety level[- ][34]|nuclear reactor|"
    r"(?:high|maximum)[- ]containment lab\w*|bio-?labs?)"
)
_CONTROLLED = (
    r"(?:(?:weapons?[- ]grade |enriched |highly enriched )?(?:uranium|plutonium)|fissile "
    r"material|radioactive (?:material|source)s?|cesium-137|caesium-137|cobalt-60|"
    r"select agents?|(?:a )?pathogens?|(?:deadly |dangerous )?(?:virus|bacteria|toxin)s?|"
    r"anthrax|ricin|nerve agents?|(?:chemical weapons?|explosives?|bomb[- ]making) "
    r"(?:precursors|materials|ingredients)|precursors)"
)
_GOALS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "explosives",
        re.compile(rf"\b{_MAKE} (?:(?:a|an|the|some|my|your|our|\w+) ){{0,3}}{_DEVICE}\b", _I),
    ),
    (
        "explosives",
        re.compile(
            r"\b(?:blow(?:ing)? up|bomb(?:ing)?|detonat\w+ (?:a|an|the) \w+ (?:in|at|near)|pla"
            r"nt(?:ing)? (?:a|the) (?:bomb|explosive|device)|set(?:ting)? off (?:a|an|the) (?:"
            r"bomb|explosive|device)) (?:a |an |the |my |our |their )?(?:building|school|bridg"
            r"e|car|train|bus|plane|stadium|crowd|church|mosque|synagogue|government|office|em"
            r"bassy|people|city|house|home|station|airport|mall|market|hospital)",
            _I,
        ),
    ),
    (
        "chemical",
        re.compile(
            rf"\b(?:poison\w*|contaminat\w+|taint\w*|spik\w+|lac(?:e|ing)|tamper\w* with|put (?"
            rf":poison|something|a toxin|chemicals?) (?:in|into)) {_SUPPLY}",
            _I,
        ),
    ),
    ("chemical", re.compile(rf"\bpoison\w* {_PEOPLE}", _I)),
    (
        "chemical",
        re.compile(
            r"\b(?:releas\w+|dispers\w+|spread\w*|spray\w*|pump\w*) (?:a |an |the )?(?:toxic|p"
            r"oison(?:ous)?|nerve|chlorine|deadly|lethal) (?:gas|agent|chemical|fumes?)\w* (?:"
            r"in|into|on|at|through|over)",
            _I,
        ),
    ),
    (
        "chemical",
        re.compile(
            r"\b(?:make|making|produce|producing|synthesi[sz]e|synthesi[sz]ing|create|creating"
            r") (?:a |an |some )?(?:chemical weapons?|nerve (?:agent|gas)|poison gas|toxic gas"
            r"|deadly gas|lethal gas|untraceable poison|undetectable poison)",
            _I,
        ),
    ),
    (
        "chemical",
        re.compile(
            r"\b(?:mass casualt\w+|kill (?:as many|hundreds|thousands|a lot of|lots of|many) ("
            r"?:people|civilians)?|maximum (?:casualties|lethality|number of deaths))",
            _I,
        ),
    ),
    (
        "biological",
        re.compile(
            r"\b(?:releas\w+|spread\w*|dispers\w+|disseminat\w+|weaponi[sz]\w+|aerosoli[sz]\w+"
            r") (?:a |an |the )?(?:deadly |dangerous |lethal |contagious )?(?:pathogens?|virus"
            r"\w*|bacteri\w+|diseases?|plague|anthrax|smallpox|ebola|bioweapons?|biological (?"
            r":weapons?|agents?))",
            _I,
        ),
    ),
    (
        "biological",
        re.compile(
            r"\binfect(?:ing)? (?:as many (?:people )?as possible|people|the (?:population|cit"
            r"y|public)|others|a (?:city|crowd)) (?:with|on purpose|deliberately)",
            _I,
        ),
    ),
    (
        "biological",
        re.compile(
            r"\b(?:make|making|create|creating|engineer\w*|enhanc\w+) (?:a |an )?(?:bioweapons"
            r"?|biological weapons?|(?:more )?(?:transmissible|contagious|lethal|deadly) (?:vi"
            r"rus|pathogen|strain)|pandemic (?:virus|pathogen))",
            _I,
        ),
    ),
    (
        "nuclear",
        re.compile(
            r"\b(?:make|making|build|building|assembl\w+) (?:a |an )?(?:nuclear (?:bomb|weapon"
            r"|device)|atomic bomb|dirty bomb|radiological (?:weapon|device))",
            _I,
        ),
    ),
    (
        "acquire",
        re.compile(
            rf"\b(?:acqui\w+|obtain\w*|get(?:ting)?|buy\w*|purchas\w+|steal\w*|smuggl\w+|divert"
            rf"\w*|get (?:my |our )?hands on) (?:(?:some|a|an|the|enough) )?{_CONTROLLED}\b(?=["
            rf"^.?!\n]{{0,80}}\b(?:without|illegal\w*|black market|dark ?web|undetected|unnotic"
            rf"ed|secretly|licen[cs]e|weapon|bomb|attack))",
            _I,
        ),
    ),
    (
        "facility",
        re.compile(
            rf"\b(?:break\w* into|get(?:ting)? into|sneak\w* into|infiltrat\w+|gain\w* (?:unaut"
            rf"hori[sz]ed )?(?:access|entry) (?:to|into)|trespass\w*|(?:bypass|defeat|disabl|ev"
            rf"ad|circumvent)\w* (?:the )?(?:security|guards?|alarms?|cameras?|perimeter|access"
            rf" controls?) (?:of|at|in)) (?:a |an |the )?{_FACILITY}",
            _I,
        ),
    ),
)
_MORE_GOALS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chemical", re.compile(rf"\bsabotag\w+ {_SUPPLY}", _I)),
    (
        "acquire",
        re.compile(
            rf"\b(?:steal\w*|stole|smuggl\w+|divert\w*) (?:(?:some|a|an|the) )?{_CONTROLLED}", _I
        ),
    ),
    (
        "explosives",
        re.compile(
            r"\b(?:attack\w*|target\w*|hit|strik\w+) (?:a |an |the )?[\w ]{0,30}? with "
            r"[\w ]{0,30}?(?:bombs?|explosives?|IEDs?|grenades?)\b",
            _I,
        ),
    ),
    (
        "explosives",
        re.compile(
            r"\b(?:detonat\w+|set(?:ting)? off|plant\w*|plac\w+|hid(?:e|ing)) (?:a |an |the )?"
            r"(?:bomb|explosive|explosive device|IED)s? (?:in|at|near|inside|under) (?:a |an |"
            r"the )?\w+",
            _I,
        ),
    ),
)
_ACQUIRED_KIND = re.compile(
    r"\b(?:(uranium|plutonium|fissile|radioactive|cesium|caesium|cobalt)|(pathogen|virus|bacteri"
    r"\w*|anthrax|select agent))",
    _I,
)
_CYBER = re.compile(
    r"\b(?:computers?|malware|anti-?virus|software|e-?mails?|networks?|ransomware|worms?|trojans?|"
    r"code|programs?|websites?|servers?|usb|files?|hack\w*|devices? on)\b",
    _I,
)
_FACILITY_KIND = re.compile(
    r"\b(?:(nuclear|enrichment|reprocessing|reactor)|(bio\w*|BSL|vaccine|containment))", _I
)
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


NOT_DEVICE = re.compile(
    r"\b(?:bath|seed|photo|glitter|calorie|flavou?r|cherry|stink|smoke|confetti|water|paint|"
    r"truth|love|f|dust|glitter)[- ]?bombs?\b|\b(?:is|be|was|are|'s|it|presentation|party|this|"
    r"that|outfit|song) the bomb\b|\bbombs? (?:shelters?|squads?|disposal|threats?|scares?|"
    r"sniffing|cyclones?|calorimeters?|proof|bays?|craters?)\b",
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
                if category == "biological" and _CYBER.search(text):
                    break
                found[category] = 1.0
                break
    breach = _FACILITY_BREACH.search(text) if _BREACH_GATE_RE.search(lowered) else None
    if breach is not None:
        kind = _FACILITY_KIND.search(breach.group(0))
        category = "chemical" if kind is None else "nuclear" if kind.group(1) else "biological"
        found[category] = 1.0
    return found


_Gate = tuple[tuple[str, ...], ...]
_BOMBISH = ("bomb", "explos", "ied", "detonat", "grenade", "incendiar", "molotov", "napalm")
_GOAL_GATES: tuple[_Gate, ...] = (
    ((*_BOMBISH, "landmine", "booby", "vest"),),
    (("blow", "bomb", "detonat", "plant", "set off", "setting off"),),
    (
        ("poison", "contamin", "taint", "spik", "lac", "tamper", "put "),
        (
            "water",
            "reservoir",
            "well",
            "food",
            "drink",
            "coffee",
            "meal",
            "punch",
            "treatment",
            "air",
            "ventilation",
        ),
    ),
    (("poison",),),
    (("gas", "agent", "chemical", "fume"),),
    (("chemical weapon", "nerve", "gas", "poison"),),
    (("casualt", "kill", "lethality", "number of deaths"),),
    (
        (
            "pathogen",
            "virus",
            "bacteri",
            "disease",
            "plague",
            "anthrax",
            "smallpox",
            "ebola",
            "bioweapon",
            "biological",
        ),
    ),
    (("infect",),),
    (
        (
            "bioweapon",
            "biological weapon",
            "transmissible",
            "contagious",
            "lethal",
            "deadly",
            "pandemic",
        ),
    ),
    (("nuclear", "atomic", "dirty bomb", "radiological"),),
    (
        (
            "uranium",
            "plutonium",
            "fissile",
            "radioactive",
            "cesium",
            "caesium",
            "cobalt",
            "select agent",
            "pathogen",
            "virus",
            "bacteri",
            "toxin",
            "anthrax",
            "ricin",
            "nerve agent",
            "precursor",
        ),
    ),
    (
        (
            "plant",
            "facilit",
            "lab",
            "site",
            "reactor",
            "bsl",
            "biosafety",
            "storage",
            "depot",
            "stockpile",
        ),
        (
            "break",
            "get",
            "sneak",
            "infiltrat",
            "gain",
            "trespass",
            "bypass",
            "defeat",
            "disabl",
            "evad",
            "circumvent",
        ),
    ),
    (("sabotag",),),
    (("steal", "stole", "smuggl", "divert"),),
    (("bomb", "explos", "ied", "grenade"), (" with ",)),
    (("bomb", "explosive", "ied"),),
)
"""Substrings (lower-case) a goal pattern cannot match without: one of each group. Checking
them first keeps the cost of a text without any of them to a few substring tests."""
_MEANS_GATES: dict[str, tuple[str, ...]] = {
    "explosives": (*_BOMBISH, "explod", "boom", "blow", "blast", "shrapnel", "thermite", "vest",
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


def _compile(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(word) for word in words))


_GOAL_GATE_RES = tuple(tuple(_compile(group) for group in gate) for gate in _GOAL_GATES)
_MEANS_GATE_RES = {category: _compile(words) for category, words in _MEANS_GATES.items()}
_BREACH_GATE_RE = _compile(_BREACH_GATE)


def goals(text: str) -> dict[str, float]:
    """Harmful goals stated in ``text``: category -> 1.0."""
    return dict(_goals(text))


@functools.lru_cache(maxsize=64)
def _goals(text: str) -> tuple[tuple[str, float], ...]:
    found: dict[str, float] = {}
    lowered = text.lower()
    for (category, pattern), gate in zip(_GOALS + _MORE_GOALS, _GOAL_GATE_RES, strict=True):
        if not all(word.search(lowered) for word in gate):
            continue
        match = next((m for m in pattern.finditer(text) if not NOT_DEVICE.search(m.group(0))), None)
        if match is None:
            continue
        if category == "facility":
            kind = _FACILITY_KIND.search(match.group(0))
            category = "chemical" if kind is None else "nuclear" if kind.group(1) else "biological"
        elif category == "acquire":
            kind = _ACQUIRED_KIND.search(match.group(0))
            category = "chemical" if kind is None else "nuclear" if kind.group(1) else "biological"
        if category == "biological" and _CYBER.search(text):
            continue  # a computer virus
        found[category] = 1.0
    return tuple(found.items())


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
    signals = (
        0.45 * min(1.0, max(steps, sequence) / 3),
        0.3 if _OPENER.search(answer) else 0.0,
        min(0.45, 0.12 * everyday),
        min(0.3, 0.1 * len(_QUANTITY.findall(answer))),
    )
    return 1.0 - math.prod(1.0 - s for s in signals)


def goal_scores(answer: str, text: str, user_inputs: tuple[str, ...]) -> dict[str, float]:
    """Score per category from harmful goals: a short request for one, or an answer (``answer``
    is ``text`` without refusals) that goes along with one stated in the request or itself."""
    scores = {category: GOAL_REQUEST for category in asks_for_goal(text)}
    stated: dict[str, float] = {}
    for source in user_inputs:
        stated.update(asks_for_goal(source) or goals(source))
    stated.update(goals(answer))
    if stated and answer.strip():
        level = operational(answer)
        for category, weight in stated.items():
            scores[category] = max(scores.get(category, 0.0), weight * level)
    return scores
