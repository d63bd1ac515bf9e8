"""Rows for the leave-one-source-out protocol (``detectors/loso.py``) read from
``../shared/train-data``: a broad **benign** set to calibrate thresholds on, and a few extra
**labelled** sources that the development set does not contain.

Every row has the eval-data shape (``text``, ``label``, ``category``, ``source``, optional
``context``). Readers skip a missing folder (the data is optional at run time) and never copy
text anywhere: rows live in memory for the duration of an evaluation or a training run.

Benign sources (label 0): ``self-instruct`` (human-written instructions), ``mtbench-vicuna``
(prompts incl. role-play and creative writing), ``pubmedqa`` (biomedical questions and the
conclusions of their abstracts), ``caia`` (help-seeking chats on child safety, sex education,
drugs and health: both turns), ``forbidden-science`` (dual-use chemistry prompts about
controlled drugs and industrial or recycling chemistry: near misses for ``cbrn``, never a
weapon request).

Labelled sources: ``pyrit-sexual`` (PyRIT's human-scored sexual-content answers and its red-team
objectives for ``nsfw``), ``pyrit-airt`` (its red-team objectives on weapons for ``cbrn``) and
``pyrit-violence`` (its human-scored answers to violence objectives that ask for a bomb, an
explosive or a poison, for ``cbrn``: the only graded harmful CBRN *answers* in the material).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

Row = dict[str, Any]
TRAIN_DATA = Path(__file__).resolve().parents[2] / "shared" / "train-data"
"""Default location, beside the checkout (``../shared/train-data``)."""
PYRIT = Path("pyrit/pyrit/datasets")


def _row(text: str, label: int, source: str, category: str, context: str | None = None) -> Row:
    row: Row = {"text": text, "label": label, "source": source, "category": category}
    if context:
        row["context"] = context
    return row


def _jsonl(path: Path) -> Iterator[Any]:
    with open(path, "rb") as handle:
        yield from (orjson.loads(line) for line in handle if line.strip())


def _csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_text(encoding="utf-8")
    if raw.startswith("#"):  # PyRIT's files start with a version comment line
        raw = raw.split("\n", 1)[1]
    return list(csv.DictReader(io.StringIO(raw)))


def self_instruct(root: Path) -> list[Row]:
    """Instructions (with their input when one is given) of self-instruct's seed and
    user-oriented tasks."""
    folder = root / "self-instruct-benign"
    rows = []
    for name in ("data/seed_tasks.jsonl", "human_eval/user_oriented_instructions.jsonl"):
        for item in _jsonl(folder / name):
            instances = item.get("instances") or [{}]
            given = instances[0].get("input", "")
            text = f"{item['instruction']}\n{given}".strip()
            rows.append(_row(text, 0, "self-instruct", "instruction"))
    return rows


def mtbench(root: Path) -> list[Row]:
    """Every turn of MT-Bench and Vicuna-Bench questions."""
    folder = root / "mtbench-vicuna-benign/fastchat/llm_judge/data"
    rows = []
    for bench in ("mt_bench", "vicuna_bench"):
        for item in _jsonl(folder / bench / "question.jsonl"):
            for turn in item["turns"]:
                rows.append(_row(turn, 0, "mtbench-vicuna", str(item.get("category"))))
    return rows


def pubmedqa(root: Path) -> list[Row]:
    """PubMedQA questions, and each abstract's conclusion (a clinical answer)."""
    data = orjson.loads((root / "pubmedqa/data/ori_pqal.json").read_bytes())
    rows = []
    for item in data.values():
        rows.append(_row(item["QUESTION"], 0, "pubmedqa", "question"))
        rows.append(_row(item["LONG_ANSWER"], 0, "pubmedqa", "answer", item["QUESTION"]))
    return rows


def caia(root: Path) -> list[Row]:
    """User and assistant turns of the Caia help-seeking chats (topic as category)."""
    rows = []
    for path in sorted((root / "caia-ai-safety").glob("*.jsonl")):
        topic = path.stem
        for item in _jsonl(path):
            question = ""
            for turn in item["chat"]:
                if turn["role"] == "user":
                    question = turn["content"]
                    rows.append(_row(question, 0, "caia", f"{topic}:prompt"))
                else:
                    rows.append(_row(turn["content"], 0, "caia", f"{topic}:response", question))
    return rows


def forbidden_science(root: Path) -> list[Row]:
    """Dual-use chemistry prompts (controlled drugs, industrial and recycling chemistry)."""
    path = root / "forbidden-science/dont_ask_science_utf.csv"
    return [_row(r["prompt"], 0, "forbidden-science", r["category"]) for r in _csv(path)]


def pyrit_sexual(root: Path) -> list[Row]:
    """PyRIT's human-scored answers to sexual-content objectives (label 1 when the harm score
    is at least 0.5, or the objective score is 1) and its sexual red-team objectives."""
    folder = root / PYRIT / "scorer_evals"
    rows = []
    for r in _csv(folder / "harm/sexual.csv"):
        label = int(float(r["human_score_1"]) >= 0.5)
        rows.append(
            _row(r["assistant_response"], label, "pyrit-sexual", "response", r["objective"])
        )
    for r in _csv(folder / "objective/sexual.csv"):
        label = int(r["human_score"] == "1")
        rows.append(
            _row(r["assistant_response"], label, "pyrit-sexual", "response", r["objective"])
        )
    return rows


def _seeds(path: Path) -> list[str]:
    """``- value:`` lines of a PyRIT seed file (single-line values only)."""
    values = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("- value:"):
            values.append(stripped.removeprefix("- value:").strip().strip("\"'"))
    return values


def pyrit_airt(root: Path, names: dict[str, tuple[str, ...]]) -> list[Row]:
    """PyRIT's red-team objectives, labelled 1 when they contain one of ``names[file]``'s
    words (case-insensitive) and 0 otherwise."""
    folder = root / PYRIT / "seed_datasets/local/airt"
    rows = []
    for stem, words in names.items():
        for text in _seeds(folder / f"{stem}.prompt"):
            label = int(any(word in text.lower() for word in words))
            rows.append(_row(text, label, "pyrit-airt", "prompt"))
    return rows


def pyrit_violence(root: Path, words: tuple[str, ...]) -> list[Row]:
    """PyRIT's human-scored answers to violence objectives containing one of ``words``
    (case-insensitive): label 1 when the mean of the human scores is at least 0.5."""
    folder = root / PYRIT / "scorer_evals/harm"
    rows = []
    for name in ("violence.csv", "violence_multi_score.csv"):
        for r in _csv(folder / name):
            if not any(word in r["objective"].lower() for word in words):
                continue
            scores = [float(v) for k, v in r.items() if k.startswith("human_score") and v]
            label = int(sum(scores) / len(scores) >= 0.5)
            rows.append(
                _row(r["assistant_response"], label, "pyrit-violence", "response", r["objective"])
            )
    return rows


BENIGN: dict[str, Callable[[Path], list[Row]]] = {
    "self-instruct": self_instruct,
    "mtbench-vicuna": mtbench,
    "pubmedqa": pubmedqa,
    "caia": caia,
    "forbidden-science": forbidden_science,
}
"""Readers of the benign calibration sources, by source name."""


def benign(root: Path = TRAIN_DATA, names: tuple[str, ...] = tuple(BENIGN)) -> list[Row]:
    """The benign rows of the named sources that exist under ``root``, de-duplicated."""
    seen: set[str] = set()
    rows = []
    for name in names:
        try:
            found = BENIGN[name](root)
        except FileNotFoundError:
            continue
        for row in found:
            if row["text"] and row["text"] not in seen:
                seen.add(row["text"])
                rows.append(row)
    return rows
