"""Screening CPU, in process: a 4 KB completion screened whole vs streamed in 200 chunks.

Issue target: total screening CPU for the stream ≤ 2x the non-streaming screening CPU for the same
text, with the default policy (every output detector with default settings); reported again with
``copyright`` on (over the dev corpus, when ../shared/eval-data is present: copyright is off until
a tenant names its corpora). Process CPU time counts the detector worker threads too.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson

from proxy.context import RequestContext
from proxy.runtime import Tenant
from proxy.testing import chunks, completion, make_tenant, sse_event

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "eval-data" / "copyright-corpus"
PARAGRAPH = (
    "Foxes are small to medium-sized omnivorous mammals. The red fox lives across the Northern "
    "Hemisphere, from the Arctic Circle to North Africa. Foxes hunt rodents, birds and insects, "
    "and they also eat fruit. A typical den has several entrances; cubs are born in spring and "
    "leave the den in autumn. In cities, foxes adapt well and often live close to people. "
)


def detectors_table(copyright: bool = False) -> dict[str, Any]:
    table: dict[str, Any] = {"privacy": {}, "prompt_leak": {}, "cbrn": {}, "nsfw": {}}
    if copyright:
        table["copyright"] = {"corpora": [str(CORPUS)]}
    return table


def tenant(copyright: bool = False) -> Tenant:
    return make_tenant({"detectors": detectors_table(copyright)}, "bench")


async def whole(owner: Tenant, raw: bytes) -> None:
    await owner.pipeline.finish(raw, RequestContext("req", owner))


async def streamed(owner: Tenant, events: list[bytes]) -> None:
    async def source() -> AsyncIterator[bytes]:
        for event in events:
            yield event

    async for _ in owner.pipeline.relay(source(), RequestContext("req", owner)):
        pass


def paired_cpu_ms(first: Any, second: Any, pairs: int) -> tuple[float, float]:
    """Mean process CPU (worker threads included) per call of ``first`` and of ``second``,
    called alternately in one event loop so that CPU frequency and load changes hit both."""
    spent = [0.0, 0.0]

    async def loop() -> None:
        for _ in range(pairs):
            for side, run in enumerate((first, second)):
                started = time.process_time()
                await run()
                spent[side] += time.process_time() - started

    asyncio.run(loop())
    return spent[0] * 1000 / pairs, spent[1] * 1000 / pairs


def stream_events(text: str, count: int) -> list[bytes]:
    """``text`` as an OpenAI stream of about ``count`` content chunks."""
    size = max(1, len(text) // count)
    return [sse_event(e) for e in chunks(*(text[i : i + size] for i in range(0, len(text), size)))]


def main() -> None:
    report(tenant())
    if CORPUS.is_dir():
        report(tenant(copyright=True))


def report(owner: Tenant) -> None:
    text = (PARAGRAPH * 12)[:4096]
    raw = orjson.dumps(completion(text))
    events = stream_events(text, 200)
    screener = owner.pipeline.stages[-1].screener
    detectors = ", ".join(d.detector.name for d in screener.detectors)
    print(f"detectors: {detectors}; text {len(text)} chars, {len(events) - 3} content chunks")
    paired_cpu_ms(lambda: whole(owner, raw), lambda: streamed(owner, events), 20)  # warm-up
    rounds = [
        paired_cpu_ms(lambda: whole(owner, raw), lambda: streamed(owner, events), 100)
        for _ in range(7)
    ]
    ones = [one for one, _ in rounds]
    manys = [many for _, many in rounds]
    ratios = sorted(many / one for one, many in rounds)
    print(f"non-streaming screening CPU p50 {statistics.median(ones):.2f} ms")
    print(
        f"streaming screening CPU p50 {statistics.median(manys):.2f} ms; ratio p50 "
        f"{statistics.median(ratios):.2f}x (rounds {ratios[0]:.2f}x .. {ratios[-1]:.2f}x; "
        "target <= 2x)"
    )


if __name__ == "__main__":
    main()
