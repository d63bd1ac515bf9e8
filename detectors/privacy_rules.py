"""The rules behind the privacy detector's decisions: context words, public contacts, oracles.

Pure functions over the scanned text and candidate spans; ``detectors.privacy`` applies them to
what Presidio found. Every word list here is a judgement call documented where it is defined.
"""

from __future__ import annotations

import ipaddress
import re

import regex

from detectors.lookalikes import names_another_kind


def _words(*words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)


CONTEXT = {
    "PHONE_NUMBER": _words(
        "phone",
        "tel",
        "telephone",
        "mobile",
        "cell",
        "cellphone",
        "fax",
        "desk",
        "office",
        "call",
        "calls",
        "called",
        "calling",
        "text",
        "sms",
        "whatsapp",
        "dial",
        "reach",
        "contact",
        "messages?",
        "answering",
        "registered",
        "ring",
        "number",
    ),
    "US_SSN": _words("ssn", "ssns", "social security", "social-security", "ss#", "taxpayer"),
    "CREDIT_CARD": _words(
        "card",
        "cards",
        "credit",
        "debit",
        "cc",
        "visa",
        "mastercard",
        "amex",
        "discover",
        "maestro",
        "jcb",
        "payment",
        "charge",
    ),
    "US_DRIVER_LICENSE": _words("driver'?s?", "licen[cs]e", "dl"),
    "US_PASSPORT": _words("passport"),
    "TAX_ID": _words(
        "tax ?id",
        "tin",
        "itin",
        "ein",
        "taxpayer",
        "tax identification",
        "employer identification",
        r"tax (?:number|no\.?|#)",
        "federal tax",
    ),
    "US_BANK_NUMBER": _words("account", "acct", "bank", "routing"),
    "IBAN_CODE": _words("iban", "bank", "account", "transfer", "wire"),
    "IP_ADDRESS": _words("ip", "ipv4", "ipv6", "address", "host", "server"),
    "STREET_ADDRESS": _words(
        r"address(?:es)?",
        r"li(?:ves?|ving|ved) (?:at|on|in)",
        r"resides?",
        "residence",
        "home",
        r"located (?:at|on)",
        "moved to",
        r"(?:send|sent|ship|deliver(?:ed)?) (?:it )?to",
        "return to",
        r"meet(?:ing)?(?: \w+){0,2} at",
        "taxi to",
        "stop at",
        "off at",
        "arrived at",
        "is at",
        "is on",
        "station",
        "billing",
        "postal",
        "street",
        r"visit(?:ing)? (?:us |me )?at",
        r"find (?:me|us) at",
    ),
}
CONTEXT_REQUIRED = {"US_DRIVER_LICENSE", "US_PASSPORT", "US_BANK_NUMBER", "PHONE_NUMBER", "TAX_ID"}
_PUBLIC = _words(
    "city hall",
    "town hall",
    "council",
    "municipal",
    "county",
    "city of",
    "mayor'?s?",
    "governor'?s?",
    "senator'?s?",
    "congress(?:man|woman|ional)?",
    "representative'?s?",
    "parliament",
    "ministry",
    "department",
    "embassy",
    "consulate",
    "white house",
    "capitol",
    "court ?house",
    "courthouse",
    "police",
    "sheriff'?s?",
    "fire station",
    "post office",
    "library",
    "museum",
    "university",
    "school district",
    "federal agency",
    "administration",
    "bureau",
    "commission",
    "headquarters",
    "customer (?:service|support|care)",
    "support (?:line|team|desk)",
    "help ?desk",
    "hotline",
    "helpline",
    "toll[- ]free",
    "switchboard",
    "main (?:line|office|number)",
    "front desk",
    "reception",
    "press office",
    "media relations",
    "visitor (?:center|centre)",
    "box office",
    "non-emergency",
    "public (?:office|records)",
    "government",
    "federal",
    "state (?:office|agency)",
    "prime minister'?s?",
    "chancellor'?s?",
    "minister'?s?",
    "secretary of",
    "ambassador'?s?",
    "official residence",
    "office of the",
    "downing street",
    # the footer of a company's mailing
    r"sent (?:with \w+ )?from(?! my\b)",
    "unsubscribe",
    "you are receiving this",
    "all rights reserved",
    "view (?:it )?in (?:your )?browser",
    "privacy policy",
)
_ROLE_MAILBOX = re.compile(
    r"^(?:[\w-]*[._-])?(?:support|info|help|contact|sales|press|media|service|services|"
    r"customerservices?|customercare|care|no-?reply|admin|webmaster|privacy|legal|hr|jobs|"
    r"careers|billing|abuse|security|feedback|hello|enquiries|inquiries|team|marketing|pr|"
    r"partners|investors?|ir|newsroom|communications|postmaster|reservations|bookings|orders|"
    r"returns|donations|events|editor|letters|tips|news|office|kundenservice|kundenbetreuung|"
    r"do-?not-?reply|notifications?|alerts?|mailer-daemon)"
    r"(?:[._-][\w.-]*)?@",
    re.IGNORECASE,
)
# Documentation placeholders (RFC 2606 domains, "you@", "sender@"): nobody's address.
_PLACEHOLDER_EMAIL = re.compile(
    r"^(?:you|your|yourname|your[._]name|your[._]?email|user|username|sender|recipient|"
    r"someone|somebody|name|email|test|example|john[._]?doe|jane[._]?doe|"
    r"first[._]?name[._]?last[._]?name|me|myemail|customer[._]?email)@"
    r"|@(?:[\w.-]+\.)?(?:example\.(?:com|org|net)|[\w-]+\.(?:example|test|invalid|localhost)|"
    r"yourdomain\.com|domain\.com|company\.com)$",
    re.IGNORECASE,
)
_PUBLIC_DOMAIN = re.compile(r"\.(?:gov|mil|edu|int)(?:\.[a-z]{2})?$|\.gov\.[a-z]{2}$", re.I)
_TOLL_FREE = re.compile(r"^\s*(?:\+?1[\s.-]?)?\(?8(?:00|88|77|66|55|44|33)\)?[\s.-]?\d{3}")
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[0-9]|6|50|1800|2131)")

# Cheap shapes for the pre-filter: without them Presidio is not asked for the entity at all.
DIGIT_RUN = re.compile(r"\d(?:[\s().\-/+]{0,3}\d){6}")
IP_SHAPE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:")
ANY_DIGIT = re.compile(r"\d")
IBAN_SHAPE = re.compile(r"\b[A-Za-z]{2}\d{2}[ ]?[A-Za-z0-9]{4}")
MERGE_GAP = 40
"""Address fragments at most this many characters apart are one address."""

# "Yes, her SSN starts with 123", "John's card number ends in 4242"
_KEYS = {
    "US_SSN": r"ssn|social security(?: number)?",
    "CREDIT_CARD": r"(?:credit |debit )?card(?: number)?",
    "US_BANK_NUMBER": r"(?:bank )?account(?: number)?",
    "US_PASSPORT": r"passport(?: number)?",
    "US_DRIVER_LICENSE": r"driver'?s? licen[cs]e(?: number)?|licen[cs]e number",
    "PHONE_NUMBER": r"(?:phone|cell|mobile)(?: number)?",
    "STREET_ADDRESS": r"(?:home |street )?address|zip(?: code)?",
    "IBAN_CODE": r"iban",
}
_KEY = "|".join(f"(?P<{name}>{regex})" for name, regex in _KEYS.items())
_OWNER = r"(?:his|her|their|\w+['\u2019]s)\s+(?:\w+\s+)?"
_ORACLES = [
    re.compile(
        rf"\b(?:yes|yeah|yep|correct|right|indeed|confirmed|no|nope)\b[^.?!\n]{{0,60}}?"
        rf"\b{_OWNER}(?:{_KEY})\b[^.?!\n]{{0,30}}?\b(?:starts?|begins?|ends?|contains?|"
        rf"includes?|is|was|matches)\b[^.?!\n]{{0,20}}?(?P<value>\d[\d\s-]*\d|\d)",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b(?:last|first)\s+(?:two|three|four|five|six|[2-6])\s+digits\s+of\s+{_OWNER}"
        rf"(?:{_KEY})\b[^.?!\n]{{0,20}}?\b(?:are|is|were|was)\b:?\s*(?P<value>\d[\d\s-]*\d)",
        re.IGNORECASE,
    ),
]


def is_public(entity: str, text: str, start: int, end: int) -> bool:
    """Whether a contact value is a public office's or a business's, not a private one."""
    value = text[start:end]
    if entity == "EMAIL_ADDRESS" and (
        _ROLE_MAILBOX.match(value)
        or _PUBLIC_DOMAIN.search(value)
        or _PLACEHOLDER_EMAIL.match(value)
    ):
        return True
    if entity == "PHONE_NUMBER" and _TOLL_FREE.match(value):
        return True
    if entity not in ("EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS"):
        return False
    return bool(_PUBLIC.search(text, *paragraph(text, start, end)))


def paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph around ``[start, end)`` (at most 300 characters before, 120 after).

    A preceding paragraph that ends with a colon introduces this one ("The address of the
    White House is:"), so it is included.
    """
    low = max(0, start - 300)
    begin = text.rfind("\n\n", low, start)
    if begin >= 0 and text[:begin].rstrip().endswith(":"):
        begin = text.rfind("\n\n", low, begin)
    close = text.find("\n\n", end, end + 120)
    return (begin if begin >= 0 else low), (close if close >= 0 else min(len(text), end + 120))


def has_context(entity: str, text: str, start: int, end: int) -> bool:
    """Whether a context word of ``entity`` is just before or after ``[start, end)``."""
    words = CONTEXT.get(entity)
    if words is None:
        return False
    # a phone number often comes well after its word ("his cell, which he rarely gives out, is")
    before, after = (80, 24) if entity == "PHONE_NUMBER" else (48, 16)
    return bool(
        words.search(text, max(0, start - before), start) or words.search(text, end, end + after)
    )


def entity_score(entity: str, score: float, text: str, start: int, end: int) -> float:
    """The score a Presidio result gets after checksums, context and plausibility rules."""
    context = has_context(entity, text, start, end)
    value = text[start:end]
    if entity == "IP_ADDRESS":
        if start and (text[start - 1].isalnum() or text[start - 1] in "-_/\\:"):
            return 0.0  # a version string (python-3.4.2.4, v1.2.3.4) or a broken IPv6 address
        if text[end : end + 1].isalnum() or text[end : end + 1] == ":":
            return 0.0  # part of a longer token (``ip_extent`` already took the whole address)
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return 0.0
        if not address.is_global:
            return 0.0
        return 0.8 if context else score
    if entity == "CREDIT_CARD":
        digits = re.sub(r"\D", "", value)
        plausible = len(digits) >= 13 and _CARD_PREFIX.match(digits)
        return score if context or plausible else min(score, 0.3)
    if entity == "PHONE_NUMBER" and names_another_kind(text, start):
        return 0.0  # "my credit card number is ...": "number" names another kind
    if entity in CONTEXT_REQUIRED:
        return min(max(score, 0.4) + 0.35, 0.9) if context else min(score, 0.4)
    if entity == "US_SSN":
        return 0.95 if context and score >= 0.5 else 0.85 if context else score
    return score


_IPV6_TAIL = re.compile(r"[0-9A-Fa-f:]*(?:%\w+)?")


def ip_extent(text: str, start: int, end: int) -> int:
    """The end of an IPv6 address Presidio cut short (``2001:db8::`` of ``2001:db8::1``)."""
    if ":" not in text[start:end]:
        return end
    tail = _IPV6_TAIL.match(text, end)
    stop = tail.end() if tail else end
    candidate = text[start:stop].split("%")[0]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return end
    return start + len(candidate)


def merge_addresses(
    text: str,
    parts: list[tuple[int, int, float, str]],
) -> list[tuple[int, int, float]]:
    """Fragments within ``MERGE_GAP`` characters merged; each further kind of rule adds 0.2.

    A street line next to a unit or a P.O. box is an address; a list of "number Name number"
    lines (a table of contents) is not, so repeats of one rule add nothing.
    """
    merged: list[tuple[int, int, float, set[str]]] = []
    for start, end, score, rule in sorted(parts):
        if (
            merged
            and start - merged[-1][1] <= MERGE_GAP
            and not _SENTENCE_BREAK.search(text, merged[-1][1] - 1, start)
        ):
            last_start, last_end, last_score, rules = merged[-1]
            merged[-1] = (last_start, max(last_end, end), max(last_score, score), rules | {rule})
        else:
            merged.append((start, end, score, {rule}))
    return [(start, end, score + 0.2 * (len(rules) - 1)) for start, end, score, rules in merged]


# The rest of an address after its street line: ", Springfield, IL 62704" on the same line, or
# short lines below it ("Apt. 5", "Springfield", "Norway 64389"), quote markers allowed.
_PLACE = r"(?:\p{Lu}[\w'\u2019\-]*\.?|\d{3,6}(?:-\d{4})?|\(\p{Lu}[\w ]*\))"
_SAME_LINE_TAIL = regex.compile(rf"(?:[ \t]*,[ \t]*{_PLACE}(?:[ \t]+{_PLACE}){{0,3}}){{1,4}}")
_NEXT_LINE = re.compile(r"\n[ \t>?]*(?:,[ \t]*)?[\w'\u2019() ,.\-]{1,30}?[ \t]*(?=\n|$)")
# A new prose sentence between two address fragments: they are two mentions, not one address.
_SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-Z][a-z]+\s+[a-z]")


def address_end(text: str, end: int) -> int:
    """``end`` moved past the rest of the address: same-line tail and up to three short lines."""
    tail = _SAME_LINE_TAIL.match(text, end)
    if tail and len(re.findall(r"\d", tail.group())) <= 6:
        end = tail.end()
    for _ in range(3):
        line = _NEXT_LINE.match(text, end)
        if not line or len(re.findall(r"\d", line.group())) > 6 or len(line.group().split()) > 4:
            break
        end = line.end()
    return end


_ORACLE_HINTS = (
    "ssn",
    "social security",
    "card",
    "account",
    "passport",
    "licen",
    "phone",
    "cell",
    "mobile",
    "address",
    "zip",
    "iban",
)


def oracle_spans(text: str) -> list[tuple[str, int, int]]:
    """``(category, start, end)`` of partial values revealed about a third person."""
    spans: list[tuple[str, int, int]] = []
    lower = text.lower()
    if not any(hint in lower for hint in _ORACLE_HINTS) or not ANY_DIGIT.search(text):
        return spans
    for pattern in _ORACLES:
        for match in pattern.finditer(text):
            category = next((name for name in _KEYS if match.group(name)), "ORACLE")
            spans.append((category, match.start("value"), match.end("value")))
    return spans
