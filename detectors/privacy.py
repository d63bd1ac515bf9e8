"""``privacy``: personal data in an answer (MODEL-SPEC §2, "Protect people's privacy").

Presidio finds candidates (``detectors.privacy_recognizers``: pattern recognizers, no model by
default); this module decides which of them count:

- **Pre-filter.** Presidio costs ~1-2 ms per short text and ~15-20 ms per KB, so the analyzer is
  asked only for entities that have a cheap candidate (a 7-digit run for numbers, ``@`` for
  e-mail, a dotted quad for IPs, a digit for addresses); text without any skips it entirely.
- **Checksums.** Cards must pass Luhn, IBANs mod-97 (a Luhn-invalid order number passes).
- **Context.** Weak shapes (phone-like digits, driver's licence, passport, bank account numbers)
  count only next to a context word ("phone", "mobile", "licence" ...); an SSN-shaped number or
  a card number is stronger with one. Address fragments close to each other merge into one
  finding, and an address-context word ("lives at", "address", "send it to") raises the score.
- **Public contacts pass.** Phone numbers, e-mail addresses and street addresses in a sentence
  about a public office or a company's service line ("city hall", "embassy", "customer
  service", "hotline" ...), role mailboxes (``support@``, ``info@``), government domains and
  toll-free numbers are not private data. A plain "office" is not enough: it is on every
  personal signature.
- **Supplied data passes** (transformation exception): a value that occurs in the request's
  user inputs, ignoring case and separators, is exempt (``detectors.provenance``).
- **Oracles fire.** Confirming or partially revealing a third person's private value ("Yes, her
  SSN starts with 123", "the last four digits of his card are 4242") is a finding too.

Categories are entity names (``US_SSN``, ``CREDIT_CARD``, ``STREET_ADDRESS`` ..., ``ORACLE``
when an oracle names no entity); by default contact data is redacted and identifiers refused.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import field_validator, model_validator

from detectors.base import CategoryPolicy, DetectorConfig, ScanContext
from detectors.findings import Finding
from detectors.provenance import SuppliedText

if TYPE_CHECKING:
    from presidio_analyzer import RecognizerResult

PATTERN_ENTITIES = (
    "CREDIT_CARD", "US_SSN", "IBAN_CODE", "EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS",
    "US_PASSPORT", "US_DRIVER_LICENSE", "US_BANK_NUMBER", "STREET_ADDRESS",
)
"""Entities found without any model."""
NER_ENTITIES = ("PERSON", "LOCATION")
"""Entities that need ``spacy_model``."""
DEFAULT_CATEGORIES = {
    name: CategoryPolicy(action="redact")
    for name in ("EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "IP_ADDRESS")
}
"""Contact data is redacted; identifiers and financial numbers use the detector's action."""


class PrivacyConfig(DetectorConfig):
    """Settings of the ``privacy`` detector."""

    entities: tuple[str, ...] = PATTERN_ENTITIES
    """Entities to look for (``PERSON``/``LOCATION`` need ``spacy_model``)."""
    spacy_model: str | None = None
    """Installed spaCy model for PERSON/LOCATION; never downloaded (a missing one is an error)."""
    allow_public_contacts: bool = True
    """Let public-office and business contact details pass."""
    oracles: bool = True
    """Report yes/no and partial answers about a third person's private values."""
    deadline_ms: float = 500
    """Presidio is slow (~15-20 ms per KB): a longer default deadline than other detectors."""

    @field_validator("categories", mode="after")
    @classmethod
    def _merge_default_categories(
        cls, value: dict[str, CategoryPolicy]
    ) -> dict[str, CategoryPolicy]:
        return {**DEFAULT_CATEGORIES, **value}

    @field_validator("spacy_model")
    @classmethod
    def _model_installed(cls, value: str | None) -> str | None:
        if value is None:
            return value
        import spacy.util

        if not (spacy.util.is_package(value) or Path(value).is_dir()):
            raise ValueError(f"spaCy model {value!r} is not installed (it is never downloaded)")
        return value

    @model_validator(mode="after")
    def _known_entities(self) -> PrivacyConfig:
        known = PATTERN_ENTITIES + (NER_ENTITIES if self.spacy_model else ())
        unknown = [name for name in self.entities if name not in known]
        if unknown:
            hint = " (PERSON/LOCATION need spacy_model)" if set(unknown) & set(NER_ENTITIES) else ""
            raise ValueError(f"unknown entities {unknown}{hint}; known: {', '.join(known)}")
        return self


def _words(*words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)


_CONTEXT = {
    "PHONE_NUMBER": _words(
        "phone", "tel", "telephone", "mobile", "cell", "cellphone", "fax", "desk", "office",
        "call", "calls", "called", "calling", "text", "sms", "whatsapp", "dial", "reach",
        "contact", "messages?", "answering", "registered", "ring", "number", "home", "work",
    ),
    "US_SSN": _words("ssn", "ssns", "social security", "social-security", "ss#", "taxpayer"),
    "CREDIT_CARD": _words(
        "card", "cards", "credit", "debit", "cc", "visa", "mastercard", "amex", "discover",
        "maestro", "jcb", "payment", "charge",
    ),
    "US_DRIVER_LICENSE": _words("driver'?s?", "licen[cs]e", "dl"),
    "US_PASSPORT": _words("passport"),
    "US_BANK_NUMBER": _words("account", "acct", "bank", "routing"),
    "IBAN_CODE": _words("iban", "bank", "account", "transfer", "wire"),
    "IP_ADDRESS": _words("ip", "ipv4", "ipv6", "address", "host", "server"),
    "STREET_ADDRESS": _words(
        "address(?:es)?", "lives?", "living", "lived", "resides?", "residence", "home",
        "located", "moved", "send", "sent", "ship", "deliver", "mail", "return to",
        "meet", "meeting", "taxi", "stop at", "drops? (?:you|me) off", "arrived", "is at",
        "is on", "enter on", "station", "billing", "postal", "street", "visit", "find (?:me|us)",
    ),
}
_CONTEXT_REQUIRED = {"US_DRIVER_LICENSE", "US_PASSPORT", "US_BANK_NUMBER", "PHONE_NUMBER"}
_PUBLIC = _words(
    "city hall", "town hall", "council", "municipal", "county", "city of", "mayor'?s?",
    "governor'?s?", "senator'?s?", "congress(?:man|woman|ional)?", "representative'?s?",
    "parliament", "ministry", "department", "embassy", "consulate", "white house", "capitol",
    "court ?house", "courthouse", "police", "sheriff'?s?", "fire station", "post office",
    "library", "museum", "university", "school district", "federal agency", "administration",
    "bureau", "commission", "headquarters", "customer (?:service|support|care)",
    "support (?:line|team|desk)", "help ?desk", "hotline", "helpline", "toll[- ]free",
    "switchboard", "main (?:line|office|number)", "front desk", "reception", "press office",
    "media relations", "visitor (?:center|centre)", "box office", "non-emergency",
    "public (?:office|records)", "government", "federal", "state (?:office|agency)",
    "prime minister'?s?", "chancellor'?s?", "minister'?s?", "secretary of",
    "ambassador'?s?", "official residence", "office of the", "downing street",
)
_ROLE_MAILBOX = re.compile(
    r"^(?:[\w-]*[._-])?(?:support|info|help|contact|sales|press|media|service|services|"
    r"customerservices?|customercare|care|no-?reply|admin|webmaster|privacy|legal|hr|jobs|"
    r"careers|billing|abuse|security|feedback|hello|enquiries|inquiries|team|marketing|pr|"
    r"partners|investors?|ir|newsroom|communications|postmaster|reservations|bookings|orders|"
    r"returns|donations|events|editor|letters|tips|news|office|kundenservice|kundenbetreuung)"
    r"(?:[._-][\w.-]*)?@",
    re.IGNORECASE,
)
_PUBLIC_DOMAIN = re.compile(r"\.(?:gov|mil|edu|int)(?:\.[a-z]{2})?$|\.gov\.[a-z]{2}$", re.I)
_TOLL_FREE = re.compile(r"^\s*(?:\+?1[\s.-]?)?\(?8(?:00|88|77|66|55|44|33)\)?[\s.-]?\d{3}")
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[0-9]|6|50|1800|2131)")

_DIGIT_RUN = re.compile(r"\d(?:[\s().\-/+]{0,3}\d){6}")
_IP_SHAPE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:")
_IBAN_SHAPE = re.compile(r"\b[A-Za-z]{2}\d{2}[ ]?[A-Za-z0-9]{4}")
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


class PrivacyDetector:
    """Finds private personal data that the user did not supply (see the module docstring)."""

    name: ClassVar[str] = "privacy"
    cpu_heavy: ClassVar[bool] = True

    def __init__(self, config: PrivacyConfig) -> None:
        from detectors.privacy_recognizers import build_analyzer

        self.config = config
        self._entities = frozenset(config.entities)
        self._analyzer = build_analyzer(config.spacy_model)

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        """Findings for private data in ``text``; values found in ``ctx.user_inputs`` are exempt."""
        entities = self._candidates(text)
        results = (
            self._analyzer.analyze(text, language="en", entities=sorted(entities))
            if entities else []
        )
        findings = self._score(text, results)
        if self.config.oracles:
            findings += _oracle_findings(text)
        if ctx.user_inputs and findings:
            supplied = SuppliedText.of(ctx.user_inputs)
            findings = [f for f in findings if not supplied.has_value(text[f.start : f.end])]
        return findings

    def _candidates(self, text: str) -> set[str]:
        """Entities with a cheap candidate in ``text`` (the ones needing context only with it)."""
        found: set[str] = set()
        if _DIGIT_RUN.search(text):
            found.update(("CREDIT_CARD", "US_SSN", "PHONE_NUMBER"))
            if _IBAN_SHAPE.search(text):
                found.add("IBAN_CODE")
            found.update(
                name for name in ("US_PASSPORT", "US_DRIVER_LICENSE", "US_BANK_NUMBER")
                if _CONTEXT[name].search(text)
            )
        if "@" in text:
            found.add("EMAIL_ADDRESS")
        if _IP_SHAPE.search(text):
            found.add("IP_ADDRESS")
        if any(char.isdigit() for char in text):
            found.add("STREET_ADDRESS")
        found.update(NER_ENTITIES)
        return found & self._entities

    def _score(self, text: str, results: Iterable[RecognizerResult]) -> list[Finding]:
        findings: list[Finding] = []
        addresses: list[tuple[int, int, float]] = []
        for result in results:
            entity, start, end = result.entity_type, result.start, result.end
            if entity == "STREET_ADDRESS":
                addresses.append((start, end, result.score))
                continue
            score = _entity_score(entity, float(result.score), text, start, end)
            if score > 0 and not self._public(entity, text, start, end):
                findings.append(Finding(self.name, entity, round(score, 3), start, end))
        for start, end, score in _merge_addresses(addresses):
            if _CONTEXT["STREET_ADDRESS"].search(text, max(0, start - 60), start):
                score += 0.3
            if not self._public("STREET_ADDRESS", text, start, end):
                findings.append(Finding(self.name, "STREET_ADDRESS", min(score, 1.0), start, end))
        return findings

    def _public(self, entity: str, text: str, start: int, end: int) -> bool:
        if not self.config.allow_public_contacts:
            return False
        value = text[start:end]
        if entity == "EMAIL_ADDRESS" and (
            _ROLE_MAILBOX.match(value) or _PUBLIC_DOMAIN.search(value)
        ):
            return True
        if entity == "PHONE_NUMBER" and _TOLL_FREE.match(value):
            return True
        if entity not in ("EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS"):
            return False
        before = text.rfind("\n\n", max(0, start - 300), start)
        window_start = before if before >= 0 else max(0, start - 300)
        after = text.find("\n\n", end, end + 120)
        return bool(_PUBLIC.search(text, window_start, after if after >= 0 else end + 120))


def _has_context(entity: str, text: str, start: int, end: int) -> bool:
    words = _CONTEXT.get(entity)
    if words is None:
        return False
    return bool(
        words.search(text, max(0, start - 48), start) or words.search(text, end, end + 16)
    )


def _entity_score(entity: str, score: float, text: str, start: int, end: int) -> float:
    """The score a Presidio result gets after checksums, context and plausibility rules."""
    context = _has_context(entity, text, start, end)
    value = text[start:end]
    if entity == "IP_ADDRESS":
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
    if entity in _CONTEXT_REQUIRED:
        return min(max(score, 0.4) + 0.35, 0.9) if context else min(score, 0.4)
    if entity == "US_SSN":
        return 0.95 if context and score >= 0.5 else 0.85 if context else score
    return score


def _merge_addresses(parts: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Address fragments within ``MERGE_GAP`` characters merged; each extra one adds 0.2."""
    merged: list[tuple[int, int, float, int]] = []
    for start, end, score in sorted(parts):
        if merged and start - merged[-1][1] <= MERGE_GAP:
            last_start, last_end, last_score, count = merged[-1]
            merged[-1] = (last_start, max(last_end, end), max(last_score, score), count + 1)
        else:
            merged.append((start, end, score, 1))
    return [(start, end, score + 0.2 * (count - 1)) for start, end, score, count in merged]


def _oracle_findings(text: str) -> list[Finding]:
    findings: list[Finding] = []
    for pattern in _ORACLES:
        for match in pattern.finditer(text):
            category = next(
                (name for name in _KEYS if match.group(name)), "ORACLE"
            )
            findings.append(
                Finding("privacy", category, 0.8, match.start("value"), match.end("value"))
            )
    return findings


def span_metrics(
    rows: Iterable[dict[str, Any]], detector: PrivacyDetector, config: DetectorConfig,
    sensitive: Iterable[str],
) -> dict[str, float | int | None]:
    """Span-level precision and recall: predicted vs labelled sensitive spans, by overlap.

    A predicted span (a finding the default policy acts on) is correct when it overlaps a
    labelled span of a ``sensitive`` type; a labelled span is found when a prediction overlaps it.
    """
    from detectors.evaluation import counts_as_fired

    kinds = set(sensitive)
    predicted = correct = gold = found = 0
    for row in rows:
        context = row.get("context")
        ctx = ScanContext(tenant="eval", user_inputs=(context,) if context else ())
        spans = [(s["start"], s["end"]) for s in row.get("spans", []) if s["type"] in kinds]
        hits = [
            (f.start, f.end) for f in detector.scan(row["text"], ctx)
            if counts_as_fired([f], config)
        ]
        predicted += len(hits)
        correct += sum(any(s < e2 and s2 < e for s2, e2 in spans) for s, e in hits)
        gold += len(spans)
        found += sum(any(s < e2 and s2 < e for s2, e2 in hits) for s, e in spans)
    precision = correct / predicted if predicted else None
    recall = found / gold if gold else None
    return {
        "predicted": predicted, "gold": gold,
        "precision": None if precision is None else round(precision, 4),
        "recall": None if recall is None else round(recall, 4),
    }
