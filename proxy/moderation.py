"""``POST /v1/moderations`` answered by specguard's own detectors, in OpenAI's shape.

For apps on upstreams without a moderation endpoint (vLLM, Ollama, ...). Only what a detector
assesses is reported; the other OpenAI categories are always ``false`` with score ``0`` (no
detector for harassment, hate, self-harm or violence is shipped), which ``CATEGORY_MAP`` and
the README state. Mapping:

- ``nsfw.sexual``, ``nsfw.sexual_nonconsensual`` -> ``sexual``
- ``nsfw.sexual_minors`` -> ``sexual/minors`` (and ``sexual``)
- ``cbrn.*`` (weapons uplift) -> ``illicit/violent`` (and ``illicit``)

A result is ``flagged`` when a mapped finding reaches the tenant's threshold for it, so the
endpoint agrees with what screening would refuse. A detector that fails flags its categories
(fail closed), as screening would refuse.
"""

from __future__ import annotations

from typing import Any

from detectors.base import ScanContext
from detectors.policy import effective
from detectors.screen import Field, Screener
from proxy.errors import InvalidRequest

CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
CATEGORY_MAP: dict[str, tuple[str, ...]] = {
    "nsfw.sexual": ("sexual",),
    "nsfw.sexual_nonconsensual": ("sexual",),
    "nsfw.sexual_minors": ("sexual", "sexual/minors"),
    "cbrn": ("illicit", "illicit/violent"),
}
"""OpenAI moderation categories per ``detector.category`` (or ``detector``)."""
DETECTORS = ("nsfw", "cbrn")
MAX_INPUTS = 32


def inputs_of(body: dict[str, Any]) -> list[str]:
    """The texts of a moderation request: ``input`` as a string, strings, or text parts."""
    value = body.get("input")
    items = value if isinstance(value, list) else [value]
    if not 1 <= len(items) <= MAX_INPUTS:
        raise InvalidRequest(f"'input' must hold 1 to {MAX_INPUTS} items.", param="input")
    texts: list[str] = []
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("type") == "text":
            item = item.get("text")
        if not isinstance(item, str):
            raise InvalidRequest(
                "Only text inputs can be moderated locally.", param=f"input[{index}]"
            )
        texts.append(item)
    return texts


def _mapped(detector: str, category: str) -> tuple[str, ...]:
    return CATEGORY_MAP.get(f"{detector}.{category}") or CATEGORY_MAP.get(detector) or ()


async def moderate(
    screener: Screener, texts: list[str], model: str, request_id: str
) -> dict[str, Any]:
    """The moderation object for ``texts`` under the tenant's ``screener``."""
    results = []
    for text in texts:
        scan = await screener.scan([Field("input", text)], ScanContext(), only=DETECTORS)
        scores = dict.fromkeys(CATEGORIES, 0.0)
        flagged: set[str] = set()
        for finding, _exact in scan.findings:
            config = screener.configs[finding.detector]
            action, threshold = effective(config, finding.category)
            for category in _mapped(finding.detector, finding.category):
                scores[category] = max(scores[category], finding.score)
                if action != "off" and finding.score >= threshold:
                    flagged.add(category)
        for failure in scan.failures:
            flagged.update(
                category
                for key, categories in CATEGORY_MAP.items()
                if key.split(".")[0] == failure.detector
                for category in categories
            )
        results.append(
            {
                "flagged": bool(flagged),
                "categories": {c: c in flagged for c in CATEGORIES},
                "category_scores": {c: round(s, 4) for c, s in scores.items()},
                "category_applied_input_types": {c: ["text"] for c in CATEGORIES},
            }
        )
    return {"id": f"modr-{request_id}", "model": model, "results": results}
