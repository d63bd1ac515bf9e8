"""``forged_turns``: chat-template control tokens and forged turn headers in content.

Data must not be able to open a turn of its own. In user, tool, function and assistant-history
content (never in the developer's messages) this rule:

- **strips** control tokens from prose: ChatML / Qwen / Phi / Llama 3 / DeepSeek / Command-R
  ``<|...|>`` tokens (also with DeepSeek's fullwidth bars), Llama 2 ``[INST]`` and
  ``<<SYS>>``, Mistral's ``[SYSTEM_PROMPT]``, ``[TOOL_CALLS]`` ..., Gemma's
  ``<start_of_turn>`` / ``<end_of_turn>`` and Hermes/Qwen ``<tool_call>`` /
  ``<tool_response>``. Removal is recursive: a token that removing another one would rebuild
  (``<|im_<|x|>start|>``) is removed too, so no token survives;
- **defangs** control tokens inside code (fenced blocks and inline code spans): a code sample or a
  question about a tokenizer keeps its meaning, but each token gets a space inside its delimiters
  (``<|im_end|>`` -> ``<| im_end |>``, ``[INST]`` -> ``[ INST ]``) so no tokenizer can read it
  as the special token and no template parser as a turn boundary. Headers in code are left alone;
- **escapes** forged turn headers at a line start in prose (``System:``, ``Human:``,
  ``Assistant:``, ``User:``, ``Developer:``, ``Platform:`` in title or upper case, and
  Markdown-header forms such as ``### Instruction:`` / ``### Response:`` in any case) with a
  leading backslash, the Markdown escape: ``\\System: ...`` reads as literal text.

``<s>`` / ``</s>`` and ``<bos>`` / ``<eos>`` are left alone: they are ordinary HTML or prose about
tokenizers, and cannot open a turn without an ``[INST]`` or role token, which are removed.
Text without any of these patterns is returned unchanged, byte for byte.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from detectors.findings import Finding
from rules.base import Rewrite, RuleScope
from rules.content import map_texts, texts
from rules.quotes import code_spans

_TOKEN_ALTERNATIVES = (
    r"<[|\uff5c][^\s<>|\uff5c`]{1,64}[|\uff5c]>",
    r"\[/?(?:INST|SYSTEM_PROMPT|AVAILABLE_TOOLS|TOOL_CALLS|TOOL_RESULTS|TOOL_CONTENT)\]",
    r"<</?SYS>>",
    r"</?(?:start_of_turn|end_of_turn|tool_call|tool_response)>",
)
_TOKEN = re.compile("|".join(_TOKEN_ALTERNATIVES), re.I)
_TOKEN_AT_END = re.compile("(?:" + "|".join(_TOKEN_ALTERNATIVES) + r")\Z", re.I)
_LONGEST_TOKEN = 70
_TOKEN_PARTS = re.compile(r"(\W*)(.*?)(\W*)", re.S)

_ROLES = ("System", "Developer", "Assistant", "User", "Human", "Platform")
_HEADER = re.compile(
    r"^[ \t>]*(?P<head>(?:#{1,6}[ \t]*)?(?:"
    + "|".join(role for word in _ROLES for role in (word, word.upper()))
    + r")[ \t]*[:\uff1a]"
    r"|#{1,6}[ \t]*(?i:system|developer|assistant|user|human|platform|instructions?|input"
    r"|response|output|context|system[ \t]+prompt)[ \t]*[:\uff1a])",
    re.M,
)
ROLES_CHECKED = frozenset({"user", "tool", "function", "assistant"})


class ForgedTurnsConfig(BaseModel):
    """``[tenants.NAME.rules.forged_turns]``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["neutralise", "off"] = "neutralise"
    """``neutralise`` control tokens and forged turn headers, or ``off``."""
    escape_headers: bool = True
    """Escape forged turn headers (``System:``, ``### Instruction:``) at line starts in prose."""


def strip_tokens(text: str) -> str:
    """``text`` without control tokens, including those that removing others would rebuild.

    One left-to-right pass: after each closing character the output's tail is checked for a
    token ending there, which is dropped. The output before each step holds no token, so a token
    can only end at the newest character: the result holds none, in linear time.
    """
    if _TOKEN.search(text) is None:
        return text
    out: list[str] = []
    for char in text:
        out.append(char)
        if char in ">]":
            tail = "".join(out[-_LONGEST_TOKEN:])
            match = _TOKEN_AT_END.search(tail)
            if match is not None:
                del out[len(out) - (len(tail) - match.start()) :]
    return "".join(out)


def defang_tokens(text: str) -> str:
    """``text`` with a space inside the delimiters of every control token."""

    def defang(match: re.Match[str]) -> str:
        parts = _TOKEN_PARTS.fullmatch(match.group())
        if parts is None:  # pragma: no cover - the pattern matches any string
            return match.group()
        opening, inner, closing = parts.groups()
        return f"{opening} {inner} {closing}"

    return _TOKEN.sub(defang, text)


def neutralise(text: str, escape_headers: bool = True) -> str:
    """``text`` with control tokens stripped (prose) or defanged (code) and headers escaped."""
    if _TOKEN.search(text) is None and (not escape_headers or _HEADER.search(text) is None):
        return text
    pieces: list[str] = []
    cursor = 0
    for start, end in [*code_spans(text), (len(text), len(text))]:
        prose = strip_tokens(text[cursor:start])
        if escape_headers:
            at_line_start = not pieces or pieces[-1].endswith("\n")
            prose = _escape_headers(prose, at_line_start)
        pieces += [prose, defang_tokens(text[start:end])]
        cursor = end
    return "".join(pieces)


def _escape_headers(prose: str, at_line_start: bool) -> str:
    out: list[str] = []
    cursor = 0
    for match in _HEADER.finditer(prose):
        if match.start() == 0 and not at_line_start:
            continue
        out += [prose[cursor : match.start("head")], "\\"]
        cursor = match.start("head")
    return "".join(out) + prose[cursor:] if out else prose


class ForgedTurns:
    """Neutralises forged turns in user, tool, function and assistant-history content."""

    name = "forged_turns"

    def __init__(self, config: ForgedTurnsConfig):
        self.config = config

    def apply(self, body: dict[str, Any], scope: RuleScope) -> Rewrite:
        """The body with every checked message neutralised; a finding per changed message."""
        messages: list[Any] = []
        findings: list[Finding] = []
        for index, message in enumerate(body["messages"]):
            if message.get("role") not in ROLES_CHECKED:
                messages.append(message)
                continue
            content = message.get("content")
            new = map_texts(content, self._neutralise)
            if texts(new) != texts(content):
                where = f"messages.{index}"
                findings.append(Finding("forged_turns", "forged_turn", 1.0, where=where))
                message = {**message, "content": new}
            messages.append(message)
        if not findings:
            return Rewrite(body)
        return Rewrite({**body, "messages": messages}, tuple(findings))

    def _neutralise(self, text: str) -> str:
        return neutralise(text, self.config.escape_headers)
