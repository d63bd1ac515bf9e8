"""Marker hygiene: this request's boundaries and datamarks never reach the client.

``strip_markers`` is the pure function: it removes whole tags (``<untrusted-ID ...>``,
``</untrusted-ID>``), then any bare ``untrusted-ID`` or ``ID``, and turns datamark characters back
into spaces, reporting whether anything was echoed. ``MarkerHoldback`` is its streaming form: it
holds back only a tail that could still grow into a marker (a ``<`` that may open a tag, or a
prefix of the identifier), so a marker split across chunks is still caught. The output stage
that applies them to answers and streams is ``proxy.hygiene.MarkerHygiene``.
"""

from __future__ import annotations

import re

from detectors.findings import Finding
from rules.base import RuleRecord

_LONGEST_TAG = 400


def strip_markers(text: str, record: RuleRecord) -> tuple[str, bool]:
    """``text`` without the request's markers, and whether any were there."""
    new = text
    for boundary in record.boundaries:
        if boundary in new:
            name = f"untrusted-{boundary}"
            new = re.sub(rf"<\s*/?\s*{re.escape(name)}(?:\s[^<>]*)?/?\s*>", "", new)
            new = new.replace(name, "").replace(boundary, "")
    for mark in record.datamarks:
        new = new.replace(mark, " ")
    return new, new != text


def _open_tag_tail(text: str, record: RuleRecord) -> int:
    """Length of a trailing ``<...`` that could still grow into one of the request's tags."""
    opening = text.rfind("<", max(0, len(text) - _LONGEST_TAG))
    if opening == -1 or ">" in text[opening:]:
        return 0
    rest = text[opening + 1 :].lstrip().removeprefix("/").lstrip()
    for boundary in record.boundaries:
        name = f"untrusted-{boundary}"
        if name.startswith(rest) or rest.startswith(name):
            return len(text) - opening
    return 0


def _prefix_tail(text: str, record: RuleRecord) -> int:
    """Length of the longest tail of ``text`` that is the start of a bare marker."""
    hold = 0
    for boundary in record.boundaries:
        for target in (f"untrusted-{boundary}", boundary):
            for size in range(min(len(target) - 1, len(text)), 0, -1):
                if text.endswith(target[:size]):
                    hold = max(hold, size)
                    break
    return hold


class MarkerHoldback:
    """The not-yet-released tail of one streamed field."""

    def __init__(self, record: RuleRecord):
        self.record = record
        self.pending = ""
        self.echoed = False

    def feed(self, piece: str) -> str:
        """What of the field can be released now that ``piece`` arrived, markers removed.

        Held back: a trailing ``<...`` that may still become a tag, and before it (tags removed)
        the start of a bare marker, which the rest of the marker or the removal of a tag between
        its parts could still complete."""
        text = self.pending + piece
        tag = _open_tag_tail(text, self.record)
        clean, echoed = strip_markers(text[: len(text) - tag], self.record)
        self.echoed |= echoed
        keep = _prefix_tail(clean, self.record)
        self.pending = clean[len(clean) - keep :] + text[len(text) - tag :]
        return clean[: len(clean) - keep]

    def flush(self) -> str:
        """What is left at the end of the field: a partial marker is dropped, other text kept."""
        rest, self.pending = self.pending, ""
        core = rest.lstrip("<").strip().removeprefix("/").lstrip()
        for boundary in self.record.boundaries:
            name = f"untrusted-{boundary}"
            # Only a tail that is all partial marker is dropped; a whole marker followed by
            # text is removed by ``strip_markers`` below and the text kept.
            if len(core) >= 4 and (name.startswith(core) or boundary.startswith(core)):
                self.echoed = True
                return ""
        clean, echoed = strip_markers(rest, self.record)
        self.echoed |= echoed
        return clean


def echo_finding(where: str) -> Finding:
    """The finding recorded when the answer echoed a marker at ``where``."""
    return Finding("marker_hygiene", "marker_echo", 1.0, where=where)
