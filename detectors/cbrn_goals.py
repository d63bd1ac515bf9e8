"""Harmful goals for the ``cbrn`` detector (``detectors/cbrn_uplift.py`` scores them).

A goal is a harmful verb *and* its object, per category: building an explosive or incendiary
device (``make a bomb``); poisoning or contaminating people, water, food or drinks (``poison the
water supply``, ``put poison in her drink``); releasing or spreading a pathogen or a toxic gas on
people; mass casualties; acquiring controlled material (fissile, radioactive, select agents,
weapon precursors) illicitly; getting into, or defeating the security of, a chemical, biological
or nuclear facility. Naming a thing (``bomb shelter``, ``bath bomb``, ``water treatment``) is not
a goal. Every pattern sits behind a cheap substring gate (``_GOAL_GATES``), so a text without any
of its words costs a few substring tests.
"""

from __future__ import annotations

import functools
import re

_I = re.IGNORECASE

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
    r"(?:(?:the |a |our |their |my |his |her |your |this |that |\w+'s |(?:city|town|public|"
    r"municipal|local|school|office|community|village)\w*'?s? ){0,3}"
    r"(?:water (?:supply|supplies|system|reservoir|tank|main)s?|reservoirs?|drinking water|"
    r"wells?|food (?:supply|supplies|chain)|food|drinks?|coffee|meals?|punch(?: bowl)?|glass|"
    r"cups?|tea|wine|beer|cocktails?|soup|juice|lemonade|"
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
            rf"\b(?:poison(?:s|ed|ing)?|contaminat\w+|taint\w*|spik\w+|lac(?:e|ing)|tamper\w* "
            rf"with|put (?:poison|something|a toxin|chemicals?) (?:in|into)) {_SUPPLY}",
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
_TOXIC = (
    r"(?:poisons?|(?:a |some )?toxins?|cyanide|arsenic|thallium|strychnine|ricin|antifreeze|"
    r"rat poison|(?:a |the )?(?:lethal|deadly|fatal) (?:dose|amount)(?: of \w+)?)"
)
_MORE_GOALS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "chemical",
        re.compile(
            rf"\b(?:add|put|slip|mix|pour|drop|sneak|dissolv|stir|inject|lac|spik)\w* "
            rf"(?:[\w-]+ ){{0,3}}?{_TOXIC} (?:[\w-]+ ){{0,2}}?(?:in|into|to|with|inside) {_SUPPLY}",
            _I,
        ),
    ),
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
CYBER = re.compile(
    r"\b(?:computers?|malware|anti-?virus|software|e-?mails?|networks?|ransomware|worms?|trojans?|"
    r"code|programs?|websites?|servers?|usb|files?|hack\w*|devices? on)\b",
    _I,
)
FACILITY_KIND = re.compile(
    r"\b(?:(nuclear|enrichment|reprocessing|reactor)|(bio\w*|BSL|vaccine|containment))", _I
)

NOT_DEVICE = re.compile(
    r"\b(?:bath|seed|photo|glitter|calorie|flavou?r|cherry|stink|smoke|confetti|water|paint|"
    r"truth|love|f|dust|glitter)[- ]?bombs?\b|\b(?:is|be|was|are|'s|it|presentation|party|this|"
    r"that|outfit|song) the bomb\b|\bbombs? (?:shelters?|squads?|disposal|threats?|scares?|"
    r"sniffing|cyclones?|calorimeters?|proof|bays?|craters?)\b",
    _I,
)


_Gate = tuple[tuple[str, ...], ...]
BOMBISH = ("bomb", "explos", "ied", "detonat", "grenade", "incendiar", "molotov", "napalm")
_CONSUMED = (
    "water", "reservoir", "well", "food", "drink", "coffee", "meal", "punch", "glass", "cup",
    "tea", "wine", "beer", "cocktail", "soup", "juice", "lemonade",
)  # fmt: skip
_TOXIC_WORDS = (
    "poison", "toxin", "cyanide", "arsenic", "thallium", "strychnine", "ricin", "antifreeze",
    "lethal", "deadly", "fatal",
)  # fmt: skip
_GOAL_GATES: tuple[_Gate, ...] = (
    ((*BOMBISH, "landmine", "booby", "vest"),),
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
            "glass",
            "cup",
            "tea",
            "wine",
            "beer",
            "cocktail",
            "soup",
            "juice",
            "lemonade",
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
    (_TOXIC_WORDS, _CONSUMED),
    (("sabotag",),),
    (("steal", "stole", "smuggl", "divert"),),
    (("bomb", "explos", "ied", "grenade"), (" with ",)),
    (("bomb", "explosive", "ied"),),
)
"""Substrings (lower-case) a goal pattern cannot match without: one of each group. Checking
them first keeps the cost of a text without any of them to a few substring tests."""


def compile_words(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(word) for word in words))


_GOAL_GATE_RES = tuple(tuple(compile_words(group) for group in gate) for gate in _GOAL_GATES)


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
            kind = FACILITY_KIND.search(match.group(0))
            category = "chemical" if kind is None else "nuclear" if kind.group(1) else "biological"
        elif category == "acquire":
            kind = _ACQUIRED_KIND.search(match.group(0))
            category = "chemical" if kind is None else "nuclear" if kind.group(1) else "biological"
        if category == "biological" and CYBER.search(text):
            continue  # a computer virus
        found[category] = 1.0
    return tuple(found.items())
