"""Hot reload: a changed file is validated and swapped in; a broken one keeps the running config."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from openai import OpenAI

from proxy.config import hash_key, load_config
from proxy.testing import FakeUpstream, ProxyServer, Reply, completion
from tests.conftest import user

ROOT = Path(__file__).resolve().parent.parent


def document(upstream_url: str, term: str, poll: float = 0.1) -> str:
    return f"""
[server]
reload_poll_s = {poll}

[upstreams.fake]
provider = "openai"
base_url = "{upstream_url}"
timeout_s = 10

[[routes]]
match = "*"
upstream = "fake"

[tenants.acme]
api_keys = ["{hash_key("sk-acme")}"]

[tenants.acme.detectors.deny_terms]
terms = ["{term}"]
"""


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def reloads(server_url: str, result: str) -> float:
    for line in httpx.get(f"{server_url}/metrics").text.splitlines():
        if line.startswith(f'specguard_config_reloads_total{{result="{result}"}}'):
            return float(line.split()[-1])
    return 0.0


def finish_reason(client: OpenAI, upstream: FakeUpstream, said: str) -> str:
    upstream.queue(Reply(json=completion(said)))
    return client.chat.completions.create(model="m", messages=user("x")).choices[0].finish_reason


def test_changed_file_is_swapped_in(upstream: FakeUpstream, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(document(upstream.base_url, "alpha"))
    with ProxyServer(load_config(path), str(path)) as server:
        client = OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)
        assert finish_reason(client, upstream, "say alpha") == "content_filter"
        before = reloads(server.url, "ok")
        path.write_text(document(upstream.base_url, "bravo"))
        wait_for(lambda: reloads(server.url, "ok") > before)
        assert finish_reason(client, upstream, "say alpha") == "stop"
        assert finish_reason(client, upstream, "say bravo") == "content_filter"


def test_broken_file_keeps_the_running_config(upstream: FakeUpstream, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(document(upstream.base_url, "alpha"))
    with ProxyServer(load_config(path), str(path)) as server:
        client = OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)
        path.write_text(
            document(upstream.base_url, "alpha").replace("timeout_s = 10", "timeout_s = -1")
        )
        wait_for(lambda: reloads(server.url, "invalid") >= 1)
        assert finish_reason(client, upstream, "say alpha") == "content_filter"


def test_in_flight_request_finishes_on_its_config(upstream: FakeUpstream, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(document(upstream.base_url, "alpha"))
    with ProxyServer(load_config(path), str(path)) as server:
        client = OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)
        upstream.queue(Reply(json=completion("say alpha"), delay_s=1.5))
        result: list[str] = []
        worker = threading.Thread(
            target=lambda: result.append(
                client.chat.completions.create(model="m", messages=user("x"))
                .choices[0]
                .finish_reason
            )
        )
        worker.start()
        wait_for(lambda: len(upstream.received) == 1)
        before = reloads(server.url, "ok")
        path.write_text(document(upstream.base_url, "bravo"))
        wait_for(lambda: reloads(server.url, "ok") > before)
        worker.join(10)
        assert result == ["content_filter"]


def test_sighup_reloads_every_worker(upstream: FakeUpstream, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(document(upstream.base_url, "alpha", poll=0))
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "proxy.cli", "serve", "--config", str(path), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            try:
                return httpx.get(f"{url}/readyz").status_code == 200
            except httpx.TransportError:
                return False

        wait_for(ready, 30)
        client = OpenAI(base_url=f"{url}/v1", api_key="sk-acme", max_retries=0)
        path.write_text(document(upstream.base_url, "bravo", poll=0))
        time.sleep(0.3)
        assert finish_reason(client, upstream, "say bravo") == "stop"  # no polling: not yet
        os.kill(process.pid, signal.SIGHUP)
        wait_for(lambda: reloads(url, "ok") >= 1)
        assert finish_reason(client, upstream, "say bravo") == "content_filter"
    finally:
        process.terminate()
        process.wait(15)
