"""``make bench``: how live a screened stream feels at a real model's pace.

A fake upstream on loopback streams a benign answer in 4-character chunks every 20 ms (about 50
tokens/s); the official ``openai`` SDK reads it directly and through specguard (in process, under
uvicorn) for the default policy, with and without ``copyright``, in each ``[stream].mode``.
Reported per configuration (medians over a few requests):

- time to first token added over the direct path, and how many characters the upstream had sent
  when the first token reached the client;
- release cadence: the sizes of the bursts in which text reaches the client (deltas arriving
  within 10 ms of each other count as one burst), the first burst left out; median and largest.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openai import OpenAI

from proxy.testing import FakeUpstream, ProxyServer, Reply, chunks, make_config

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "eval-data" / "copyright-corpus"
CHUNK = 4
PACE_S = 0.020
BURST_GAP_S = 0.010
REQUESTS = 3
ANSWER = (
    "Foxes are small to medium-sized omnivorous mammals. The red fox lives across the Northern "
    "Hemisphere, from the Arctic Circle to North Africa. Foxes hunt rodents, birds and insects, "
    "and they also eat fruit. A typical den has several entrances; cubs are born in spring and "
    "leave the den in autumn. In cities, foxes adapt well and often live close to people. They "
    "are most active at dusk and dawn, and a family may share its range with badgers. "
)


@dataclass
class Run:
    """One streamed answer as the client saw it."""

    first_token_s: float
    sent_at_first: int
    """Characters the upstream had sent when the first token reached the client."""
    bursts: list[int]
    text: str


def configs() -> dict[str, dict[str, Any]]:
    copyright = {"detectors": {"copyright": {"corpora": [str(CORPUS)]}}}
    out: dict[str, dict[str, Any]] = {}
    for mode in ("live", "strict"):
        out[f"default policy, {mode}"] = {"stream": {"mode": mode}}
        if CORPUS.is_dir():
            out[f"default policy + copyright, {mode}"] = {**copyright, "stream": {"mode": mode}}
    return out


def stream_once(client: OpenAI, upstream: FakeUpstream) -> Run:
    pieces = [ANSWER[i : i + CHUNK] for i in range(0, len(ANSWER), CHUNK)]
    upstream.queue(Reply(events=chunks(*pieces), pace_s=PACE_S))
    started = time.perf_counter()
    first, sent_at_first, text = 0.0, 0, ""
    bursts: list[int] = []
    last = 0.0
    stream = client.chat.completions.create(
        model="fake-model",
        messages=[{"role": "user", "content": "Tell me about foxes."}],
        stream=True,
    )
    for chunk in stream:
        piece = (chunk.choices[0].delta.content or "") if chunk.choices else ""
        if not piece:
            continue
        now = time.perf_counter()
        if not first:
            first, sent_at_first = now - started, upstream.sent_text
        if bursts and now - last <= BURST_GAP_S:
            bursts[-1] += len(piece)
        else:
            bursts.append(len(piece))
        last = now
        text += piece
    return Run(first, sent_at_first, bursts, text)


def report(name: str, runs: list[Run], direct: float) -> None:
    first = statistics.median(run.first_token_s for run in runs)
    sent = statistics.median(run.sent_at_first for run in runs)
    later = [size for run in runs for size in run.bursts[1:]] or [0]
    intact = all(run.text == ANSWER for run in runs)
    print(
        f"{name:<34} first token +{(first - direct) * 1000:6.0f} ms (upstream had sent"
        f" {sent:.0f} chars) | bursts after the first: median {statistics.median(later):.0f},"
        f" max {max(later)} chars | answer intact: {intact}"
    )


def main() -> None:
    print(
        f"paced upstream: {CHUNK}-char chunks every {PACE_S * 1000:.0f} ms, a {len(ANSWER)}-char"
        f" benign answer, {REQUESTS} requests per line"
    )
    with FakeUpstream() as upstream:
        import os

        os.environ.setdefault("FAKE_UPSTREAM_KEY", "sk-upstream")
        direct_client = OpenAI(base_url=upstream.base_url, api_key="sk-upstream", max_retries=0)
        stream_once(direct_client, upstream)  # warm-up
        direct_runs = [stream_once(direct_client, upstream) for _ in range(REQUESTS)]
        direct = statistics.median(run.first_token_s for run in direct_runs)
        print(f"{'direct (no specguard)':<34} first token {direct * 1000:6.0f} ms")
        for name, table in configs().items():
            config = make_config(upstream.base_url, extra={"tenants": {"acme": table}})
            with ProxyServer(config) as server:
                client = OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)
                stream_once(client, upstream)  # warm-up
                report(name, [stream_once(client, upstream) for _ in range(REQUESTS)], direct)


if __name__ == "__main__":
    main()
