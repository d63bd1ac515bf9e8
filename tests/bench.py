"""``make bench``: what specguard adds, measured on loopback against a fast fake upstream.

Three processes: the fake upstream, specguard (``specguard serve``), and this load generator.
For each configuration it reports, direct vs through specguard, at concurrency 1 and 32: p50/p99
latency, requests/s, the added p50/p99, specguard's CPU ms per request (from /proc), and the
streaming time to first byte. Numbers vary with the machine; run on an idle one.
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import orjson

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-bench"
_CORPUS = ROOT.parent / "shared" / "eval-data" / "copyright-corpus"
CONFIGS = {
    "passthrough": "",
    "all output detectors": f"""
[tenants.bench.detectors.privacy]
[tenants.bench.detectors.prompt_leak]
[tenants.bench.detectors.cbrn]
[tenants.bench.detectors.nsfw]
[tenants.bench.detectors.copyright]
corpora = ["{_CORPUS}"]
""",
}
REQUEST = orjson.dumps(
    {"model": "bench-model", "messages": [{"role": "user", "content": "Tell me about foxes."}]}
)
STREAM_REQUEST = orjson.dumps(
    {
        "model": "bench-model",
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
    return f"""
[upstreams.bench]
provider = "openai"
base_url = "http://127.0.0.1:{upstream_port}/v1"
timeout_s = 30

[[routes]]
match = "*"
upstream = "bench"

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


async def _ttfb(url: str, total: int) -> list[float]:
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    firsts: list[float] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(total):
            started = time.perf_counter()
            async with session.post(url, data=STREAM_REQUEST, headers=headers) as response:
                await response.content.readany()
                firsts.append(time.perf_counter() - started)
                await response.read()
    return firsts


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
                base_ttfb = asyncio.run(_ttfb(direct, 300))
                ttfb = asyncio.run(_ttfb(proxied, 300))
                print(
                    f"stream TTFB p50 direct {_pct(base_ttfb, 50):.3f} ms, specguard"
                    f" {_pct(ttfb, 50):.3f} ms, added {_pct(ttfb, 50) - _pct(base_ttfb, 50):.3f} ms"
                )
            os.unlink(handle.name)


if __name__ == "__main__":
    main()
