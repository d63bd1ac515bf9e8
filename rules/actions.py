"""What a tool call does, and whether the user asked for that kind of thing.

``effect_of`` puts a function into a side-effect class from the verbs and nouns in its name
(``send_email`` -> ``send``, ``create_invite`` -> ``invite``, ``transfer_funds`` -> ``pay``); a
name with only read verbs (``get``, ``list``, ``search``, ``open`` ...) or none known is
``read``. ``asked_for`` tells whether the user's own words ask for an action of a class
("reply to Maria" asks for ``send``; "summarise my inbox" does not), or hand the content's
instructions over to the assistant ("do the tasks on my todo list").

``HIGH_RISK`` classes (money, messages, deletion, publishing, sharing, invitations, purchases)
are stopped on a plain imperative in untrusted content; ``modify`` and ``execute`` (editing
files, running commands: a coding agent's daily work, and a README's "run make test" is a
relevant, low-risk instruction) only on text that is unmistakably aimed at the assistant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
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
            "deposit withdraw payout money transaction transactions venmo zelle crypto bitcoin"
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
    ("share", _words("share grant permission permissions collaborator collaborators access")),
    (
        "invite",
        _words(
            "invite invites invitation attendee attendees event events meeting schedule book "
            "reserve reservation rsvp calendar"
        ),
    ),
    (
        "send",
        _words("send email mail reply respond forward message sms text notify dm chat contact"),
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

# The user's words that ask for an action of each class: (verbs, anywhere; words that are
# also nouns, only in verb position: "email Tom" asks to send, "summarise my emails" does not).
_ASKS: dict[str, tuple[str, str]] = {
    "send": (
        r"send|sent|repl(?:y|ies)|respond|forward|write (?:to|back)|tell (?!me\b|us\b)"
        r"|let (?!me\b)\w+ know|notify|contact|ping|follow up|introduc|cc\b",
        r"e-?mail|mail|message|text|dm|answer|ask",
    ),
    "pay": (
        r"pay|paid|transfer|wire|refund|reimburs|settle|remit|donat|send (?:\$|\d|money|funds)",
        r"tip|split",
    ),
    "delete": (
        r"delet|remov|eras|clean ?up|clear|trash|purg|get rid|cancel|unsubscrib|declin|wipe"
        r"|prune|close|disabl|deactivat|revok",
        r"drop",
    ),
    "post": (
        r"post (?:a|an|it|this|that|my|our|these|them)\b|publish|tweet|upload|announce"
        r"|submit|respond|repl(?:y|ies)|sign (?:me )?up|fill (?:in|out)|apply",
        r"post|comment|review|share|file|claim|request|report|register|enrol|enroll",
    ),
    "share": (
        r"shar|grant|give \w+ (?:access|permission)|invit|add \w+ (?:to|as)|collaborat",
        r"access",
    ),
    "invite": (
        r"invit|reschedul|set up|arrang|rsvp|accept|add\b|move|organi[sz]",
        r"book|create|meet|schedule|plan",
    ),
    "purchase": (
        r"buy|purchas|checkout|check out|get me|reorder|subscribe|add \w+ to (?:my )?cart",
        r"order|book",
    ),
    "modify": (
        r"fix|chang|updat|edit|writ|creat|add|renam|mov|refactor|implement|appl|set|make"
        r"|commit|push|merge|save|patch|correct|improv|convert|format|replac|insert|append|draft",
        r"",
    ),
    "execute": (
        r"run|execut|test|build|install|deploy|lint|compil|start|launch|check|debug|fix|set ?up"
        r"|follow|reproduc|clone",
        r"",
    ),
}
_VERB_POSITION = (
    r"(?:^|[.!?;:,]\s*|\b(?:please|and|then|to|you|also|just|pls|go ahead and|let's|lets"
    r"|can|could|would|will)\s+)"
)
_DELEGATES = re.compile(
    r"\b(?:(?:do|follow|complete|carry out|execute|handle|action|work through|take care of)"
    r"\s+(?:all\s+|each\s+|every\s+)?(?:the\s+|my\s+|its\s+|their\s+)?(?:tasks?|instructions?|"
    r"steps|to-?dos?|todo list|action items?|requests?|what (?:it|they|the \w+) (?:says?|asks?))"
    r"|do what (?:it|they|the \w+|\w+) (?:says?|asks?)|as (?:it|the \w+) (?:says|instructs)"
    r"|(?:handle|deal with|take care of|sort out|process|action)\s+(?:it|this|that|them|these"
    r"|those|the\s+\w+|my\s+\w+|\w+'s\s+\w+))\b",
    re.I,
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


@lru_cache(maxsize=64)
def _asks(effect: str) -> re.Pattern[str]:
    verbs, nouns = _ASKS[effect]
    either = rf"\b(?:{verbs})" + (rf"|{_VERB_POSITION}(?:{nouns})\b" if nouns else "")
    return re.compile(either, re.I | re.M)


def asked_for(effect: str, user_words: Iterable[str]) -> bool:
    """Whether the user's own words ask for an action of class ``effect`` (or hand the
    content's instructions to the assistant)."""
    if effect not in _ASKS:
        return True
    pattern = _asks(effect)
    return any(pattern.search(text) or _DELEGATES.search(text) for text in user_words)
