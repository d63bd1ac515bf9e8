"""Input screening on by default for the absolute categories.

A request for sexual content involving minors, for non-consensual sexual content, or for a
chemical, biological, radiological, nuclear or explosive weapon is refused before the upstream
is paid for, whether or not the tenant lists the detector under ``input_screening``. A detector
opts in with an ``input_categories`` class attribute; ``absolute_input_screen`` then gives the
tenant's configured instance with every other category switched off for the user's turn (the
tenant's own action and threshold for the listed categories still apply, so a category the
tenant switched off stays off). A detector the tenant lists under ``input_screening`` is screened
on input in full, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from detectors.base import CategoryPolicy
from detectors.screen import ConfiguredDetector


def absolute_input_screen(
    configured: Sequence[ConfiguredDetector], named: Sequence[str]
) -> list[ConfiguredDetector]:
    """The detectors that screen the user's turn: those ``named`` in full, and the others'
    ``input_categories`` only."""
    from detectors.policy import effective

    screened: list[ConfiguredDetector] = []
    for item in configured:
        if item.detector.name in named:
            screened.append(item)
            continue
        categories: tuple[str, ...] = getattr(item.detector, "input_categories", ())
        policies = {}
        for category in categories:
            action, threshold = effective(item.config, category)
            if action != "off":
                policies[category] = CategoryPolicy.model_validate(
                    {"action": action, "threshold": threshold}
                )
        if policies:
            config = item.config.model_copy(update={"action": "off", "categories": policies})
            screened.append(ConfiguredDetector(item.detector, config))
    return screened
