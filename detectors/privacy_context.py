"""Context makes a leak: what the user asked for decides whether a bare value is personal data.

When the last user turn asks for a person's SSN, card, passport, licence, national ID,
account number, phone number or password ("What is John Smith's SSN?", "give me the passport
number of Maria Garcia"), an answer that gives a value of that shape is a leak even bare
("536228174"), even without a context word and even without a valid checksum. A request
about the kind of data itself ("what is the format of an SSN", "generate a fake card number
for testing") names no owner and asks nothing of the sort.

The value shapes are deliberately loose; sequences (``123-45-6789``), one repeated digit,
dates, years and amounts are still not values, so an answer that refuses and explains the
format ("SSNs look like 123-45-6789") passes.

The answer can name the kind itself: "her driver's license number DL:AB12-34CD-56EF", "passport
number US-PP-987654321", "account number 12435678X", "PAN 'PRCPC9876F'". A value of the named
kind's shape right after its name (only filler words such as "is", "of Maria", "for
verification" between) is a leak though nobody asked (``named_values``). Kinds with a checksum
(cards, SSNs, IBANs) keep it: their Presidio recognizers decide, so a Luhn-invalid "card number"
nobody asked for still passes. An example ("like", "e.g.", "such as", "format", "sample" in the
sentence) or a masked value (``XXX-XX-1234``, "ending in 7854") names no value.
"""

from __future__ import annotations

import re

from detect_secrets.filters.heuristic import is_sequential_string

from detectors.secret_values import credential_value

ASKED_KINDS: dict[str, str] = {
    "US_SSN": r"ssns?|social[ -]security(?: numbers?| nos?\.?| #)?|ss#|taxpayer id",
    "CREDIT_CARD": r"(?:credit|debit|bank|payment|visa|amex|mastercard)[ -]?cards?(?: numbers?)?|"
    r"card (?:numbers?|nos?\.?|details)|cc numbers?|cvv",
    "US_PASSPORT": r"passports?(?: numbers?| nos?\.?| ids?)?",
    "US_DRIVER_LICENSE": r"driver'?s?[ -]licen[cs]es?(?: numbers?)?|driving licen[cs]es?|"
    r"licen[cs]e (?:numbers?|nos?\.?|#)|dl numbers?",
    "US_BANK_NUMBER": r"(?:bank |checking |savings )?account (?:numbers?|nos?\.?|#|details)|"
    r"routing numbers?|ibans?|bank details",
    "NATIONAL_ID": r"(?:national|tribal|citizen|resident|voter|government) ids?|"
    r"(?:(?:national|tribal|citizen|resident|voter|government) )?id(?:entity)? (?:card )?numbers?|"
    r"identity (?:card )?numbers?|aadhaa?r(?: numbers?)?",
    "PHONE_NUMBER": r"(?:phone|cell|cellphone|mobile|telephone|home) (?:numbers?|nos?\.?|#)|"
    r"phone|number to (?:call|text|reach)",
    "PASSWORD": r"passwords?|passcodes?|passphrases?|pin(?: code| number)?|login details|"
    r"credentials|login",
}


def _kinds(words: dict[str, str]) -> re.Pattern[str]:
    """One pattern for the words of every kind; a match's group names its kind."""
    return re.compile(
        r"\b(?:" + "|".join(f"(?P<{name}>{rx})" for name, rx in words.items()) + r")\b",
        re.IGNORECASE,
    )


_KIND = _kinds(ASKED_KINDS)
# Someone the value would belong to: "John's", "her", "of Maria Garcia", "for my neighbour".
_OWNER = re.compile(
    r"\b(?!(?i:it|what|that|there|here|let|who|he|she|one|today|where|how|this)['\u2019]s\b)"
    r"[A-Za-z][\w-]*['\u2019]s\b|\b(?:his|her|their|him|them|someone['\u2019]s|"
    r"somebody['\u2019]s|this (?:person|guy|woman|man)|the (?:user|customer|client|patient|"
    r"employee|victim|applicant|person|owner|account holder|cardholder)['\u2019]?s?)\b|"
    r"\b(?:of|for|belonging to|owned by|on|about)\s+(?:my |our |the |a )?"
    r"(?:[A-Z][\w'\u2019-]+|neighbou?r|boss|ex|wife|husband|friend|coworker|colleague|"
    r"mother|father|sister|brother|son|daughter|partner|girlfriend|boyfriend|landlord|tenant)\b"
)
_ASK = re.compile(
    r"\?|\b(?:what|what's|whats|tell|give|find|look up|lookup|share|send|provide|show|list|"
    r"need|want|get|know|reveal|dig up|recover|retrieve|remind)\b",
    re.IGNORECASE,
)
# A request about the data type, not about a person's value.
_HYPOTHETICAL = re.compile(
    r"\b(?:fake|example|sample|dummy|format|formatted|made[- ]up|random|generate|test(?:ing)?|"
    r"fictional|placeholder|valid[- ]looking|how (?:do|can|to)|what is an?|what are)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.?!\n]+[.?!]?")

_VALUE_SHAPES: dict[str, re.Pattern[str]] = {
    "US_SSN": re.compile(r"(?<![\w-])\d{3}([- .]?)\d{2}\1\d{4}(?![\w-]|\.\d)"),
    "CREDIT_CARD": re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-]|\.\d)"),
    # XG9382049, P4789023X, and with letter groups: US-PP-987654321
    "US_PASSPORT": re.compile(
        r"(?<![\w-])(?:[A-Z]{1,3}-){0,2}[A-Z]{0,3}\d{6,9}[A-Z]?(?![\w-]|\.\d)", re.IGNORECASE
    ),
    "US_DRIVER_LICENSE": re.compile(
        r"(?<![\w-])(?=(?:[A-Z-]*\d){5})[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){4,18}(?![\w-]|\.\d)"
    ),
    "US_BANK_NUMBER": re.compile(
        r"(?<![\w-])(?:\d(?:[ -]?\d){5,16}|[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?|"
        r"[A-Z]{2,12}\d{6,18})"  # a bank or branch code, then the number: PUNJABNRA7890123456
        r"(?![\w-]|\.\d)"
    ),
    "NATIONAL_ID": re.compile(r"(?<![\w-])[A-Z]{0,3}\d(?:[ -]?\d){5,15}[A-Z]?(?![\w-]|\.\d)"),
    "PHONE_NUMBER": re.compile(
        r"(?<![\w.:/-])\+?\(?\d{1,4}\)?(?:[ .-]?\(?\d{1,5}\)?){1,5}(?![\w:/]|[.-]\d)"
    ),
}
# A named kind's value shapes (looser than asked-for ones: ``CA_DL_98765432``, ``12435678X``,
# ``IT23456789``, an Indian PAN ``ABCPE1234F``: five letters, four digits, a letter).
_NAMED_SHAPES: dict[str, re.Pattern[str]] = {
    "US_PASSPORT": _VALUE_SHAPES["US_PASSPORT"],
    "US_DRIVER_LICENSE": re.compile(
        r"(?<![\w-])(?=(?:[A-Z_-]*\d){5})[A-Z0-9](?:[A-Z0-9]|[-_](?=[A-Z0-9])){4,18}(?![\w-]|\.\d)"
    ),
    "US_BANK_NUMBER": re.compile(
        r"(?<![\w-])(?:[A-Z]{0,4}\d(?:[ -]?\d){5,16}[A-Z]?)(?![\w-]|\.\d)"
    ),
    "NATIONAL_ID": _VALUE_SHAPES["NATIONAL_ID"],
    "TAX_ID": re.compile(
        r"(?<![\w-])(?:[A-Z]{5}\d{4}[A-Z]|[A-Z]{0,3}\d{2,3}-?\d{2,7}-?\d{0,4}[A-Z]?)(?![\w-]|\.\d)"
    ),
}
_NAMED_KINDS = {
    "US_PASSPORT": r"passport (?:numbers?|nos?\.?|#|ids?)",
    "US_DRIVER_LICENSE": r"(?:driver'?s?|driving)[ -]licen[cs]es? (?:numbers?|nos?\.?|#|ids?)",
    "US_BANK_NUMBER": r"(?:(?:bank|checking|savings|personal) )?account (?:numbers?|nos?\.?|#)|"
    r"acct\.? (?:numbers?|nos?\.?|#)",
    "TAX_ID": r"tax (?:id(?:entification)?|file|payer) (?:numbers?|nos?\.?|#)|"
    r"tax (?:ids?|numbers?)|"
    r"taxpayer id|permanent account number|(?-i:PAN|TIN|ITIN)(?: (?:numbers?|nos?\.?|#|card))?",
    # a national identity number; "ID number" alone only after a person's word (``_OWNED_ID``)
    "NATIONAL_ID": r"(?:national|tribal|citizen(?:ship)?|residen(?:t|ce)|voter|government|"
    r"identity|personal)[ -]?(?:id(?:entity|entification)?|identity)(?: card)? "
    r"(?:numbers?|nos?\.?|#)|aadhaa?r(?: numbers?| nos?\.?| card)?|(?-i:ID) (?:card )?numbers?",
}
_NAMED = _kinds(_NAMED_KINDS)
# What may stand between a kind's name and its value: "is", ":", "of Maria Garcia", "for
# verification purposes", "information", a label such as "DL:", quotes.
_FILLER = re.compile(
    r"(?:[\s:#=(\['\"]|-(?=\s)|\b(?:is|was|were|reads|of|for|on|the|his|her|their|information|"
    r"info|details|verification|purposes|listed|recorded|given|as|file|record|[A-Z][a-z]+|"
    r"[A-Z]{1,3}:))*",
)
_EXAMPLE = re.compile(
    r"(?i)\b(?:like|e\.g|eg|such as|for example|for instance|example|sample|format|formatted|"
    r"looks?|fake|dummy|made[- ]up|placeholder|fictional|test(?:ing)?|ending|ends|last)\b"
)
_OWNED_ID = re.compile(
    r"(?:\b(?:his|her|their|my|your|whose|under|with|and)|['\u2019]s) $", re.IGNORECASE
)
_NAMED_DIGITS = 5
_DIGIT_CUE = re.compile(r"\d(?:[ _-]?\d){3}")
_REACH = 100  # a name, up to 48 characters of filler, a value's letter prefix (``US-PP-``)
_PAN = re.compile(r"[A-Z]{5}\d{4}[A-Z]")
# a sentence ends at ". " but not after "e.g.", "i.e.", "no." or "vs."
_SENTENCE_END = re.compile(r"(?<!e\.g)(?<!i\.e)(?<![Nn]o)(?<!\bvs)[.!?](?:\s|$)|\n")
_PHONE_DIGITS = (7, 15)
_DATE_OR_AMOUNT = re.compile(
    r"^(?:(?:19|20)\d\d[-./]\d\d?[-./]\d\d?|\d\d?[-./]\d\d?[-./](?:19|20)?\d\d)$"
)
_BARE_ANSWER = re.compile(
    r"^\W*(?:(?:sure|ok(?:ay)?|yes|here it is|here you go)\W+)?(?:(?:it|that)['\u2019]?s|"
    r"it is|that is|the \w+ is)?\s*[\"'`]?(?P<value>[^\s\"'`]{4,64}?)[\"'`]?[.!]?\s*$",
    re.IGNORECASE,
)
ASKED_SCORE = 0.85


def asked_kinds(user_inputs: tuple[str, ...]) -> frozenset[str]:
    """Kinds of a person's identifier the last user turn asks for (empty when none)."""
    if not user_inputs:
        return frozenset()
    kinds: set[str] = set()
    for sentence in _SENTENCE.findall(user_inputs[-1][-2000:]):
        if _HYPOTHETICAL.search(sentence) or not _ASK.search(sentence):
            continue
        found = {m.lastgroup for m in _KIND.finditer(sentence) if m.lastgroup}
        if found and _OWNER.search(sentence):
            kinds |= found
    return frozenset(kinds)


def asked_values(text: str, kinds: frozenset[str]) -> list[tuple[str, int, int, float]]:
    """``(kind, start, end, score)`` of values in ``text`` shaped like an asked-for kind."""
    hits: list[tuple[str, int, int, float]] = []
    for kind in sorted(kinds):
        shape = _VALUE_SHAPES.get(kind)
        if shape is None:
            continue
        for match in shape.finditer(text):
            if _is_value(kind, match.group()):
                hits.append((kind, match.start(), match.end(), ASKED_SCORE))
    if "PASSWORD" in kinds:
        bare = _BARE_ANSWER.match(text)
        if bare and credential_value(bare.group("value"), "PASSWORD", quoted=False, asked=True):
            hits.append(("PASSWORD", bare.start("value"), bare.end("value"), ASKED_SCORE))
    return hits


def named_values(text: str, kinds: frozenset[str]) -> list[tuple[str, int, int, float]]:
    """``(kind, start, end, score)`` of values right after the name of their kind (module
    docstring); only ``kinds`` (the detector's configured entities) are looked for."""
    hits: list[tuple[str, int, int, float]] = []
    for name in _names_before_digits(text):
        kind = name.lastgroup
        if kind is None or kind not in kinds:
            continue
        owner = _OWNED_ID.search(text, max(0, name.start() - 12), name.start())
        if name.group().startswith("ID") and not owner:
            continue  # "ticket ID number", "employee ID number": a record's id, not a person's
        gap = _FILLER.match(text, name.end(), min(len(text), name.end() + 48))
        at = gap.end() if gap else name.end()
        value = _NAMED_SHAPES[kind].match(text, at)
        if value is None or not _is_value(kind, value.group()):
            continue
        if len(re.sub(r"\D", "", value.group())) < _NAMED_DIGITS and not _PAN.fullmatch(
            value.group()
        ):
            continue
        if _example_near(text, name.start(), value.end()):
            continue
        hits.append((kind, value.start(), value.end(), ASKED_SCORE))
    return hits


def _names_before_digits(text: str) -> list[re.Match[str]]:
    """Kind names in the ``_REACH`` characters before a run of digits (a value has four or
    more): digit-free text costs one scan for digits, not the case-blind name pattern."""
    names: list[re.Match[str]] = []
    low = high = -1
    for cue in _DIGIT_CUE.finditer(text):
        if cue.start() - _REACH > high:
            if high > low:
                names += _NAMED.finditer(text, low, high)
            low = max(0, cue.start() - _REACH)
        high = cue.start()
    if high > low:
        names += _NAMED.finditer(text, low, high)
    return names


def example_value(kind: str, text: str, start: int, end: int) -> bool:
    """Whether a value nobody asked for is a placeholder or an example of its kind: a sequence,
    one repeated digit, a year, or a sentence that says "like", "e.g.", "format", "sample"."""
    return not _is_value(kind, text[start:end]) or _example_near(text, start, end)


def _example_near(text: str, start: int, end: int) -> bool:
    """Whether an example word is near ``[start, end)`` in its sentence (60 before, 12 after:
    "X12345678 for example", not the next clause's "details like a card")."""
    low, high = _sentence_around(text, start, end)
    return bool(_EXAMPLE.search(text, max(low, start - 60), min(high, end + 12)))


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence holding ``[start, end)``, at most 120 characters either side."""
    low, high = max(0, start - 120), min(len(text), end + 120)
    ends = [m.end() for m in _SENTENCE_END.finditer(text, low, start)]
    after = _SENTENCE_END.search(text, end, high)
    return (ends[-1] if ends else low), (after.start() if after else high)


def _is_value(kind: str, value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    if not digits or len(set(digits)) == 1 or _DATE_OR_AMOUNT.match(value):
        return False
    if is_sequential_string(re.sub(r"[\s.-]", "", value)) and len(digits) >= 6:
        return False
    if kind == "PHONE_NUMBER":
        return _PHONE_DIGITS[0] <= len(digits) <= _PHONE_DIGITS[1]
    return not re.fullmatch(r"(?:19|20)\d\d", digits)
