"""Raw material for the injection and jailbreak corpora, read from ``../shared/train-data``.

Every reader returns plain strings (or ``(text, kind)`` pairs) tagged by the folder they come
from; ``detectors.attackcorpus`` composes them into labelled rows. Nothing here is shipped
data: it runs at training time only, and a missing folder simply yields nothing, so a partial
``train-data`` still trains (on less).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SPIKEE = "spikee/spikee/data/workspace/datasets"
TASKTRACKER = "tasktracker/task_tracker/dataset_creation/datasets"
PYRIT_TEMPLATES = "pyrit/pyrit/datasets/jailbreak/templates"
PYRIT_SEEDS = "pyrit/pyrit/datasets/seed_datasets/local"


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if not path.is_file():
        return
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line:
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i.strip()))


def _yaml(path: Path) -> Any:
    import yaml  # training-time dependency (dev group)

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return None


# --- attack material ----------------------------------------------------------------------


def spikee_instructions(root: Path) -> list[tuple[str, str]]:
    """``(instruction, instruction_type)`` of every spikee seed kit (de-duplicated)."""
    seen: dict[str, str] = {}
    for path in sorted((root / SPIKEE).glob("*/instructions.jsonl")):
        for row in _jsonl(path):
            seen.setdefault(str(row.get("instruction", "")), str(row.get("instruction_type", "")))
    return [(k, v) for k, v in seen.items() if k.strip()]


def spikee_wrappers(root: Path) -> list[tuple[str, str]]:
    """``(template with <INSTRUCTION>, jailbreak_type)`` of the spikee kits."""
    seen: dict[str, str] = {}
    for path in sorted((root / SPIKEE).glob("*/jailbreaks.jsonl")):
        for row in _jsonl(path):
            text = str(row.get("text", ""))
            if "<INSTRUCTION>" in text:
                seen.setdefault(text, str(row.get("jailbreak_type", "")))
    return list(seen.items())


def spikee_suffixes(root: Path) -> list[tuple[str, str]]:
    """``(suffix, id)`` of the spikee adversarial suffixes."""
    seen: dict[str, str] = {}
    for path in sorted((root / SPIKEE).glob("*/adv_suffixes.jsonl")):
        for row in _jsonl(path):
            seen.setdefault(str(row.get("suffix", "")), str(row.get("id", "")))
    return [(k, v) for k, v in seen.items() if k.strip()]


def spikee_documents(root: Path) -> list[str]:
    """Benign base documents and e-mails of the spikee kits."""
    docs = [
        str(row.get("document", ""))
        for path in sorted((root / SPIKEE).glob("*/base_user_inputs.jsonl"))
        for row in _jsonl(path)
    ]
    return _unique([d for d in docs if "PLACEHOLDER" not in d])


def spikee_benign_inputs(root: Path) -> list[str]:
    """Benign user inputs built to test false positives (standalone inputs of the ``-fp`` kit
    and the inputs of the false-positive results file)."""
    texts = [
        str(row.get("text", ""))
        for row in _jsonl(root / SPIKEE / "seeds-investment-advice-fp/standalone_user_inputs.jsonl")
    ]
    for path in sorted((root / "spikee/results").rglob("*false-positive*.jsonl")):
        texts += [str(row.get("input", "")) for row in _jsonl(path)]
    return _unique(texts)


def spikee_injected_documents(root: Path) -> list[str]:
    """Injected documents of the targeted results file (attacks whatever the verdict was)."""
    texts: list[str] = []
    for path in sorted((root / "spikee/results").rglob("*targeted*.jsonl")):
        texts += [str(row.get("input", "")) for row in _jsonl(path)]
    return _unique(texts)


def tasktracker_triggers(root: Path) -> list[str]:
    """ "Override" trigger phrases (train and test files)."""
    base = root / TASKTRACKER
    return _unique(
        _lines(base / "saved_injections.txt") + _lines(base / "saved_injections_test.txt")
    )


def tasktracker_tasks(root: Path) -> list[str]:
    """Secondary tasks: translated questions and trivia questions."""
    base = root / TASKTRACKER
    trivia = [line.split(" Answer:")[0] for line in _lines(base / "trivia_pairs.txt")]
    return _unique(_lines(base / "translated_secondary_tasks.txt") + trivia)


def greshake_payloads(root: Path) -> list[str]:
    """Hand-written indirect-injection payloads (poisoned pages, puzzles)."""
    base = root / "greshake-llm-security/scenarios"
    texts = [
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(base.rglob("*"))
        if p.is_file()
    ]
    return _unique([re.sub(r"\{\{\s*\w+\s*\}\}", "", t).strip() for t in texts])


def pyrit_templates(root: Path) -> list[tuple[str, str]]:
    """``(template with {{ prompt }}, subfolder)``: jailbreak templates with one prompt slot."""
    out: list[tuple[str, str]] = []
    base = root / PYRIT_TEMPLATES
    for path in sorted(base.rglob("*.yaml")):
        data = _yaml(path)
        value = data.get("value") if isinstance(data, dict) else None
        if not isinstance(value, str) or "{{ prompt }}" not in value:
            continue
        group = path.parent.name if path.parent != base else "root"
        out.append((value, group))
    return out


def pyrit_objectives(root: Path) -> list[tuple[str, str]]:
    """``(request, dataset)`` of PyRIT's seed objectives (harmful requests)."""
    out: list[tuple[str, str]] = []
    for path in sorted((root / PYRIT_SEEDS).rglob("*.prompt")):
        data = _yaml(path)
        seeds = data.get("seeds") if isinstance(data, dict) else None
        for seed in seeds or []:
            value = seed.get("value") if isinstance(seed, dict) else None
            if isinstance(value, str) and 8 <= len(value) <= 400:
                out.append((value.strip(), path.stem))
    return out


def extraction_prompts(root: Path) -> list[str]:
    """System-prompt extraction attempts (spikee sysmsg kit, PyRIT's psfuzz seeds)."""
    texts = [t for t, kind in spikee_instructions(root) if kind == "sysmsg-extract"]
    data = _yaml(root / PYRIT_SEEDS / "psfuzz_steal_system.prompt")
    for seed in (data or {}).get("seeds", []) if isinstance(data, dict) else []:
        value = seed.get("value") if isinstance(seed, dict) else None
        if isinstance(value, str):
            texts += [re.sub(r"^\s*\d+\.\s*", "", p).strip() for p in value.split("|")]
    return _unique(texts)


# --- benign material ----------------------------------------------------------------------


def self_instruct(root: Path) -> list[str]:
    """Benign human-written instructions (with their input, when short)."""
    base = root / "self-instruct-benign"
    texts: list[str] = []
    for row in _jsonl(base / "human_eval/user_oriented_instructions.jsonl"):
        inst = str(row.get("instruction", ""))
        first = (row.get("instances") or [{}])[0]
        extra = str(first.get("input", "")) if isinstance(first, dict) else ""
        texts.append(f"{inst}\n\n{extra}".strip() if len(extra) < 1500 else inst)
    for row in _jsonl(base / "data/seed_tasks.jsonl"):
        texts.append(str(row.get("instruction", "")))
    return _unique(texts)


def self_instruct_outputs(root: Path) -> list[str]:
    """Benign human-written answers of the self-instruct tasks (how-to steps, lists, advice
    addressed to the reader), at least 80 characters long."""
    base = root / "self-instruct-benign"
    texts: list[str] = []
    for path in (
        base / "human_eval/user_oriented_instructions.jsonl",
        base / "data/seed_tasks.jsonl",
    ):
        for row in _jsonl(path):
            for instance in row.get("instances") or []:
                output = str(instance.get("output", "")) if isinstance(instance, dict) else ""
                if 80 <= len(output) <= 3000:
                    texts.append(output.strip())
    return _unique(texts)


def mtbench(root: Path) -> list[str]:
    """MT-bench and Vicuna-bench prompts (every turn)."""
    base = root / "mtbench-vicuna-benign/fastchat/llm_judge/data"
    texts: list[str] = []
    for path in sorted(base.glob("*/question.jsonl")):
        for row in _jsonl(path):
            texts += [str(t) for t in row.get("turns", [])]
    return _unique(texts)


def pubmedqa(root: Path) -> list[tuple[str, str]]:
    """``(question, abstract)`` pairs."""
    path = root / "pubmedqa/data/ori_pqal.json"
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        (str(v.get("QUESTION", "")), " ".join(str(c) for c in v.get("CONTEXTS", [])))
        for _, v in sorted(data.items())
    ]
