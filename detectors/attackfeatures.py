"""What an instruction aimed at the assistant looks like: dense descriptors of a segment.

The injection model's n-grams learn the wording of the attacks it was trained on; these
features describe the *attack* instead, so that a payload worded in a way no training source
used still stands out. Each is a number in ``[0, 1]`` (``FEATURES`` names them, in order):

- **addressing**: words for the AI/assistant/model, second person, ``you must / should``,
  a leading imperative, an imperative after a clause break, "please", "the user";
- **target switch**: "instead", "ignore", "forget", "from now on", "new task", references to
  previous instructions or context, "actually"; instructions announced to come ("the upcoming
  instructions", "an additional task", "what follows"), scaled like an order (below);
- **wrappers**: fake completion and escape markers, chat-role and format wrappers
  (``User:``, ``### Instruction``, XML-ish tags, control tokens), newlines or literal ``\\n``
  runs just before the segment, shouting;
- **exfiltration**: URLs, e-mail addresses, markdown images, send/forward/upload verbs,
  secrets and the user's data;
- **output control**: "say / print / respond with" a quoted phrase, "access granted",
  "your response", "only", concealment from the user;
- **context**: the document and segment kinds, whether the segment addresses the reader while
  the rest of the document does not (an instruction out of place), its length and digit share,
  the heuristics' best score on it;
- **incongruity** (``ctx_*``, ``list_step``): an injected order reads unlike its carrier, a
  tutorial's steps read like each other. The share of the *other* segments that are
  instructive, whether this one is instructive where they are not, whether it differs from
  both neighbours, whether it is a list step; the imperative and second-person evidence of a
  segment is scaled down by how instructive the rest of its document is (``_incongruity``).

The words and patterns live in ``detectors.attacklexicon``.

Word features come from one tokenisation of the whole text; phrase features from one pass of
each phrase pattern over the whole text, mapped to segments by offset, so the cost grows with
the text, not with the number of segments times the number of features.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from detectors.alternation import spans
from detectors.attackbranches import FAST
from detectors.attacklexicon import (
    CLAUSE_IMPERATIVE,
    GUARDS,
    HEADING,
    IMPERATIVES,
    JSON_KEY,
    MARKER,
    PHRASES,
    TOKEN,
    WORD_CLASSES,
)
from detectors.caseless import finditer_lowered, haystack, prepare
from detectors.segments import Segment

_DATA_DOCS = ("json", "table", "email")
"""Documents that are data, where a request to the reader is out of place (a code answer's
prose is often a tutorial addressing the reader, so code is not one)."""
DOC_KINDS = ("alone", "prose", "json", "table", "email", "code")
SEG_KINDS = ("prose", "row", "code")

FEATURES: tuple[str, ...] = (
    *(f"w_{name}" for name in WORD_CLASSES),
    *(f"p_{name}" for name, _ in PHRASES),
    "lead_imperative",
    "clause_imperative",
    "question",
    "shout",
    "newlines_before",
    "rule",
    "addressing",
    "addressing_in_data",
    "switch_in_data",
    "out_of_place",
    "addressing_share",
    "ctx_others_instructive",
    "ctx_lone_instruction",
    "ctx_neighbour_shift",
    "list_step",
    "length",
    "digits",
    "n_cues",
    *(f"doc_{k}" for k in DOC_KINDS),
    *(f"seg_{k}" for k in SEG_KINDS),
)
"""Names of the columns ``segment_features`` returns, in order."""
_COL = {name: i for i, name in enumerate(FEATURES)}
_CUES = [
    _COL[c]
    for c in (
        "w_ai",
        "w_switch",
        "p_prev",
        "p_done",
        "p_wrapper",
        "p_switchphrase",
        "p_you_must",
        "p_say",
        "p_granted",
        "p_url",
        "p_the_user",
        "p_dont_tell",
        "w_conceal",
        "p_escaped",
    )
]

_WORD_TO_COLS: dict[str, tuple[int, ...]] = {
    word: tuple(_COL[f"w_{name}"] for name, members in WORD_CLASSES.items() if word in members)
    for word in set().union(*WORD_CLASSES.values())
}
"""The word-class columns each word of a class sets."""
_CLASS_WORDS = frozenset(_WORD_TO_COLS)
(
    _RULE,
    _LEAD,
    _CLAUSE,
    _QUESTION,
    _SHOUT,
    _NEWLINES,
    _LENGTH,
    _DIGITS,
    _ADDRESSING,
    _NCUES,
    _LIST_STEP,
) = (
    _COL[c]
    for c in (
        "rule",
        "lead_imperative",
        "clause_imperative",
        "question",
        "shout",
        "newlines_before",
        "length",
        "digits",
        "addressing",
        "n_cues",
        "list_step",
    )
)
_YOU, _AI, _YOU_MUST = _COL["w_you"], _COL["w_ai"], _COL["p_you_must"]
_GATED = [
    _COL[c]
    for c in (
        "w_you",
        "w_please",
        "lead_imperative",
        "clause_imperative",
        "p_you_must",
        "p_announce",
    )
]
"""Evidence of an instruction that counts only as far as the segment reads unlike the rest of
its document (``_incongruity``); ``addressing`` itself is gated there too."""
_LETTER = re.compile(r"[^\W\d_]")
_ASCII_TOKEN = (
    re.compile(r"[a-z][a-z'\-]*") if TOKEN.pattern == r"[a-z][a-z'\-]*|[\u00c0-\uffff]+" else TOKEN
)
"""``TOKEN`` on ASCII text, where its second branch (U+00C0 on) never matches (faster)."""
_SEG_COL = {kind: _COL[f"seg_{kind}"] for kind in SEG_KINDS}
_CLAUSE_HINT = re.compile(r"[:;!?]|then|now")
"""What every ``CLAUSE_IMPERATIVE`` match on the lower-cased text starts with."""
_CLAUSE_START = (
    re.compile(
        r"(?::|;|!|\?|t(?<!\wt)hen|n(?<!\wn)ow)[ \t]+(?:please[ \t]+)?([a-z]+)\b",
        CLAUSE_IMPERATIVE.flags,
    )
    if CLAUSE_IMPERATIVE.pattern == r"(?:[:;!?]|\bthen|\bnow)[ \t]+(?:please[ \t]+)?([a-z]+)\b"
    else CLAUSE_IMPERATIVE
)
"""``CLAUSE_IMPERATIVE`` spelled so that ``re`` skips to its first characters (``\\bthen`` as
``t(?<!\\wt)hen``): the same matches, cheap enough to need no ``_CLAUSE_HINT`` first."""
_CLAUSE_HINTED = _CLAUSE_START is CLAUSE_IMPERATIVE

FloatMatrix = npt.NDArray[np.float64]
prepare([CLAUSE_IMPERATIVE, _CLAUSE_START, *(pattern for _, pattern in PHRASES)])


def segment_features(
    text: str,
    segments: Sequence[Segment],
    doc: str,
    rules: Sequence[tuple[int, int, float]] = (),
) -> FloatMatrix:
    """One row of ``FEATURES`` per segment of ``text`` (module docstring); ``rules`` are the
    heuristic matches ``(start, end, score)`` of the text."""
    n = len(segments)
    if not n:
        return np.zeros((0, len(FEATURES)))
    out = np.zeros((n, len(FEATURES)))
    # Cells set to 1.0 (segment, column), written in one go at the end.
    hit_rows: list[int] = []
    hit_cols: list[int] = []
    starts = [s.start for s in segments]
    ends = [s.end for s in segments]
    lowered = text.lower()
    hay = haystack(text, lowered)
    for name, pattern in PHRASES:
        guard = GUARDS.get(name)
        if guard and not any(g in lowered for g in guard):
            continue
        col = _COL[f"p_{name}"]
        for first, _ in spans(pattern, hay, FAST):
            k = bisect_right(starts, first) - 1
            if k < 0 or first >= ends[k]:
                if name not in ("wrapper", "escaped"):
                    continue
                # A wrapper on a line of its own (a separator, a tag) marks the next segment.
                k += 1
                if k >= n:
                    continue
            hit_rows.append(k)
            hit_cols.append(col)
    start_at, end_at = np.array(starts), np.array(ends)
    if rules:
        best = np.zeros(n)
        for start, end, score in rules:
            overlap = (start_at < end) & (start < end_at)
            best[overlap] = np.maximum(best[overlap], score)
        out[:, _RULE] = best
    # Capitals (ASCII A-Z) and digits (ASCII 0-9) of each segment, from prefix sums over the
    # code points rather than a pass over each segment.
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    is_upper = (points >= 65) & (points <= 90)
    uppers = np.concatenate(([0], np.cumsum(is_upper)))
    digits = np.concatenate(([0], np.cumsum((points >= 48) & (points <= 57))))
    out[:, _DIGITS] = (digits[end_at] - digits[start_at]) / np.maximum(end_at - start_at, 1)
    capitals = (uppers[end_at] - uppers[start_at]).tolist()
    # Shouting needs more than 0.6 of 8+ letters upper-case, so at least five capitals.
    plain_letters: list[int] = []
    if max(capitals) >= 5:
        # ``_LETTER`` on an all-ASCII span is A-Z and a-z; other spans pay the expression.
        is_letter = is_upper | ((points >= 97) & (points <= 122))
        letters_before = np.concatenate(([0], np.cumsum(is_letter)))
        others = np.concatenate(([0], np.cumsum(points >= 128)))
        plain_letters = np.where(
            others[end_at] == others[start_at],
            letters_before[end_at] - letters_before[start_at],
            -1,
        ).tolist()
    lengths: list[float] = []
    line_start = scanned = 0
    tokens = _ASCII_TOKEN.findall if hay.ascii else TOKEN.findall
    for k, seg in enumerate(segments):
        start, end = seg.start, seg.end
        words = tokens(lowered, start, end)
        for word in _CLASS_WORDS.intersection(words):
            for col in _WORD_TO_COLS[word]:
                hit_rows.append(k)
                hit_cols.append(col)
        # A JSON field's key ("email": ..., "send": ...) is a name, not an order.
        if words and words[0] in IMPERATIVES and not JSON_KEY.match(text, start, end):
            hit_rows.append(k)
            hit_cols.append(_LEAD)
        if not _CLAUSE_HINTED or _CLAUSE_HINT.search(lowered, start, end):
            for m in finditer_lowered(_CLAUSE_START, hay, start, end):
                if m.group(1) in IMPERATIVES:
                    hit_rows.append(k)
                    hit_cols.append(_CLAUSE)
                    break
        span = text[start:end]
        if span.rstrip("\"' )").endswith("?"):
            hit_rows.append(k)
            hit_cols.append(_QUESTION)
        upper = capitals[k]
        if upper >= 5:
            letters = plain_letters[k]
            if letters < 0:
                letters = len(_LETTER.findall(span))
            if letters >= 8 and upper > 0.6 * letters:
                hit_rows.append(k)
                hit_cols.append(_SHOUT)
        before = text[max(0, start - 12) : start]
        if before.count("\n") >= 3 or "\\n\\n" in before:
            hit_rows.append(k)
            hit_cols.append(_NEWLINES)
        lengths.append(min(math.log1p(len(span)) / 7.0, 1.0))
        # Segments come in order: look for a newline only since the previous one started.
        line_start = max(line_start, text.rfind("\n", scanned, start) + 1)
        scanned = start
        marker = MARKER.fullmatch(text, line_start, start)
        if marker and (marker.group().strip() or HEADING.match(text, start, end)):
            hit_rows.append(k)
            hit_cols.append(_LIST_STEP)
        hit_rows.append(k)
        hit_cols.append(_SEG_COL[seg.kind])
    out[:, _LENGTH] = lengths
    out[hit_rows, hit_cols] = 1.0
    out[:, _COL[f"doc_{doc}"]] = 1.0
    out[:, _ADDRESSING] = out[:, [_YOU, _AI, _LEAD, _YOU_MUST]].max(axis=1)
    out[:, _NCUES] = np.minimum(out[:, _CUES].sum(axis=1) / 4.0, 1.0)
    addressing_col = out[:, _ADDRESSING]
    out[:, _COL["addressing_share"]] = float(addressing_col.mean())
    if doc in _DATA_DOCS:
        out[:, _COL["addressing_in_data"]] = addressing_col
        out[:, _COL["switch_in_data"]] = np.maximum(
            out[:, _COL["w_switch"]], out[:, _COL["p_switchphrase"]]
        )
    if n >= 4 and addressing_col.sum() == 1:
        out[:, _COL["out_of_place"]] = addressing_col
    _incongruity(out)
    return out


def _incongruity(out: FloatMatrix) -> None:
    """Whether each segment is an instruction unlike the rest of its document, in place.

    An injected instruction reads unlike its carrier (one order inside declarative records,
    e-mail or prose), while a tutorial, a recipe or a user's prompt is instructive throughout.
    With three or more segments, the imperative and second-person evidence of a segment
    (``_GATED`` and ``addressing``) is scaled by the share of *other* segments that are not
    instructive, so the fifth step of a how-to weighs little and a lone order in a JSON record
    weighs fully; words for the AI, previous instructions, wrappers and exfiltration are not
    scaled (they are out of place in any document). Shorter texts have nothing to compare."""
    n = len(out)
    instructive = np.maximum.reduce(
        [out[:, _ADDRESSING], out[:, _LEAD], out[:, _CLAUSE], out[:, _COL["list_step"]]]
    )
    if n < 3:
        return
    others = (instructive.sum() - instructive) / (n - 1)
    gate = 1.0 - others
    out[:, _COL["ctx_others_instructive"]] = others
    out[:, _COL["ctx_lone_instruction"]] = instructive * gate
    before = np.concatenate(([instructive[0]], instructive[:-1]))
    after = np.concatenate((instructive[1:], [instructive[-1]]))
    out[:, _COL["ctx_neighbour_shift"]] = instructive * (1.0 - np.maximum(before, after))
    out[:, _GATED] *= gate[:, None]
    out[:, _ADDRESSING] *= gate
