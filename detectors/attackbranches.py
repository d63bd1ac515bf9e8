"""Faster exact spellings of the slowest phrase patterns of ``detectors.attacklexicon``.

Each entry runs a phrase pattern as a ``detectors.alternation.Alternation``: the same
alternatives in the same order, each spelled to begin with a literal so that ``re`` skips
ahead to it (that module's docstring lists the exact rewrites). ``FAST`` maps the pattern to
its alternation; ``detectors.alternation.spans`` uses it. Editing a phrase pattern without
spelling its branches anew fails at import (the fingerprint no longer fits).
"""

from __future__ import annotations

import re

from detectors.alternation import Alternation
from detectors.attacklexicon import PHRASES

_PHRASE = dict(PHRASES)

FAST: dict[re.Pattern[str], Alternation] = {
    alternation.pattern: alternation
    for alternation in (
        Alternation(
            _PHRASE["wrapper"],
            (
                # ``<|name|>``, ``<<SYS>>`` and ``<tag>``: exclusive at any one position, and
                # none starts where ``[INST]`` does.
                r"<(?:\|[a-z_]+\|>|</?sys>>|/?(?:document|context|data|system|user|assistant|"
                r"instructions?|admin|prompt|input|output)>)",
                r"\[/?inst\]",
                r"^[ \t]*#{2,}[ \t]*\w",
                r"^[ \t]*(?:system|user|assistant|human|ai|developer|admin|bot)[ \t]*:",
                r"[=*\-+/\\#~][=*\-+/\\#~]{3,}",
                r"begin(?<!\wbegin)[ _](?:[a-z]+)\b",
                r"end(?<!\wend)[ _](?:[a-z]+)\b",
            ),
            written_for=0x1976FABB,
        ),
    )
}
"""The phrase patterns that run as alternations."""
