"""Normalisation before screening: disguised content counts (MODEL-SPEC §2).

``normalize(text)`` is what every detector scans instead of the raw text:

1. Unicode NFKC (full-width letters, ligatures, compatibility digits become plain ones).
2. Invisible format characters removed: zero-width space/joiners (U+200B-U+200D), word joiner
   and invisible operators (U+2060-U+2064), BOM (U+FEFF), soft hyphen (U+00AD), Mongolian vowel
   separator (U+180E) and the bidi controls (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069).
3. Cyrillic and Greek letters that look like Latin ones (``а`` U+0430 → ``a``, ``Ο`` U+039F →
   ``O`` ...) are folded to Latin: everywhere when the text is mostly Latin, otherwise only inside
   words that mix Latin with those scripts, so genuine Russian or Greek text stays intact.
4. Leetspeak is *not* folded here (``h3ll0`` stays), because digits carry meaning for the
   privacy detector; ``decoded_variants`` offers a folded copy instead.

ASCII text is returned unchanged without any work. Offsets of a normalised text match the
original only when the two are equal.

``decoded_variants(text)`` returns the extra texts detectors should also scan, each normalised:

- every whitespace-separated token of 24+ base64 characters (standard or URL-safe alphabet,
  neither all digits nor all letters), every token of 32+ hex digits (``0x`` allowed, not all
  decimal) and every run of 16+ hex pairs separated by spaces or colons, when it decodes to
  UTF-8 text that is at least 90 % printable;
- the rot13 of the text and the text reversed, when fewer than 8 % (and fewer than 3) of its
  words are common English words and at least that many, three of them distinct, become
  common English words after rot13 / reversal;
- the text with leetspeak folded (``m4k3`` → ``make``, ``t0`` → ``to``), when at least two leet
  digits sit between two letters.

Long tokens are found with ``str.split`` and length checks, and the other checks are one
regular-expression scan or one set lookup per word, so a typical 1 KB answer costs about
0.1 ms and nothing is decoded unless a long run exists.
"""

# The homoglyph table and its documentation are confusable characters on purpose.
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata

_INVISIBLE = (
    "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)

# Letters that render like Latin ones in common fonts (a subset of Unicode's confusables.txt
# limited to lookalikes of ASCII letters).
_HOMOGLYPHS = {
    # Cyrillic
    "а": "a",
    "е": "e",
    "ё": "e",
    "һ": "h",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "ӏ": "l",
    "о": "o",
    "р": "p",
    "ԛ": "q",
    "с": "c",
    "ѕ": "s",
    "у": "y",
    "ԝ": "w",
    "х": "x",
    "ԁ": "d",
    "А": "A",
    "В": "B",
    "Е": "E",
    "Ё": "E",
    "Һ": "H",
    "І": "I",
    "Ї": "I",
    "Ј": "J",
    "К": "K",
    "Ӏ": "I",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "Ԛ": "Q",
    "С": "C",
    "Ѕ": "S",
    "Т": "T",
    "У": "Y",
    "Ԝ": "W",
    "Х": "X",
    "Ү": "Y",
    "Ԁ": "D",
    # Greek
    "α": "a",
    "ε": "e",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "υ": "u",
    "χ": "x",
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ζ": "Z",
    "Η": "H",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Υ": "Y",
    "Χ": "X",
    # Latin letters outside ASCII that NFKC leaves alone
    "ɡ": "g",
    "ı": "i",
}

_STRIP_TABLE = dict.fromkeys(map(ord, _INVISIBLE))
_FOLD_TABLE: dict[int, str | None] = {
    **_STRIP_TABLE,
    **{ord(k): v for k, v in _HOMOGLYPHS.items()},
}
_HOMOGLYPH_CLASS = "".join(_HOMOGLYPHS)
_LATIN = re.compile(r"[A-Za-z]")
_CONFUSABLE = re.compile(f"[{_HOMOGLYPH_CLASS}]")
_FOREIGN = re.compile(r"[\u0370-\u03ff\u0400-\u052f]")
_MIXED_WORD = re.compile(
    rf"\w*(?:[A-Za-z]\w*[{_HOMOGLYPH_CLASS}]|[{_HOMOGLYPH_CLASS}]\w*[A-Za-z])\w*"
)


def normalize(text: str) -> str:
    """``text`` after NFKC, invisible-character removal and homoglyph folding (module rules)."""
    if text.isascii():
        return text
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not _CONFUSABLE.search(text):
        return text.translate(_STRIP_TABLE)
    if len(_LATIN.findall(text)) > len(_FOREIGN.findall(text)):
        return text.translate(_FOLD_TABLE)
    text = text.translate(_STRIP_TABLE)
    return _MIXED_WORD.sub(lambda match: match.group().translate(_FOLD_TABLE), text)


_BASE64_TOKEN = re.compile(r"[A-Za-z0-9+/\-_]{24,}={0,2}")
_HEX_TOKEN = re.compile(r"(?:0x)?([0-9A-Fa-f]{32,})")
_HEX_SPACED = re.compile(r"(?:[0-9A-Fa-f]{2}[ :]){15,}[0-9A-Fa-f]{2}")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_TRIM = "\"'.,;:!?()[]{}<>*`"
# Common English words whose rot13 and reversal are not common English words themselves
# ("be" <-> "or" under rot13, "on" -> "no", "was" -> "saw" reversed are left out).
_COMMON = frozenset(
    (
        "the",
        "and",
        "to",
        "of",
        "a",
        "is",
        "you",
        "in",
        "that",
        "it",
        "for",
        "are",
        "with",
        "this",
        "not",
        "have",
        "how",
        "what",
        "your",
        "can",
        "i",
        "we",
        "they",
        "he",
        "she",
        "will",
        "from",
        "by",
        "as",
        "at",
        "do",
        "if",
        "my",
        "me",
    )
)
_COMMON_ROT13 = frozenset(codecs.encode(word, "rot13") for word in _COMMON) - _COMMON
_COMMON_REVERSED = frozenset(word[::-1] for word in _COMMON if len(word) > 1) - {
    "era",
    "ton",
    "eh",
    "no",
    "saw",
}
ENGLISH_SHARE = 0.08
"""Texts with at least this share of common English words are not tried as rot13/reversed."""
_LEET = str.maketrans("013457@$", "oieastas")
# A leet digit between two letters (h0w, m4k3, 3xpl0s1v3; not mp3, 1st, covid19) triggers the
# folded variant; folding then covers every word with a letter and a leet character.
_LEET_HINT = re.compile(r"[A-Za-z][013457][A-Za-z]")
_LEET_WORD = re.compile(r"\b(?=[\w@$]*[A-Za-z])[A-Za-z0-9@$]*[013457@$][A-Za-z0-9@$]*")
MIN_PRINTABLE = 0.9
"""Share of printable characters a decoded run needs to count as text."""


def _printable_text(data: bytes) -> str | None:
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not decoded.strip():
        return None
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in decoded)
    return decoded if printable >= MIN_PRINTABLE * len(decoded) else None


def _decode_base64(run: str) -> str | None:
    body = run.rstrip("=")
    if len(body) % 4 == 1:
        return None
    padded = body + "=" * (-len(body) % 4)
    altchars = b"-_" if ("-" in body or "_" in body) else None
    try:
        data = base64.b64decode(padded, altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        return None
    return _printable_text(data)


def _decode_hex(run: str) -> str | None:
    digits = run.replace(" ", "").replace(":", "")
    return _printable_text(bytes.fromhex(digits[: len(digits) // 2 * 2]))


def _encoded_runs(text: str, tokens: list[str]) -> list[str]:
    """Decoded base64/hex runs among the whitespace-separated ``tokens`` of ``text``."""
    decoded: list[str | None] = []
    for raw in tokens:
        if len(raw) < 24:  # most tokens: one length check each
            continue
        token = raw.strip(_TRIM)
        hex_match = _HEX_TOKEN.fullmatch(token)
        if hex_match and not hex_match.group(1).isdigit():
            decoded.append(_decode_hex(hex_match.group(1)))
        elif _HEX_SPACED.fullmatch(token):
            decoded.append(_decode_hex(token))
        elif _BASE64_TOKEN.fullmatch(token) and not (token.isdigit() or token.isalpha()):
            decoded.append(_decode_base64(token))
    pairs = [token for token in tokens if len(token) == 2]
    if len(pairs) >= 16 and sum(_HEX_DIGITS.issuperset(pair) for pair in pairs) >= 16:
        decoded += (_decode_hex(match.group()) for match in _HEX_SPACED.finditer(text))
    return [normalize(item) for item in decoded if item is not None]


def _looks_english(words: list[str], common: frozenset[str], enough: float) -> bool:
    hits = [word for word in words if word in common]
    return len(hits) >= enough and len(set(hits)) >= 3


def decoded_variants(text: str) -> list[str]:
    """Extra normalised texts that detectors should scan besides ``normalize(text)``."""
    tokens = text.split()
    variants = _encoded_runs(text, tokens)
    words = text.lower().split()
    enough = max(3.0, ENGLISH_SHARE * len(words))
    if sum(map(_COMMON.__contains__, words)) < enough:
        if _looks_english(words, _COMMON_ROT13, enough):
            variants.append(normalize(codecs.encode(text, "rot13")))
        if _looks_english(words, _COMMON_REVERSED, enough):
            variants.append(normalize(text[::-1]))
    # Most texts carry none of the leet digits: a few substring tests skip the regex scan.
    hints = len(_LEET_HINT.findall(text)) if any(d in text for d in "013457") else 0
    if hints >= 2:
        # encoded runs (base64, hashes) are full of letter-digit-letter sequences: not leet
        hints -= sum(len(_LEET_HINT.findall(token)) for token in tokens if len(token) >= 24)
    if hints >= 2:
        variants.append(normalize(_LEET_WORD.sub(lambda m: m.group().translate(_LEET), text)))
    return variants
