"""API keys select tenants; tenants are isolated and inherit ``[defaults]``."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from proxy.config import hash_key
from proxy.testing import FakeUpstream, ProxyServer, make_config
from tests.conftest import user


def test_missing_key_is_401(proxy: ProxyServer) -> None:
    response = httpx.post(
        f"{proxy.base_url}/chat/completions", json={"model": "fake-model", "messages": user("hi")}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_unknown_key_is_401_and_nothing_is_forwarded(
    proxy: ProxyServer, upstream: FakeUpstream
) -> None:
    client = OpenAI(base_url=proxy.base_url, api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="fake-model", messages=user("hi"))
    assert upstream.received == []


def test_azure_style_api_key_header_is_accepted(proxy: ProxyServer) -> None:
    response = httpx.post(
        f"{proxy.base_url}/chat/completions",
        headers={"api-key": "sk-acme"},
        json={"model": "demo-echo", "messages": user("hi")},
    )
    assert response.status_code == 200


def test_keys_from_environment_are_hashed_at_load(
    upstream: FakeUpstream, serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLOBEX_KEYS", "sk-globex-1, sk-globex-2")
    config = make_config(
        upstream.base_url, extra={"tenants": {"globex": {"api_keys_env": "GLOBEX_KEYS"}}}
    )
    server = serve(config)
    for key in ("sk-globex-1", "sk-globex-2"):
        client = OpenAI(base_url=server.base_url, api_key=key, max_retries=0)
        assert client.chat.completions.create(model="demo-echo", messages=user("hi")).choices


def _two_tenants(upstream: FakeUpstream) -> Any:
    return make_config(
        upstream.base_url,
        tenants={"acme": "sk-acme", "globex": "sk-globex"},
        extra={"tenants": {"globex": {"models": ["demo-*"]}}},
    )


def test_tenant_may_only_use_its_models(upstream: FakeUpstream, serve: Any) -> None:
    server = serve(_two_tenants(upstream))
    globex = OpenAI(base_url=server.base_url, api_key="sk-globex", max_retries=0)
    acme = OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)
    with pytest.raises(openai.NotFoundError):
        globex.chat.completions.create(model="fake-model", messages=user("hi"))
    assert upstream.received == []
    acme.chat.completions.create(model="fake-model", messages=user("hi"))
    assert len(upstream.received) == 1


def test_models_endpoint_lists_only_the_tenants_models(upstream: FakeUpstream, serve: Any) -> None:
    server = serve(_two_tenants(upstream))
    globex = OpenAI(base_url=server.base_url, api_key="sk-globex", max_retries=0)
    acme = OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)
    assert [m.id for m in globex.models.list()] == ["demo-echo"]
    assert sorted(m.id for m in acme.models.list()) == ["demo-echo", "fake-model"]


def test_models_endpoint_requires_a_key(proxy: ProxyServer) -> None:
    assert httpx.get(f"{proxy.base_url}/models").status_code == 401


def test_tenant_overrides_only_what_it_names() -> None:
    from proxy.config import parse_config

    config = parse_config(
        {
            "upstreams": {"demo": {"provider": "demo"}},
            "routes": [{"match": "*", "upstream": "demo"}],
            "defaults": {"models": ["demo-*"], "api_keys": [hash_key("sk-shared")]},
            "tenants": {"a": {}, "b": {"models": ["*"]}},
        }
    )
    assert config.tenants["a"].models == ["demo-*"]
    assert config.tenants["b"].models == ["*"]
    assert config.tenants["b"].api_keys == [hash_key("sk-shared")]


def test_health_and_readiness(proxy: ProxyServer) -> None:
    assert httpx.get(f"{proxy.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{proxy.url}/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


def test_metrics_count_requests_by_tenant_and_route(client: OpenAI, proxy: ProxyServer) -> None:
    client.chat.completions.create(model="demo-echo", messages=user("hi"))
    text = httpx.get(f"{proxy.url}/metrics").text
    assert 'specguard_requests_total{route="demo-*",status="200",tenant="acme"}' in text
    assert "specguard_overhead_seconds_bucket" in text


def test_metrics_count_usage_tokens(
    client: OpenAI, proxy: ProxyServer, upstream: FakeUpstream
) -> None:
    from proxy.testing import metric_value

    prompt = 'specguard_tokens_total{kind="prompt",tenant="acme"}'
    completion = 'specguard_tokens_total{kind="completion",tenant="acme"}'
    before = metric_value(proxy.url, prompt), metric_value(proxy.url, completion)
    client.chat.completions.create(model="fake-model", messages=user("hi"))
    stream = client.chat.completions.create(
        model="demo-echo",
        messages=user("one two"),
        stream=True,
        stream_options={"include_usage": True},
    )
    assert list(stream)[-1].usage is not None
    after = metric_value(proxy.url, prompt), metric_value(proxy.url, completion)
    # fake upstream: 5 prompt + 2 completion; demo: 2 prompt words + 4 completion words
    assert (after[0] - before[0], after[1] - before[1]) == (7.0, 6.0)


def test_tenants_with_the_same_detector_settings_share_one_instance() -> None:
    import asyncio

    import aiohttp

    from proxy.config import parse_config
    from proxy.runtime import Runtime

    config = parse_config(
        {
            "upstreams": {"demo": {"provider": "demo"}},
            "routes": [{"match": "*", "upstream": "demo"}],
            "defaults": {"detectors": {"deny_terms": {"terms": ["x"]}}},
            "tenants": {"a": {}, "b": {}, "c": {"detectors": {"deny_terms": {"terms": ["y"]}}}},
        }
    )

    async def detectors() -> list[object]:
        async with aiohttp.ClientSession() as session:
            runtime = Runtime(config, session)
            stages = [runtime.tenants[name].pipeline.stages[-1] for name in "abc"]
            return [stage.screener.detectors[0].detector for stage in stages]  # type: ignore[attr-defined]

    a, b, c = asyncio.run(detectors())
    assert a is b
    assert a is not c
