"""The sentence a refusal reads: what kind of content was withheld, in plain words (MODEL-SPEC §3).

One short, neutral sentence per refusal: never the matched text, no detector jargon, no
moralising. A leak of privileged instructions gets a sentence that neither confirms nor denies
that such instructions exist. Tenants replace sentences under ``[refusal]``: ``messages`` by
``detector.category`` or ``detector`` first, then ``message`` for everything else; templates may
use ``{what}`` (the plain-words kind), ``{detector}`` and ``{category}``.
"""

from __future__ import annotations

from collections.abc import Mapping

GOVERNMENT_ID = "a government identification number"
FINANCIAL = "a financial account number"
CONTACT = "private contact details"
CREDENTIAL = "a password, key or other credential"

WITHHELD: Mapping[str, str] = {
    "privacy": "private information about a person",
    **dict.fromkeys(
        (
            "privacy.US_SSN",
            "privacy.US_ITIN",
            "privacy.TAX_ID",
            "privacy.US_PASSPORT",
            "privacy.US_DRIVER_LICENSE",
            "privacy.PASSPORT",
            "privacy.DRIVER_LICENSE",
            "privacy.NATIONAL_ID",
        ),
        GOVERNMENT_ID,
    ),
    **dict.fromkeys(
        ("privacy.CREDIT_CARD", "privacy.IBAN_CODE", "privacy.US_BANK_NUMBER"), FINANCIAL
    ),
    **dict.fromkeys(("privacy.EMAIL_ADDRESS", "privacy.PHONE_NUMBER"), CONTACT),
    "privacy.STREET_ADDRESS": "a private home address",
    "privacy.IP_ADDRESS": "a private network address",
    **dict.fromkeys(
        (
            "privacy.PASSWORD",
            "privacy.API_KEY",
            "privacy.PRIVATE_KEY",
            "privacy.ACCESS_TOKEN",
            "privacy.SECRET",
        ),
        CREDENTIAL,
    ),
    "cbrn": "instructions that could help make a weapon",
    "nsfw": "explicit sexual content",
    "nsfw.sexual_minors": "sexual content involving a minor",
    "nsfw.sexual_nonconsensual": "non-consensual sexual content",
    "nsfw.profanity": "profanity",
    "nsfw.romantic_roleplay": "romantic role-play",
    "copyright": "a long passage of a protected work",
    "deny_terms": "a topic this service does not cover",
    "llm_judge": "content this service does not allow",
    "injection": "instructions hidden in a document or tool result",
    "jailbreak": "an attempt to change the assistant's instructions",
    "prompt_leak": "something I can't share",
    "untrusted_marking": "instructions hidden in a document or tool result",
    "authority_claims": "an attempt to change the assistant's instructions",
    "tool_guard": "an action whose details came from untrusted content",
}
"""What a refusal says was withheld, by ``detector.category`` or ``detector``."""

FALLBACK = "content this service does not allow"
SENTENCE = "Sorry, I can't help with that: the {source} contained {what}."
UNCHECKED = "Sorry, I can't help with that right now: the {source} could not be checked."
"""A scan that errored or timed out (fail closed): say so, don't guess a kind."""
UNDISCLOSED = frozenset({"prompt_leak"})
"""Detectors whose refusal must not confirm or deny what they protect (MODEL-SPEC §3)."""
UNDISCLOSED_SENTENCE = "Sorry, I can't share that."
FAILURE_CATEGORIES = frozenset({"error", "timeout"})


def withheld(detector: str, category: str) -> str:
    """The plain-words kind of content a finding stands for."""
    return WITHHELD.get(f"{detector}.{category}") or WITHHELD.get(detector) or FALLBACK


def sentence(
    detector: str,
    category: str,
    *,
    source: str = "answer",
    messages: Mapping[str, str] | None = None,
    message: str | None = None,
) -> str:
    """The refusal for a finding of ``detector.category`` found in the ``source``
    (``answer`` or ``request``): the tenant's template if it has one, else the built-in."""
    messages = messages or {}
    template = messages.get(f"{detector}.{category}") or messages.get(detector) or message
    what = withheld(detector, category)
    if template is not None:
        return template.format(what=what, detector=detector, category=category)
    if detector in UNDISCLOSED:
        return UNDISCLOSED_SENTENCE
    if category in FAILURE_CATEGORIES:
        return UNCHECKED.format(source=source)
    return SENTENCE.format(source=source, what=what)
