"""Fingerprints of protected works: winnowed hashes of normalised word k-grams.

Text is cut into words (NFKC, case-folded, punctuation dropped, apostrophes joined), every run of
``K`` words is hashed to a stable 64-bit value, and winnowing (Schleimer, Wilkerson and Aiken,
SIGMOD 2003) keeps the smallest hash of every ``W`` consecutive k-grams. Any passage of at least
``W + K - 1`` words shared with a work therefore shares at least one kept fingerprint with it.

An index holds only the kept hashes, sorted, each with the word offset it came from (12 bytes a
fingerprint), looked up with ``searchsorted``; no corpus text is kept once a work is
fingerprinted. ``specguard index DIR -o
FILE`` writes one ahead of time (``build_index_file``); ``FingerprintIndex.load`` reads it back.
"""

from __future__ import annotations

import os
import re
import string
import sys
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path

import numpy as np
import numpy.typing as npt

K = 5
"""Words per k-gram: short enough that an edit every ~15 words leaves most k-grams intact."""
W = 4
"""Winnowing window (in k-grams): density ~2/(W+1), guaranteed match from W+K-1 = 8 words."""
FORMAT = 1
"""Version of the saved index layout; a file of another version or K/W is refused on load."""
MAX_POSTINGS = 64
"""A fingerprint held more often than this is too common to be evidence and is ignored."""

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

_ASCII_WORD = np.zeros(128, np.bool_)
_ASCII_WORD[[ord(c) for c in string.ascii_letters + string.digits]] = True
_APOSTROPHES = str.maketrans("", "", "'\u2019")
_BASE = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


class IndexFileError(ValueError):
    """An index file cannot be read, or was built with other fingerprint parameters."""


@dataclass(frozen=True, slots=True)
class Words:
    """The normalised words of a text with their character offsets in it."""

    hashes: U64
    """Stable 64-bit hash of each normalised word."""
    starts: I64
    """Character offset where each word starts."""
    ends: I64
    """Character offset where each word ends (exclusive)."""


def _hash_word(word: str) -> int:
    if not word.isascii():
        word = unicodedata.normalize("NFKC", word)
    folded = word.casefold().translate(_APOSTROPHES)
    return int.from_bytes(blake2b(folded.encode(), digest_size=8).digest(), "little")


class _Vocabulary(dict[str, int]):
    """Memoised word hashes (a dict lookup beats ``lru_cache`` per word), cleared when full."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def __missing__(self, word: str) -> int:
        if len(self) >= self.limit:  # huge vocabularies: bound the memory, keep going
            self.clear()
        value = self[word] = _hash_word(word)
        return value

    def hashes(self, text: str) -> U64:
        """Hash of every word of ``text`` (no offsets: for indexing)."""
        starts, ends = word_bounds(text)
        tokens = map(text.__getitem__, map(slice, starts.tolist(), ends.tolist()))
        return np.fromiter(map(self.__getitem__, tokens), np.uint64, len(starts))


def word_bounds(text: str) -> tuple[I64, I64]:
    """Start and end offsets of the words of ``text``.

    A word is a run of letters, digits and combining marks; an apostrophe between two word
    characters joins them (``don't``). Classifying code points with numpy is several times
    faster than ``re.finditer`` and keeps per-word Python work to the hashing.
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    padded = np.zeros(len(codes) + 2, np.bool_)
    inside = padded[1:-1]
    ascii_ = codes < 128
    if ascii_.all():
        inside[:] = _ASCII_WORD[codes]
    else:
        inside[ascii_] = _ASCII_WORD[codes[ascii_]]
        other = np.flatnonzero(~ascii_)
        distinct, which = np.unique(codes[other], return_inverse=True)
        classes = [unicodedata.category(chr(c))[0] in "LNM" for c in distinct.tolist()]
        inside[other] = np.array(classes, np.bool_)[which]
    apostrophe = (codes[1:-1] == ord("'")) | (codes[1:-1] == 0x2019)
    inside[1:-1] |= apostrophe & inside[:-2] & inside[2:]
    edges = np.diff(padded.view(np.int8))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


_QUERY_WORDS = _Vocabulary(1 << 16)
"""Hashes of words seen in scanned texts (shared by all scans: a dict is safe under the GIL)."""


_ASCII_WORDS = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*")
"""``word_bounds``'s words in ASCII text."""


def words(text: str) -> Words:
    """Cut ``text`` into normalised words, keeping where each came from."""
    starts, ends = word_bounds(text)
    tokens = map(text.__getitem__, map(slice, starts.tolist(), ends.tolist()))
    hashes = np.fromiter(map(_QUERY_WORDS.__getitem__, tokens), np.uint64, len(starts))
    return Words(hashes, starts, ends)


def word_hashes(text: str) -> U64:
    """``words(text).hashes`` without the offsets: most scanned texts match nothing and never
    need them, and one regex pass over ASCII text is about twice as fast."""
    if not text.isascii():
        return words(text).hashes
    return np.fromiter(map(_QUERY_WORDS.__getitem__, _ASCII_WORDS.findall(text)), np.uint64)


def kgram_hashes(word_hashes: U64, k: int = K) -> U64:
    """Hash of every run of ``k`` words (entry ``i`` covers words ``i .. i+k-1``)."""
    count = len(word_hashes) - k + 1
    if count <= 0:
        return np.empty(0, np.uint64)
    acc = word_hashes[:count].copy()
    for i in range(1, k):  # polynomial hash, wrapping mod 2**64
        acc = acc * _BASE + word_hashes[i : i + count]
    acc ^= acc >> np.uint64(30)  # splitmix64 finaliser spreads the bits before taking minima
    acc *= _MIX1
    acc ^= acc >> np.uint64(27)
    acc *= _MIX2
    acc ^= acc >> np.uint64(31)
    return acc


def winnow(hashes: U64, w: int = W) -> I64:
    """Positions of the fingerprints winnowing keeps: the rightmost minimum of each window."""
    if len(hashes) <= w:  # a text shorter than one window keeps its single minimum
        if not len(hashes):
            return np.empty(0, np.int64)
        return np.array([len(hashes) - 1 - int(np.argmin(hashes[::-1]))], np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(hashes, w)
    rightmost = w - 1 - np.argmin(windows[:, ::-1], axis=1)
    return np.unique(np.arange(len(windows)) + rightmost)


@dataclass(frozen=True, slots=True)
class Hits:
    """Index entries matching a query's k-grams, one row per (query k-gram, posting)."""

    query: I64
    """Position of the matching k-gram in the query."""
    work: I64
    """Work holding the fingerprint."""
    position: I64
    """Word position of the fingerprint in that work."""


_NO_HITS = Hits(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64))


@dataclass(frozen=True, slots=True)
class FingerprintIndex:
    """Winnowed fingerprints of a set of works, sorted by hash (12 bytes per fingerprint)."""

    hashes: U64
    """Kept k-gram hashes, ascending."""
    offsets: U32
    """Where each kept k-gram starts, in words counted across all works (``starts`` splits them)."""
    starts: I64
    """Offset of each work's first word, plus the total word count at the end."""
    names: tuple[str, ...]
    """Work ids (file paths relative to the corpus root, without ``.txt``)."""

    @classmethod
    def from_texts(cls, texts: Iterable[tuple[str, str]]) -> FingerprintIndex:
        """Index ``(name, text)`` pairs; each text is dropped once fingerprinted."""
        names: list[str] = []
        starts = [0]
        hashes: list[U64] = []
        offsets: list[U32] = []
        vocabulary = _Vocabulary(1 << 21)
        for name, text in texts:
            word_hashes = vocabulary.hashes(text)
            grams = kgram_hashes(word_hashes)
            kept = winnow(grams)
            hashes.append(grams[kept])
            offsets.append(_offsets(kept + starts[-1]))
            names.append(name)
            starts.append(starts[-1] + len(word_hashes))
        return cls._sorted(hashes, offsets, np.array(starts, np.int64), tuple(names))

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path]) -> FingerprintIndex:
        """Index ``.txt`` files and directories of them (searched recursively)."""
        return cls.from_texts(
            (name, file.read_text(encoding="utf-8", errors="replace"))
            for name, file in corpus_files(paths)
        )

    @classmethod
    def merge(cls, indexes: Iterable[FingerprintIndex]) -> FingerprintIndex:
        """One index holding the works of all ``indexes``."""
        names: list[str] = []
        starts: list[I64] = [np.zeros(1, np.int64)]
        hashes: list[U64] = []
        offsets: list[U32] = []
        for index in indexes:
            base = int(starts[-1][-1])
            hashes.append(index.hashes)
            offsets.append(_offsets(index.offsets.astype(np.int64) + base))
            starts.append(index.starts[1:] + base)
            names += index.names
        return cls._sorted(hashes, offsets, np.concatenate(starts), tuple(names))

    @classmethod
    def _sorted(
        cls, hashes: list[U64], offsets: list[U32], starts: I64, names: tuple[str, ...]
    ) -> FingerprintIndex:
        all_hashes = np.concatenate(hashes) if hashes else np.empty(0, np.uint64)
        all_offsets = np.concatenate(offsets) if offsets else np.empty(0, np.uint32)
        hashes.clear()  # the caller's per-work parts are no longer needed: lower the peak
        offsets.clear()
        order = np.argsort(all_hashes, kind="stable")
        return cls(all_hashes[order], all_offsets[order], starts, names)

    @property
    def lengths(self) -> I64:
        """Word count of each work."""
        return np.diff(self.starts)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays (names excluded)."""
        return int(self.hashes.nbytes + self.offsets.nbytes + self.starts.nbytes)

    def lookup(self, grams: U64) -> Hits:
        """Every posting of every k-gram hash in ``grams`` (too-common fingerprints skipped)."""
        left = np.searchsorted(self.hashes, grams, side="left")
        right = np.searchsorted(self.hashes, grams, side="right")
        counts = right - left
        useful = (counts > 0) & (counts <= MAX_POSTINGS)
        query = np.flatnonzero(useful)
        if not len(query):
            return _NO_HITS
        counts = counts[useful]
        # expand each [left, right) range into its entries without a Python loop
        entries = np.repeat(left[useful] - np.cumsum(counts) + counts, counts)
        entries += np.arange(len(entries))
        offsets = self.offsets[entries].astype(np.int64)
        work = np.searchsorted(self.starts, offsets, side="right") - 1
        return Hits(np.repeat(query, counts), work, offsets - self.starts[work])

    def save(self, path: str | Path) -> None:
        """Write the index to ``path`` atomically (compressed ``.npz`` layout, no pickles)."""
        target = Path(path)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "wb") as handle:  # a handle keeps numpy from appending ".npz"
                np.savez_compressed(
                    handle,
                    format=np.array([FORMAT, K, W], np.int64),
                    hashes=self.hashes,
                    offsets=self.offsets,
                    starts=self.starts,
                    names=np.array(self.names, dtype=np.str_),
                )
            os.chmod(tmp, 0o644)  # mkstemp makes it private; the proxy may run as another user
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path) -> FingerprintIndex:
        """Read an index written by ``save``."""
        try:
            with np.load(path, allow_pickle=False) as data:
                version, k, w = (int(x) for x in data["format"])
                if (version, k, w) != (FORMAT, K, W):
                    raise IndexFileError(
                        f"{path}: index format {version} with k={k}, w={w}; this version needs "
                        f"format {FORMAT} with k={K}, w={W} (rebuild it with `specguard index`)"
                    )
                index = cls(
                    hashes=data["hashes"].astype(np.uint64, copy=False),
                    offsets=data["offsets"].astype(np.uint32, copy=False),
                    starts=data["starts"].astype(np.int64, copy=False),
                    names=tuple(str(n) for n in data["names"]),
                )
        except IndexFileError:
            raise
        except (OSError, KeyError, ValueError) as exc:
            raise IndexFileError(f"{path}: not a readable copyright index ({exc})") from exc
        if len(index.starts) != len(index.names) + 1 or len(index.hashes) != len(index.offsets):
            raise IndexFileError(f"{path}: inconsistent copyright index arrays")
        return index


def _offsets(values: I64) -> U32:
    if len(values) and int(values.max()) > np.iinfo(np.uint32).max:
        raise ValueError("corpus over the 2**32-word limit of one index: split it")
    return values.astype(np.uint32)


def corpus_files(paths: Iterable[str | Path]) -> list[tuple[str, Path]]:
    """``(work id, file)`` for each ``.txt`` file named or found under a named directory."""
    found: list[tuple[str, Path]] = []
    for entry in map(Path, paths):
        if entry.is_dir():
            found += [
                (f.relative_to(entry).with_suffix("").as_posix(), f)
                for f in sorted(entry.rglob("*.txt"))
                if f.is_file()
            ]
        else:
            found.append((entry.stem, entry))
    return found


def build_index_file(directory: str, output: str) -> int:
    """``specguard index DIR -o FILE``: fingerprint every ``.txt`` under DIR; an exit code."""
    if not Path(directory).is_dir():
        print(f"{directory}: not a directory", file=sys.stderr)
        return 2
    index = FingerprintIndex.from_paths([directory])
    if not index.names:
        print(f"{directory}: no .txt files to index", file=sys.stderr)
        return 2
    index.save(output)
    print(
        f"{output}: {len(index.names)} works, {len(index.hashes)} fingerprints, "
        f"{index.nbytes / 1e6:.1f} MB in memory"
    )
    return 0
