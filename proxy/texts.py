"""Every text an OpenAI-compatible answer carries, found by walking its shape.

A choice's answer is not only ``message.content``: reasoning servers add ``reasoning_content``
or ``reasoning`` (vLLM, DeepSeek, OpenRouter's ``reasoning_details``), audio answers carry a
``transcript``, ``content`` may be a list of parts, legacy completions answer in
``choices[].text``, ``logprobs`` repeat every token, and a stream chunk may carry ``message``
where ``delta`` belongs. A fixed list of fields lets whatever it forgets through, so
``choice_texts`` walks the whole choice and returns every non-empty string in it, except under
keys that hold no prose (``STRUCTURAL``) and two opaque payloads (``OPAQUE``).

What is not screened, and why:

- ``STRUCTURAL`` keys holding a number, a boolean or a string shaped like an identifier (no
  spaces; letters, digits and ``_.:/@+=~-``): ids and enums (``id``, ``tool_call_id``,
  ``role``, ``type``, ``finish_reason``, ``index``...), signatures and timestamps. Anything
  else there (a sentence in ``model``, an object or a list under ``id``) is walked like any
  field, and so is an identifier-shaped value holding what no id needs
  (``PERSONAL_IN_ID``: an SSN, phone or card number spelled with its separators, an e-mail
  address, a provider's API-key prefix), so an upstream cannot relay personal data as a
  ``model`` or an ``id``.
- ``OPAQUE`` channels: ``audio.data`` (base64 audio, not text) and ``reasoning_details.data``
  (encrypted reasoning), when their value is shaped like base64 and spells none of
  ``PERSONAL_IN_ID`` (``encoded``); anything else there is screened like any field. Their
  transcripts and summaries are screened.
- Non-string values (numbers, booleans). ``logprobs`` ``bytes`` arrays are the exception: they
  should repeat their token's UTF-8, but an upstream may spell other text in them, so their
  decoded text is screened too (channel ``logprobs.content.bytes``; inexact, so a redaction
  there refuses).

Strings outside the choices (``top_texts``: an unknown top-level field, ``citations``) are
screened too, as channels named from the top.

Field **names** are not screened: an answer with a name that is not identifier-shaped, longer
than ``MAX_NAME``, holding a run of more than seven digits (a token id has fewer, an SSN or a
card number more) or spelling personal data the way ``PERSONAL_IN_ID`` describes is refused as
malformed (``UpstreamMalformed``, a 502) by every walk. What an identifier can spell still
passes in a name, as in an ``id``: a password with no separator (``password:Qr7dke39``).

Strings are grouped into **channels**, one text per choice and channel, joined in order, so a
value split across list items or stream chunks is still seen whole. A channel is named by its
path below the choice with ``message``/``delta`` and list positions left out, and a part's
``text`` key folded into its list: ``content`` (a string, or the text parts of a list),
``reasoning_content``, ``audio.transcript``, ``text`` (legacy), ``logprobs.content.token``.
Tool calls keep their call index and drop ``function``: ``tool_calls.0.arguments``,
``tool_calls.0.name``, ``function_call.arguments``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from proxy.errors import UpstreamMalformed

STRUCTURAL = frozenset(
    {
        "index",
        "id",
        "tool_call_id",
        "role",
        "type",
        "finish_reason",
        "object",
        "created",
        "model",
        "signature",
        "format",
        "expires_at",
        "specguard",
        "system_fingerprint",
        "service_tier",
    }
)
"""Keys whose values are identifiers, enums or signatures, never prose. Only their scalar
values are skipped: an object or list under one of these keys is no identifier, and is walked
like any other field (an upstream's own ``specguard`` object, ``"id": ["..."]``)."""
_CONTAINERS = (dict, list)
IDENTIFIER = re.compile(r"[\w.:/@+=~-]*", re.ASCII)
"""The shape of a ``STRUCTURAL`` string that is skipped: an id, enum or signature, not prose."""
_AWS_KEY_ID = r"(?:AKIA|ASIA)[0-9A-Z]{16}\b"
_GOOGLE_KEY = r"AIza[0-9A-Za-z_-]{30}"
PERSONAL_IN_ID = re.compile(
    r"(?<![\d-])(?:\d{3}-\d{2}-\d{4}|\d{3}[-.]\d{3}[-.]\d{4}|\d{4}[-.]\d{4}[-.]\d{4}"
    r"[-.]\d{1,7}|\+\d{9,15})(?![\d-])|(?<![\w.+-])[\w.+-]+@[\w-]+\.[a-z]{2,}"
    r"|\b(?:sk-|sk_live_|rk_live_|ghp_|gho_|github_pat_|xox[abpr]-|glpat-)"
    rf"|(?-i:\b{_AWS_KEY_ID}|\b{_GOOGLE_KEY})",
    re.ASCII | re.IGNORECASE,
)
"""What makes an identifier-shaped value text to screen after all: personal data spelled the
way ids never are (an SSN, a phone or card number with its separators, an e-mail address)
or a provider's API-key prefix (AWS and Google key ids by their case-sensitive shape, so a
region such as ``asia-northeast1`` is not one). A bare digit run is not one: ids are often
timestamps. Model names and ids (``gpt-4o-2024-08-06``, ``chatcmpl-9x...``, ``fp_44709d6fcb``,
``hf.co/org/Model-GGUF:Q4_K_M``) hold none of these. An address is only sought where no
address character precedes it, so a long identifier costs linear time, not quadratic."""


_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}", re.ASCII)
"""The alphabets of base64 and base64url, with padding."""
MAX_NAME = 128
"""Longest field name an answer may use (real ones are a few dozen characters at most)."""
MAX_IDENTIFIER = 256
"""Longest ``STRUCTURAL`` value skipped as an identifier; a longer one is skipped only when it
is ``encoded`` (a signature), and screened otherwise."""
_PLUS_DIGITS = re.compile(r"\+\d{9}", re.ASCII)
_KEY_IDS = re.compile(f"{_AWS_KEY_ID}|{_GOOGLE_KEY}", re.ASCII)
"""``PERSONAL_IN_ID``'s key-id branches without their leading ``\\b``, so that ``re`` can skip
to their literal first letters (milliseconds a megabyte)."""
_DIGIT_MAP = bytes(0x31 if 0x30 <= i <= 0x39 else 0x30 for i in range(256))
"""``bytes.translate`` table: ASCII digits to ``1``, everything else to ``0``."""


def _digit_run(text: str, length: int) -> bool:
    """Whether ASCII ``text`` has ``length`` digits in a row: a C-speed scan, where ``re``
    would try every position of megabytes of base64."""
    return b"1" * length in text.encode("ascii").translate(_DIGIT_MAP)


def encoded(value: Any) -> bool:
    """Whether ``value`` is an encoded payload, not text: a string in the alphabet of base64
    (or base64url) that spells none of ``PERSONAL_IN_ID`` and no run of twelve digits (an SSN,
    a key or a card number is base64-shaped too)."""
    if type(value) is not str or _BASE64.fullmatch(value) is None:
        return False
    # A card number spelled bare: twelve digits in a row (random base64: ~3 in 10^11 places).
    if _digit_run(value, 12):
        return False
    if any(c in value for c in "-._@"):  # base64url, or what only an SSN or a key needs
        return not PERSONAL_IN_ID.search(value)
    # Standard base64 (megabytes of audio) can only hold the branches of ``PERSONAL_IN_ID`` that
    # need none of ``-._@``: a phone number after ``+`` and AWS or Google key ids, sought with
    # expressions that start with a literal (milliseconds a megabyte, not a tenth of a second).
    return _PLUS_DIGITS.search(value) is None and _KEY_IDS.search(value) is None


def checked_name(key: str) -> str:
    """``key``, a field name of an answer; ``UpstreamMalformed`` when it could carry text
    (module docstring)."""
    if not _plain_name(key):
        raise UpstreamMalformed("The upstream's answer has a field name that is not an identifier.")
    return key


@functools.lru_cache(maxsize=4096)
def _plain_name(key: str) -> bool:
    """Whether ``key`` is a name an answer may use (module docstring). Cached: an answer's
    names are the same few dozen, and every chunk of a stream repeats them."""
    return (
        len(key) <= MAX_NAME
        and IDENTIFIER.fullmatch(key) is not None
        and not _digit_run(key, 8)
        and not PERSONAL_IN_ID.search(key)
    )


def structural(key: str, value: Any) -> bool:
    """Whether ``value`` under ``key`` holds no text to screen (see ``STRUCTURAL``)."""
    if key not in STRUCTURAL:
        return False
    if type(value) is str:
        if len(value) > MAX_IDENTIFIER:  # a thinking block's signature is kilobytes of base64
            return encoded(value)
        return IDENTIFIER.fullmatch(value) is not None and not PERSONAL_IN_ID.search(value)
    return type(value) not in _CONTAINERS


OPAQUE = frozenset({"audio.data", "reasoning_details.data"})
"""Channels holding encoded payloads rather than text."""
REASONING = frozenset(
    {"reasoning_content", "reasoning", "reasoning_details", "thinking", "thinking_blocks"}
)
"""Answer fields that carry the model's reasoning rather than its answer."""
ANSWER = frozenset({"message", "delta"})
"""Where a choice keeps its answer: its fields are named from here."""
HELD_CALLS = "specguard.held_tool_calls"
"""Where the tool guard puts the calls it withheld (``proxy.toolstage``): upstream text,
screened as tool calls."""
_NONE: frozenset[str] = frozenset()
MAX_DEPTH = 32
"""Nesting deeper than this is not an answer: refused rather than walked."""


class Leaf(NamedTuple):
    """One string of a choice."""

    channel: str
    """Its channel (see the module docstring)."""
    holder: Any
    """The dict or list holding it: ``holder[key]`` is the string, so it can be rewritten."""
    key: Any
    text: str
    answer: bool
    """Under ``message``/``delta`` (not at the choice level, like ``logprobs``)."""
    listed: bool
    """Reached through a list (other than ``tool_calls``): no simple path rebuilds it."""


def scalars(payload: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """The fields ``keys`` (``STRUCTURAL`` ones) of ``payload`` that hold ids, not text: what a
    refusal or a synthesized chunk may copy from an upstream's answer without carrying text
    that was never screened."""
    return {k: payload[k] for k in keys if k in payload and structural(k, payload[k])}


_CALLS = ("tool_calls.", HELD_CALLS + ".")
"""Where a choice keeps tool calls: its own, and those the tool guard withheld."""


def is_call(channel: str) -> bool:
    """Whether ``channel`` is part of a tool call (JSON arguments, held until the call ends),
    the tool guard's withheld calls (``specguard.held_tool_calls``) included."""
    return channel.startswith((*_CALLS, "function_call."))


def is_exact(channel: str) -> bool:
    """Whether a span found in ``channel`` can be cut out of the delivered text: not in tool-call
    JSON, and not in ``logprobs``, whose byte arrays would still carry it."""
    return not (is_call(channel) or channel.startswith("logprobs."))


def is_reasoning(channel: str) -> bool:
    """Whether ``channel`` is the model's reasoning."""
    return channel.split(".", 1)[0] in REASONING


def choice_texts(choice: dict[str, Any], skip: frozenset[str] = frozenset()) -> list[Leaf]:
    """Every string of ``choice``, in order; answer fields named in ``skip`` are left out."""
    out: list[Leaf] = []
    for key, value in choice.items():
        if structural(checked_name(key), value):
            continue
        if key in ANSWER and type(value) is dict:
            _walk(value, "", out, skip, True, False, 1)
        elif type(value) is str:
            if value:
                out.append(Leaf(key, choice, key, value, False, False))
        elif type(value) in (dict, list):
            _walk(value, key + ".", out, _NONE, False, False, 1)
    return out


def top_texts(payload: dict[str, Any]) -> list[Leaf]:
    """Every string of a completion or chunk outside its choices (an unknown top-level field,
    Perplexity's ``citations`` ...), channels named from the top (``citations``)."""
    out: list[Leaf] = []
    for key, value in payload.items():
        if key == "choices" or structural(checked_name(key), value):
            continue
        kind = type(value)
        if kind is str:
            if value:
                out.append(Leaf(key, payload, key, value, False, False))
        elif kind is dict:
            _walk(value, key + ".", out, _NONE, False, False, 1)
        elif kind is list:
            _walk(value, key, out, _NONE, False, True, 1)
    return out


def _utf8(values: list[Any]) -> str:
    """The text a ``logprobs`` ``bytes`` array spells (integers outside 0-255 left out)."""
    return bytes(v for v in values if type(v) is int and 0 <= v < 256).decode(errors="replace")


def _walk(
    node: Any,
    prefix: str,
    out: list[Leaf],
    skip: frozenset[str],
    answer: bool,
    listed: bool,
    depth: int,
) -> None:
    """The strings of a dict (``prefix`` names its channel, ending in a dot) or of a list
    (``prefix`` is the channel of its items, without the dot)."""
    if depth > MAX_DEPTH:
        raise UpstreamMalformed("The upstream's answer is nested too deeply.")
    if type(node) is list:
        if prefix.startswith("logprobs.") and prefix.endswith(".bytes"):
            # A token's UTF-8 bytes: an upstream may spell in them what its token does not say.
            text = _utf8(node)
            if text:
                out.append(Leaf(prefix, node, None, text, answer, listed))
            return
        calls = prefix.endswith("tool_calls")
        for position, item in enumerate(node):
            kind = type(item)
            if kind is str:
                if item:
                    out.append(Leaf(prefix, node, position, item, answer, listed))
            elif kind is dict and calls:
                number = item.get("index", position)
                number = number if type(number) is int else position
                _walk(item, f"{prefix}.{number}.", out, _NONE, answer, listed, depth + 1)
            elif kind is dict:
                _walk(item, prefix + ".", out, _NONE, answer, True, depth + 1)
            elif kind is list:
                _walk(item, prefix, out, _NONE, answer, True, depth + 1)
        return
    for key, value in node.items():
        if key in skip or structural(checked_name(key), value):
            continue
        kind = type(value)
        # A part's ``text`` joins its list's channel; a tool call's ``function`` adds no name.
        if (key == "text" and listed) or (key == "function" and prefix.startswith(_CALLS)):
            name = prefix[:-1]
        else:
            name = prefix + key
        if kind is str:
            if value and (name not in OPAQUE or not encoded(value)):
                out.append(Leaf(name, node, key, value, answer, listed))
        elif kind is dict:
            _walk(value, name + ".", out, _NONE, answer, listed, depth + 1)
        elif kind is list:
            _walk(value, name, out, _NONE, answer, listed, depth + 1)
