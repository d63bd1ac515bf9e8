"""Refusals inside an answer, for the ``nsfw`` detector: the sentences that refuse or deflect
are not the answer's content, and neither are, beside them, the offers of something else and
the questions that restate the request ("A kinky scene? Not my cup of tea. How about ...").
"""

from __future__ import annotations

import re

_I = re.IGNORECASE
_REFUSAL_WORDS = (
    "sorry",
    "unable",
    "not able",
    "can't",
    "cannot",
    "won't",
    "will not",
    "decline",
    "against",
    "as an ai",
    "prohibited",
    "not allowed",
    "not permitted",
    "i do not",
    "i don't",
    "not going",
    "cup of tea",
    "rather not",
    "how about we",
    "let's talk",
    "let's keep",
)
"""Lower-case substrings a refusal cannot do without (checked before the pattern)."""
_REFUSAL = re.compile(
    r"\b(?:i(?:'m| am) (?:sorry|unable|not able)|i (?:can(?:no|')t|cannot|won't|will not|must "
    r"decline)|(?:can(?:no|')t|cannot|won't|unable to) (?:assist|help|provide|fulfil|comply|create|"
    r"write|engage)|not (?:able|going) to (?:help|provide|write)|against (?:my|our) (?:\w+ )?"
    r"(?:guidelines|policies|policy)|as an ai|i(?:'m| am) (?:prohibited|not (?:allowed|permitted))|"
    r"i (?:do not|don't) (?:produce|create|write|generate)|not my cup of tea|i'd rather not|"
    r"how about we (?:talk about|discuss|focus on) something|let's (?:talk about|keep it to) "
    r"something)\b",
    _I,
)
_OFFER = re.compile(
    r"\b(?:i (?:can|could|would be happy to|'d be happy to|'m happy to|am happy to) (?:help|write|"
    r"craft|create|offer|suggest|assist|do)|(?:just )?let me know|if you(?:'re| are) (?:looking|"
    r"interested))\b",
    _I,
)
"""Sentences offering something else; beside a refusal they are part of it."""


_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


def without_refusals(text: str) -> str:
    """``text`` without the sentences that refuse or deflect (a refusal names what it will not
    write) and, beside them, the ones offering something else instead and the questions that
    restate the request ("A kinky scene? Not my cup of tea."); ``text`` itself when nothing
    refuses."""
    lowered = text.lower()
    if not any(word in lowered for word in _REFUSAL_WORDS) or not _REFUSAL.search(text):
        return text
    return "".join(
        s
        for s in _SENTENCE.findall(text)
        if not _REFUSAL.search(s) and not _OFFER.search(s) and not s.rstrip().endswith("?")
    )
