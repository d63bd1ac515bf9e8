"""Copyright index benchmark: build time, memory and lookup latency as the corpus grows.

Run ``python -m tests.bench_copyright``. It writes a synthetic corpus of random-word documents
(a few KB each, fixed seed) to a temporary directory, indexes 1, 100 and 10,000 of them, and
times ``CopyrightDetector.scan`` on a 1 KB output that reproduces part of one work and on a 1 KB
output that matches nothing.

Columns: ``build_s`` = wall time to fingerprint and index the works; ``index_MB`` = bytes of the
index arrays kept in memory; ``peak_MB`` = tracemalloc peak during a second, traced build
(``--no-trace`` skips it); ``hit_*``/``miss_*`` = scan latency percentiles over 300 scans.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from detectors.base import ScanContext
from detectors.copyright import CopyrightConfig, CopyrightDetector

SEED = 20251122
VOCABULARY = 30_000
DOC_WORDS = (300, 900)
"""Words per synthetic document: about 2-6 KB of text."""
SIZES = (1, 100, 10_000)
REPEATS = 300


def _vocabulary(rng: np.random.Generator) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(2, 10, VOCABULARY)
    return ["".join(rng.choice(letters, n)) for n in lengths]


def write_corpus(directory: Path, count: int, rng: np.random.Generator) -> None:
    """``count`` documents of Zipf-distributed random words, one ``.txt`` file each."""
    vocabulary = np.array(_vocabulary(rng))
    cumulative = np.cumsum(1.0 / np.arange(1, VOCABULARY + 1))
    cumulative /= cumulative[-1]
    for i in range(count):
        draws = rng.random(int(rng.integers(*DOC_WORDS)))
        picked = vocabulary[np.minimum(np.searchsorted(cumulative, draws), VOCABULARY - 1)]
        lines = [" ".join(picked[j : j + 12]) for j in range(0, len(picked), 12)]
        (directory / f"work-{i:05d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _one_kb(text: str) -> str:
    cut = text[:1024]
    return cut[: cut.rfind(" ")]


def _latency(detector: CopyrightDetector, text: str, expect: bool) -> tuple[float, float]:
    ctx = ScanContext()
    if bool(detector.scan(text, ctx)) != expect:
        raise SystemExit(f"wrong verdict: expected {'a finding' if expect else 'none'}")
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        detector.scan(text, ctx)
        timings.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return cuts[49], cuts[98]


def bench(root: Path, sizes: tuple[int, ...], trace: bool) -> None:
    """Index the first ``n`` works for each ``n`` in ``sizes`` and print one line per size."""
    rng = np.random.default_rng(SEED)
    corpus = root / "corpus"
    corpus.mkdir()
    write_corpus(corpus, max(sizes), rng)
    files = sorted(corpus.glob("*.txt"))
    target = files[0].read_text(encoding="utf-8")
    reproduced = _one_kb(target[len(target) // 3 :])
    unrelated = _one_kb(" ".join(_vocabulary(np.random.default_rng(SEED + 1))[:400]))
    print(
        f"{'works':>7} {'words':>10} {'fingerprints':>13} {'build_s':>8} {'index_MB':>9} "
        f"{'peak_MB':>8} {'hit_p50_ms':>11} {'hit_p99_ms':>11} {'miss_p50_ms':>12}"
    )
    for size in sizes:
        subset = root / f"works-{size}"
        subset.mkdir()
        for file in files[:size]:
            (subset / file.name).symlink_to(file)
        config = CopyrightConfig.model_validate({"corpora": [str(subset)]})
        gc.collect()
        started = time.perf_counter()
        detector = CopyrightDetector(config)
        build = time.perf_counter() - started
        peak = float("nan")
        if trace:  # a second, traced build: tracemalloc slows the build it watches
            gc.collect()
            tracemalloc.start()
            CopyrightDetector(config)
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        index = detector.index
        hit_p50, hit_p99 = _latency(detector, reproduced, expect=True)
        miss_p50, _ = _latency(detector, unrelated, expect=False)
        print(
            f"{size:>7} {int(index.starts[-1]):>10} {len(index.hashes):>13} {build:>8.2f} "
            f"{index.nbytes / 1e6:>9.2f} {peak:>8.1f} {hit_p50:>11.3f} {hit_p99:>11.3f} "
            f"{miss_p50:>12.3f}"
        )


def main() -> None:
    """Parse the options and run the benchmark in a temporary directory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--no-trace",
        dest="trace",
        action="store_false",
        help="skip the traced rebuild that measures peak allocation (faster)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="specguard-bench-copyright-") as tmp:
        bench(Path(tmp), tuple(args.sizes), args.trace)


if __name__ == "__main__":
    main()
