"""The admin endpoint shows effective tenant config with secrets masked; the audit log records
decisions without text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import OpenAI

from proxy.config import hash_key
from proxy.testing import FakeUpstream, Reply, completion, make_config
from tests.conftest import user


def test_admin_endpoint_masks_secrets(
    upstream: FakeUpstream, serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_KEY", "admin-secret")
    server = serve(
        make_config(
            upstream.base_url,
            extra={
                "admin": {"key_env": "ADMIN_KEY"},
                "tenants": {"acme": {"detectors": {"deny_terms": {"terms": ["x"]}}}},
            },
        )
    )
    url = f"{server.url}/admin/tenants/acme"
    assert httpx.get(url, headers={"Authorization": "Bearer sk-acme"}).status_code == 401
    response = httpx.get(url, headers={"Authorization": "Bearer admin-secret"})
    assert response.status_code == 200
    config = response.json()["config"]
    assert config["api_keys"] == [hash_key("sk-acme")[:6] + "…"]
    assert config["detectors"]["deny_terms"]["terms"] == ["x"]
    policy = response.json()["policy"]
    assert "detector deny_terms: refuse >= 0.50; terms (set)" in policy
    assert "detector privacy: refuse >= 0.50" in " ".join(policy)
    assert (
        httpx.get(
            f"{server.url}/admin/tenants/nobody", headers={"Authorization": "Bearer admin-secret"}
        ).status_code
        == 404
    )


def test_admin_endpoint_is_absent_unless_configured(proxy: Any) -> None:
    response = httpx.get(
        f"{proxy.url}/admin/tenants/acme", headers={"Authorization": "Bearer sk-acme"}
    )
    assert response.status_code == 404


def test_audit_log_records_decisions_without_text(
    upstream: FakeUpstream, serve: Any, tmp_path: Path
) -> None:
    path = tmp_path / "audit" / "decisions.jsonl"
    server = serve(
        make_config(
            upstream.base_url,
            extra={
                "audit": {"path": str(path)},
                "tenants": {
                    "acme": {
                        "detectors": {"deny_terms": {"terms": ["Nightjar"], "action": "redact"}}
                    }
                },
            },
        )
    )
    upstream.queue(Reply(json=completion("The bird is a Nightjar, truly.")))
    client = OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)
    client.chat.completions.create(model="fake-model", messages=user("which bird, my friend?"))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 1
    entry = lines[0]
    assert entry["tenant"] == "acme" and entry["stage"] == "output"
    assert entry["rule"] == "deny_terms.custom" and entry["action"] == "redact"
    import hashlib

    assert entry["span_sha256"] == hashlib.sha256(b"Nightjar").hexdigest()[:16]
    assert "Nightjar" not in path.read_text() and "my friend" not in path.read_text()
