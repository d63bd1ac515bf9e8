"""``make bench``: what specguard adds, measured on loopback against a fast fake upstream.

Three processes: the fake upstream, specguard (``specguard serve``), and this load generator.
For each configuration it reports, direct vs through specguard, at concurrency 1 and 32: p50/p99
latency, requests/s, the added p50/p99, specguard's CPU ms per request (from /proc), and the
streaming time to first byte against an upstream sending a chunk every 2 ms, split into the wait
for the hold-back and what specguard adds beyond it. Numbers vary with the machine; run on an
idle one.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import orjson

from proxy.sse import SSEDecoder, event_payload
from tests.bench_upstream import PACE_S

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-bench"
OPEN_KEY = "sk-bench-open"
"""A tenant of the same server with every check off: what relaying alone adds."""
_CORPUS = ROOT.parent / "shared" / "eval-data" / "copyright-corpus"


def _all_off(tenant: str) -> str:
    """TOML switching off every check that runs by default."""
    from detectors.registry import DETECTORS
    from rules.registry import RULES

    return "".join(
        f'[tenants.{tenant}.{kind}.{name}]\naction = "off"\n'
        for kind, registry in (("rules", RULES), ("detectors", DETECTORS))
        for name in registry.active({})
    )


CONFIGS = {
    "passthrough (every check off)": _all_off("bench"),
    "default policy (a tenant naming no check)": "",
    "default policy + copyright": f"""
[tenants.bench.detectors.copyright]
corpora = ["{_CORPUS}"]
""",
}
REQUEST = orjson.dumps(
    {"model": "bench-model", "messages": [{"role": "user", "content": "Tell me about foxes."}]}
)
RESPONSES_REQUEST = orjson.dumps({"model": "bench-model", "input": "Tell me about foxes."})
PACED_RESPONSES = orjson.dumps({"model": "bench-paced", "stream": True, "input": "Tell me."})
PACED_REQUEST = orjson.dumps(
    {
        "model": "bench-paced",
        "stream": True,
        "messages": [{"role": "user", "content": "Tell me about foxes."}],
    }
)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited")
        try:
            with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), 0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


@contextmanager
def _process(args: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}", process)
        yield process
    finally:
        process.terminate()
        process.wait(10)


def _config(upstream_port: int, extra: str) -> str:
    import hashlib

    digest = hashlib.sha256(KEY.encode()).hexdigest()
    open_digest = hashlib.sha256(OPEN_KEY.encode()).hexdigest()
    return f"""
[upstreams.bench]
provider = "openai"
base_url = "http://127.0.0.1:{upstream_port}/v1"
timeout_s = 30

[[routes]]
match = "*"
upstream = "bench"

[tenants.open]
api_keys = ["{open_digest}"]
{_all_off("open")}

[tenants.bench]
api_keys = ["{digest}"]
{extra}
"""


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _load(url: str, concurrency: int, total: int, body: bytes) -> tuple[list[float], float]:
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        remaining = total

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"HTTP {response.status}")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - started


async def _ttfb(
    url: str, total: int, holdback: int, key: str = KEY
) -> tuple[list[float], list[float]]:
    """Per request against an upstream that paces its chunks: the time to the first body byte,
    and the time until the first delta and ``holdback`` characters after it had arrived (the
    earliest a screened stream can release that delta)."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    firsts: list[float] = []
    windows: list[float] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(total):
            started = time.perf_counter()
            first_byte = window = 0.0
            decoder, text, first_delta = SSEDecoder(), "", 0
            async with session.post(url, data=PACED_REQUEST, headers=headers) as response:
                async for chunk in response.content.iter_any():
                    first_byte = first_byte or time.perf_counter() - started
                    for event in decoder.feed(chunk):
                        for choice in (event_payload(event) or {}).get("choices", []):
                            text += choice.get("delta", {}).get("content") or ""
                        first_delta = first_delta or len(text)
                    if not window and first_delta and len(text) >= first_delta + holdback:
                        window = time.perf_counter() - started
            firsts.append(first_byte)
            windows.append(window)
    return firsts, windows


async def _first_text(url: str, body: bytes, total: int) -> list[float]:
    """Per request: the time until the first visible text arrives (a chat ``delta.content`` or
    a Responses ``response.output_text.delta``; a Responses stream opens with bookkeeping
    events before any text, so its first byte says nothing)."""
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    firsts: list[float] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(total):
            started, first = time.perf_counter(), 0.0
            decoder = SSEDecoder()
            async with session.post(url, data=body, headers=headers) as response:
                async for chunk in response.content.iter_any():
                    for event in decoder.feed(chunk):
                        payload = event_payload(event) or {}
                        delta = payload.get("delta") if "type" in payload else None
                        for choice in payload.get("choices", []):
                            delta = delta or choice.get("delta", {}).get("content")
                        if delta and not first:
                            first = time.perf_counter() - started
            firsts.append(first)
    return firsts


def _responses_lines(proxy_port: int, direct: str, proxied: str) -> None:
    """The Responses API beside chat, through the same server and tenant."""
    url = f"http://127.0.0.1:{proxy_port}/v1/responses"
    asyncio.run(_load(url, 8, 300, RESPONSES_REQUEST))  # warm-up
    base, _ = asyncio.run(_load(direct, 1, 1000, REQUEST))
    chat, _ = asyncio.run(_load(proxied, 1, 1000, REQUEST))
    responses, _ = asyncio.run(_load(url, 1, 1000, RESPONSES_REQUEST))
    print(
        f"c=1 added p50 over direct chat: chat {_pct(chat, 50) - _pct(base, 50):.3f} ms,"
        f" responses {_pct(responses, 50) - _pct(base, 50):.3f} ms"
    )
    chat_first = asyncio.run(_first_text(proxied, PACED_REQUEST, 60))
    responses_first = asyncio.run(_first_text(url, PACED_RESPONSES, 60))
    print(
        f"stream time to first text p50: chat {_pct(chat_first, 50):.3f} ms,"
        f" responses {_pct(responses_first, 50):.3f} ms"
    )


def _holdback(extra: str) -> int:
    """The text a configuration's streams wait for before the first release: the largest
    hold-back of its detectors in strict mode, the first scan's length in live mode (the
    default; ``proxy.stream_live``)."""
    from proxy.config import parse_config
    from proxy.runtime import build_pipeline
    from proxy.stream_live import LiveSchedule

    config = parse_config(tomllib.loads(_config(1, extra)))
    stages = build_pipeline(config.tenants["bench"]).stages
    plans = [stage.schedule for stage in stages if hasattr(stage, "schedule")]
    return max(
        (plan.first if isinstance(plan, LiveSchedule) else plan.holdback for plan in plans),
        default=0,
    )


def _pct(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1] * 1000


def main() -> None:
    upstream_port, proxy_port = _port(), _port()
    direct = f"http://127.0.0.1:{upstream_port}/v1/chat/completions"
    proxied = f"http://127.0.0.1:{proxy_port}/v1/chat/completions"
    rounds = {1: 1500, 32: 4000}
    with _process(
        [sys.executable, "-m", "tests.bench_upstream", "--port", str(upstream_port)], upstream_port
    ):
        for name, extra in CONFIGS.items():
            with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as handle:
                handle.write(_config(upstream_port, extra))
            cmd = [
                sys.executable,
                "-m",
                "proxy.cli",
                "serve",
                "--config",
                handle.name,
                "--port",
                str(proxy_port),
            ]
            with _process(cmd, proxy_port) as proxy:
                print(f"\n== {name} ==")
                asyncio.run(_load(proxied, 8, 300, REQUEST))  # warm-up
                asyncio.run(_load(direct, 8, 300, REQUEST))
                for concurrency, total in rounds.items():
                    base, base_wall = asyncio.run(_load(direct, concurrency, total, REQUEST))
                    cpu_before = _cpu_seconds(proxy.pid)
                    through, wall = asyncio.run(_load(proxied, concurrency, total, REQUEST))
                    cpu = (_cpu_seconds(proxy.pid) - cpu_before) / total * 1000
                    print(
                        f"c={concurrency:<3} direct p50 {_pct(base, 50):6.3f} ms"
                        f" p99 {_pct(base, 99):6.3f} ms"
                        f" {total / base_wall:7.0f} rps | specguard p50 {_pct(through, 50):6.3f} ms"
                        f" p99 {_pct(through, 99):6.3f} ms {total / wall:7.0f} rps | added p50"
                        f" {_pct(through, 50) - _pct(base, 50):6.3f} ms p99"
                        f" {_pct(through, 99) - _pct(base, 99):6.3f} ms | cpu {cpu:.3f} ms/req"
                    )
                holdback = _holdback(extra)
                base_first, base_window = asyncio.run(_ttfb(direct, 100, holdback))
                open_first: list[float] = []
                first: list[float] = []
                for _ in range(4):  # alternate, so that drift hits both tenants alike
                    open_first += asyncio.run(_ttfb(proxied, 25, holdback, OPEN_KEY))[0]
                    first += asyncio.run(_ttfb(proxied, 25, holdback))[0]
                waiting = _pct(base_window, 50) - _pct(base_first, 50)
                relay = _pct(open_first, 50) - _pct(base_first, 50)
                added = _pct(first, 50) - _pct(base_first, 50)
                head = (
                    f"stream TTFB p50 (a chunk every {PACE_S * 1000:.0f} ms) direct"
                    f" {_pct(base_first, 50):.3f} ms, specguard {_pct(first, 50):.3f} ms: added"
                )
                if not holdback:  # nothing screened: what relaying a stream adds
                    print(f"{head} {added:.3f} ms (relay)")
                else:
                    print(
                        f"{head} {added:.3f} ms = waiting for {holdback} chars {waiting:.3f} ms +"
                        f" relay {relay:.3f} ms (an unscreened tenant) + screening"
                        f" {added - waiting - relay:.3f} ms (target: screening <= 1 ms)"
                    )
                if not extra:  # the default policy: the Responses API beside chat
                    _responses_lines(proxy_port, direct, proxied)
            os.unlink(handle.name)


if __name__ == "__main__":
    main()
