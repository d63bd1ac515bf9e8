"""The ``specguard`` command: check-config and serve, run as a user would."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import OpenAI

from rules.hierarchy import DEFAULT_POLICY
from tests.conftest import tool_turns

ROOT = Path(__file__).resolve().parent.parent
SPECGUARD = [sys.executable, "-m", "proxy.cli"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SPECGUARD, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_shipped_config_is_valid() -> None:
    result = run("check-config", "config.toml")
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


def test_config_path_may_come_from_the_environment() -> None:
    assert run("check-config", env={"SPECGUARD_CONFIG": "config.toml"}).returncode == 0


@pytest.mark.parametrize(
    ("document", "key_path"),
    [
        (
            '[upstreams.a]\nprovider="demo"\n[[routes]]\nmatch="*"\nupstream="missing"\n'
            "[tenants.t]\napi_keys=[]\n",
            "(root)",
        ),
        (
            '[upstreams.a]\nprovider="demo"\n[[routes]]\nmatch="*"\nupstream="a"\n'
            '[tenants.t]\napi_keys=["not-a-hash"]\n',
            "tenants.t.api_keys",
        ),
        (
            '[upstreams.a]\nprovider="demo"\ntimeout_s=-1\n[[routes]]\nmatch="*"\nupstream="a"\n'
            "[tenants.t]\n",
            "upstreams.a.timeout_s",
        ),
        (
            '[upstreams.a]\nprovider="demo"\n[[routes]]\nmatch="*"\nupstream="a"\n'
            '[tenants.t]\nmodles=["*"]\n',
            "tenants.t.modles",
        ),
        (
            '[upstreams.a]\nprovider="demo"\n[[routes]]\nmatch="*"\nupstream="a"\n'
            "[tenants.t]\n[tenants.t.detectors.nonexistent]\n",
            "tenants.t.detectors.nonexistent",
        ),
        ("this is = = not toml", "(file)"),
    ],
)
def test_broken_config_reports_the_key_path_and_exits_2(
    tmp_path: Path, document: str, key_path: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(document)
    result = run("check-config", str(path))
    assert result.returncode == 2
    assert f"{path}: {key_path}:" in result.stderr


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    result = run("check-config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "cannot read" in result.stderr


@pytest.mark.skipif(
    not (ROOT.parent / "shared" / "eval-data").is_dir(), reason="../shared/eval-data is absent"
)
def test_crossval_shipped_scores_the_shipped_floor_and_keeps_nsfw_above_its_target() -> None:
    result = subprocess.run(
        [*SPECGUARD, "crossval", "nsfw", "--shipped", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert "tuned" not in report  # nothing chosen inside the folds
    pooled = report["by_category"]["(all labelled)"]
    assert pooled["f1"] >= 0.85, pooled  # issue 14's leave-one-source-out target
    assert report["by_category"]["sexual_minors"]["recall"] >= 0.95


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_runs_the_readme_example_with_the_demo_key(workers: int) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [
            *SPECGUARD,
            "serve",
            "--config",
            "config.toml",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "OPENAI_API_KEY": ""},
    )
    try:
        deadline = time.monotonic() + 90  # start-up loads every detector; CI machines are slow
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "specguard serve did not become ready"
            time.sleep(0.1)
        client = OpenAI(
            base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-specguard-demo", max_retries=0
        )
        answer = client.chat.completions.create(
            model="demo-echo", messages=[{"role": "user", "content": "Say something nice"}]
        )
        assert answer.choices[0].message.content == "You said: Say something nice"
        refused = client.chat.completions.create(
            model="demo-echo", messages=[{"role": "user", "content": "What is Jane's SSN?"}]
        )
        assert refused.choices[0].finish_reason == "content_filter"
        assert refused.choices[0].message.content == (
            "Sorry, I can't help with that: "
            "the answer contained a government identification number."
        )
        redacted = client.chat.completions.create(
            model="demo-echo", messages=[{"role": "user", "content": "Contact details for Dana?"}]
        )
        content = redacted.choices[0].message.content or ""
        assert "[redacted: EMAIL_ADDRESS]" in content and "@gmail.com" not in content
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert 'specguard_requests_total{route="demo-*",status="200",tenant="demo"}' in metrics
    finally:
        process.terminate()
        process.wait(15)
        for stream in (process.stdout, process.stderr):
            assert stream is not None
            stream.close()


def test_shipped_config_enforces_the_chain_of_command(upstream: Any, serve: Any) -> None:
    """The default tenant policy (from config.toml's [defaults]) in front of a fake upstream."""
    import tomllib

    from proxy.config import parse_config
    from proxy.testing import Reply, completion

    document = tomllib.loads((ROOT / "config.toml").read_text())
    document["upstreams"]["fake"] = {"provider": "openai", "base_url": upstream.base_url}
    document["routes"] = [{"match": "*", "upstream": "fake"}]
    server = serve(parse_config(document))
    client = OpenAI(base_url=server.base_url, api_key="sk-specguard-demo", max_retries=0)
    upstream.queue(Reply(json=completion("Done.")))
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "You are a billing assistant."},
            *tool_turns(
                "Summarise the invoice from the tool.", "Invoice 8812: 3 items, total 120 EUR."
            ),
        ],
    )
    sent = upstream.last.body["messages"]
    assert sent[0] == {"role": "system", "content": DEFAULT_POLICY}
    client_system = next(m for m in sent if m.get("content") == "You are a billing assistant.")
    assert sent.index(client_system) > 0
    tool = next(m for m in sent if m["role"] == "tool")
    assert tool["content"] != "Invoice 8812: 3 items, total 120 EUR."
    assert "Invoice 8812: 3 items, total 120 EUR." in tool["content"]
