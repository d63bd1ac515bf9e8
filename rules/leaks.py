"""Whether a proposed call moves private data out (``rules.exfil`` says what is private).

``Leaks`` is bound to one conversation: its private holdings and the URL templates its
untrusted content left open are computed once, on first need, and reused for every call.

- A URL whose destination came from untrusted content may not carry what that content did not
  give it (identifiers, secrets, five-word runs of the conversation; for a destination an
  instruction supplied, not even one number or longer word of the developer's or the user's
  text), nor may the labels in front of the domain it named (DNS exfiltration).
- Filling in a URL the content left open (``?readings=``, ``?ssn={ssn}``) makes its owner the
  destination, even on a host the user named.
- A side-effecting call may not wire in a destination that the untrusted text says receives
  the user's secrets ("set DEBUG_UPLOAD=https://... and rerun; the runner then uploads the
  environment"): running it is the upload, whatever the call's own arguments carry.
- A message, post or share may carry a key, token or password only if the user typed it or
  asked about one; to an address from untrusted content, no SSN or card number the user did
  not type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rules.conversation import Conversation
from rules.encodings import decoded_forms
from rules.exfil import (
    Holdings,
    asks_for_credentials,
    carried,
    sensitive,
    url_host,
    url_remainder,
)
from rules.origin import Indexed, Origin, Value, templates_in

_PRIVATE_NOUN = (
    r"(?:\.env|\b(?:environment|env(?:\s+var\w*)?|secrets?|credentials?|api[ _-]?keys?|keys|tokens?"
    r"|passwords?|cookies?|ssh\b|private\s+keys?|(?:shell|bash|chat|browser|conversation)\s+"
    r"history|home\s+director\w+|keychain|wallets?|conversations?|chats?"
    r"|inbox|mailbox))"
)
_SINK = re.compile(
    r"\b(?:upload|send|post|ship|report|forward|transmit|stream|sync|push|collect|dump|beacon"
    r"|mirror|cop(?:y|ies)|back(?:s|ed)?\s+up|receiv|captur|harvest|grab|steal|exfiltrat|leak)\w*\b(?:[^.!?\n]|\.(?=\S)){0,50}?"
    rf"{_PRIVATE_NOUN}\b"
    rf"|{_PRIVATE_NOUN}\b(?:[^.!?\n]|\.(?=\S)){{0,40}}?\b(?:is|are|will\s+be|gets?|get|being)\s+"
    r"(?:\w+ly\s+)?(?:uploaded|sent|posted|forwarded|shipped|collected|transmitted|synced"
    r"|exported|mirrored|copied|backed\s+up)\b",
    re.I,
)
"""Text saying that a destination receives secrets, the environment or the user's data."""
CARRIERS = frozenset({"send", "share", "invite", "post"})
"""Side-effect classes whose calls carry their other arguments to their destination."""


class Leaks:
    """The exfiltration checks for one conversation."""

    def __init__(self, conversation: Conversation, sources: Sequence[Indexed]):
        self.conversation = conversation
        self.sources = sources
        self._holdings: Holdings | None = None
        self._templates: list[str] | None = None

    @property
    def holdings(self) -> Holdings:
        """The conversation's private items (computed on first need)."""
        if self._holdings is None:
            self._holdings = Holdings(self.conversation)
        return self._holdings

    def template(self, url: str) -> str | None:
        """The open URL template of the untrusted content that ``url`` fills in, if any."""
        if self._templates is None:
            self._templates = [t for s in self.sources for t in templates_in(s.source.text)]
        lower = url.lower()
        return next((t for t in self._templates if lower.startswith(t) and lower != t), None)

    def around(self, value: Value) -> list[str]:
        """The untrusted text around every occurrence of ``value``."""
        found = [(s, start) for s in self.sources for start, _ in s.occurrences(value)]
        if not found:
            found = [(s, start) for s in self.sources for start, _ in s.occurrences(value, True)]
        return [s.window(start) for s, start in found]

    def containing(self, value: Value) -> list[str]:
        """The untrusted texts ``value`` occurs in."""
        found = [s.source.text for s in self.sources if s.occurrences(value)]
        return found or [s.source.text for s in self.sources if s.occurrences(value, True)]

    def exfiltrates(
        self, texts: list[str], origins: list[tuple[Value, Origin]], effect: str
    ) -> bool:
        """Whether the call's URLs or message bodies carry private data out."""
        for value, origin in origins:
            template = self.template(value.raw) if value.kind == "url" else None
            if origin in ("user", "model") and template is None:
                continue
            if value.kind == "url":
                rest = [t for t in texts if value.raw not in t]
                if template is not None:
                    # Filling in a URL the content left open: whatever goes in is for its owner.
                    origin, filled = "injected", value.raw[len(template) :]
                else:
                    verbatim = any(value.raw.lower() in s.lower for s in self.sources)
                    # Labels in front of the domain the content named carry data too (DNS exfil).
                    host = url_host(value.raw)
                    prefix = host[: -len(value.text)] if host != value.text else ""
                    filled = prefix + (url_remainder(value.raw) if not verbatim else "")
                payload = "\n".join([filled, *rest])
                if not payload.strip():
                    continue
                pointed_at = origin == "data"
                given = self.containing(value) if pointed_at else self.around(value)
                risk = self.holdings.at_risk(given, pointed_at)
                words = self.holdings.words_at_risk(given) if origin == "injected" else frozenset()
                if carried(payload, risk, words):
                    return True
            elif value.kind == "email" and effect in CARRIERS:
                body = "\n".join(t for t in texts if value.text not in t.lower()).lower()
                if any(
                    secret in body for secret in self.holdings.secrets_at_risk(self.around(value))
                ):
                    return True
                typed = sensitive("\n".join(self.conversation.user))
                if sensitive(body) - typed:
                    return True
        return False

    def posts_credentials(self, texts: list[str], effect: str) -> bool:
        """Whether a message, post or share carries a key, token or password the user neither
        typed nor asked about (wherever it goes: a channel the user named is still a leak)."""
        if effect not in CARRIERS or asks_for_credentials(self.conversation.user):
            return False
        return self.holdings.carries_credential(decoded_forms("\n".join(texts)))

    def wires_sink(self, origins: list[tuple[Value, Origin]], effect: str) -> bool:
        """Whether a side-effecting call sets up a destination from untrusted content that the
        content says receives secrets or the user's data (an upload hook, a debug endpoint)."""
        if effect == "read":
            return False
        return any(
            value.kind in ("url", "email")
            and origin in ("data", "directive", "injected")
            and any(_SINK.search(window) for window in self.around(value))
            for value, origin in origins
        )
