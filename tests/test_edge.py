"""What reaches the client and the logs when things go wrong at the edge: every error in the
OpenAI envelope with an ``x-request-id``, unexpected errors as one JSON log line, and clients
that go away cancelling the upstream call without counting as server errors."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from proxy import logs
from proxy.testing import (
    FakeUpstream,
    ProxyServer,
    Reply,
    chunks,
    make_config,
    metric_value,
)
from proxy.testing_faults import register_crashing_rule
from tests.conftest import user

PLANTED = "PLANTED-7f3a-text-from-outside"


def assert_envelope(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert response.headers.get("x-request-id")
    return dict(error)


@pytest.fixture
def json_logs(capfd: pytest.CaptureFixture[str]) -> Iterator[Callable[[], None]]:
    """Configures specguard's (and uvicorn's) logs as in production, writing to the stderr
    ``capfd`` captures: call it in the test (pytest swaps ``sys.stderr`` between phases).
    The previous logging set-up is restored afterwards."""
    names = ("specguard", *logs.FOREIGN_LOGGERS)
    saved = {
        name: (logging.getLogger(name).handlers[:], logging.getLogger(name).propagate)
        for name in names
    }
    level = logs.LOGGER.level

    def configure() -> None:
        logs.configure("INFO")
        capfd.readouterr()

    yield configure
    for name, (handlers, propagate) in saved.items():
        logging.getLogger(name).handlers[:] = handlers
        logging.getLogger(name).propagate = propagate
    logs.LOGGER.setLevel(level)


def log_lines(err: str) -> list[dict[str, Any]]:
    """Every stderr line, each of which must be one JSON object."""
    lines = [line for line in err.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


# --- envelopes and request ids ------------------------------------------------------------------


def test_unknown_path_is_an_envelope_404_with_a_request_id(proxy: ProxyServer) -> None:
    response = httpx.get(f"{proxy.url}/v1/nothing", headers={"x-request-id": "trace-404"})
    assert_envelope(response, 404)
    assert response.headers["x-request-id"] == "trace-404"


def test_wrong_method_is_an_envelope_405_with_a_request_id(proxy: ProxyServer) -> None:
    assert_envelope(httpx.delete(f"{proxy.base_url}/chat/completions"), 405)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer sk-wrong"}])
def test_models_without_a_valid_key_is_an_envelope_401_with_a_request_id(
    proxy: ProxyServer, headers: dict[str, str]
) -> None:
    error = assert_envelope(httpx.get(f"{proxy.base_url}/models", headers=headers), 401)
    assert error["code"] == "invalid_api_key"


def test_trailing_slash_is_a_404_not_a_redirect_built_from_the_host_header(
    proxy: ProxyServer, upstream: FakeUpstream
) -> None:
    response = httpx.post(
        f"{proxy.base_url}/chat/completions/",
        headers={"Authorization": "Bearer sk-acme", "Host": "evil.example"},
        json={"model": "fake-model", "messages": user("hi")},
    )
    assert_envelope(response, 404)
    assert "location" not in response.headers
    assert "evil.example" not in response.text
    assert upstream.received == []


# --- unexpected errors and logs -----------------------------------------------------------------


def test_an_unexpected_error_is_a_500_envelope_and_one_json_log_line(
    upstream: FakeUpstream,
    serve: Any,
    json_logs: Callable[[], None],
    capfd: pytest.CaptureFixture[str],
) -> None:
    register_crashing_rule()
    proxy = serve(
        make_config(upstream.base_url, extra={"tenants": {"acme": {"rules": {"crashing": {}}}}})
    )
    json_logs()
    response = httpx.post(
        f"{proxy.base_url}/chat/completions",
        headers={"Authorization": "Bearer sk-acme", "x-request-id": "trace-500"},
        json={"model": "fake-model", "messages": user(PLANTED)},
    )
    error = assert_envelope(response, 500)
    assert error["type"] == "server_error"
    assert response.headers["x-request-id"] == "trace-500"
    assert PLANTED not in response.text
    time.sleep(0.2)
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert PLANTED not in err
    entries = log_lines(err)
    internal = [e for e in entries if e["event"] == "internal_error"]
    assert len(internal) == 1
    assert internal[0]["exception"] == "RuntimeError"
    assert re.fullmatch(r"proxy/testing_faults\.py:\d+", internal[0]["where"]), internal[0]
    assert internal[0]["request_id"] == "trace-500"
    assert upstream.received == []


def test_upstream_supplied_text_never_lands_in_a_log_line(
    client: OpenAI,
    upstream: FakeUpstream,
    json_logs: Callable[[], None],
    capfd: pytest.CaptureFixture[str],
) -> None:
    json_logs()
    upstream.queue(
        Reply(status=429, json={"error": {"message": f"slow down {PLANTED}", "type": "x"}}),
        Reply(status=503, json=f"<html>{PLANTED}</html>"),
        Reply(json={"choices": 5, "note": PLANTED}),
    )
    for _ in range(3):
        # Whatever the SDK makes of each answer: the logs are what is checked.
        with contextlib.suppress(openai.APIError, TypeError, AttributeError):
            client.chat.completions.create(model="fake-model", messages=user("hi"))
    time.sleep(0.2)
    err = capfd.readouterr().err
    assert PLANTED not in err
    assert "Traceback" not in err
    assert [e["status"] for e in log_lines(err) if e["event"] == "request"][:2] == [429, 503]


def test_litellm_errors_leave_only_json_lines_without_upstream_text(
    upstream: FakeUpstream,
    serve: Any,
    monkeypatch: pytest.MonkeyPatch,
    json_logs: Callable[[], None],
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ANTHROPIC_TEST_KEY", "sk-ant-test-secret")
    claude = {
        "provider": "anthropic",
        "base_url": f"http://127.0.0.1:{upstream.port}",
        "api_key_env": "ANTHROPIC_TEST_KEY",
    }
    extra = {
        "upstreams": {"claude": claude},
        "routes": [{"match": "claude-*", "upstream": "claude"}],
    }
    proxy = serve(make_config(None, extra=extra))
    json_logs()
    upstream.queue(
        Reply(status=400, json={"type": "error", "error": {"type": "x", "message": PLANTED}}),
        Reply(status=500, json=f"<html>{PLANTED}</html>"),
    )
    for _ in range(2):
        response = httpx.post(
            f"{proxy.base_url}/chat/completions",
            headers={"Authorization": "Bearer sk-acme"},
            json={"model": "claude-test", "messages": user("hi")},
            timeout=30,
        )
        assert response.status_code in (400, 500)
    time.sleep(0.2)
    captured = capfd.readouterr()
    assert PLANTED not in captured.err
    assert "Give Feedback" not in captured.out + captured.err
    assert [e["status"] for e in log_lines(captured.err) if e["event"] == "request"] == [400, 500]


# --- clients that go away -----------------------------------------------------------------------


def _requests_with_status(proxy: ProxyServer, route: str, status: int) -> float:
    sample = f'specguard_requests_total{{route="{route}",status="{status}",tenant="acme"}}'
    return metric_value(proxy.url, sample)


def _wait_for(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize(
    ("stream", "reply"),
    [
        (False, Reply(delay_s=4)),
        (True, Reply(events=chunks("late"), delay_s=4)),  # no headers yet
        (True, Reply(events=chunks("late"), stall_after=0)),  # headers, then silence
    ],
)
def test_a_client_leaving_before_the_upstream_answers_cancels_the_upstream_call(
    proxy: ProxyServer, upstream: FakeUpstream, stream: bool, reply: Reply
) -> None:
    # The upstream would take 4 s or more (its timeout is 5 s); the client gives up at 0.3 s.
    upstream.queue(reply)
    server_errors = _requests_with_status(proxy, "*", 500)
    closed = _requests_with_status(proxy, "*", 499)
    with pytest.raises(httpx.TimeoutException):
        httpx.post(
            f"{proxy.base_url}/chat/completions",
            headers={"Authorization": "Bearer sk-acme"},
            json={"model": "fake-model", "messages": user("hi"), "stream": stream},
            timeout=0.3,
        )
    assert _wait_for(lambda: upstream.disconnects == 1, 2.0)
    assert _wait_for(lambda: _requests_with_status(proxy, "*", 499) == closed + 1, 2.0)
    assert _requests_with_status(proxy, "*", 500) == server_errors
    assert httpx.get(f"{proxy.url}/healthz").status_code == 200


def test_a_client_leaving_while_its_body_is_read_is_not_a_server_error(
    proxy: ProxyServer, json_logs: Callable[[], None], capfd: pytest.CaptureFixture[str]
) -> None:
    server_errors = _requests_with_status(proxy, "none", 500)
    closed = _requests_with_status(proxy, "none", 499)
    json_logs()
    with socket.create_connection(("127.0.0.1", proxy.port)) as sock:
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer sk-acme\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n" + b'{"model": "fake-model", "messages": ['
        )
        time.sleep(0.2)
    assert _wait_for(lambda: _requests_with_status(proxy, "none", 499) == closed + 1, 2.0)
    assert _requests_with_status(proxy, "none", 500) == server_errors
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert not [e for e in log_lines(err) if e["level"] == "error"]
    assert httpx.get(f"{proxy.url}/healthz").status_code == 200
