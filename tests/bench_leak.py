"""What a violating answer shows before its stream is cut, per stream mode (``make bench``).

The dev positives of ``cbrn`` and ``nsfw`` (../shared/eval-data, read with the eval loader) are
replayed in process as streams of 4-character deltas through a tenant running the default
policy's detectors (privacy, prompt_leak, cbrn, nsfw), once per ``[stream].mode``. For every
answer the default policy refuses whole, it reports the characters of the answer the client had
received when the stream was cut (median and p95; an answer cut before anything was released
counts 0), how many were cut before any text went out, and, beside it, how many characters the
upstream had sent when the first delta was released (the time to first token, in characters; at
50 tokens/s one character is 5 ms). Positives the default policy does not refuse whole are
counted apart: no stream mode can cut them.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from detectors.evaluation import read_rows
from proxy.context import RequestContext
from proxy.runtime import Tenant
from proxy.sse import SSEDecoder, event_data
from proxy.stream_live import LiveSchedule
from proxy.testing import chunks, completion, make_tenant, sse_event

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval-data"
DEFAULTS = {"privacy": {}, "prompt_leak": {}, "cbrn": {}, "nsfw": {}}
CHUNK = 4


def tenant(mode: str) -> Tenant:
    """A tenant running the default detectors in ``mode``. The deltas are replayed back to
    back; live mode would take that for an upstream far ahead of any reader and scan less
    often (``proxy.stream_live.QUIET_S``), so its catching-up is switched off here: the figures
    are those of an upstream at a model's pace (a chunk every 20 ms)."""
    owner = make_tenant({"detectors": DEFAULTS, "stream": {"mode": mode}}, "bench")
    stage: Any = owner.pipeline.stages[-1]
    if isinstance(stage.schedule, LiveSchedule):
        stage.schedule = replace(stage.schedule, hurry=0)
    return owner


async def refused_whole(owner: Tenant, text: str) -> bool:
    raw = orjson.dumps(completion(text))
    answer = orjson.loads(await owner.pipeline.finish(raw, RequestContext("req", owner)))
    return bool(answer["choices"][0].get("finish_reason") == "content_filter")


async def replay(owner: Tenant, text: str) -> tuple[bool, int, int | None]:
    """``(cut, characters released before the cut, upstream characters at the first release)``."""
    pieces = [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]
    events = [sse_event(e) for e in chunks(*pieces)]
    sent = 0

    async def upstream() -> AsyncIterator[bytes]:
        nonlocal sent
        for event in events:
            data = event_data(event)
            if data and data != b"[DONE]":
                for choice in orjson.loads(data)["choices"]:
                    sent += len(choice["delta"].get("content") or "")
            yield event

    shown, first, cut = "", None, False
    async for raw in owner.pipeline.relay(upstream(), RequestContext("req", owner)):
        for event in SSEDecoder().feed(raw):
            data = event_data(event)
            if not data or data == b"[DONE]":
                continue
            for choice in orjson.loads(data)["choices"]:
                if choice.get("finish_reason") == "content_filter":
                    cut = True
                    continue
                piece = choice["delta"].get("content") or ""
                if piece and first is None:
                    first = sent
                shown += piece
    return cut, len(shown), first


def _pct(values: list[int], pct: int) -> float:
    if len(values) < 2:
        return float(values[0]) if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


async def measure(task: str, modes: list[str]) -> None:
    rows = [row for row in read_rows(EVAL / f"{task}.jsonl") if row.get("label") == 1]
    owners = {mode: tenant(mode) for mode in modes}
    refused = [row["text"] for row in rows if await refused_whole(owners[modes[0]], row["text"])]
    lengths = [len(text) for text in refused]
    print(
        f"{task}: {len(rows)} dev positives, {len(refused)} refused whole (median length"
        f" {statistics.median(lengths):.0f} chars); {len(rows) - len(refused)} not refused whole"
    )
    for mode, owner in owners.items():
        released: list[int] = []
        firsts: list[int] = []
        missed = 0
        for text in refused:
            cut, shown, first = await replay(owner, text)
            if not cut:
                missed += 1
            released.append(shown)
            if first is not None:
                firsts.append(first)
        nothing = sum(1 for count in released if count == 0)
        print(
            f"  {mode:<6} released before the cut: median {_pct(released, 50):.0f},"
            f" p95 {_pct(released, 95):.0f} chars; nothing released {nothing}/{len(refused)};"
            f" not cut {missed}; first release after median"
            f" {_pct(firsts, 50) if firsts else 0:.0f} upstream chars"
        )


def main() -> None:
    if not EVAL.is_dir():
        print("../shared/eval-data is absent: leak measurement skipped")
        return
    modes = sys.argv[1:] or ["live", "strict"]
    for task in ("cbrn", "nsfw"):
        asyncio.run(measure(task, modes))


if __name__ == "__main__":
    main()
