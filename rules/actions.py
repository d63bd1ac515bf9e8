"""What a tool call does, and whether the user asked for that kind of thing.

``effect_of`` puts a function into a side-effect class from the verbs and nouns in its name
(``send_email`` -> ``send``, ``create_invite`` -> ``invite``, ``transfer_funds`` -> ``pay``); a
name with only read verbs (``get``, ``list``, ``search``, ``open`` ...) or none known is
``read``. Whether the user asked for an action of a class is ``rules.asks``'s question.

``HIGH_RISK`` classes (money, messages, deletion, publishing, sharing, invitations, purchases)
are stopped on a plain imperative in untrusted content; ``modify`` and ``execute`` (editing
files, running commands: a coding agent's daily work, and a README's "run make test" is a
relevant, low-risk instruction) only on text that is unmistakably aimed at the assistant.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

EffectClass = Literal[
    "read", "send", "pay", "delete", "post", "share", "invite", "purchase", "modify", "execute"
]
SideEffect = Literal[
    "send", "pay", "delete", "post", "share", "invite", "purchase", "modify", "execute", "other"
]
HIGH_RISK = frozenset({"send", "pay", "delete", "post", "share", "invite", "purchase"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Tool-name tokens per class, most specific class first (``send_payment`` is ``pay``).
_NAME_TOKENS: tuple[tuple[EffectClass, frozenset[str]], ...] = (
    (
        "pay",
        _words(
            "pay payment payments transfer transfers wire remit refund reimburse donate tip "
            "deposit withdraw payout money transaction transactions venmo zelle crypto bitcoin "
            "wallet paypal cashapp revolut remittance payee"
        ),
    ),
    ("purchase", _words("purchase buy order checkout cart subscribe upgrade renew")),
    (
        "delete",
        _words(
            "delete remove erase purge trash destroy wipe drop unlink rm cancel revoke unshare "
            "close disable deactivate"
        ),
    ),
    (
        "share",
        _words(
            "share grant permission permissions collaborator collaborators access role roles "
            "privilege privileges promote sharing visibility public"
        ),
    ),
    (
        "invite",
        _words(
            "invite invites invitation attendee attendees event events meeting schedule book "
            "reserve reservation rsvp calendar appointment appointments booking"
        ),
    ),
    (
        "send",
        _words(
            "send email mail reply respond forward message sms text notify dm chat contact export"
        ),
    ),
    ("post", _words("post publish tweet comment upload submit review")),
    (
        "execute",
        _words("run exec execute shell bash command terminal install deploy eval script sql"),
    ),
    (
        "modify",
        _words(
            "write create update edit set rename move patch commit push merge append insert add "
            "put modify change save apply replace"
        ),
    ),
)
_READ_TOKENS = _words(
    "get list search find read open fetch lookup look query view show browse retrieve "
    "download check count describe inspect load scrape crawl visit navigate summarize "
    "summarise preview peek head cat grep ls stat status info details"
)


def name_tokens(name: str) -> list[str]:
    """``sendEmail`` / ``send-email`` / ``gmail.send_message`` -> lower-case word tokens."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return [t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t]


@lru_cache(maxsize=4096)
def effects_of(name: str) -> tuple[EffectClass, ...]:
    """Every side-effect class a function's name suggests, most specific first (``post_message``
    posts and sends); ``("read",)`` when it only reads."""
    tokens = name_tokens(name)
    if tokens and tokens[0] in _READ_TOKENS:
        return ("read",)
    found = set(tokens)
    effects = tuple(effect for effect, words in _NAME_TOKENS if found & words)
    return effects or ("read",)


def effect_of(name: str) -> EffectClass:
    """The side-effect class of a function, from its name; ``read`` when it only reads."""
    return effects_of(name)[0]
