"""The ``copyright`` detector and its fingerprint index, on the public-domain dev corpus.

Protected text is read from ``../shared/eval-data/copyright-corpus`` at test time, never copied
into the repo.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from detectors.base import ScanContext
from detectors.copyright import PLUGIN, CopyrightConfig, CopyrightDetector
from detectors.copyright_index import (
    FingerprintIndex,
    IndexFileError,
    W,
    build_index_file,
    kgram_hashes,
    winnow,
    word_hashes,
    words,
)
from detectors.evaluation import evaluate, read_rows
from detectors.findings import Finding
from detectors.registry import DETECTORS
from proxy.cli import main

EVAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "eval-data"
CORPUS = EVAL_DATA / "copyright-corpus"
BIRCHES = CORPUS / "shield-bep-birches-by-robert-frost.txt"
PLUMS = CORPUS / "shield-bep-this-is-just-to-say-by-william-carlos-williams.txt"
NO_CONTEXT = ScanContext()

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/eval-data is not present")


@pytest.fixture(scope="module")
def detector() -> CopyrightDetector:
    return CopyrightDetector(CopyrightConfig.model_validate({"corpora": [str(CORPUS)]}))


def excerpt(path: Path, first: int, count: int) -> str:
    """Words ``first .. first + count - 1`` of a corpus file, with its own punctuation and lines."""
    text = path.read_text(encoding="utf-8")
    found = words(text)
    return text[int(found.starts[first]) : int(found.ends[first + count - 1])]


def replace_every(text: str, nth: int, word: str = "zebra") -> str:
    """``text`` with every ``nth`` whitespace-separated word replaced by ``word``."""
    tokens = text.split()
    return " ".join(word if i % nth == nth - 1 else t for i, t in enumerate(tokens))


def only_finding(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def test_verbatim_excerpt_is_found_with_its_span(detector: CopyrightDetector) -> None:
    passage = excerpt(BIRCHES, 100, 80)
    prefix = "Sure, here is the passage you asked for:\n\n"
    output = f"{prefix}{passage}\n\nLet me know if you want more."

    finding = only_finding(detector.scan(output, NO_CONTEXT))

    assert (finding.detector, finding.category) == ("copyright", "verbatim")
    assert finding.score >= 0.5
    assert len(prefix) <= finding.start < len(prefix) + 40
    assert len(prefix) + len(passage) - 40 < finding.end <= len(prefix) + len(passage)


def test_near_verbatim_excerpt_with_every_fifteenth_word_replaced_is_found(
    detector: CopyrightDetector,
) -> None:
    output = replace_every(excerpt(BIRCHES, 300, 70), 15)

    assert only_finding(detector.scan(output, NO_CONTEXT)).category == "verbatim"


def test_two_line_quote_with_analysis_passes(detector: CopyrightDetector) -> None:
    lines = BIRCHES.read_text(encoding="utf-8").splitlines()[:2]
    output = (
        "Frost opens the poem with a plain observation, “" + " / ".join(lines) + "”, and the "
        "rest of the poem keeps returning to that contrast between what the speaker sees and "
        "what he would prefer to imagine. The enjambment slows the reader down, and the image of "
        "straighter, darker trees frames the bent birches as the exception worth explaining."
    )

    assert detector.scan(output, NO_CONTEXT) == []


def test_summary_of_a_protected_work_passes(detector: CopyrightDetector) -> None:
    output = (
        "In Birches, Robert Frost's speaker sees birch trees bent low and likes to imagine that a "
        "boy has been swinging on them, although he knows ice storms are what really bow them. "
        "He describes the ice cracking off the branches in the sun, then returns to the fancy of "
        "a farm boy who, far from town, taught himself to climb each tree and ride it down. The "
        "poem ends with the speaker wishing he could escape the weariness of adult life for a "
        "while by climbing toward heaven and being set back down on earth, which he calls the "
        "right place for love."
    )

    assert detector.scan(output, NO_CONTEXT) == []


def test_excerpt_the_user_supplied_is_exempt(detector: CopyrightDetector) -> None:
    passage = excerpt(BIRCHES, 100, 80)
    ctx = ScanContext(user_inputs=(f"Please fix the line breaks in this:\n{passage}",))

    assert detector.scan(" ".join(passage.split()), ctx) == []
    assert detector.scan(replace_every(passage, 15), ctx) == []


def test_user_supplying_another_passage_does_not_exempt_the_output(
    detector: CopyrightDetector,
) -> None:
    ctx = ScanContext(user_inputs=(excerpt(BIRCHES, 0, 60),))

    assert detector.scan(excerpt(BIRCHES, 300, 80), ctx)


def test_short_work_reproduced_whole_is_found_but_a_line_of_it_passes(
    detector: CopyrightDetector,
) -> None:
    poem = PLUMS.read_text(encoding="utf-8")

    assert detector.scan(f"Here it is:\n{poem}", NO_CONTEXT)
    assert detector.scan(f"It begins “{excerpt(PLUMS, 0, 9)}”, an apology.", NO_CONTEXT) == []


def test_index_saved_and_loaded_gives_the_same_findings(
    detector: CopyrightDetector, tmp_path: Path
) -> None:
    saved = tmp_path / "corpus.idx"
    assert build_index_file(str(CORPUS), str(saved)) == 0

    loaded = CopyrightDetector(CopyrightConfig.model_validate({"index_files": [str(saved)]}))

    assert loaded.index.names == detector.index.names
    assert np.array_equal(loaded.index.hashes, detector.index.hashes)
    for output in (excerpt(BIRCHES, 100, 80), replace_every(excerpt(BIRCHES, 300, 70), 15)):
        assert loaded.scan(output, NO_CONTEXT) == detector.scan(output, NO_CONTEXT)


def test_index_command_exits_zero_and_writes_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "fingerprints.idx"

    assert main(["index", str(CORPUS), "-o", str(output)]) == 0

    assert output.is_file()
    assert len(FingerprintIndex.load(output).names) == len(list(CORPUS.glob("*.txt")))
    assert "120 works" in capsys.readouterr().out


def test_index_command_refuses_a_missing_directory(tmp_path: Path) -> None:
    assert main(["index", str(tmp_path / "missing"), "-o", str(tmp_path / "x.idx")]) == 2
    assert not (tmp_path / "x.idx").exists()


def test_file_that_is_not_an_index_is_refused_on_load(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.idx"
    bogus.write_text("not an index")

    with pytest.raises(IndexFileError, match=r"bogus\.idx"):
        CopyrightDetector(CopyrightConfig.model_validate({"index_files": [str(bogus)]}))


def test_config_names_the_missing_corpus_path_and_needs_a_source() -> None:
    with pytest.raises(ValidationError) as missing:
        CopyrightConfig.model_validate({"corpora": ["/no/such/corpus"]})
    assert missing.value.errors()[0]["loc"] == ("corpora", 0)
    assert "/no/such/corpus" in missing.value.errors()[0]["msg"]

    with pytest.raises(ValidationError, match="nothing to protect"):
        CopyrightConfig.model_validate({})


def test_detector_is_registered_under_its_name() -> None:
    assert DETECTORS.get("copyright") is PLUGIN


def test_winnowing_keeps_a_fingerprint_in_every_window() -> None:
    hashes = kgram_hashes(np.random.default_rng(7).integers(0, 2**63, 500, dtype=np.uint64))
    kept = np.zeros(len(hashes), np.bool_)
    kept[winnow(hashes)] = True

    windows = np.lib.stride_tricks.sliding_window_view(kept, W)
    assert windows.any(axis=1).all()
    assert kept.mean() < 2.5 / (W + 1)


@given(st.text(alphabet=st.sampled_from(list("ab Z9'\u2019-.\n\u00e9\u0301\uff21_")), max_size=80))
def test_word_hashes_without_offsets_equal_those_with_offsets(text: str) -> None:
    assert word_hashes(text).tolist() == words(text).hashes.tolist()


def test_fingerprints_ignore_case_punctuation_and_spacing() -> None:
    plain = kgram_hashes(words("Shall I compare thee to a summer's day").hashes)
    noisy = kgram_hashes(words("SHALL i  compare—thee\nto a Summer\u2019s day?").hashes)

    assert np.array_equal(plain, noisy)


def test_dev_set_targets_hold(detector: CopyrightDetector) -> None:
    result = evaluate(read_rows(EVAL_DATA / "copyright.jsonl"), detector, detector.config)
    by_category = result["by_category"]

    assert by_category["verbatim"]["recall"] >= 0.98
    assert by_category["near_verbatim"]["recall"] >= 0.90
    assert by_category["short_quote"]["fpr"] <= 0.01
    assert by_category["unrelated"]["fpr"] == 0
