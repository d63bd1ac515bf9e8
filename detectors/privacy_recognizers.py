"""The Presidio side of the privacy detector: an offline analyzer and the recognizers it runs.

Nothing here loads a model or touches the network. The default NLP engine is ``OfflineNlpEngine``,
which returns empty NLP artifacts, so only pattern recognizers run; context words are scored
by the detector itself (``detectors.privacy``), not by Presidio's lemma-based enhancer. When a
spaCy model is named (and installed), a ``SpacyNlpEngine`` plus Presidio's ``SpacyRecognizer``
add PERSON and LOCATION.

Recognizers beyond Presidio's built-ins:

- ``CardRecognizer``: 12-19 digits, plain or in groups of four (Amex 4-6-5), kept only when the
  Luhn checksum holds (Presidio's own pattern misses 2-series Mastercard, 19-digit Visa and
  12-digit Maestro numbers).
- ``PhonePatternRecognizer``: phone-shaped digit groups in any national format (``99 577450``,
  ``(96) 627-277``, ``+41 (0)71 526 99 04``); weak on their own, the detector keeps them only
  next to a phone context word. Presidio's ``PhoneRecognizer`` (python-phonenumbers over eight
  regions) is not used: it cost ~0.8 ms per KB and found nothing more on the dev set.
- ``StreetAddressRecognizer``: street addresses (house number + name + street suffix, foreign
  street-type prefixes and suffixes such as ``Rua``, ``ul.``, ``-strasse``, ``-vej``, unit
  designators, P.O. boxes, US military addresses, "the corner of X and Y"). Matching is
  case-sensitive (a street name starts with a capital letter); an all-lower-case text is matched
  in title case.
- ``LetterPrefixPassportRecognizer``: one or two letters and 6-8 digits, the shape of most
  non-US passport numbers; weak, kept only next to "passport".
- ``TaxIdRecognizer``: US EIN/TIN (``12-3456789``) and ITIN shapes; weak, kept only next to a
  tax-id word.
- ``OfflineEmailRecognizer`` and ``CaseInsensitiveIbanRecognizer``: Presidio's, with the public
  suffix list read from the bundled snapshot only and lower-case IBANs accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import tldextract
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    LocalRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    SpacyRecognizer,
    UsBankRecognizer,
    UsLicenseRecognizer,
    UsPassportRecognizer,
    UsSsnRecognizer,
)
from spacy.tokens import Doc
from spacy.vocab import Vocab

from detectors.address import ADDRESS_RULE_KEY, find_addresses

_FLAGS = re.MULTILINE  # no IGNORECASE: capitals carry meaning for addresses


class OfflineNlpEngine(NlpEngine):
    """An NLP engine without a model: empty artifacts, so only pattern recognizers apply."""

    def __init__(self) -> None:
        self._empty = Doc(Vocab())

    def load(self) -> None:
        """Nothing to load."""

    def is_loaded(self) -> bool:
        """Always loaded."""
        return True

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        """Empty artifacts (no tokens, no entities)."""
        return NlpArtifacts([], self._empty, [], [], self, language)

    def process_batch(
        self,
        texts: Iterable[str],
        language: str,
        batch_size: int = 1,
        n_process: int = 1,
        **kwargs: Any,
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        """Empty artifacts for every text."""
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        """No stop-word list without a model."""
        return False

    def is_punct(self, word: str, language: str) -> bool:
        """No punctuation model."""
        return False

    def get_supported_entities(self) -> list[str]:
        """The engine itself recognises nothing."""
        return []

    def get_supported_languages(self) -> list[str]:
        """English only."""
        return ["en"]


class NoContextEnhancer(ContextAwareEnhancer):
    """Leaves scores alone: the detector applies its own context rules."""

    def __init__(self) -> None:
        super().__init__(0, 0, 0, 0)

    def enhance_using_context(
        self, text: str, raw_results: list[RecognizerResult], *args: Any, **kwargs: Any
    ) -> list[RecognizerResult]:
        """``raw_results`` unchanged."""
        return raw_results


def luhn_valid(digits: str) -> bool:
    """Whether the digit string passes the Luhn checksum."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


class CardRecognizer(PatternRecognizer):
    """Payment card numbers: 12-19 digits with a valid Luhn checksum."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="CREDIT_CARD",
            patterns=[
                Pattern(
                    "card",
                    r"(?<![\d-])(?:\d{12,19}|\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?"
                    r"|\d{4}[ -]\d{6}[ -]\d{4,5})(?![\d-])",
                    0.5,
                )
            ],
            global_regex_flags=_FLAGS,
        )

    def validate_result(self, pattern_text: str) -> bool:
        """Luhn checksum over the digits."""
        digits = re.sub(r"\D", "", pattern_text)
        return 12 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_valid(digits)


class PhonePatternRecognizer(PatternRecognizer):
    """Phone-shaped digit groups in any national format (weak without context)."""

    def __init__(self) -> None:
        group = r"(?:\(\d{1,4}\)|\d{1,5})"
        super().__init__(
            supported_entity="PHONE_NUMBER",
            patterns=[
                Pattern(
                    "grouped",
                    rf"(?<![\w.:/-])(?:\+\d{{1,3}}[ .-]?)?{group}(?:[ .-]?{group}){{1,5}}"
                    r"(?:\s?(?:x|ext\.?)\s?\d{1,6})?(?![\w:/]|[.-]\d)",
                    0.3,
                ),
                Pattern("plain", r"(?<![\w.+-])\+?\d{7,13}(?![\w-]|\.\d)", 0.2),
            ],
            global_regex_flags=_FLAGS,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        """Too few or too many digits, or a date/time shape."""
        digits = sum(char.isdigit() for char in pattern_text.split("x")[0].split("ext")[0])
        return (
            not 7 <= digits <= 15
            or bool(re.fullmatch(r"(?:19|20)\d\d[-./]\d\d[-./]\d\d.*", pattern_text))
            or bool(re.fullmatch(r"\d{1,2}[-./]\d{1,2}[-./](?:19|20)?\d\d", pattern_text))
            or bool(re.fullmatch(r"(?:19|20)\d\d\s?[-./]\s?(?:19|20)?\d\d", pattern_text))
            or bool(re.fullmatch(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}", pattern_text))  # an IP
        )


_OFFLINE_TLD = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


_LOCAL_PART = 64
_DOMAIN = 255
"""RFC 5321's longest local part and domain: how far from its ``@`` an address can reach."""


def _around_ats(text: str) -> list[tuple[int, int]]:
    """Windows of ``text`` that can hold an address: each ``@`` with ``_LOCAL_PART`` characters
    before it and ``_DOMAIN`` after, overlapping windows merged."""
    windows: list[tuple[int, int]] = []
    at = text.find("@")
    while at != -1:
        start, end = max(0, at - _LOCAL_PART), min(len(text), at + _DOMAIN + 1)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
        at = text.find("@", at + 1)
    return windows


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer, validating domains against the bundled suffix snapshot, and
    run only around each ``@``: over a whole text its pattern is quadratic in a run of dotted
    words before an ``@`` (55 ms at 1,280 characters, 780 ms at 4,000), around the ``@`` it is
    bounded by an address's longest parts."""

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: Any = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Addresses in ``text``, found window by window (``_around_ats``: they do not overlap,
        so no address is found twice)."""
        found: list[RecognizerResult] = []
        for start, end in _around_ats(text):
            for result in super().analyze(text[start:end], entities, nlp_artifacts, regex_flags):
                result.start += start
                result.end += start
                found.append(result)
        return found

    def validate_result(self, pattern_text: str) -> bool:
        """The address has a registrable domain."""
        return bool(_OFFLINE_TLD(pattern_text).fqdn)


class CaseInsensitiveIbanRecognizer(IbanRecognizer):
    """Presidio's IBAN recognizer (mod-97 checked), also for lower-case IBANs."""

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: Any = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """IBANs in ``text`` (matched on its upper-case copy when offsets allow)."""
        upper = text.upper()
        results: list[RecognizerResult] = super().analyze(
            upper if len(upper) == len(text) else text, entities, nlp_artifacts
        )
        return results


class StreetAddressRecognizer(LocalRecognizer):
    """Presidio adapter for ``detectors.address.find_addresses``."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["STREET_ADDRESS"], name="StreetAddressRecognizer")

    def load(self) -> None:
        """Nothing to load (regular expressions compile at import)."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """One result per address candidate."""
        return [
            RecognizerResult(
                "STREET_ADDRESS",
                start,
                end,
                score,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: "StreetAddressRecognizer",
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    ADDRESS_RULE_KEY: rule,
                },
            )
            for start, end, score, rule in find_addresses(text)
        ]


# --- the analyzer ------------------------------------------------------------------------------


def _pattern_recognizers() -> list[EntityRecognizer]:
    return [
        CardRecognizer(),
        UsSsnRecognizer(),
        CaseInsensitiveIbanRecognizer(),
        OfflineEmailRecognizer(),
        PhonePatternRecognizer(),
        IpRecognizer(),
        UsPassportRecognizer(),
        UsLicenseRecognizer(),
        PatternRecognizer(
            supported_entity="US_PASSPORT",
            name="LetterPrefixPassportRecognizer",
            # most national formats: one or two letters and 6-8 digits (XG9382049, P4789023X)
            patterns=[Pattern("letters-digits", r"\b[A-Z]{1,2}\d{6,8}[A-Z]?\b", 0.2)],
        ),
        PatternRecognizer(
            supported_entity="US_DRIVER_LICENSE",
            name="HyphenatedLicenseRecognizer",
            patterns=[Pattern("hyphenated", r"\b\d{3,4}-\d{2,3}-\d{3,4}\b", 0.2)],
        ),
        UsBankRecognizer(),
        PatternRecognizer(
            supported_entity="TAX_ID",
            name="TaxIdRecognizer",
            # US EIN/TIN (12-3456789) and ITIN (9XX-7X-XXXX) shapes; weak, kept only next to
            # "tax id", "TIN", "EIN", "taxpayer" ...
            patterns=[
                Pattern("ein", r"(?<![\w-])\d{2}-\d{7}(?![\w-])", 0.3),
                Pattern(
                    "itin",
                    r"(?<![\w-])9\d{2}[- ]?(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])[- ]?\d{4}(?![\w-])",
                    0.3,
                ),
            ],
        ),
        StreetAddressRecognizer(),
    ]


def build_analyzer(spacy_model: str | None = None) -> AnalyzerEngine:
    """An analyzer over the pattern recognizers, plus spaCy PERSON/LOCATION with ``spacy_model``.

    The caller checks that the model is installed: Presidio's spaCy engine would otherwise try
    to download it.
    """
    recognizers = _pattern_recognizers()
    engine: NlpEngine
    if spacy_model:
        import spacy.util

        if not (spacy.util.is_package(spacy_model) or Path(spacy_model).is_dir()):
            raise ValueError(f"spaCy model {spacy_model!r} is not installed")
        engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": spacy_model}])
        engine.load()
        recognizers.append(SpacyRecognizer(supported_entities=["PERSON", "LOCATION"]))
    else:
        engine = OfflineNlpEngine()
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"])
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=engine,
        supported_languages=["en"],
        context_aware_enhancer=NoContextEnhancer(),
    )
