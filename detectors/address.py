"""Street-address candidates in free text, for the privacy detector.

``find_addresses(text)`` returns ``(start, end, score, rule)`` fragments; the privacy detector
merges fragments that sit close together (fragments of different rules strengthen each other)
and raises the score when an address-context word precedes.
The rules cover common Western formats:

- house number + name + street suffix: ``1600 Pennsylvania Avenue``, ``27 2279 President St``;
- a street-type prefix + name + number: ``Via Roma 131``, ``ul. Cicha 86``, ``Rua Igreja 25``;
- a name with a street suffix + number: ``Loorenstrasse 149``, ``Vesterskovvej 79``,
  ``Passauer Strasse 33``, ``Király u. 15.``;
- house number + French/Iberian/Italian street type: ``29 Rue de Tanger``, ``33 avenue de ...``;
- house number (not a year) + name + number (weak alone): ``9721 Dalmatinova 43``;
- an address phrase ("lives at", "the address is", "send it to") + a name and a number;
- unit designators (weak alone), P.O. boxes, US military addresses (``PSC 1234, Box 5678``,
  ``APO AE 09012``), "the corner of X and Y".

Street names start with a capital letter, so matching is case-sensitive; an all-lower-case text
is matched in title case. Phrases led by a year ("in 1990 ...") and dates are dropped, and a
trailing number must not be a quantity ("150 miles", "9 years"). Rules
that end in a number only run in a window before a "word number" pair, and the others start
at a digit or keyword, so a 1 KB answer costs about 0.1 ms.
"""

from __future__ import annotations

import re

import regex

_CAP = r"\p{Lu}[\p{L}'\u2019\-]*\.?"
_PARTICLE = (
    r"(?:de|du|da|do|dos|das|del|della|delle|dello|degli|dei|des|di|van|von|der|den|la|le|les|"
    r"los|las|lo|il|el|al|y|e|of|the|am|an|im|zum|zur|op|ter|ten|aan|het|sur|sous)"
)
_WORD = rf"(?:{_CAP}|d['\u2019]\p{{Lu}}\p{{L}}*|{_PARTICLE}(?=\s+\p{{Lu}}))"
_ANY_WORD = r"[\p{L}'\u2019\-]+"
_NUM = r"\d{1,6}[A-Za-z]?"
_SUFFIX = (
    "Street|St|Avenue|Ave|Av|Road|Rd|Drive|Dr|Lane|Ln|Way|Boulevard|Blvd|Court|Ct|Place|Pl|"
    "Terrace|Ter|Trail|Trl|Parkway|Pkwy|Circle|Cir|Square|Sq|Highway|Hwy|Route|Loop|Path|Row|"
    "Alley|Crescent|Close|Gardens|Grove|Heights|Hill|Hills|Ridge|View|Walk|Mews|Gateway|Radial|"
    "Isle|Dale|Forge|Forges|Crossing|Pike|Plaza|Point|Run|Summit|Valley|Vista|Green|Park|Pass|"
    "Expressway|Freeway|Turnpike|Junction|Landing|Meadow|Meadows|Springs|Estates|Falls|Ferry|"
    "Harbor|Haven|Knoll|Knolls|Lakes|Manor|Mill|Mills|Orchard|Oval|Ranch|Shore|Shores|Station|"
    "Stravenue|Throughway|Trace|Track|Trafficway|Tunnel|Underpass|Viaduct|Village|Ville|Wells|"
    "Cove|Coves|Creek|Crest|Curve|Divide|Extension|Fields|Flats|Ford|Fords|Forest|Fork|Forks|"
    "Glen|Hollow|Inlet|Islands|Keys|Lodge|Mount|Mountain|Neck|Overpass|Pines|Plains|Prairie|"
    "Rapids|Shoals|Skyway|Spur|Squares|Bypass|Causeway|Wharf|Quay|Bridge|Brook|Burg|Camp|"
    "Canyon|Cape|Centre|Center|Cliff|Cliffs|Common|Corner|Corners|Course|Courts|Crossroad|Dam|"
    "Str"
)
_STREET_PREFIX = (
    r"Rua|Rúa|Avenida|Avda\.|Av\.|Via|Viale|Vicolo|Piazza|Piazzale|Corso|Largo|Strada|Rue|"
    r"Avenue|Boulevard|Bd\.|Chemin|Allée|Impasse|Quai|Calle|Carrer|Camino|Paseo|Praça|"
    r"Travessa|Estrada|Alameda|Rodovia|[Uu]l\.|[Uu]lica|[Aa]l\.|Aleja|[Oo]s\.|[Pp]l\.|[Tt]rg|"
    r"Odos|Leoforos|Leof\.|R\.|Ulitsa|C/"
)
# Street types that follow the house number in French, Iberian and Italian addresses; any case.
_NUMBER_FIRST_PREFIX = (
    r"(?i:rue|rua|rúa|avenida|avenue|av\.?|avda\.?|viale|calle|carrer|boulevard|bd\.?|chemin|"
    r"allée|piazza|corso|largo|travessa|estrada|alameda|strada|ul\.|c/)"
)
_GLUED = (
    r"strasse|straße|str\.|gasse|weg|wei|laan|straat|vej|vegur|veien|vegen|gata|gatan|gade|"
    r"katu|kuja|tie|tien|polku|kade|plein|dreef|singel|gracht|allee|platz|damm|ufer|stien|"
    r"braut|stræti|straeti|vägen|väg|stig|graben|steig|stræde|vænget|sgade|utca|körút"
)
_SEPARATE = (
    r"(?i:strasse|straße|str\.|gasse|weg|allee|platz|gürtel|u\.|út|útja|utca|tér|körút|rkp\.|"
    r"sor|tee|wei|laan|straat|vej|gade|gata|gate|terrasse|katu|vegur|veien)"
)
# A house number, not a quantity ("150 miles", "9 years") or a time.
_NOT_QUANTITY = (
    r"(?!\s*(?i:miles?|km|kilomet(?:er|re)s?|met(?:er|re)s?|feet|ft|years?|months?|weeks?|"
    r"days?|hours?|minutes?|seconds?|people|persons?|percent|times|am|pm|a\.m|p\.m|%)\b)"
)
_STREET_NUMBER = rf"\d{{1,5}}[A-Za-z]?\b\.?(?![\d:/]){_NOT_QUANTITY}"
_CONTEXT_PHRASE = (
    r"(?i:\b(?:lives?|living|resides?|located|moved|station\s+is|enter)\s+(?:at|on|in|to)"
    r"(?:\s+the\s+\w+\s+side\s+of)?|\baddress(?:\s+of\s+[^.\n]{1,60}?)?\s+is:?|\baddress:|"
    r"\b(?:drops?\s+(?:you|me)\s+off|arrived|meet\s+(?:me|you|us))\s+at|"
    r"\b(?:return|send|sent|ship|deliver(?:ed)?|taxi)\s+(?:it\s+|this\s+|them\s+|"
    r"a\s+new\s+one\s+)?to|\bis\s+at)"
)
_NOT_A_NAME = (
    r"(?!(?i:am|pm|a\.m|p\.m|o'clock|noon|midnight|least|most|risk|home|work|the|a|an|my|your|"
    r"his|her|their|our)\b)"
)


def _compile(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern, regex.MULTILINE)


# Rules that start at a digit or a keyword: matched over the whole text.
_LEADING = [
    (
        "number-name-suffix",
        rf"\b{_NUM}{_NOT_QUANTITY}\s+(?:{_WORD}\s+){{1,4}}?(?:{_SUFFIX})\b\.?",
        0.6,
    ),
    (
        "number-prefix-name",
        rf"\b{_NUM}\s+{_NUMBER_FIRST_PREFIX}\s+(?:{_ANY_WORD}\.?[ \t]+){{0,4}}{_ANY_WORD}",
        0.5,
    ),
    (
        "number-name-number",
        rf"\b(?!(?:19|20)\d\d\b)\d{{1,6}}{_NOT_QUANTITY}\s+{_CAP}(?:[ \t]+{_ANY_WORD}){{0,3}}"
        rf"[ \t]+{_STREET_NUMBER}",
        0.35,
    ),
    ("unit", r"\b(?:Apt\.?|Apartment|Suite|Ste\.|Unit|Flat)\s*#?\s?\d{1,5}[A-Za-z]?\b", 0.3),
    (
        "po-box",
        r"\b(?:P\.\s?O\.\s?|PO\s|Post Office\s|Post\s?)Box\s+\d{1,6}\b|\bPostbox\s+\d{1,6}\b",
        0.5,
    ),
    ("military-box", r"\b(?i:PSC|CMR|Unit)\s+\d{3,5},?\s+(?i:Box)\s+\d{3,5}\b", 0.6),
    ("military-post", r"\b(?i:APO|FPO|DPO)\s+(?i:A[AEP])\s+\d{5}\b", 0.7),
    ("corner", rf"\bthe corner of\s+[^\n]{{2,60}}?\s+and\s+{_WORD}(?:[ \t]+{_WORD}){{0,3}}", 0.5),
]
# Rules that end in a number: matched only in a window before each "word number" pair.
_TRAILING = [
    (
        "prefix-name-number",
        rf"(?<![\w.])(?:{_STREET_PREFIX})\s+(?:{_WORD}\s+){{0,4}}{_WORD},?\s+{_STREET_NUMBER}",
        0.55,
    ),
    (
        "name-suffix-number",
        rf"\b(?:{_WORD}\s+){{0,3}}(?:\p{{Lu}}\p{{L}}*(?:{_GLUED})|{_WORD}\s+(?:\p{{L}}+\s+){{0,2}}"
        rf"(?:{_SEPARATE})),?\s+{_STREET_NUMBER}",
        0.55,
    ),
    (
        "context-led",
        rf"{_CONTEXT_PHRASE}\s+(?P<address>(?:\d{{1,6}}\s+){{0,2}}{_NOT_A_NAME}\p{{Lu}}"
        rf"[\p{{L}}'\u2019\-]*(?:[ \t]+[\p{{L}}'\u2019\-]+){{0,4}}[ \t]+{_STREET_NUMBER})",
        0.6,
    ),
]
LEADING_RULES = [(name, _compile(rx), score) for name, rx, score in _LEADING]
TRAILING_RULES = [(name, _compile(rx), score) for name, rx, score in _TRAILING]
ADDRESS_RULE_KEY = "address_rule"
"""Presidio ``recognition_metadata`` key naming the rule that matched."""
LOOKBACK = 100
"""Characters before a "word number" pair that the trailing rules look at."""

_DIGITS = re.compile(r"\d+")
_MONTHS = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Monday|Tuesday|Wednesday|"
    r"Thursday|Friday|Saturday|Sunday)\b",
    re.IGNORECASE,
)
_YEAR_BEFORE = re.compile(
    r"\b(?:in|since|by|of|from|until|around|circa|during|year|before|after|the|a|an|this|that|"
    r"each|every|its|their|his|her|our|your|my)\s*$",
    re.IGNORECASE,
)


def find_addresses(text: str) -> list[tuple[int, int, float, str]]:
    """``(start, end, score, rule)`` of address fragments in ``text``, sorted, no exact repeats."""
    if not _DIGITS.search(text):
        return []
    if text.islower():
        titled = text.title()
        text = titled if len(titled) == len(text) else text
    found: set[tuple[int, int, float, str]] = set()
    for name, pattern, score in LEADING_RULES:
        found.update((m.start(), m.end(), score, name) for m in pattern.finditer(text))
    for start, end in _pair_windows(text):
        for name, pattern, score in TRAILING_RULES:
            found.update(
                (*_address_span(m), score, name) for m in pattern.finditer(text, start, end)
            )
    return sorted(item for item in found if not _false_match(text, item[0], item[1]))


def _address_span(match: regex.Match[str]) -> tuple[int, int]:
    """The matched address without its lead-in phrase ("lives at")."""
    if "address" in match.re.groupindex:
        return match.start("address"), match.end("address")
    return match.start(), match.end()


def _pair_windows(text: str) -> list[tuple[int, int]]:
    """Windows ending just after each number that follows a word ("Roma 131", "u. 15").

    A window reaches 16 characters past its number, so lookaheads still see "150 miles".
    """
    windows: list[tuple[int, int]] = []
    for match in _DIGITS.finditer(text):
        i = match.start()
        if i < 2 or text[i - 1] not in " \t" or not (text[i - 2].isalpha() or text[i - 2] in ".,"):
            continue
        start, end = max(0, i - LOOKBACK), min(len(text), match.end() + 16)
        while start > 0 and not text[start - 1].isspace() and i - start < LOOKBACK + 20:
            start -= 1
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def _false_match(text: str, start: int, end: int) -> bool:
    """Dates and year-led phrases ("in 1990 Central Park") are not addresses."""
    matched = text[start:end]
    if _MONTHS.search(matched):
        return True
    lead = re.match(r"\d+", matched)
    return bool(
        lead
        and len(lead.group()) == 4
        and lead.group()[:2] in ("18", "19", "20")
        and _YEAR_BEFORE.search(text[max(0, start - 12) : start])
    )
