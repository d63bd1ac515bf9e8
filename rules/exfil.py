"""Whether a call carries private data out to a destination that came from untrusted content.

Private data is what the conversation holds that a third party should not get by asking: secrets
(API keys, tokens, private keys, passwords and one-time codes), identifiers (SSNs, card and
account numbers, e-mail addresses, phone numbers) and stretches of the conversation itself
(five words or more in a row of the developer's, the user's or another source's text). It is
*carried out* when it sits in the path, query or fragment of a URL, or in another argument of
the same call, and was not already part of the destination as the untrusted text gave it (a
search result's link with its own query string carries nothing of the user's).

When the destination is data the user pointed at (a search result, a message's sender) what
the user wrote themselves may go there (they asked to); when an instruction in the content
supplied the destination, nothing private may.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote_plus

from rules.conversation import Conversation
from rules.encodings import decoded_forms

_SECRET = re.compile(
    r"(?<![\w-])(?:sk-[A-Za-z0-9_-]{16,}|sk_(?:live|test)_[A-Za-z0-9]{16,}|AKIA[0-9A-Z]{16}"
    r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|AIza[0-9A-Za-z_-]{30,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)
_LABELLED = re.compile(
    # The lookahead lets the engine skip positions that cannot start a label (2x on long text).
    r"(?=[pPoOcCsStTaA])(?:password|passwd|passcode|passphrase|pin|otp|code|secret|token"
    r"|api[_ -]?key|access[_ -]?key|private[_ -]?key)\b[^\w\n]{0,3}(?:is|was|:|=)?\s*[\"'`]?"
    r"([A-Za-z0-9!@#$%^&*_+=./-]{4,64})",
    re.I,
)
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_DIGIT_RUN = re.compile(r"\d(?:[ \-.]?\d){7,}")
_DATE = re.compile(r"\b(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})\b")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
_CODE = re.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{5,12}\b")
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_PHONE = re.compile(r"\+?\d[\d ()\-.]{8,}\d")
_WORD = re.compile(r"[a-z0-9]+")
_SHINGLE = 5
_STOP = frozenset({"is", "was", "are", "the", "a", "an", "code", "token", "secret", "pin"})


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@dataclass(frozen=True, slots=True)
class Private:
    """Private items of one text: secrets, identifiers (normalised) and word shingles."""

    secrets: frozenset[str]
    identifiers: frozenset[str]
    shingles: frozenset[tuple[str, ...]]

    @classmethod
    def of(cls, text: str, shingles: bool = True) -> Private:
        """The private items in ``text``."""
        secrets = secrets_in(text)
        ids = {_digits(m.group()) for m in _SSN.finditer(text)}
        ids |= {
            _digits(m.group()) for m in _DIGIT_RUN.finditer(text) if not _DATE.search(m.group())
        }
        ids |= {m.group().replace(" ", "").lower() for m in IBAN.finditer(text)}
        lower = text.lower()
        ids |= {m.group() for m in _EMAIL.finditer(lower)}
        ids |= {_digits(m.group()) for m in _PHONE.finditer(text) if len(_digits(m.group())) >= 9}
        ids |= {m.group().lower() for m in _CODE.finditer(text)}
        grams: frozenset[tuple[str, ...]] = frozenset()
        if shingles:
            words = _WORD.findall(lower)
            grams = frozenset(
                tuple(words[i : i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1)
            )
        return cls(secrets, frozenset(i for i in ids if i), grams)

    def minus(self, other: Private) -> Private:
        """These items without ``other``'s."""
        return Private(
            self.secrets - other.secrets,
            self.identifiers - other.identifiers,
            self.shingles - other.shingles,
        )

    def union(self, others: Iterable[Private]) -> Private:
        """These items and ``others``'."""
        secrets, ids, grams = set(self.secrets), set(self.identifiers), set(self.shingles)
        for other in others:
            secrets |= other.secrets
            ids |= other.identifiers
            grams |= other.shingles
        return Private(frozenset(secrets), frozenset(ids), frozenset(grams))


def secret_items(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """``(secrets, credentials)`` of ``text``, lower-cased, in one pass: secrets are keys,
    tokens, private keys and labelled passwords or codes; credentials are the same without
    one-time codes and PINs."""
    keys = {m.group().lower() for m in _SECRET.finditer(text)}
    labelled: set[str] = set()
    credentials: set[str] = set()
    for match in _LABELLED.finditer(text):
        value = match.group(1)
        if value.lower() in _STOP or not (any(c.isdigit() for c in value) or len(value) >= 8):
            continue
        labelled.add(value.lower())
        if _CREDENTIAL_LABEL.search(text, match.start(), match.start(1)):
            credentials.add(value.lower())
    return frozenset(keys | labelled), frozenset(keys | credentials)


def secrets_in(text: str) -> frozenset[str]:
    """Keys, tokens, private keys and labelled passwords or codes in ``text`` (lower-cased)."""
    return secret_items(text)[0]


class Holdings:
    """The private items of one conversation, computed once and reused for every call."""

    def __init__(self, conversation: Conversation):
        self.text = "\n".join([*conversation.trusted, *(s.text for s in conversation.sources)])
        self.user_text = "\n".join(conversation.user)
        self.trusted = conversation.trusted
        self._held: Private | None = None
        self._words: frozenset[str] | None = None
        self._scanned: tuple[frozenset[str], frozenset[str]] | None = None
        self._contact: Private | None = None
        self._user: Private | None = None

    @property
    def held(self) -> Private:
        """Every private item of the conversation."""
        if self._held is None:
            self._held = Private.of(self.text)
        return self._held

    @property
    def user(self) -> Private:
        """The private items of the user's own words."""
        if self._user is None:
            self._user = Private.of(self.user_text)
        return self._user

    def secrets_at_risk(self, given_texts: Sequence[str]) -> frozenset[str]:
        """The conversation's secrets, except those in ``given_texts`` and the user's words
        (a message body may carry what the user typed; that is all it may carry of them)."""
        return self.scanned[0] - secrets_in("\n".join([*given_texts, self.user_text]))

    @property
    def scanned(self) -> tuple[frozenset[str], frozenset[str]]:
        """``(secrets, credentials)`` of the whole conversation (scanned once)."""
        if self._scanned is None:
            self._scanned = secret_items(self.text)
        return self._scanned

    def words_at_risk(self, given_texts: Sequence[str]) -> frozenset[str]:
        """The numbers and longer words of the developer's and the user's text that
        ``given_texts`` do not contain: a destination an instruction supplied gets none."""
        if self._words is None:
            self._words = distinctive("\n".join(self.trusted))
        return self._words - distinctive("\n".join(given_texts))

    def carries_credential(self, carried_text: str) -> bool:
        """Whether ``carried_text`` holds a credential of the conversation that the user did not
        type. Looked up from the carried side (its few candidate values, found in the
        conversation with their label), so a long conversation is not scanned whole."""
        lower = self.text.lower()
        typed = self.user_text.lower()
        for token in {t.lower().rstrip("./-") for t in _CANDIDATE.findall(carried_text)}:
            if token in typed or not (any(c.isdigit() for c in token) or len(token) >= 8):
                continue
            at = lower.find(token)
            while at >= 0:
                window = self.text[max(0, at - _LABEL_REACH) : at + len(token)]
                if token in secret_items(window)[1]:
                    return True
                at = lower.find(token, at + 1)
        return False

    def at_risk(self, given_texts: Sequence[str], pointed_at: bool) -> Private:
        """What must not reach a destination that came with ``given_texts``: the untrusted text
        around it when an instruction supplied it; when it is data the user pointed at, the
        whole texts it occurs in, and the user's own words may go there too."""
        given = Private.of("\n".join(given_texts))
        if pointed_at:
            given = given.union([self.user, self.contact])
        return self.held.minus(given)

    @property
    def contact(self) -> Private:
        """The e-mail addresses of the developer's and the user's text (the user's own, in a
        profile): what a sign-up or a reply the user asked for may carry."""
        if self._contact is None:
            emails = _EMAIL.findall("\n".join(self.trusted).lower())
            self._contact = Private(frozenset(), frozenset(emails), frozenset())
        return self._contact


def carried(payload: str, risk: Private, words: frozenset[str] = frozenset()) -> bool:
    """Whether ``payload`` (URL remainder and other arguments) carries any item of ``risk``, or
    any of ``words`` (for destinations an instruction supplied), as written or encoded
    (percent, base64, hex)."""
    if not payload.strip():
        return False
    decoded = decoded_forms(unquote_plus(payload))
    found = Private.of(decoded)
    lower = decoded.lower()
    if any(secret in lower for secret in risk.secrets):
        return True
    if found.identifiers & risk.identifiers:
        return True
    if words and words & distinctive(lower):
        return True
    return bool(found.shingles & risk.shingles)


_DISTINCTIVE = re.compile(r"\d{2,}|[^\W\d_]{4,}")
_URL_WORDS = "http https www html json xml api com org net example index page php aspx utf8"
_PLAIN = frozenset(_URL_WORDS.split()) | {"true", "false", "null", "none"}


def distinctive(text: str) -> frozenset[str]:
    """Numbers and longer words of ``text`` (lower-cased), minus URL furniture: what an
    instruction's destination may not receive from the conversation."""
    return frozenset(_DISTINCTIVE.findall(text.lower())) - _PLAIN


_CANDIDATE = re.compile(r"[A-Za-z0-9!@#$%^&*_+./-]{4,64}")
"""A stretch of text that could be a credential's value (labels and values split at ``=``/``:``)."""
_LABEL_REACH = 48
"""How far before a value its label may start ("AWS_SECRET_ACCESS_KEY=", "password is")."""
_CREDENTIAL_LABEL = re.compile(r"pass|secret|token|key", re.I)
_ASKS_FOR_CREDENTIALS = re.compile(
    r"\b(?:password|passphrase|passwd|api[ _-]?key|keys?|token|secret|credentials?|login)\b", re.I
)


def asks_for_credentials(user_words: Sequence[str]) -> bool:
    """Whether the user's words are about a password, key or token (so sending one may be what
    they asked for)."""
    return any(_ASKS_FOR_CREDENTIALS.search(text) for text in user_words)


def sensitive(text: str) -> frozenset[str]:
    """Government and card numbers in ``text`` (digits only): what a message body must not
    carry to a third party unless the user typed it."""
    found = {_digits(m.group()) for m in _SSN.finditer(text)}
    found |= {_digits(m.group()) for m in _CARD.finditer(text) if _luhn(_digits(m.group()))}
    return frozenset(found)


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return len(digits) >= 13 and total % 10 == 0


def url_host(url: str) -> str:
    """The lower-cased host of a URL (no user info, no port)."""
    rest = url.split("://", 1)[-1]
    cut = min((rest.find(c) for c in "/?#" if c in rest), default=len(rest))
    return rest[:cut].rpartition("@")[2].partition(":")[0].lower()


def url_remainder(url: str) -> str:
    """The part of a URL after ``scheme://host``: path, query and fragment."""
    rest = url.split("://", 1)[-1]
    cut = min((rest.find(c) for c in "/?#" if c in rest), default=len(rest))
    return rest[cut:]
