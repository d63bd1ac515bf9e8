"""specguard, a scripted upstream and a real Prometheus on loopback, and the traffic
``test_prometheus_live`` sends through them.

``running_stack`` starts ``specguard serve`` (the console script, as deployed) in front of the
demo model and a ``FakeUpstream``, and Prometheus with ``deploy/prometheus/prometheus.yml`` and
``alerts.yml`` retargeted at it, scraping and evaluating every second; then sends two batches of
traffic with the official ``openai`` SDK (``send_batch``), a scrape between them.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml
from openai import OpenAI
from prometheus_client.parser import text_string_to_metric_families

from proxy.config import hash_key
from proxy.testing import FakeUpstream, Reply, chunks
from tests.deploy_files import ALERTS_YML, PROMETHEUS_YML

KEYS = {
    "demo": "sk-specguard-demo",
    "acme": "sk-acme-live",
    "guarded": "sk-guarded-live",
    "flaky": "sk-flaky-live",
}
UPSTREAM_KEY = "sk-upstream-live-0123456789"
DENIED = "forbidden"
LONG_TEXT = " ".join(["one two three four five six seven eight nine ten"] * 3)
WAIT_S = 30.0
NO_PROMETHEUS = (
    "prometheus is not installed: run deploy/install-prometheus.sh (Debian's 'prometheus' "
    "package, needs root); `make test` runs it and prints why when it cannot install"
)


def specguard_config(upstream_url: str, corpus: Path) -> str:
    keys = {tenant: hash_key(key) for tenant, key in KEYS.items()}
    return f"""
[server]
reload_poll_s = 0  # reloads come from SIGHUP only, so the test knows when each happens

[upstreams.demo]
provider = "demo"
models = ["demo-echo"]

[upstreams.scripted]
provider = "openai"
base_url = "{upstream_url}"
api_key_env = "FAKE_UPSTREAM_KEY"
timeout_s = 5
models = ["fake-model"]

[[routes]]
match = "demo-*"
upstream = "demo"

[[routes]]
match = "*"
upstream = "scripted"

[tenants.demo]
api_keys = ["{keys["demo"]}"]

[tenants.acme]
api_keys = ["{keys["acme"]}"]

[tenants.guarded]
api_keys = ["{keys["guarded"]}"]
[tenants.guarded.detectors.deny_terms]
terms = ["{DENIED}"]

[tenants.flaky]
api_keys = ["{keys["flaky"]}"]
[tenants.flaky.detectors.copyright]
corpora = ["{corpus}"]
deadline_ms = 0.001
"""


def prometheus_config(target: str, directory: Path) -> Path:
    """deploy/prometheus/prometheus.yml aimed at ``target``, scraping and evaluating every 1 s."""
    config = yaml.safe_load(PROMETHEUS_YML.read_text(encoding="utf-8"))
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [str(ALERTS_YML)]
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "specguard"]
    job["scrape_interval"] = "1s"
    job["static_configs"] = [{"targets": [target]}]
    path = directory / "prometheus.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


# --- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Process:
    """A child process with its output in a log file."""

    def __init__(self, command: list[str], log: Path, env: dict[str, str], cwd: Path):
        self.log = log
        self._out = log.open("wb")
        self.popen = subprocess.Popen(
            command, stdout=self._out, stderr=subprocess.STDOUT, env=env, cwd=cwd
        )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self._out.close()


@contextmanager
def running(command: list[str], log: Path, env: dict[str, str], cwd: Path) -> Iterator[_Process]:
    process = _Process(command, log, env, cwd)
    try:
        yield process
    finally:
        process.stop()


def wait(
    what: str,
    ready: Callable[[], bool],
    logs: list[Path],
    timeout: float = WAIT_S,
    *,
    fail: bool = True,
) -> None:
    """Poll ``ready`` until true; after ``timeout``, fail with the processes' log tails (or,
    with ``fail=False``, return and let the tests report what is missing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    if not fail:
        return
    tails = "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}" for log in logs if log.exists()
    )
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{tails}")


def ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class Stack:
    """specguard, the scripted upstream and Prometheus, all on loopback."""

    specguard: _Process
    specguard_url: str
    config: Path
    upstream: FakeUpstream
    prometheus: httpx.Client
    logs: list[Path]

    def query(self, expr: str) -> dict[str, Any]:
        """Prometheus' answer to an instant query (status and data)."""
        answer: dict[str, Any] = self.prometheus.get("/api/v1/query", params={"query": expr}).json()
        return answer

    def has_data(self, expr: str) -> bool:
        """Whether ``expr`` returns at least one sample with a number (not NaN)."""
        answer = self.query(expr)
        return answer.get("status") == "success" and any(
            not math.isnan(float(value)) for value in sample_values(answer["data"])
        )

    def scraped_since(self, moment: float) -> Callable[[], bool]:
        """A check that Prometheus has completed a scrape that started after ``moment``."""
        return lambda: self.has_data(f'timestamp(up{{job="specguard"}}) > {moment:.3f}')

    def counter(self, name: str, **labels: str) -> float:
        """specguard's own value of counter ``name`` summed over series matching ``labels``."""
        text = httpx.get(f"{self.specguard_url}/metrics", timeout=5, trust_env=False).text
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name and labels.items() <= sample.labels.items()
        )


def sample_values(data: dict[str, Any]) -> list[str]:
    if data["resultType"] in ("scalar", "string"):
        return [data["result"][1]]
    return [item["value"][1] for item in data["result"]]


# --- traffic -----------------------------------------------------------------------------------


def client_for(stack: Stack, tenant: str) -> OpenAI:
    return OpenAI(
        base_url=f"{stack.specguard_url}/v1", api_key=KEYS.get(tenant, "sk-wrong"), max_retries=0
    )


def ask(client: OpenAI, model: str, text: str, *, stream: bool = False) -> str:
    messages: Any = [{"role": "user", "content": text}]
    if not stream:
        answer = client.chat.completions.create(model=model, messages=messages)
        return answer.choices[0].message.content or ""
    events = client.chat.completions.create(model=model, messages=messages, stream=True)
    return "".join(event.choices[0].delta.content or "" for event in events if event.choices)


def reload(stack: Stack, result: str) -> None:
    """SIGHUP specguard with a valid (``ok``) or broken (``invalid``) file; wait until counted."""
    good = stack.config.read_text(encoding="utf-8")
    before = stack.counter("specguard_config_reloads_total", result=result)
    if result == "invalid":
        stack.config.write_text(good + "\n[tenants.broken\n", encoding="utf-8")
    try:
        stack.specguard.popen.send_signal(signal.SIGHUP)
        wait(
            f"a config reload counted as {result}",
            lambda: (
                stack.specguard.alive()
                and stack.counter("specguard_config_reloads_total", result=result) > before
            ),
            stack.logs,
        )
    finally:
        stack.config.write_text(good, encoding="utf-8")


def fail_closed(stack: Stack) -> None:
    """Make tenant 'flaky's detector miss its deadline (and refuse) at least once.

    A 1 us deadline is missed in practice, but the scan thread can still win the race now and
    then, so ask until specguard has counted a fail-closed refusal.
    """

    def refused() -> float:
        return stack.counter("specguard_detector_errors_total", outcome="refused")

    before = refused()
    with client_for(stack, "flaky") as flaky:
        for _ in range(20):
            ask(flaky, "demo-echo", LONG_TEXT)
            if refused() > before:
                return
    pytest.fail("tenant 'flaky's copyright detector never missed its 1 us deadline")


def send_batch(stack: Stack) -> None:
    """Traffic that produces every series in ``PRODUCED_NOW``."""
    with client_for(stack, "demo") as demo:
        assert ask(demo, "demo-echo", "hello")
        assert ask(demo, "demo-echo", "stream me", stream=True)
    with client_for(stack, "acme") as acme:
        assert ask(acme, "fake-model", "hi")
        stack.upstream.queue(Reply(events=chunks("Hel", "lo")))
        assert ask(acme, "fake-model", "hi", stream=True) == "Hello"
        stack.upstream.queue(Reply(status=500, json={"error": {"message": "boom"}}))
        with pytest.raises(openai.APIStatusError):
            ask(acme, "fake-model", "hi")
    with client_for(stack, "guarded") as guarded:
        assert DENIED not in ask(guarded, "demo-echo", f"{LONG_TEXT} {DENIED}")
        assert DENIED not in ask(guarded, "demo-echo", f"{LONG_TEXT} {DENIED}", stream=True)
    fail_closed(stack)
    with client_for(stack, "stranger") as stranger, pytest.raises(openai.AuthenticationError):
        ask(stranger, "demo-echo", "hi")
    reload(stack, "ok")
    reload(stack, "invalid")


@contextmanager
def running_stack(directory: Path, prometheus_binary: str) -> Iterator[Stack]:
    """specguard, the scripted upstream and Prometheus, running in ``directory``, after two
    batches of traffic with a whole scrape between them (so every rate has two samples)."""
    corpus = directory / "corpus"
    corpus.mkdir()
    (corpus / "work.txt").write_text(LONG_TEXT * 5, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        FAKE_UPSTREAM_KEY=UPSTREAM_KEY,
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        HF_HUB_OFFLINE="1",
        TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="",
        PYTHONUNBUFFERED="1",
        PYTHONFAULTHANDLER="1",
    )
    specguard_port, prometheus_port = free_port(), free_port()
    specguard_url = f"http://127.0.0.1:{specguard_port}"
    prometheus_url = f"http://127.0.0.1:{prometheus_port}"
    script = Path(sys.executable).with_name("specguard")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "proxy.cli"]

    # Unwound in reverse order: Prometheus, then specguard, then the upstream are stopped.
    with ExitStack() as resources:
        upstream = resources.enter_context(FakeUpstream())
        config = directory / "config.toml"
        config.write_text(specguard_config(upstream.base_url, corpus), encoding="utf-8")
        specguard = resources.enter_context(
            running(
                [
                    *command,
                    "serve",
                    "--config",
                    str(config),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(specguard_port),
                ],
                directory / "specguard.log",
                env,
                directory,
            )
        )
        prometheus = resources.enter_context(
            running(
                [
                    prometheus_binary,
                    f"--config.file={prometheus_config(f'127.0.0.1:{specguard_port}', directory)}",
                    f"--storage.tsdb.path={directory / 'data'}",
                    f"--web.listen-address=127.0.0.1:{prometheus_port}",
                    "--log.level=warn",
                ],
                directory / "prometheus.log",
                env,
                directory,
            )
        )
        client = resources.enter_context(
            httpx.Client(base_url=prometheus_url, timeout=5, trust_env=False)
        )
        live = Stack(
            specguard, specguard_url, config, upstream, client, [specguard.log, prometheus.log]
        )

        wait(
            "specguard /readyz",
            lambda: specguard.alive() and ok(f"{specguard_url}/readyz"),
            live.logs,
        )
        wait(
            "prometheus /-/ready",
            lambda: prometheus.alive() and ok(f"{prometheus_url}/-/ready"),
            live.logs,
        )
        # Two batches with a whole scrape between them: every series then has a sample before
        # the second batch and one after, so its rate is not zero.
        for batch in ("first", "second"):
            send_batch(live)
            wait(f"a scrape after the {batch} batch", live.scraped_since(time.time()), live.logs)
        yield live
