"""Text hidden in an encoding a URL or a request body can carry: base64 (standard and URL-safe)
and hex. ``decoded_forms`` appends what such tokens decode to, so private data that was encoded
before it left is still recognised."""

from __future__ import annotations

import base64
import binascii
import re

_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
_HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}){6,}\b")
_MAX_TOKENS = 32


def _printable(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    shown = sum(ch.isprintable() or ch in "\n\t" for ch in text)
    return text if text and shown >= 0.9 * len(text) else None


def _base64(token: str) -> str | None:
    body = token.rstrip("=")
    padded = body + "=" * (-len(body) % 4)
    alphabet = b"-_" if ("-" in body or "_" in body) else b"+/"
    try:
        return _printable(base64.b64decode(padded, altchars=alphabet, validate=True))
    except (binascii.Error, ValueError):
        return None


def decoded_forms(text: str) -> str:
    """``text`` followed by the decoded text of its base64 and hex tokens (at most a few dozen,
    so a long body costs little)."""
    found: list[str] = []
    for match in _HEX.finditer(text):
        if len(found) >= _MAX_TOKENS:
            break
        decoded = _printable(bytes.fromhex(match.group()))
        if decoded:
            found.append(decoded)
    for match in _BASE64.finditer(text):
        if len(found) >= _MAX_TOKENS:
            break
        token = match.group()
        if token.isalpha() and (token.islower() or token.isupper()):
            continue  # a plain word, not an encoding
        decoded = _base64(token)
        if decoded:
            found.append(decoded)
    return "\n".join([text, *found]) if found else text
