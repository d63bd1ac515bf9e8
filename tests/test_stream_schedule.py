"""The stream scan schedule: who scans when, from where, and what may be released."""

from __future__ import annotations

from detectors.base import ScanContext
from detectors.findings import Finding
from proxy.stream_schedule import NEVER, Schedule


class Need:
    """A detector that only declares how much context it needs."""

    cpu_heavy = False

    def __init__(self, name: str, holdback: int):
        self.name = name
        self.holdback_chars = holdback

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        return []


SHORT, MIDDLE, LONG = Need("short", 100), Need("middle", 200), Need("long", 300)


def plan(**settings: int) -> Schedule:
    return Schedule.plan([SHORT, MIDDLE, LONG], **settings)


def test_longest_holdback_sets_the_release_and_the_step() -> None:
    schedule = plan()
    assert schedule.holdback == 300
    assert schedule.step == 900
    assert schedule.release == {"short": 100, "middle": 200, "long": 300}


def test_shorter_needs_make_their_first_scan_together_before_the_longest() -> None:
    schedule = plan()
    assert schedule.first == {"short": 200, "middle": 200, "long": 300}
    assert schedule.next_due(10, {}) == 210
    assert schedule.due(215, 10, {}) == ["short", "middle"]
    # the scan that lets the first delta go is the longest need's alone
    scanned = {"short": 215, "middle": 215}
    assert schedule.next_due(10, scanned) == 310
    assert schedule.due(312, 10, scanned) == ["long"]


def test_first_delta_is_safe_once_every_detector_has_its_holdback_after_it() -> None:
    schedule = plan()
    assert schedule.safe_to({"short": 215, "middle": 215}, 215) < 0
    assert schedule.safe_to({"short": 215, "middle": 215, "long": 312}, 312) == 12


def test_after_the_first_scans_everyone_scans_together() -> None:
    schedule = plan()
    scanned = {"short": 215, "middle": 215, "long": 312}
    assert schedule.next_due(10, scanned) == 215 + 900
    assert schedule.due(1115, 10, scanned) == ["short", "middle", "long"]


def test_at_the_end_every_detector_not_yet_at_the_end_scans() -> None:
    schedule = plan()
    assert schedule.behind(400, {"short": 400, "middle": 215, "long": 312}) == ["middle", "long"]


def test_each_detector_rescans_only_its_own_holdback() -> None:
    schedule = plan()
    start, fresh = schedule.window(["short", "long"], {"short": 1115, "long": 1115})
    assert start == 1115 - 300
    assert fresh == {"short": 300, "long": 300}  # short cuts 100 before its fresh text itself
    assert schedule.window(["long"], {}) == (0, {"long": 0})


def test_tenant_holdback_replaces_every_need_and_the_first_round_is_one_scan() -> None:
    schedule = plan(holdback_chars=50)
    assert schedule.release == {"short": 50, "middle": 50, "long": 50}
    assert schedule.first == schedule.release
    assert schedule.context == {"short": 100, "middle": 200, "long": 300}
    assert schedule.step == 150


def test_without_detectors_nothing_is_ever_due_and_everything_is_safe() -> None:
    schedule = Schedule.plan([])
    assert schedule.next_due(5, {}) == NEVER
    assert schedule.safe_to({}, 42) == 42
