"""Extra texts to screen: encodings decoded, ciphers undone, spaced-out letters joined.

``decoded_variants(text)`` takes a normalised text (``detectors.normalize``) and returns the
other readings of it that detectors should also scan:

- every whitespace-separated token of 24+ base64 characters (standard or URL-safe alphabet,
  neither all digits nor all letters), every token of 32+ hex digits (``0x`` allowed, not all
  decimal) and every run of 16+ hex pairs separated by spaces or colons, when it decodes to
  UTF-8 text that is at least 90 % printable (each decoded text normalised in turn);
- the text with characters written apart joined up: ``s o c i a l  s e c u r i t y  5 3 6``
  (one space inside a word, two or more between words; ``S * Y * N`` too) and ``s.o.c.i.a.l``,
  ``5-3-6---2-2`` (one separator of ``.-_*·•,|/+~`` repeated inside a word) read ``social
  security 536`` and ``social 536-22``, once a text holds such a run with 4+ letters or digits;
- the text with leetspeak folded (``m4k3`` → ``make``; ``B5L`` → ``BSL``; ``ways 70 go`` →
  ``ways to go``, but ``Main Road 15`` keeps its number), when at least two runs of leet digits
  sit between two letters (e-mail addresses keep their ``@``);
- the rot13 of the text and the text reversed (of the joined and unleeted text, when there is
  one), when fewer than 8 % (and fewer than 3) of its words are common English words (``a`` and
  ``i`` do not count for reversal: they read the same) and at least that many, three of them
  distinct, become common English words after rot13 / reversal; for a short text (up to
  ``SHORT_TEXT`` characters), when more of its words become common English words than are
  already, the better of the two readings only; and when no word decides, when its letters
  give it away (rot13: ``r g n b`` outnumber ``e t a o``, the most frequent English letters,
  3:2; reversed: ``eht gni dna ...`` outnumber ``the ing and ...`` 2:1).

Tokens are found with ``str.split`` and length checks; characters written apart and leetspeak
are first looked for with one cheap regular-expression scan each; the English checks are one set
lookup per word and look further only at text that is not plain English. Building every variant
of ordinary text costs about 0.1 ms per KB (``python -m tests.bench_disguise``), and nothing is
decoded unless its trigger is present.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

from detectors.normalize import normalize, printable_text

_BASE64_TOKEN = re.compile(r"[A-Za-z0-9+/\-_]{24,}={0,2}")
_HEX_TOKEN = re.compile(r"(?:0x)?([0-9A-Fa-f]{32,})")
_HEX_SPACED = re.compile(r"(?:[0-9A-Fa-f]{2}[ :]){15,}[0-9A-Fa-f]{2}")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_TRIM = "\"'.,;:!?()[]{}<>*`"


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
    return printable_text(data)


def _decode_hex(run: str) -> str | None:
    digits = run.replace(" ", "").replace(":", "")
    return printable_text(bytes.fromhex(digits[: len(digits) // 2 * 2]))


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


# Common English words. A cipher's image of one that is itself an English word says nothing
# ("be" <-> "or" under rot13, "one" -> "bar"; "was" -> "saw", "time" -> "emit" reversed).
_COMMON = frozenset(
    """
    the and to of a is you in that it for are with this not have how what your can i we they he
    she will from by as at do if my me be or an on no was were been has had his her him one all
    out up who get so more about would there their which when make like just know take into
    some could them other than then only also after use our want because any these most us give
    list please card number name address call here where why need help find tell way first time
    """.split()  # noqa: SIM905 (a word list, not a literal to keep in sync)
)
_COMMON_ROT13 = (
    frozenset(codecs.encode(word, "rot13") for word in _COMMON)
    - _COMMON
    - {
        "bar",
        "fur",
        "ab",
    }
)
_COMMON_REVERSED = (
    frozenset(word[::-1] for word in _COMMON if len(word) > 1)
    - _COMMON
    - {
        "era",
        "ton",
        "eh",
        "saw",
        "emit",
        "yaw",
        "wonk",
    }
)
ENGLISH_SHARE = 0.08
"""Texts with at least this share of common English words are not tried as rot13/reversed."""
ENGLISH_SHARE = 0.08
"""Texts with at least this share of common English words are not tried as rot13/reversed."""
SHORT_TEXT = 320
"""Texts up to this many characters with no common English word are also read as rot13 and
reversed: too short for the word and letter statistics, and cheap to scan twice more."""
_ROT13_TELLS = ("r", "g", "n", "b")  # e t a o under rot13
_ENGLISH_LETTERS = ("e", "t", "a", "o")
_REVERSED_TELLS = ("eht", "gni", "dna", "noi", "tne", "aht", "reh")
_ENGLISH_TRIGRAMS = ("the", "ing", "and", "ion", "ent", "tha", "her")
# Leet digits between two letters (h0w, m4k3, c14l; not mp3, 1st, covid19) trigger the
# folded variant; folding then covers every word with a letter and a leet character.
_LEET_HINT = re.compile(r"[A-Za-z][013457]+[A-Za-z]")
# A leet word: letters, digits and leet symbols with at least one letter and one leet
# character; an ``@`` followed by a domain stays (an e-mail address).
_LEET_CHAR = r"(?:[^\W_]|\$|@(?![\w-]+\.\w))"
_LEET_WORD = re.compile(
    rf"\b(?=[\w@$]*[^\W\d_]){_LEET_CHAR}*?(?:[013457$]|@(?![\w-]+\.\w)){_LEET_CHAR}*"
)
# Short words written in digits alone, read as words after a word and before a word or a number
# (``ways 70 go``, ``lives 47 87``) or after an apostrophe (``here'5``); a number anywhere else
# stays a number (``Main Street 15``, ``Apt 4``).
_LEET_NUMBER_WORDS = {
    "70": "to",
    "4": "a",
    "1": "i",
    "15": "is",
    "17": "it",
    "45": "as",
    "47": "at",
    "50": "so",
}
_LEET_NUMBER = re.compile(r"(?<=[^\W\d_] )(?:70|4|1|15|17|45|47|50)(?= [^\W\d_]| \d+\b)")
_LEET_SUFFIX = re.compile(r"(?<=[^\W\d_]')[57]\b")
_LEET_FOLD = str.maketrans("013457@$", "oieastas")


# Characters written apart: a run of single characters one space apart, 4+ of them letters or
# digits (then every such run is joined); or a token of single characters with the same
# separator between each, 4+ of them letters or digits.
_SPACED_HINT = re.compile(r" \S \S ")  # a cheap scan first: literal spaces
_SPACED_WORD = re.compile(r"(?<!\S)\S(?: \S(?!\S))+")
_SEPARATORS = frozenset(".-_*·•,|/+~")
_APART_HINT = re.compile(r"([.\-_*·•,|/+~])\S\1\S\1")  # starts on a separator: cheap
_TRAILING = ".,;:!?"
_WIDE_SPACE = re.compile(r"[ \t]{2,}")


def _letters(text: str, letters: tuple[str, ...]) -> int:
    return sum(text.count(letter) for letter in letters)


def _unapart(word: str, least: int = 1) -> str | None:
    """``word`` joined up when it is single characters with one separator between each
    (``s.o.c.i.a.l``, ``5-3-6---2-2``, ``M-D-M-A-,``), at least ``least`` of them letters or
    digits; else None."""
    core = word.rstrip(_TRAILING)
    if len(core) < 3 or core[1] not in _SEPARATORS:
        return None
    separator = core[1]
    if len(core) % 2 == 0:
        if core[-1] != separator:
            return None
        core = core[:-1]
    if core[1::2] != separator * (len(core) // 2):
        return None
    cells = core[0::2]
    if sum(ch.isalnum() for ch in cells) < least:
        return None
    return cells + word[len(word.rstrip(_TRAILING)) :]


def _joined(text: str) -> str | None:
    """``text`` with characters written apart joined up, or None when it has no such run."""
    joined = text
    if _SPACED_HINT.search(text) and any(
        sum(ch.isalnum() for ch in run.group()[::2]) >= 4 for run in _SPACED_WORD.finditer(text)
    ):
        joined = _SPACED_WORD.sub(lambda match: match.group().replace(" ", ""), text)
        joined = _WIDE_SPACE.sub(" ", joined)
    if _APART_HINT.search(joined) and any(
        len(token) >= 7
        and token[1] == token[3] == token[5]
        and _unapart(token, least=4) is not None
        for token in joined.split()
    ):
        joined = " ".join(_unapart(word) or word for word in joined.split())
    return joined if joined != text else None


def _deciphers(words: list[str], common: frozenset[str], enough: float, short: int) -> int:
    """How many of ``words`` are common English words once the cipher is undone (``common``
    holds them as ciphered), when that is enough (three distinct), or for a short text
    (``short`` > -1) more than the ``short`` common words it has as it stands; else 0."""
    hits = [word for word in words if word in common]
    if short >= 0:
        return len(hits) if len(hits) > short else 0
    return len(hits) if len(hits) >= enough and len(set(hits)) >= 3 else 0


def _rot13_tells(text: str) -> bool:
    lower = text.lower()
    tells = _letters(lower, _ROT13_TELLS)
    return tells >= 8 and tells > 1.5 * _letters(lower, _ENGLISH_LETTERS)


def _reversed_tells(text: str, short: bool) -> bool:
    lower = text.lower()
    tells = _letters(lower, _REVERSED_TELLS)
    return tells >= (1 if short else 2) and tells > 2 * _letters(lower, _ENGLISH_TRIGRAMS)


def _unleet_word(match: re.Match[str]) -> str:
    word = match.group()
    folded = word.translate(_LEET_FOLD)
    if word.isupper() and sum(ch.isalpha() for ch in word) >= 2:
        return folded.upper()  # B5L -> BSL, not BsL (but H15 -> His)
    before = match.string[max(0, match.start() - 8) : match.start()]
    stripped = before.rstrip(" \t")
    begins = (
        (not stripped and match.start() < 8)  # the text begins
        or stripped.endswith("\n")  # a line begins
        or (stripped != before and stripped[-1:] in ".!?:")  # a sentence begins
    )
    if begins and not word[0].isalpha():
        return folded[0].upper() + folded[1:]  # 174ly -> Italy, but example.0rg -> example.org
    return folded


def _unleet(text: str, tokens: list[str]) -> str | None:
    # Most texts carry none of the leet digits: a few substring tests skip the regex scan.
    hints = len(_LEET_HINT.findall(text)) if any(d in text for d in "013457") else 0
    if hints >= 2:
        # encoded runs (base64, hashes) are full of letter-digit-letter sequences: not leet
        hints -= sum(len(_LEET_HINT.findall(token)) for token in tokens if len(token) >= 24)
    if hints < 2:
        return None
    folded = _LEET_WORD.sub(_unleet_word, text)
    for _ in range(2):  # twice: "because 17 15 n07" -> "because it 15 not" -> "... it is not"
        folded = _LEET_NUMBER.sub(lambda m: _LEET_NUMBER_WORDS[m.group()], folded)
    return _LEET_SUFFIX.sub(lambda m: m.group().translate(_LEET_FOLD), folded)


def _deciphered(text: str) -> list[str]:
    """The rot13 and the reversal of ``text``, each when ``text`` reads better so (module
    rules)."""
    words = text.lower().split()
    enough = max(3.0, ENGLISH_SHARE * len(words))
    english = sum(map(_COMMON.__contains__, words))
    # "a" and "i" read the same reversed: they say nothing about whether a text is reversed
    reversible = english - words.count("a") - words.count("i")
    if reversible >= enough:
        return []
    short = len(text) <= SHORT_TEXT
    if short:  # few words: punctuation must not hide one, and each one counts
        words = [word.strip(_TRIM) for word in words]
        english = sum(map(_COMMON.__contains__, words))
        reversible = english - words.count("a") - words.count("i")
    rot13 = _deciphers(words, _COMMON_ROT13, enough, english if short else -1)
    backwards = _deciphers(words, _COMMON_REVERSED, enough, reversible if short else -1)
    if english >= enough:
        rot13 = 0
    if short and rot13 and backwards:  # a few words: keep the better reading only
        rot13, backwards = int(rot13 >= backwards), int(backwards >= rot13)
    if not (rot13 or backwards) and len(words) >= 4:
        # no word says which: the letters may (not for one long token such as base64)
        rot13 = int(english < enough and _rot13_tells(text))
        backwards = int(_reversed_tells(text, short))
    found = [normalize(codecs.encode(text, "rot13"))] if rot13 else []
    if backwards:
        found.append(normalize(text[::-1]))
    return found


def decoded_variants(text: str) -> list[str]:
    """Extra texts that detectors should scan besides ``text``, which is normalised already
    (module rules)."""
    original, tokens = text, text.split()
    found = _encoded_runs(text, tokens)
    joined = _joined(text)
    if joined is not None:
        found.append(joined)
        text, tokens = joined, joined.split()
    unleet = _unleet(text, tokens)
    if unleet is not None:
        found.append(unleet)
        text = unleet  # leet digits stand for e, t, a, o: the rot13 letter count needs them
    found += _deciphered(text)
    return [item for item in dict.fromkeys(found) if item != original]
