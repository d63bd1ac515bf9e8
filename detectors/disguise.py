"""Ways a model or an attacker disguises text to slip it past a filter (MODEL-SPEC §2).

Each ``DISGUISES`` entry turns a plain text into a disguised one that a reader (or a model
asked to decode it) still recovers. ``specguard eval --disguise NAME`` scores the screening path
on disguised rows, and the evasion tests assert that recall holds under every one of them; the
folds that undo them live in ``detectors.normalize``.
"""

# The homoglyph table is made of confusable characters on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import base64
import codecs
from collections.abc import Callable

_ZERO_WIDTH = "\u200b"
_HOMOGLYPHS = str.maketrans("aceopxyABCEHKMOPTX", "асеорхуАВСЕНКМОРТХ")
_LEET = str.maketrans("aeiostAEIOST", "431057431057")
_TAG_BASE = 0xE0000
COVER = "Here is the text you asked for."
"""Visible text in front of a payload hidden in invisible characters."""


def zero_width(text: str) -> str:
    """A zero-width space after every character."""
    return _ZERO_WIDTH.join(text)


def homoglyph(text: str) -> str:
    """Latin letters swapped for the Cyrillic ones that look the same."""
    return text.translate(_HOMOGLYPHS)


def base64_encoded(text: str) -> str:
    """The UTF-8 bytes in standard base64, as a model asked to "answer in base64" would."""
    return base64.b64encode(text.encode()).decode()


def rot13(text: str) -> str:
    """Letters rotated by 13."""
    return codecs.encode(text, "rot13")


def reversed_text(text: str) -> str:
    """The characters in reverse order."""
    return text[::-1]


def leet(text: str) -> str:
    """Vowels, ``s`` and ``t`` written as digits (``h0w 70 m4k3``)."""
    return text.translate(_LEET)


def _letters_apart(text: str, separator: str, between_words: str) -> str:
    return between_words.join(separator.join(word) for word in text.split())


def spaced(text: str) -> str:
    """``s o c i a l  s e c u r i t y``: one space between characters, two between words."""
    return _letters_apart(text, " ", "  ")


def dotted(text: str) -> str:
    """``s.o.c.i.a.l s.e.c.u.r.i.t.y``: dots between characters, a space between words."""
    return _letters_apart(text, ".", " ")


def hyphenated(text: str) -> str:
    """``s-o-c-i-a-l s-e-c-u-r-i-t-y 5-3-6-2-2``: hyphens between characters."""
    return _letters_apart(text, "-", " ")


def tag_smuggled(text: str) -> str:
    """ASCII smuggling: the text as invisible Unicode tag characters behind a visible cover."""
    hidden = "".join(chr(_TAG_BASE + ord(ch)) if " " <= ch <= "~" else ch for ch in text)
    return f"{COVER} \U000e0001{hidden}\U000e007f"


def variation_selectors(text: str) -> str:
    """A variation selector (U+FE0F, U+E0100...) after every character: invisible noise."""
    selectors = ("\ufe0f", "\ufe0e", "\U000e0100", "\U000e0101")
    return "".join(ch + selectors[i % len(selectors)] for i, ch in enumerate(text))


def selector_smuggled(text: str) -> str:
    """Emoji smuggling: the UTF-8 bytes as variation selectors after one visible emoji
    (byte b < 16 as U+FE00+b, otherwise U+E0100+b-16)."""
    hidden = "".join(
        chr(0xFE00 + byte) if byte < 16 else chr(0xE0100 + byte - 16) for byte in text.encode()
    )
    return f"{COVER} \U0001f600{hidden}"


DISGUISES: dict[str, Callable[[str], str]] = {
    "zero_width": zero_width,
    "homoglyph": homoglyph,
    "base64": base64_encoded,
    "rot13": rot13,
    "reversed": reversed_text,
    "leet": leet,
    "spaced": spaced,
    "dotted": dotted,
    "hyphenated": hyphenated,
    "tags": tag_smuggled,
    "variation_selectors": variation_selectors,
    "selector_smuggled": selector_smuggled,
}
"""Every disguise by name, plain-text in, disguised text out."""
