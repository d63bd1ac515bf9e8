"""Shared fixtures: a scripted upstream and specguard itself, both on real loopback sockets."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import settings
from openai import OpenAI

from detectors.privacy import PrivacyConfig, PrivacyDetector
from proxy.config import Config, deep_merge
from proxy.testing import FakeUpstream, ProxyServer, make_config, only

# `make test` (and CI) runs the property tests on the same examples every time, so a red run is
# a change's doing; `make fuzz` draws fresh ones (SPECGUARD_HYPOTHESIS=fuzz) to look for more.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("fuzz", derandomize=False)
settings.load_profile(os.environ.get("SPECGUARD_HYPOTHESIS", "repeatable"))


class _WithFields(logging.Formatter):
    """pytest's captured-log format plus specguard's structured fields (ids, names, the
    exception type and where it was raised; never request text), so a failure in CI shows them."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        return f"{super().format(record)} {fields}" if fields else super().format(record)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    plugin = config.pluginmanager.get_plugin("logging-plugin")
    if plugin is not None:
        for handler in (plugin.caplog_handler, plugin.report_handler):
            handler.setFormatter(_WithFields(plugin.formatter._fmt, plugin.formatter.datefmt))


UPSTREAM_KEY = "sk-upstream-secret-0123456789"
Connect = Callable[..., OpenAI]
"""``connect(rules, extra=None)``: see the ``connect`` fixture."""
Guarded = Callable[..., OpenAI]
"""``guarded(tenant=None, privacy=None)``: see the ``guarded`` fixture."""


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeUpstream]:
    monkeypatch.setenv("FAKE_UPSTREAM_KEY", UPSTREAM_KEY)
    with FakeUpstream() as fake:
        yield fake


@pytest.fixture
def serve() -> Iterator[Callable[[Config], ProxyServer]]:
    """Start specguard on a config; every server started is stopped after the test."""
    servers: list[ProxyServer] = []

    def start(config: Config) -> ProxyServer:
        server = ProxyServer(config).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture
def connect(upstream: FakeUpstream, serve: Callable[[Config], ProxyServer]) -> Iterator[Connect]:
    """A client of a proxy whose tenant ``acme`` has the rules table ``rules`` (``extra`` is
    merged over the whole config document); clients are closed after the test."""
    clients: list[OpenAI] = []

    def connect(rules: dict[str, Any], extra: dict[str, Any] | None = None) -> OpenAI:
        document = deep_merge({"tenants": {"acme": only({"rules": rules})}}, extra or {})
        config = make_config(upstream.base_url, extra=document)
        clients.append(OpenAI(base_url=serve(config).base_url, api_key="sk-acme", max_retries=0))
        return clients[-1]

    yield connect
    for client in clients:
        client.close()


@pytest.fixture
def proxy(upstream: FakeUpstream, serve: Callable[[Config], ProxyServer]) -> ProxyServer:
    """specguard in front of the fake upstream, tenant ``acme`` with key ``sk-acme`` and every
    check switched off: the relay alone."""
    return serve(make_config(upstream.base_url, extra={"tenants": {"acme": only({})}}))


@pytest.fixture
def client(proxy: ProxyServer) -> OpenAI:
    """The official SDK with only base_url and api_key changed."""
    return OpenAI(base_url=proxy.base_url, api_key="sk-acme", max_retries=0)


def user(text: str) -> list[dict[str, Any]]:
    """A one-turn conversation."""
    return [{"role": "user", "content": text}]


def tool_turns(
    question: str, output: str, tool: str = "fetch_invoice", arguments: str = "{}"
) -> list[dict[str, Any]]:
    """A user's question, the assistant calling ``tool`` (id ``c1``), and the tool's ``output``."""
    return [
        {"role": "user", "content": question},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": tool, "arguments": arguments}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": output},
    ]


@pytest.fixture
def guarded(upstream: FakeUpstream, serve: Callable[[Config], ProxyServer]) -> Iterator[Guarded]:
    """``guarded(tenant=None, privacy=None)``: an SDK client of a proxy whose tenant ``acme``
    screens with the privacy detector (``privacy`` its table, ``tenant`` more of the tenant's
    table). The same arguments give the same client; clients are closed after the test."""
    from tests.hostile import privacy_client

    clients: dict[str, OpenAI] = {}

    def guarded(
        tenant: dict[str, Any] | None = None, privacy: dict[str, Any] | None = None
    ) -> OpenAI:
        key = repr((tenant, privacy))
        if key not in clients:
            clients[key] = privacy_client(upstream, serve, tenant, privacy)
        return clients[key]

    yield guarded
    for client in clients.values():
        client.close()


@pytest.fixture(scope="module")
def privacy() -> PrivacyDetector:
    """The privacy detector with its default settings, built once per module."""
    return PrivacyDetector(PrivacyConfig())
