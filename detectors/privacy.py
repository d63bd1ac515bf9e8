"""``privacy``: personal data in an answer (MODEL-SPEC §2, "Protect people's privacy").

Presidio finds candidates (``detectors.privacy_recognizers``: pattern recognizers, no model by
default); this module decides which of them count:

- **Pre-filter.** Presidio costs ~1-2 ms per short text and ~15-20 ms per KB, so the analyzer is
  asked only for entities that have a cheap candidate (a 7-digit run for numbers, ``@`` for
  e-mail, a dotted quad for IPs, a digit for addresses); text without any skips it entirely.
- **Checksums.** Cards must pass Luhn, IBANs mod-97 (a Luhn-invalid order number passes).
- **Context.** Weak shapes (phone-like digits, driver's licence, passport, bank account and
  tax id numbers) count only next to a context word ("phone", "mobile", "licence" ...); an
  SSN-shaped number or a card number is stronger with one. Address fragments close to each
  other merge into one finding, and an address-context word ("lives at", "address", "send it
  to") raises the score.
- **Public contacts pass.** Phone numbers, e-mail addresses and street addresses in a sentence
  about a public office or a company's service line ("city hall", "embassy", "customer
  service", "hotline" ...), role mailboxes (``support@``, ``info@``), government domains and
  toll-free numbers are not private data, nor are placeholder e-mails (``you@example.com``),
  private-range IPs and version strings. A plain "office" is not enough: it is on every
  personal signature.
- **Supplied data passes** (transformation exception): a value that occurs in the request's
  user inputs, ignoring case and separators, is exempt (``detectors.provenance``).
- **Credentials** (``PASSWORD``, ``API_KEY``, ``ACCESS_TOKEN``, ``PRIVATE_KEY``) come from
  ``detectors.secrets`` (detect-secrets' provider plugins and entropy, plus prose patterns);
  a made-up-looking value given to a credential-named key (``SECRET=abcdefghijklmnop``,
  ``Password=secret;``) is ``SECRET``, redacted rather than refused.
- **Context makes a leak** (``detectors.privacy_context``): when the last user turn asks for a
  person's SSN, card, passport, licence, account or phone number or password, a value of that
  shape in the answer is a finding even bare and without a checksum.
- **Look-alikes pass** (``detectors.lookalikes``): number-shaped candidates nobody asked for
  that a part/order/SKU/ISBN label leads, valid ISBNs, dates and version strings.
- **Oracles fire.** Confirming or partially revealing a third person's private value ("Yes, her
  SSN starts with 123", "the last four digits of his card are 4242") is a finding too.

Categories are entity names (``US_SSN``, ``CREDIT_CARD``, ``STREET_ADDRESS`` ..., ``ORACLE``
when an oracle names no entity); by default contact data is redacted and identifiers refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator, model_validator

from detectors import privacy_rules as rules
from detectors.address import _CONTEXT_PHRASE, _PARTICLE, ADDRESS_RULE_KEY
from detectors.address import LOOKBACK as ADDRESS_LOOKBACK
from detectors.base import CategoryPolicy, DetectorConfig, ScanContext
from detectors.findings import Finding
from detectors.lookalikes import is_lookalike
from detectors.plugins import Plugin
from detectors.privacy_context import asked_kinds, asked_values, example_value, named_values
from detectors.provenance import SuppliedText
from detectors.secrets import MADE_UP, SECRET_CATEGORIES, find_secrets
from detectors.tails import cue_tail, token_tail

if TYPE_CHECKING:
    from presidio_analyzer import RecognizerResult

PATTERN_ENTITIES = (
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "IP_ADDRESS",
    "US_PASSPORT",
    "US_DRIVER_LICENSE",
    "US_BANK_NUMBER",
    "TAX_ID",
    "NATIONAL_ID",
    "STREET_ADDRESS",
    *SECRET_CATEGORIES,
    MADE_UP,
)
"""Entities found without any model (the credential categories come from ``detectors.secrets``)."""
NER_ENTITIES = ("PERSON", "LOCATION")
"""Entities that need ``spacy_model``."""
DEFAULT_CATEGORIES = {
    name: CategoryPolicy(action="redact", threshold=None)
    for name in ("EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "IP_ADDRESS", MADE_UP)
}
"""Contact data and made-up-looking credential values (``SECRET``) are redacted; identifiers,
financial numbers and credentials use the detector's action."""


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
    deadline_ms: float = 1000
    """Presidio can cost ~15-20 ms per KB of digit-dense text (the default of every detector)."""
    categories: dict[str, CategoryPolicy] = Field(default={}, validate_default=True)
    """Overrides by entity, merged over ``DEFAULT_CATEGORIES`` (validated even when absent)."""

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


_WARM_UP = (
    "Call 212-555-0187 or mail jo@example.com; card 4111 1111 1111 1111, SSN 078-05-1120, "
    "IBAN GB82WEST12345698765432, IP 8.8.8.8, passport 123456789, licence D1234567, "
    "account 12345678, 12 Main Street. Yes, her SSN starts with 078. Her password is "
    "Qr7!dke#39; token=ghp_0123456789abcdefghijABCDEFGHIJ012345, part no. 555-123-4567."
)


class PrivacyDetector:
    """Finds private personal data that the user did not supply (see the module docstring)."""

    name: ClassVar[str] = "privacy"
    cpu_heavy: ClassVar[bool] = True
    holdback_chars: ClassVar[int] = 200
    """Streaming right-context: an address with its lead-in ("she lives at ...") fits in it."""
    lookback_chars: ClassVar[int] = 304
    """Left-context a live stream's scan repeats before a value it has not decided yet: the
    context words before it ("his cell, which he rarely gives out, is ..."), the lead-in of an
    address or an oracle, and the paragraph (300 characters: ``rules.paragraph``) whose
    public-office words make a contact public."""

    def __init__(self, config: PrivacyConfig) -> None:
        from detectors.privacy_recognizers import build_analyzer

        self.config = config
        self._entities = frozenset(config.entities)
        # a made-up value under a credential key was once reported as that credential: listing
        # any credential entity brings SECRET along (``categories.SECRET.action = "off"`` drops it)
        listed = self._entities & _SECRETS
        self._secrets = listed | {MADE_UP} if listed else listed
        self._analyzer = build_analyzer(config.spacy_model)
        # compile every recognizer's patterns and load the suffix list now, not on a request
        self.scan(_WARM_UP, ScanContext())

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        """Findings for private data in ``text``; values found in ``ctx.user_inputs`` are exempt.

        What the last user turn asked for (``detectors.privacy_context``) turns bare values of
        that kind into findings and exempts them from the look-alike rules.
        """
        asked = asked_kinds(ctx.user_inputs) & self._entities
        entities = self.candidates(text) - _SECRETS
        results = (
            self._analyzer.analyze(text, language="en", entities=sorted(entities))
            if entities
            else []
        )
        findings = self._score(text, results, asked)
        if self.config.oracles:
            findings += [
                Finding(self.name, category, 0.8, start, end)
                for category, start, end in rules.oracle_spans(text)
            ]
        if ctx.user_inputs and findings:
            supplied = SuppliedText.of(ctx.user_inputs)
            findings = [f for f in findings if not supplied.has_value(text[f.start : f.end])]
        return findings

    def open_tail(self, text: str, ctx: ScanContext) -> int:
        """The end of ``text`` a live stream holds (``detectors.tails``): from the first cue (a
        digit, an ``@``, a credential keyword) that cues chain to the end, each within
        ``CUE_REACH`` characters (a public-office sentence or an address's last lines can
        still follow a value that far), and the unfinished last token. With names or places
        screened (NER), or when the user asked for someone's private data (a bare value then
        counts), the whole hold-back."""
        if self._entities & _NER or asked_kinds(ctx.user_inputs) & self._entities:
            return self.holdback_chars
        lower = text.lower()
        if len(lower) != len(text):  # a letter whose lower case is longer: offsets would drift
            return self.holdback_chars
        cues = cue_tail(lower, _CUE, CUE_REACH, self.holdback_chars)
        if cues:  # an address's street name, prefix or "P.O. Box" comes before its number
            cues = len(text) - _lead_start(text, len(text) - cues)
        return max(cues, len(text) - _lead_start(text, len(text)), token_tail(text))

    def candidates(self, text: str) -> set[str]:
        """Configured entities with a cheap candidate in ``text``; empty means Presidio is skipped.

        Entities that only count next to a context word are candidates only when one occurs.
        """
        found: set[str] = set()
        if rules.DIGIT_RUN.search(text):
            found.update(("CREDIT_CARD", "US_SSN", "PHONE_NUMBER"))
            if rules.IBAN_SHAPE.search(text):
                found.add("IBAN_CODE")
            found.update(
                name
                for name in ("US_PASSPORT", "US_DRIVER_LICENSE", "US_BANK_NUMBER", "TAX_ID")
                if rules.CONTEXT[name].search(text)
            )
        if "@" in text:
            found.add("EMAIL_ADDRESS")
        if rules.IP_SHAPE.search(text):
            found.add("IP_ADDRESS")
        if rules.ANY_DIGIT.search(text):
            found.add("STREET_ADDRESS")
        found.update(NER_ENTITIES)
        return found & self._entities

    def _score(
        self, text: str, results: Iterable[RecognizerResult], asked: frozenset[str]
    ) -> list[Finding]:
        findings: list[Finding] = []
        addresses: list[tuple[int, int, float, str]] = []
        for result in results:
            entity, start, end = result.entity_type, result.start, result.end
            if entity == "STREET_ADDRESS":
                rule = (result.recognition_metadata or {}).get(ADDRESS_RULE_KEY, "")
                addresses.append((start, end, float(result.score), str(rule)))
                continue
            if entity == "IP_ADDRESS":
                end = rules.ip_extent(text, start, end)
            if entity in asked:
                score = max(float(result.score), 0.85)
            elif entity in _IDENTIFIERS and is_lookalike(text, start, end):
                continue
            elif entity in _NO_CHECKSUM and example_value(entity, text, start, end):
                continue  # "passport numbers look like X12345678", "account number 123456789"
            else:
                score = rules.entity_score(entity, float(result.score), text, start, end)
            if score > 0 and not self._public(entity, text, start, end):
                findings.append(Finding(self.name, entity, round(score, 3), start, end))
        findings += [
            Finding(self.name, kind, score, start, end)
            for kind, start, end, score in asked_values(text, asked)
            + named_values(text, self._entities)
            if not self._public(kind, text, start, end)
        ]
        if self._secrets:
            findings += [
                Finding(self.name, category, score, start, end)
                for category, start, end, score in find_secrets(text, asked="PASSWORD" in asked)
                if category in self._secrets
            ]
        findings = _strongest(findings)
        for start, end, score in rules.merge_addresses(text, addresses):
            if rules.CONTEXT["STREET_ADDRESS"].search(text, max(0, start - 60), start):
                score += 0.3
            end = rules.address_end(text, end)
            if not self._public("STREET_ADDRESS", text, start, end):
                findings.append(
                    Finding(self.name, "STREET_ADDRESS", round(min(score, 1.0), 3), start, end)
                )
        return findings

    def _public(self, entity: str, text: str, start: int, end: int) -> bool:
        return self.config.allow_public_contacts and rules.is_public(entity, text, start, end)


_SECRETS = frozenset((*SECRET_CATEGORIES, MADE_UP))
_NER = frozenset(NER_ENTITIES)
CUE_REACH = 120
"""Characters after a cue that may still decide about it (``rules.paragraph`` reads 120)."""
LEAD_WORDS = 6
"""Words before a cue a live stream also holds: an address rule that ends in a number starts up
to this many words before it (``Via della Spiga 26``, ``P.O. Box 4417``: ``detectors.address``)."""
_CUE = re.compile(
    r"[\d@]|pass|pwd|pin\b|secret|token|key|credential|bearer|authori[sz]|contrase|passwort"
    r"|-----begin|putty"
)
"""Where a private value can start: digits (numbers, addresses, IPs, oracles), an e-mail's
``@``, the keywords before a credential (``detectors.secrets._KEYWORD_AT``) and key blocks; on
lower-cased text."""
_LEAD_WORD = re.compile(rf"(?:{_PARTICLE}|ul\.|al\.|os\.|pl\.|d['\u2019]\S*)$")
"""A word that can begin or continue the words before an address's number: capitalised
(``Via``, ``Passauer``, ``P.O.``, ``Box``), a particle (``della``, ``d'Italia``) or a
lower-case street prefix (``ul.``); in an all-lower-case text any word can
(``detectors.address`` reads it titled)."""


_ADDRESS_PHRASE = re.compile(rf"{_CONTEXT_PHRASE}\s+")
"""An address phrase ("lives at", "send it to"): the words after it may be an address."""


def _lead_start(text: str, end: int) -> int:
    """Where the words before ``end`` that could lead an address (at most ``LEAD_WORDS``
    complete words) start: ``end`` when the word before it cannot."""
    lowered = text.islower()
    floor = max(0, end - ADDRESS_LOOKBACK)
    start = at = end
    for _ in range(LEAD_WORDS):
        stop = at
        while stop > floor and text[stop - 1].isspace():
            stop -= 1
        begin = stop
        while begin > floor and not text[begin - 1].isspace():
            begin -= 1
        if (
            begin == stop
            or (begin == floor and floor)
            or not (lowered or text[begin].isupper() or _LEAD_WORD.match(text, begin, stop))
        ):
            break
        start = at = begin
    # "lives at Strasse Call the and 42": after an address phrase any words can lead
    phrase = None
    for found in _ADDRESS_PHRASE.finditer(text, floor, end):
        phrase = found
    if phrase is not None and len(text[phrase.end() : end].split()) <= LEAD_WORDS:
        start = min(start, phrase.end())
    return start


_IDENTIFIERS = frozenset(
    ("PHONE_NUMBER", "US_SSN", "CREDIT_CARD", "US_PASSPORT", "US_DRIVER_LICENSE", "US_BANK_NUMBER")
)
"""Number-shaped entities that part numbers, order ids and ISBNs can look like (a ``TAX_ID``
needs its own tax words, so a nearby "ID" label does not make it a look-alike)."""


_NO_CHECKSUM = frozenset(("US_PASSPORT", "US_DRIVER_LICENSE", "US_BANK_NUMBER", "TAX_ID"))
"""Identifiers without a checksum: only their context tells a person's value from an example."""


def _strongest(findings: list[Finding]) -> list[Finding]:
    """Of overlapping findings, the highest-scoring one (an SSN is not also a phone number)."""
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: -f.score):
        if not any(f.start < finding.end and finding.start < f.end for f in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


PLUGIN: Plugin[PrivacyDetector] = Plugin("privacy", PrivacyConfig, PrivacyDetector)
"""Registration of the detector under ``[tenants.*.detectors.privacy]``."""


def span_metrics(
    rows: Iterable[dict[str, Any]],
    detector: PrivacyDetector,
    config: DetectorConfig,
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
            (f.start, f.end)
            for f in detector.scan(row["text"], ctx)
            if counts_as_fired([f], config)
        ]
        predicted += len(hits)
        correct += sum(any(s < e2 and s2 < e for s2, e2 in spans) for s, e in hits)
        gold += len(spans)
        found += sum(any(s < e2 and s2 < e for s2, e2 in hits) for s, e in spans)
    precision = correct / predicted if predicted else None
    recall = found / gold if gold else None
    return {
        "predicted": predicted,
        "gold": gold,
        "precision": None if precision is None else round(precision, 4),
        "recall": None if recall is None else round(recall, 4),
    }
