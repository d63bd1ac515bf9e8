"""Numbers that look like personal identifiers but are not: part numbers, SKUs, order ids, ISBNs,
dates, version strings.

``is_lookalike(text, start, end)`` is asked about a phone-, SSN-, card-, passport-, licence- or
account-shaped candidate that nobody asked for. It is a look-alike when

- a catalogue or commerce label leads it ("part no.", "P/N", "SKU", "item", "model",
  "order", "invoice", "tracking", "ticket", "case", "ref", "serial", "ISBN", "version" ...)
  and no word of a personal kind ("phone", "SSN", "card", "passport", "account") is closer;
- it is a valid ISBN-10/13 (checksum) with "ISBN" near or a 978/979 prefix;
- (for phone numbers) the words before it name another kind ("my credit card number is ...");
- it is a date, a time range, a version string (``v2.3.1``, ``1.24.3-1``), or carries letters
  glued to the digits the way product codes do (``AB-1234-567``, ``X200-445-1021``).
Presidio's context-word idea, inverted: these words lower the score instead of raising it.
"""

from __future__ import annotations

import re

_LABEL = re.compile(
    r"(?i)\b(?:part|parts|p/n|pn|part\s*(?:no|num|number|#)|sku|skus|upc|ean|gtin|asin|mpn|"
    r"item|items|model|models|catalog(?:ue)?|cat\.?\s*no|product|article|art\.?\s*no|"
    r"order|orders|invoice|receipt|tracking|shipment|package|parcel|waybill|confirmation|"
    r"booking|reservation|ticket|case|incident|issue|bug|ref|reference|ticket|claim|batch|"
    r"lot|serial|s/n|sn|firmware|version|build|release|revision|rev|patch|isbn|issn|doi|"
    r"edition|page|pages|chapter|section|figure|table|room|flight|train|route|bus|gate|"
    r"seat|store|branch|zip|postcode|transaction|txn|job|run|request|req|id)\b"
    r"[\s.:#/-]*(?:(?:no|num|number|nr|id|code|#)\b\.?[\s.:#-]*)?$"
)
_PERSONAL = re.compile(
    r"(?i)\b(?:phone|tel|telephone|mobile|cell|fax|call|text|whatsapp|ssn|social security|"
    r"card|credit|debit|passport|licen[cs]e|account|acct|iban|routing)\b"
)
_LEAD = 40
# "number" is a phone context word, unless the number is someone's card, SSN, passport ...
_OTHER_KIND = re.compile(
    r"(?i)\b(?:card|credit|debit|ssn|social security|passport|licen[cs]e|account|acct|iban|"
    r"routing|tax|tin|ein|id|identification|member|policy|patient|employee|customer|student|"
    r"case|order|invoice|serial)\b"
)
_PHONE_WORD = re.compile(
    r"(?i)\b(?:phone|tel|telephone|mobile|cell|cellphone|fax|call|calls|called|calling|text|"
    r"sms|whatsapp|dial|reach|contact|ring)\b"
)
_DATE = re.compile(
    r"^(?:(?:19|20)\d\d[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./](?:19|20)?\d\d|"
    r"(?:19|20)\d\d\s?[-/]\s?(?:19|20)?\d\d|\d{1,2}:\d\d\s?[-\u2013]\s?\d{1,2}:\d\d)$"
)
_VERSION = re.compile(r"(?i)(?:\bv|version\s*|release\s*|\d\.)\Z")


def isbn_valid(digits: str) -> bool:
    """Whether ``digits`` (10 or 13 characters, a trailing X allowed in ISBN-10) is an ISBN."""
    if len(digits) == 10 and re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if len(digits) == 13 and digits.isdigit() and digits[:3] in ("978", "979"):
        total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(digits))
        return total % 10 == 0
    return False


def is_lookalike(text: str, start: int, end: int) -> bool:
    """Whether the identifier-shaped ``text[start:end]`` is a code, date or ISBN instead."""
    value = text[start:end]
    lead = text[max(0, start - _LEAD) : start]
    label = _LABEL.search(lead)
    if label and not _PERSONAL.search(lead, label.end()):
        return True
    compact = re.sub(r"[\s-]", "", value).upper()
    if isbn_valid(compact) and (
        len(compact) == 13 or re.search(r"(?i)\bisbn", text[max(0, start - 30) : start])
    ):
        return True
    if _DATE.match(value.strip()):
        return True
    if _VERSION.search(text[max(0, start - 9) : start]) or (
        text[end : end + 1] == "." and (text[end + 1 : end + 2].isdigit())
    ):
        return True
    # letters glued to the digits: a product code (XR2000-445-1021, AB-1234-567)
    before = text[start - 1 : start]
    return before.isalpha() or (before in ("-", "/") and text[start - 2 : start - 1].isalpha())


def names_another_kind(text: str, start: int) -> bool:
    """Whether the words before a phone-shaped number name another kind and no phone word."""
    lead = max(0, start - 48)
    return bool(_OTHER_KIND.search(text, lead, start)) and not _PHONE_WORD.search(text, lead, start)
