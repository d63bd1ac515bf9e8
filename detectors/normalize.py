"""Normalisation before screening: disguised content counts (MODEL-SPEC §2).

``normalize(text)`` is the text every detector also scans besides the raw one:

1. Unicode NFKC (full-width letters, ligatures, compatibility digits become plain ones).
2. Invisible characters removed: every format character (Unicode category Cf: zero-width
   space/joiners, word joiner, soft hyphen, BOM, Mongolian vowel separator, the bidi controls,
   Arabic number signs ...) and the other default-ignorable ones (variation selectors
   U+FE00-U+FE0F and U+E0100-U+E01EF, combining grapheme joiner, Hangul fillers, Khmer inherent
   vowels, Mongolian free variation selectors; an emoji keeps its presentation selector U+FE0F,
   which splits no word). An interlinear annotation (U+FFF9-U+FFFB) keeps both texts, a space
   apart.
3. Hidden text decoded in place: Unicode tag characters (U+E0020-U+E007E, "ASCII smuggling")
   become the ASCII characters they shadow, and a run of 4+ variation selectors that spells
   UTF-8 bytes ("emoji smuggling": byte b as U+FE00+b below 16, else U+E0100+b-16) becomes
   that text. Tag flags (the Scotland flag's ``gbsct``) decode harmlessly.
4. Combining marks stacked on ASCII letters ("Zalgo" text, ``h̸e̷``) are dropped; NFKC has
   already composed every accented letter that exists precomposed, so real accents stay.
5. Cyrillic and Greek letters that look like Latin ones (``а`` U+0430 → ``a``, ``Ο`` U+039F →
   ``O`` ...) are folded to Latin: everywhere when the text is mostly Latin, otherwise only inside
   words that mix Latin with those scripts, so genuine Russian or Greek text stays intact.
6. Leetspeak, letters spaced apart, encodings and ciphers are *not* undone here (digits and
   separators carry meaning for the privacy detector): ``detectors.decoding`` offers extra
   variants for those.

ASCII text is returned unchanged without any work; other text pays one NFKC check, one regular
expression scan for hidden runs and stacked marks, and one ``str.translate``. Offsets of a
normalised text match the original only when the two are equal.
"""

# The homoglyph table and its documentation are confusable characters on purpose.
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

import re
import unicodedata

# Format characters (Cf) and the other default-ignorable code points (DerivedCoreProperties),
# as inclusive ranges; tag characters and variation selectors are handled apart below.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x0600, 0x0605),  # Arabic number signs
    (0x061C, 0x061C),  # Arabic letter mark
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),  # Hangul choseong/jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors, vowel separator
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner; LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates, deprecated controls
    (0x3164, 0x3164),  # Hangul filler
    (0xFEFF, 0xFEFF),  # BOM / zero-width no-break space
    (0xFFA0, 0xFFA0),  # half-width Hangul filler
    (0xFFF0, 0xFFF8),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),  # Egyptian hieroglyph format controls
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format controls
    (0xE0000, 0xE001F),  # language tag and unassigned tag-block code points
    (0xE007F, 0xE00FF),  # cancel tag
    (0xE01F0, 0xE0FFF),
)
_SELECTORS = "\ufe00-\ufe0f\U000e0100-\U000e01ef"
_TAG_OFFSET = 0xE0000

_STRIP_TABLE: dict[int, str | None] = {
    **{code: None for low, high in _IGNORABLE_RANGES for code in range(low, high + 1)},
    **{code: None for code in range(0xFE00, 0xFE0E)},  # FE0E/FE0F: see _HIDDEN
    **{code: None for code in range(0xE0100, 0xE01F0)},
    **{code: chr(code - _TAG_OFFSET) for code in range(0xE0020, 0xE007F)},
    0xFFF9: None,  # interlinear annotation anchor, separator, terminator
    0xFFFA: " ",
    0xFFFB: " ",
}

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
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_EMOJI = "\u2000-\u2bff\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
_HIDDEN = re.compile(
    f"(?P<selectors>[{_SELECTORS}]{{4,}})"
    f"|(?<=[A-Za-z])[{_MARKS}]+"
    f"|(?<![{_EMOJI}])[\ufe0e\ufe0f](?!\u20e3)"
)
"""A run of variation selectors long enough to carry data, marks stacked on a letter, or a
text/emoji presentation selector anywhere but after a symbol or emoji or in a keycap (``❤️``
and ``1️⃣`` keep theirs, so ordinary emoji text normalises to itself: no extra scan)."""
_TAGS = "\U000e0020-\U000e007e"
# One-character-class scans are ~10x cheaper than the patterns they guard: ordinary non-ASCII
# text (curly quotes, accents, emoji) pays one per step and skips the step.
_MAY_HIDE = re.compile(f"[{_SELECTORS}{_MARKS}]")
_MAY_SMUGGLE = re.compile(f"[{_SELECTORS}{_TAGS}]")
_INVISIBLE = re.compile(
    "["
    + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in _IGNORABLE_RANGES)
    + f"{_SELECTORS}{_TAGS}\ufff9-\ufffb]"
)
MIN_PRINTABLE = 0.9
"""Share of printable characters a decoded run needs to count as text."""


def printable_text(data: bytes) -> str | None:
    """``data`` as UTF-8 text when it decodes and at least ``MIN_PRINTABLE`` of it is
    printable, else None."""
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not decoded.strip():
        return None
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in decoded)
    return decoded if printable >= MIN_PRINTABLE * len(decoded) else None


def _selector_byte(ch: str) -> int:
    code = ord(ch)
    return code - 0xFE00 if code < 0xFE10 else code - 0xE0100 + 16


def _reveal(match: re.Match[str]) -> str:
    selectors = match.group("selectors")
    if selectors is None:
        return ""  # stacked combining marks, a stray presentation selector
    decoded = printable_text(bytes(map(_selector_byte, selectors)))
    return f" {decoded} " if decoded else ""


_SMUGGLED = re.compile(f"[\U000e0020-\U000e007e]+|[{_SELECTORS}]{{4,}}")
_TAG_TABLE = {code: chr(code - _TAG_OFFSET) for code in range(0xE0020, 0xE007F)}


def hidden_text(text: str) -> str | None:
    """The text smuggled into ``text`` in tag characters or variation-selector runs, alone
    (a hidden payload is also scanned apart from the visible text it hides behind), or None."""
    if text.isascii() or not _MAY_SMUGGLE.search(text):
        return None
    found = []
    for match in _SMUGGLED.finditer(text):
        run = match.group()
        if run[0] >= "\U000e0020" and run[0] <= "\U000e007e":
            found.append(run.translate(_TAG_TABLE))
        else:
            found.append(printable_text(bytes(map(_selector_byte, run))) or "")
    hidden = " ".join(part for part in found if part.strip())
    return hidden or None


def normalize(text: str) -> str:
    """``text`` after NFKC, invisible-character removal, hidden-text decoding and homoglyph
    folding (module rules)."""
    if text.isascii():
        return text
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if _MAY_HIDE.search(text):
        text = _HIDDEN.sub(_reveal, text)
    confusable = _CONFUSABLE.search(text)
    if confusable and len(_LATIN.findall(text)) > len(_FOREIGN.findall(text)):
        return text.translate(_FOLD_TABLE)
    if _INVISIBLE.search(text):
        text = text.translate(_STRIP_TABLE)
    if not confusable:
        return text
    return _MIXED_WORD.sub(lambda match: match.group().translate(_FOLD_TABLE), text)
