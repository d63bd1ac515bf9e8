"""Training of the ``injection`` and ``jailbreak`` models on the wider corpus.

``specguard train injection|jailbreak`` builds the corpus (``detectors.attackcorpus``,
``detectors.jailbreakcorpus``), runs the
leave-one-source-out evaluation (``detectors.loso_injection``), fits the model on every row
except the benign calibration half, calibrates its threshold on that half to ``MAX_FPR`` and
writes ``detectors/models/<name>.npz``. Everything is seeded: the same data gives the same
artifact. The injection model is fitted with scikit-learn (``fit_joint``: liblinear, a
training-time dependency) and exported as a ``TextModel`` plus descriptor weights, so the
shipped inference stays numpy only.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detectors import attackcorpus, gibberish, injection, jailbreak, jailbreakcorpus
from detectors.attackfeatures import FEATURES
from detectors.textmodel import FeatureSpec, TextModel, dense_weights

FEATURES_RULE = FEATURES.index("rule")

Row = dict[str, Any]
FloatArray = npt.NDArray[np.float64]
SEED = 0
MAX_FPR = 0.02
"""Default false-positive rate an operating point may spend on the benign calibration half.
Injection and jailbreak both spend 0.01: the calibration half is in-distribution for the
model (same sources as its training negatives), and at 0.02 held-out benign sources ran at
5-30% (over-refusal 9%). Injection spent 0.004 before its incongruity descriptors (0.01 gave
over-refusal 0.027-0.040 then); with them, 0.01 gives over-refusal 0.010 and held-out benign
FPR <= 0.037, 0.02 gives 0.013 but held-out benign FPR up to 0.076 (chosen on those
leave-one-source-out figures, so they are not blind)."""
MODELS = Path(__file__).parent / "models"
INJECTION_FEATURES = FeatureSpec(word_ngrams=1, char_ngrams=(4,))
INJECTION_L2 = 1e-3
DENSE_SCALE = 10.0
"""Attack-descriptor columns are multiplied by this before the joint fit: their L2 penalty is
``DENSE_SCALE**2`` times weaker than the n-grams', so the model leans on what describes the
attack (which carries over to unseen sources) rather than on the wording of the training
payloads."""
"""Word unigrams, character 4-grams and a strong L2 penalty: leave-one-source-out runs showed
bigrams and 3/5-grams with a weak penalty memorise the training payloads (held-out BIPIA FPR
0.31, over-refusal FPR 0.24 against 0.10 and 0.05 here, at a few points of recall)."""


@dataclass(frozen=True, slots=True)
class AttackRecipe:
    """How one attack model is built, fitted and scored."""

    corpus: Callable[[Path, Path], list[Row]]
    """Rows from the eval-data and train-data directories."""
    fit: Callable[[Sequence[Row], int], TextModel]
    """Fits a model on rows with a seed."""
    evidence: Callable[[TextModel, Sequence[str]], tuple[FloatArray, FloatArray]]
    """``(heuristic score, model probability)`` of texts, as the detector computes them."""
    near_duplicates: bool
    """Drop training rows that are near-duplicates of held-out ones (templates that recur
    across sources)."""
    max_fpr: float = 0.02
    """False-positive rate the operating point may spend on the benign calibration half."""


# --- injection ------------------------------------------------------------------------------


def _key(text: str, seg: injection.Segment) -> str:
    return " ".join(text[seg.start : seg.end].lower().split())


Example = tuple[str, FloatArray]
"""One segment: its n-gram input and its attack descriptors."""


def injection_examples(rows: Sequence[Row]) -> tuple[list[Example], list[Example]]:
    """``(negatives, positives)``: every segment of a benign row is a negative; the segments
    of an attack row that lie mostly inside its ``span`` are positives. A row without a span
    (eval-data, spikee results) contributes its segments that no benign row of the set has,
    when there are at most four of them (the inserted text); otherwise nothing."""
    negatives: dict[tuple[str, bytes], Example] = {}
    seen: set[str] = set()
    for row in rows:
        if row["label"] == 0:
            segments, inputs, features = injection.segment_evidence(row["text"])
            for seg, text, dense in zip(segments, inputs, features, strict=True):
                seen.add(_key(row["text"], seg))
                negatives.setdefault((text, dense.tobytes()), (text, dense))
    positives: list[Example] = []
    for row in rows:
        if row["label"] != 1:
            continue
        segments, inputs, features = injection.segment_evidence(row["text"])
        if "span" in row:
            lo, hi = row["span"]
            positives += [
                (text, dense)
                for seg, text, dense in zip(segments, inputs, features, strict=True)
                if min(seg.end, hi) - max(seg.start, lo) >= 0.5 * (seg.end - seg.start)
            ]
            continue
        unseen = [
            (text, dense)
            for seg, text, dense in zip(segments, inputs, features, strict=True)
            if _key(row["text"], seg) not in seen
        ]
        if 0 < len(unseen) <= 4:
            positives += unseen
    return list(negatives.values()), positives


def fit_injection(rows: Sequence[Row], seed: int) -> TextModel:
    """A segment classifier over n-grams and attack descriptors (``injection_examples``),
    fitted with scikit-learn and exported as a ``TextModel`` plus descriptor weights."""
    negatives, positives = injection_examples(rows)
    examples = negatives + positives
    labels = [0] * len(negatives) + [1] * len(positives)
    dense = np.array([d for _, d in examples])
    model = fit_joint([t for t, _ in examples], dense, labels, seed)
    model.meta.update({"negatives": len(negatives), "positives": len(positives)})
    return model


def fit_joint(
    texts: Sequence[str],
    dense: FloatArray,
    labels: Sequence[int],
    seed: int,
    names: Sequence[str] = FEATURES,
    spec: FeatureSpec = INJECTION_FEATURES,
    l2: float | None = None,
) -> TextModel:
    """One L2 logistic regression over hashed n-grams (``spec``, penalty ``l2`` per row) and
    the descriptor columns ``names`` (penalised ``DENSE_SCALE**2`` times less), classes
    balanced; the n-gram weights become the ``TextModel``, the descriptor weights its
    ``meta["dense"]``. Deterministic (liblinear's trust-region Newton method on the primal)."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    from detectors.textmodel import featurize

    l2 = INJECTION_L2 if l2 is None else l2
    batch = featurize(texts, spec)
    dim = 1 << spec.buckets_log2
    grams = sparse.csr_matrix((batch.values, batch.indices, batch.indptr), shape=(len(texts), dim))
    x = sparse.hstack([grams, sparse.csr_matrix(dense * DENSE_SCALE)], format="csr")
    clf = LogisticRegression(
        C=1.0 / (l2 * len(texts)),
        class_weight="balanced",
        solver="liblinear",
        dual=False,
        intercept_scaling=10.0,
        max_iter=5000,
        tol=1e-3,
        random_state=seed,
    )
    clf.fit(x, np.asarray(labels))
    coef = clf.coef_[0]
    weights = coef[:dim].copy()
    weights[np.abs(weights) < 2e-3] = 0.0
    model = TextModel(
        weights.astype(np.float16).astype(np.float32), float(np.float32(clf.intercept_[0])), spec
    )
    dense_w = [float(np.float32(w)) for w in coef[dim:] * DENSE_SCALE]
    model.meta.update(
        {"rows": len(texts), "seed": seed, "dense": {"features": list(names), "weights": dense_w}}
    )
    return model


def injection_evidence(model: TextModel, texts: Sequence[str]) -> tuple[FloatArray, FloatArray]:
    """Heuristic score and top segment probability of each text, as ``InjectionDetector``."""
    weights = dense_weights(model, FEATURES)
    rule = FEATURES_RULE
    h, p = np.zeros(len(texts)), np.zeros(len(texts))
    for i, text in enumerate(texts):
        _, inputs, features = injection.segment_evidence(text)
        h[i] = features[:, rule].max()
        p[i] = injection.segment_scores(model, weights, inputs, features).max()
    return h, p


# --- jailbreak ------------------------------------------------------------------------------


def fit_jailbreak(rows: Sequence[Row], seed: int) -> TextModel:
    """A whole-turn classifier (n-grams only: a joint fit with turn descriptors raised the
    over-refusal FPR from 0.012 to 0.075-0.079 in leave-one-source-out runs)."""
    return TextModel.train([r["text"] for r in rows], [int(r["label"]) for r in rows], seed=seed)


def jailbreak_heuristic(text: str) -> float:
    """The best score of every heuristic finding ``JailbreakDetector`` makes."""
    scores = [s for _, _, s in jailbreak.rule_hits(text)]
    scores += [s for _, _, _, s in jailbreak.category_hits(text)]
    suffix = gibberish.suffix_finding(text)
    if suffix is not None:
        scores.append(suffix[0])
    return max(scores, default=0.0)


def jailbreak_evidence(model: TextModel, texts: Sequence[str]) -> tuple[FloatArray, FloatArray]:
    """Heuristic score and model probability of each text, as ``JailbreakDetector``."""
    return np.array([jailbreak_heuristic(t) for t in texts]), model.score_many(texts)


def _jailbreak_corpus(data_dir: Path, train_dir: Path) -> list[Row]:
    return jailbreakcorpus.jailbreak_corpus(data_dir, train_dir, sorted(gibberish.words())[:20000])


RECIPES: dict[str, AttackRecipe] = {
    "injection": AttackRecipe(
        attackcorpus.injection_corpus,
        fit_injection,
        injection_evidence,
        near_duplicates=False,
        max_fpr=0.01,
    ),
    "jailbreak": AttackRecipe(
        _jailbreak_corpus, fit_jailbreak, jailbreak_evidence, near_duplicates=True, max_fpr=0.008
    ),
}


# --- calibration ----------------------------------------------------------------------------


def is_calibration(row: Row) -> bool:
    """Whether a benign row belongs to the calibration half (never trained on): half of the
    negatives of every source, chosen by a hash of the text (stable across runs)."""
    if row["label"] != 0:
        return False
    return hashlib.sha256(row["text"].encode()).digest()[0] % 2 == 0


def choose_threshold(h: FloatArray, p: FloatArray, max_fpr: float) -> float:
    """The lowest model threshold keeping the benign false-positive rate (heuristic hits
    included) within ``max_fpr``."""
    budget = int(np.floor(max_fpr * len(h))) - int((h >= 0.5).sum())
    scores = np.sort(p[h < 0.5])[::-1]
    if budget < 0:
        return 1.0 - 1e-6
    if budget >= len(scores):
        return 1e-6
    return float(min(max(np.nextafter(scores[budget], 1.0), 1e-6), 1.0 - 1e-6))


def train(name: str, data_dir: str | Path, train_dir: str | Path | None = None) -> int:
    """Evaluate leave-one-source-out, then fit, calibrate and write the artifact; an exit code."""
    from detectors import loso_injection

    data = Path(data_dir)
    extra = Path(train_dir) if train_dir else data.parent / "train-data"
    recipe = RECIPES[name]
    probes = loso_injection.probe_sets(name, data, extra)
    rows = loso_injection.corpus_without_probes(name, data, extra, probes)
    model, threshold = fit_calibrated(recipe, rows)
    # The shipped model is the one crossval scores the probes with: fitted once, not twice.
    final = (model, threshold)
    result = loso_injection.crossval(name, rows, recipe.max_fpr, probes, final)
    print(loso_injection.format_report(result))
    model = model.with_threshold(threshold)
    summary = {k: result[k] for k in ("recall_worst", "recall_mean", "fpr_worst", "fpr_mean")}
    counts = Counter(str(r["source"]) for r in rows)
    model.meta.update({"name": name, "loso": summary, "sources": dict(sorted(counts.items()))})
    MODELS.mkdir(exist_ok=True)
    path = MODELS / f"{name}.npz"
    model.save(path)
    print(f"wrote {path} ({path.stat().st_size} bytes), threshold {threshold:.4f}")
    return 0


def fit_calibrated(
    recipe: AttackRecipe, rows: Sequence[Row], max_fpr: float | None = None
) -> tuple[TextModel, float]:
    """A model fitted on every row but the calibration half, and its threshold calibrated to
    ``max_fpr`` (the recipe's by default)."""
    training = [r for r in rows if not is_calibration(r)]
    calibration = [r["text"] for r in rows if is_calibration(r)]
    model = recipe.fit(training, SEED)
    h, p = recipe.evidence(model, calibration)
    return model, choose_threshold(h, p, recipe.max_fpr if max_fpr is None else max_fpr)


def groups_of(rows: Sequence[Row]) -> list[str]:
    """Near-duplicate group of each row (``detectors.train.near_duplicate_groups``)."""
    from detectors.train import near_duplicate_groups

    return near_duplicate_groups(rows)


def by_source(rows: Sequence[Row]) -> dict[str, list[int]]:
    """Row indices per source."""
    out: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        out[str(row.get("source"))].append(i)
    return dict(out)
