"""The e-mail recognizer runs Presidio's pattern only around each ``@`` (over a whole text the
pattern is quadratic in a run of dotted words before an ``@``), and finds what it finds."""

from __future__ import annotations

import pytest
from presidio_analyzer.predefined_recognizers import EmailRecognizer

from detectors.privacy_recognizers import OfflineEmailRecognizer, _around_ats

TEXTS = [  # (text, addresses in it)
    ("Write to jo.smith@example.com or maria@mail.co.uk, thanks.", 2),
    ("Contact: first.middle.last+tag@sub.domain.example.org (work), a@b.io (home).", 2),
    ("x" * 300 + " dana.whitfield@gmail.com " + "y" * 400 + " jo@example.com", 2),
    ("No address here, only @mentions and an @ sign at the end @", 0),
    ("two@example.com,three@example.com;four@example.com", 3),
]


class WholeText(OfflineEmailRecognizer):
    """The same recognizer reading the whole text at once, as Presidio does."""

    analyze = EmailRecognizer.analyze  # type: ignore[assignment]


@pytest.mark.parametrize(("text", "count"), TEXTS)
def test_windowed_email_recognizer_finds_what_presidios_finds(text: str, count: int) -> None:
    def spans(recognizer: EmailRecognizer) -> list[tuple[int, int]]:
        return sorted((r.start, r.end) for r in recognizer.analyze(text, ["EMAIL_ADDRESS"]))

    assert spans(OfflineEmailRecognizer()) == spans(WholeText())
    assert len(spans(WholeText())) == count


def test_windows_reach_an_addresss_longest_parts_around_each_at_and_merge() -> None:
    text = "a" * 100 + "@" + "b" * 300 + "@" + "c" * 1000
    assert _around_ats(text) == [(36, 657)]
    assert _around_ats("no at sign") == []
    assert _around_ats("x" * 1000 + "@" + "y" * 1000) == [(936, 1256)]


def test_a_long_dotted_run_before_an_at_is_only_read_near_the_at() -> None:
    text = "a." * 2000 + "jo@example.com"
    (window,) = _around_ats(text)
    assert window[1] - window[0] <= 64 + 255 + 1
    found = OfflineEmailRecognizer().analyze(text, ["EMAIL_ADDRESS"])
    assert any(text[r.start : r.end].endswith("jo@example.com") for r in found)
