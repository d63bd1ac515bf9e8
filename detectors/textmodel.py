"""``TextModel``: a small hashed n-gram logistic-regression text classifier in pure numpy.

Features are word unigrams and bigrams plus character 3-5-grams of the normalised text
(lower-cased, digits folded to ``0``, whitespace collapsed), hashed into ``2**buckets_log2``
signed buckets and summed; a text's vector is divided by the square root of its number of
feature occurrences (so it has unit length when no feature repeats). The hash is spelled out
here (a polynomial hash mod 2**64 over UTF-8 bytes, finished with MurmurHash3's 64-bit mixer), so
scores are identical across processes and machines; Python's salted ``hash()`` is never used.
All hashing is vectorised over the text's bytes: scoring costs a few dozen array operations
whatever the text's length.

Training is mini-batch Adam on the mean log loss plus an L2 penalty, shuffled by ``seed`` and
otherwise deterministic. The trained weights are pruned and rounded to float16 *before* the model
is returned, so a model scores exactly the same before ``save`` and after ``load``. The artifact
is an ``np.savez_compressed`` file holding only the non-zero bucket indices, their weights and a
JSON metadata blob (no pickles).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FORMAT = "specguard-textmodel/1"

_U64 = np.uint64
_MIX1 = _U64(0xFF51AFD7ED558CCD)
_MIX2 = _U64(0xC4CEB9FE1A85EC53)
_PRIME = _U64(0x100000001B3)
_SEED_WORD = _U64(0x9E3779B97F4A7C15)
_SEED_BIGRAM = _U64(0x632BE59BD9B4E019)
_SEED_CHAR = 0x85EBCA77C2B2AE63

_PRIME_INV = _U64(pow(0x100000001B3, -1, 1 << 64))
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
# Byte classes for word tokens: 0 = space or separator, 1 = word byte, 2 = punctuation.
_BYTE_KIND = np.full(256, 2, dtype=np.uint8)
_BYTE_KIND[[0, ord(" ")]] = 0
_BYTE_KIND[list(b"abcdefghijklmnopqrstuvwxyz0_") + list(range(0x80, 0x100))] = 1

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """How text becomes hashed features; stored with the weights so a model rebuilds them."""

    buckets_log2: int = 18
    """Number of hash buckets, as a power of two."""
    word_ngrams: int = 2
    """Longest word n-gram (1 = unigrams only, 2 = unigrams and bigrams)."""
    char_ngrams: tuple[int, ...] = (3, 4, 5)
    """Character (UTF-8 byte) n-gram lengths."""


@dataclass(frozen=True, slots=True)
class Batch:
    """Sparse CSR features of several texts."""

    indptr: IntArray
    """Row ``i`` owns entries ``indptr[i]:indptr[i + 1]``."""
    indices: IntArray
    """Bucket of each entry."""
    values: FloatArray
    """Summed signs of each entry, divided by the root of the text's occurrence count."""


def normalise(text: str) -> bytes:
    """The UTF-8 bytes the features are computed from: lower-cased, whitespace collapsed,
    ASCII digits folded to ``0``."""
    return " ".join(text.lower().split()).encode().translate(_DIGITS)


def _mix(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    # MurmurHash3 fmix64; array operations wrap silently (scalar ones would warn).
    h = h ^ (h >> _U64(33))
    h = h * _MIX1
    h = h ^ (h >> _U64(33))
    h = h * _MIX2
    return h ^ (h >> _U64(33))


_powers: tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]] = (
    np.ones(1, dtype=np.uint64),
    np.ones(1, dtype=np.uint64),
)


def _power_tables(size: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """``PRIME**i`` and ``PRIME**-i`` (mod 2**64) for ``i < size``, grown on demand."""
    global _powers
    if len(_powers[0]) < size:
        grown = max(size, 2 * len(_powers[0]), 1 << 14)
        forward = np.asarray(np.cumprod(np.full(grown, _PRIME)) * _PRIME_INV, dtype=np.uint64)
        backward = np.asarray(np.cumprod(np.full(grown, _PRIME_INV)) * _PRIME, dtype=np.uint64)
        _powers = (forward, backward)
    return _powers


def hashed(texts: Sequence[str], spec: FeatureSpec) -> tuple[IntArray, IntArray, FloatArray]:
    """``(row, bucket, sign)`` of every feature occurrence of every text, vectorised.

    A text's feature vector is the sum of its occurrences' signs per bucket, divided by the
    square root of its number of occurrences.
    """
    # All texts, space-padded, joined by a NUL byte into one buffer; every hash below is a
    # vectorised polynomial hash over that buffer, so the cost per text is a few array ops.
    encoded = [b" " + normalise(t) + b" " for t in texts]
    buffer = np.frombuffer(b"\0".join(encoded), dtype=np.uint8)
    size = len(buffer)
    if len(texts) == 1:
        byte_rows = np.zeros(size, dtype=np.int64)
        row_end = None
    else:
        lengths = np.array([len(e) + 1 for e in encoded], dtype=np.int64)
        byte_rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)[:size]
        row_end = np.repeat(np.cumsum(lengths) - 1, lengths)[:size]

    # Words: maximal runs of word bytes (ASCII letters, digits, ``_`` and every non-ASCII
    # byte); every other non-space byte is a one-byte token. A run's hash is read off prefix
    # sums: sum(b[j] * P**-j) over the run, times P**end.
    kind = _BYTE_KIND[buffer]
    is_word = kind == 1
    prev_word = np.concatenate(([False], is_word[:-1]))
    next_word = np.concatenate((is_word[1:], [False]))
    starts = np.flatnonzero((kind == 2) | (is_word & ~prev_word))
    ends = np.flatnonzero((kind == 2) | (is_word & ~next_word))
    forward, backward = _power_tables(size)
    values = buffer.astype(np.uint64)
    prefix = np.concatenate((np.zeros(1, dtype=np.uint64), np.cumsum(values * backward[:size])))
    words = (prefix[ends + 1] - prefix[starts]) * forward[ends]
    word_rows = byte_rows[starts]
    hashes = [words ^ _SEED_WORD]
    rows = [word_rows]
    if spec.word_ngrams >= 2 and len(words) > 1:
        same = word_rows[:-1] == word_rows[1:]
        hashes.append(((words[:-1] * _PRIME + words[1:]) ^ _SEED_BIGRAM)[same])
        rows.append(word_rows[:-1][same])

    # Character n-grams: a rolling hash extended one byte at a time; n-grams that straddle a
    # separator are dropped.
    h = values
    for k in range(1, max(spec.char_ngrams)):
        h = h[:-1] * _PRIME ^ values[k:]
        n = k + 1
        if n not in spec.char_ngrams:
            continue
        seed = _U64(_SEED_CHAR * n & 0xFFFFFFFFFFFFFFFF)
        if row_end is None:
            hashes.append(h ^ seed)
            rows.append(byte_rows[: len(h)])
        else:
            inside = np.arange(n, len(h) + n) <= row_end[: len(h)]
            hashes.append(h[inside] ^ seed)
            rows.append(byte_rows[: len(h)][inside])

    mixed = _mix(np.concatenate(hashes))
    buckets = (mixed & _U64((1 << spec.buckets_log2) - 1)).astype(np.int64)
    signs = 1.0 - 2.0 * (mixed >> _U64(63)).astype(np.float64)
    return np.concatenate(rows), buckets, signs


def featurize(texts: Sequence[str], spec: FeatureSpec) -> Batch:
    """Sparse feature vectors of ``texts`` (for training)."""
    rows, buckets, signs = hashed(texts, spec)
    keys = rows * (1 << spec.buckets_log2) + buckets
    unique, inverse = np.unique(keys, return_inverse=True)
    values = np.bincount(inverse, weights=signs, minlength=len(unique))
    entry_rows = unique >> spec.buckets_log2
    per_row = np.bincount(rows, minlength=len(texts))
    values = values / np.sqrt(np.maximum(per_row[entry_rows], 1))
    keep = values != 0
    indptr = np.concatenate(([0], np.cumsum(np.bincount(entry_rows[keep], minlength=len(texts)))))
    mask = (1 << spec.buckets_log2) - 1
    return Batch(indptr.astype(np.int64), unique[keep] & mask, values[keep])


def _sigmoid(z: FloatArray) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)


@dataclass
class TextModel:
    """A trained hashed n-gram logistic regression; ``score`` is a probability."""

    weights: npt.NDArray[np.float32]
    """Dense weight per bucket (float16-exact values)."""
    bias: float
    """Intercept of the logit."""
    spec: FeatureSpec = field(default_factory=FeatureSpec)
    """Feature settings the weights were trained with."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Free-form training metadata (threshold, data size, ...) stored in the artifact."""

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[int],
        *,
        seed: int = 0,
        spec: FeatureSpec | None = None,
        epochs: int = 12,
        batch_size: int = 128,
        learning_rate: float = 0.02,
        l2: float = 1e-6,
        balanced: bool = True,
        prune_below: float = 2e-3,
    ) -> TextModel:
        """Fit a model; deterministic for the same inputs and ``seed``."""
        spec = spec or FeatureSpec()
        if len(texts) != len(labels) or not texts:
            raise ValueError("texts and labels must be non-empty and of equal length")
        y = np.asarray(labels, dtype=np.float64)
        batch = featurize(texts, spec)
        rows = np.repeat(np.arange(len(texts)), np.diff(batch.indptr))
        positives = float(y.sum())
        if balanced and 0 < positives < len(y):
            negatives = len(y) - positives
            sample_w = np.where(y == 1, len(y) / (2 * positives), len(y) / (2 * negatives))
        else:
            sample_w = np.ones(len(y))

        dim = 1 << spec.buckets_log2
        w = np.zeros(dim)
        b = 0.0
        m, v = np.zeros(dim), np.zeros(dim)
        mb, vb = 0.0, 0.0
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        rng = np.random.default_rng(seed)
        step = 0
        for _ in range(epochs):
            order = rng.permutation(len(texts))
            for first in range(0, len(order), batch_size):
                chosen = np.sort(order[first : first + batch_size])
                sel = _entries_of(batch.indptr, chosen)
                local = np.searchsorted(chosen, rows[sel])
                margin = b + np.asarray(
                    np.bincount(
                        local,
                        weights=batch.values[sel] * w[batch.indices[sel]],
                        minlength=len(chosen),
                    ),
                    dtype=np.float64,
                )
                resid = (_sigmoid(margin) - y[chosen]) * sample_w[chosen] / len(chosen)
                grad = np.asarray(
                    np.bincount(
                        batch.indices[sel], weights=batch.values[sel] * resid[local], minlength=dim
                    ),
                    dtype=np.float64,
                )
                grad += l2 * w
                grad_b = float(resid.sum())
                step += 1
                m = beta1 * m + (1 - beta1) * grad
                v = beta2 * v + (1 - beta2) * grad * grad
                correction = np.sqrt(1 - beta2**step) / (1 - beta1**step)
                w -= learning_rate * correction * m / (np.sqrt(v) + eps)
                mb = beta1 * mb + (1 - beta1) * grad_b
                vb = beta2 * vb + (1 - beta2) * grad_b * grad_b
                b -= learning_rate * correction * mb / (np.sqrt(vb) + eps)

        w[np.abs(w) < prune_below] = 0.0
        weights = w.astype(np.float16).astype(np.float32)
        meta = {"rows": len(texts), "positives": int(positives), "seed": seed}
        return cls(weights, float(np.float32(b)), spec, meta)

    def logits(self, texts: Sequence[str]) -> FloatArray:
        """Raw logit of each text."""
        if not texts:
            return np.zeros(0)
        rows, buckets, signs = hashed(texts, self.spec)
        if len(texts) == 1:
            dot = np.array([np.dot(signs, self.weights[buckets])])
            count = np.array([len(signs)])
        else:
            dot = np.bincount(rows, weights=signs * self.weights[buckets], minlength=len(texts))
            count = np.bincount(rows, minlength=len(texts))
        return np.asarray(self.bias + dot / np.sqrt(np.maximum(count, 1)), dtype=np.float64)

    def score_many(self, texts: Sequence[str]) -> FloatArray:
        """Probability of the positive class for each text (one vectorised pass)."""
        return _sigmoid(self.logits(texts))

    def score(self, text: str) -> float:
        """Probability that ``text`` belongs to the positive class."""
        return float(self.score_many([text])[0])

    def with_threshold(self, threshold: float) -> TextModel:
        """The same model with its bias shifted so that ``threshold`` now scores 0.5."""
        if not 0 < threshold < 1:
            raise ValueError(f"threshold must be in (0, 1), got {threshold}")
        shift = float(np.log(threshold / (1 - threshold)))
        meta = {**self.meta, "calibrated_threshold": threshold}
        return TextModel(self.weights, float(np.float32(self.bias - shift)), self.spec, meta)

    def save(self, path: str | Path) -> None:
        """Write the compact artifact: non-zero weights as float16 plus JSON metadata."""
        nonzero = np.flatnonzero(self.weights)
        header = {"format": FORMAT, "bias": self.bias, "spec": asdict(self.spec), "meta": self.meta}
        with open(path, "wb") as handle:
            np.savez_compressed(
                handle,
                index_delta=np.diff(nonzero, prepend=0).astype(np.uint32),
                weight=self.weights[nonzero].astype(np.float16),
                header=np.frombuffer(json.dumps(header, sort_keys=True).encode(), dtype=np.uint8),
            )

    @classmethod
    def load(cls, path: str | Path) -> TextModel:
        """Read an artifact written by ``save``."""
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(bytes(data["header"]).decode())
            if header.get("format") != FORMAT:
                raise ValueError(f"{path}: not a {FORMAT} artifact")
            spec_fields = header["spec"]
            spec = FeatureSpec(
                buckets_log2=int(spec_fields["buckets_log2"]),
                word_ngrams=int(spec_fields["word_ngrams"]),
                char_ngrams=tuple(int(n) for n in spec_fields["char_ngrams"]),
            )
            weights = np.zeros(1 << spec.buckets_log2, dtype=np.float32)
            index = np.cumsum(data["index_delta"].astype(np.int64))
            weights[index] = data["weight"].astype(np.float32)
        return cls(weights, float(header["bias"]), spec, dict(header["meta"]))


def _entries_of(indptr: IntArray, chosen: IntArray) -> IntArray:
    """Positions in a CSR batch of the entries of rows ``chosen``."""
    lengths = indptr[chosen + 1] - indptr[chosen]
    offsets = np.repeat(indptr[chosen] - np.cumsum(lengths) + lengths, lengths)
    return np.asarray(offsets + np.arange(int(lengths.sum())), dtype=np.int64)


def load_model(path: str, detector: str, what: str = "model") -> TextModel:
    """``detector``'s artifact at ``path``; a missing or broken one is a start-up error (its
    message names the detector, the ``what`` and the path)."""
    try:
        return TextModel.load(path)
    except (OSError, ValueError, KeyError) as exc:
        raise RuntimeError(f"{detector}: cannot load {what} {path!r}: {exc}") from exc


def dense_weights(model: TextModel, names: Sequence[str]) -> npt.NDArray[np.float64]:
    """Weights of the dense descriptor columns ``names`` stored with ``model`` in
    ``meta["dense"]`` (zeros for a model without them); a model trained on other descriptors
    than ``names`` is a ``ValueError``."""
    dense = model.meta.get("dense")
    if not dense:
        return np.zeros(len(names))
    if list(dense["features"]) != list(names):
        raise ValueError("the model was trained on other descriptors than this code computes")
    return np.asarray(dense["weights"], dtype=np.float64)
