"""What a jailbreak looks like: dense descriptors of a whole user turn.

The jailbreak model's n-grams learn the templates it was trained on; these features describe
the *moves* a jailbreak makes, so that a template or a persuasion no training source used still
stands out. Each is a number in ``[0, 1]`` (``FEATURES`` names them, in order):

- **persona**: "you are now", "act as", "pretend", "stay in character", two-response formats
  (``[JAILBREAK]``, ``DAN:``), mode switches;
- **rules**: talk of rules, policies, filters, ethics or restrictions, and of being without
  them ("no restrictions", "not bound by", "free of");
- **refusal suppression**: refusing, apologising, disclaimers and warnings named in an order,
  "start with 'Sure'";
- **framing**: hypothetical, fictional, game and research framing; persuasion ("as an expert",
  "my grandmother used to");
- **extraction**: the prompt, the instructions, "the text above", the password, "access
  granted";
- **harm**: words of a harmful request (weapons, drugs, hacking, violence), which make the
  framing around them matter;
- **shape**: the gibberish-tail share (``detectors.gibberish``), length, lines, second person,
  shouting, placeholders.
"""

from __future__ import annotations

import math
import re

import numpy as np
import numpy.typing as npt

from detectors import gibberish

_I = re.IGNORECASE

_WORDS: dict[str, frozenset[str]] = {
    "rules": frozenset(
        [
            "rules",
            "rule",
            "guidelines",
            "guideline",
            "policy",
            "policies",
            "filter",
            "filters",
            "filtered",
            "restrictions",
            "restricted",
            "ethical",
            "ethics",
            "moral",
            "morals",
            "morality",
            "censorship",
            "censored",
            "uncensored",
            "limitations",
            "boundaries",
            "safety",
            "guardrails",
            "principles",
            "openai",
        ]
    ),
    "refusal": frozenset(
        [
            "refuse",
            "refuses",
            "refusal",
            "refusing",
            "decline",
            "apologize",
            "apologise",
            "apology",
            "sorry",
            "disclaimer",
            "disclaimers",
            "warning",
            "warnings",
            "caveat",
            "caveats",
        ]
    ),
    "fiction": frozenset(
        [
            "hypothetical",
            "hypothetically",
            "fiction",
            "fictional",
            "story",
            "novel",
            "screenplay",
            "imagine",
            "imaginary",
            "game",
            "movie",
            "script",
            "scenario",
            "universe",
            "world",
            "roleplay",
            "role-play",
        ]
    ),
    "extraction": frozenset(
        [
            "prompt",
            "instructions",
            "instruction",
            "password",
            "secret",
            "verbatim",
            "initial",
            "above",
            "initialization",
            "configuration",
            "reveal",
            "repeat",
        ]
    ),
    "harm": frozenset(
        [
            "bomb",
            "bombs",
            "explosive",
            "explosives",
            "weapon",
            "weapons",
            "gun",
            "guns",
            "kill",
            "killing",
            "murder",
            "poison",
            "drug",
            "drugs",
            "meth",
            "cocaine",
            "heroin",
            "hack",
            "hacking",
            "malware",
            "virus",
            "ransomware",
            "steal",
            "stealing",
            "fraud",
            "scam",
            "illegal",
            "launder",
            "laundering",
            "suicide",
            "terrorist",
            "terrorism",
            "attack",
            "exploit",
            "phishing",
            "counterfeit",
            "trafficking",
            "nuclear",
            "chemical",
            "bioweapon",
            "torture",
            "abuse",
        ]
    ),
    "you": frozenset(["you", "your", "yours", "yourself"]),
}

_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "persona",
        re.compile(
            r"\byou are (?:now |going to be |going to act as )?(?:a|an|the|my)\b|\bact as\b|"
            r"\bpretend\b|\bfrom now on\b|\b(?:stay|remain|staying) in character\b|"
            r"\bbreak(?:ing)? character\b|\bpersona\b|\bsimulat(?:e|ion)\b",
            _I,
        ),
    ),
    (
        "dual",
        re.compile(
            r"\[?\(?\U0001f513|\bjailbr(?:eak|oken)\b|\b(?:DAN|GPT|AIM|STAN|DUDE)\s*:|"
            r"\btwo (?:different )?(?:responses|answers|paragraphs)\b|\bdeveloper mode\b|"
            r"\b\w+ mode (?:enabled|activated|output)\b",
            _I,
        ),
    ),
    (
        "unbound",
        re.compile(
            r"\b(?:no|without|free of|free from|not bound by|ignore|ignores|bypass|beyond|"
            r"doesn't have|does not have|don't have|do not have|lacks?|unlimited|any)\s+"
            r"(?:\w+\s+){0,2}(?:rules|restrictions|limits|limitations|filters|censorship|"
            r"ethics|morals|guidelines|policies|boundaries|constraints)\b",
            _I,
        ),
    ),
    (
        "sure",
        re.compile(
            r"\b(?:start|begin|prefix|open)\w*\s+(?:\w+\s+){0,3}with\s+[\"'\u201c\u2018]?"
            r"(?:sure|absolutely|certainly|of course|here is|here's|yes)\b",
            _I,
        ),
    ),
    (
        "never_refuse",
        re.compile(
            r"\b(?:never|not|don't|do not|won't|will not|cannot|can't|must not)\s+(?:\w+\s+)?"
            r"(?:refuse|decline|apologi[sz]e|say (?:no|sorry|you can't)|warn|include (?:any )?"
            r"(?:warnings?|disclaimers?))\b",
            _I,
        ),
    ),
    (
        "research",
        re.compile(
            r"\bfor (?:purely )?(?:educational|research|academic|fictional|scientific|"
            r"informational) purposes\b|\bthought experiment\b|\bas an? (?:expert|professional|"
            r"researcher|scientist|doctor|detective)\b|\bmy (?:late )?grand(?:mother|ma|father)\b|"
            r"\bi(?:'m| am) (?:a|an) (?:researcher|professor|author|writer|novelist|student)\b",
            _I,
        ),
    ),
    (
        "above",
        re.compile(
            r"\b(?:text|words|instructions|everything|content|prompt|message)s? (?:above|before)"
            r"\b|\b(?:your|the) (?:system |initial |original |secret |hidden )?"
            r"(?:prompt|instructions)\b|\bpassword\b|\baccess (?:granted|code)\b",
            _I,
        ),
    ),
    ("placeholder", re.compile(r"\[(?:insert|your|prompt|question|query)[^\]]{0,30}\]", _I)),
)

FEATURES: tuple[str, ...] = (
    *(f"w_{name}" for name in _WORDS),
    *(f"p_{name}" for name, _ in _PHRASES),
    "gibberish",
    "length",
    "lines",
    "you_density",
    "shout",
    "harm_framed",
)
"""Names of the columns ``turn_features`` returns, in order."""
_COL = {name: i for i, name in enumerate(FEATURES)}
_TOKEN = re.compile(r"[a-z][a-z'\-]*")
_UPPER = re.compile(r"\b[A-Z]{3,}\b")

FloatMatrix = npt.NDArray[np.float64]


def turn_features(text: str, odd_share: float | None = None) -> npt.NDArray[np.float64]:
    """One row of ``FEATURES`` for a user turn (module docstring); ``odd_share``: the text's
    ``gibberish.odd_share`` when already computed."""
    row = np.zeros(len(FEATURES))
    lowered = text.lower()
    words = _TOKEN.findall(lowered)
    present = set(words)
    for name, members in _WORDS.items():
        hits = len(present & members)
        row[_COL[f"w_{name}"]] = min(hits / 3.0, 1.0)
    for name, pattern in _PHRASES:
        row[_COL[f"p_{name}"]] = min(len(pattern.findall(text)) / 2.0, 1.0)
    row[_COL["gibberish"]] = gibberish.odd_share(text) if odd_share is None else odd_share
    row[_COL["length"]] = min(math.log1p(len(text)) / 9.0, 1.0)
    row[_COL["lines"]] = min(math.log1p(text.count("\n")) / 5.0, 1.0)
    you = sum(1 for w in words if w in _WORDS["you"])
    row[_COL["you_density"]] = min(10.0 * you / max(len(words), 1), 1.0)
    row[_COL["shout"]] = min(len(_UPPER.findall(text)) / 5.0, 1.0)
    framing = max(row[_COL["w_fiction"]], row[_COL["p_persona"]], row[_COL["p_research"]])
    row[_COL["harm_framed"]] = min(row[_COL["w_harm"]] * 3.0, 1.0) * min(framing * 2.0, 1.0)
    return row


def turns_features(texts: list[str]) -> FloatMatrix:
    """``turn_features`` of several turns, one row each."""
    if not texts:
        return np.zeros((0, len(FEATURES)))
    return np.array([turn_features(t) for t in texts])
