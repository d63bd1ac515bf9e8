"""Test helpers shipped with the package: a scripted upstream and a proxy on real sockets.

``FakeUpstream`` is an aiohttp server on loopback that records every request it receives and
answers from a script (JSON bodies, SSE streams, errors, stalls, broken connections).
``ProxyServer`` runs specguard itself under uvicorn on an ephemeral port. Both run on their own
threads with their own event loops, so tests drive them with ordinary (sync or async) clients.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
import uvicorn
from aiohttp import web

from proxy.config import Config, hash_key, parse_config
from proxy.sse import encode_event

if TYPE_CHECKING:
    from proxy.runtime import Tenant


@dataclass
class Received:
    """One request the fake upstream got."""

    path: str
    headers: dict[str, str]
    body: Any
    """Parsed JSON, or the raw bytes when the body is not JSON."""


@dataclass
class Reply:
    """One scripted answer."""

    status: int = 200
    json: Any = None
    """A JSON body (non-streaming)."""
    raw: bytes | None = None
    """A body sent as it is (with a JSON content type), instead of ``json``: a truncated or
    otherwise broken answer."""
    events: list[Any] | None = None
    """SSE events: dicts become ``data: <json>``, strings are sent as raw event text, bytes raw."""
    chunk_bytes: int | None = None
    """Cut the SSE byte stream into pieces of this size (to exercise reassembly)."""
    delay_s: float = 0.0
    """Wait before answering."""
    stall_after: int | None = None
    """Stop sending (but keep the connection open) after this many events."""
    break_after: int | None = None
    """Drop the connection after this many events."""
    pace_s: float = 0.0
    """Wait this long before each event after the first: a model generating its answer."""
    headers: dict[str, str] = field(default_factory=dict)


def completion(content: str = "Hello!", **extra: Any) -> dict[str, Any]:
    """A minimal OpenAI chat completion body."""
    body: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1,
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    }
    body.update(extra)
    return body


def chunks(*pieces: str, **extra: Any) -> list[Any]:
    """OpenAI chunk events streaming ``pieces`` as content, then ``stop`` and ``[DONE]``."""
    head = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "fake-model",
        **extra,
    }
    events: list[Any] = [
        {
            **head,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
            ],
        }
    ]
    events += [
        {**head, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        for piece in pieces
    ]
    events.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    events.append("[DONE]")
    return events


def sse_event(event: Any) -> bytes:
    """One SSE event as an upstream sends it: bytes as they are, a string (``[DONE]``) or a
    JSON object after ``data: ``."""
    if isinstance(event, bytes):
        return event
    if isinstance(event, str):
        return f"data: {event}\n\n".encode()
    return encode_event(event)


class _LoopThread:
    """An event loop on a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()


class FakeUpstream:
    """A scripted OpenAI-compatible (or any JSON/SSE) server on 127.0.0.1."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: deque[Reply] = deque()
        self.default = Reply(json=completion())
        self.disconnects = 0
        """Streams whose client went away before the stream ended."""
        self.sent_text = 0
        """Characters of ``delta.content`` the current (or last) stream has sent so far."""
        self._thread = _LoopThread()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def __enter__(self) -> FakeUpstream:
        self._thread.run(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            self._thread.run(self._runner.cleanup())
        self._thread.stop()

    @property
    def base_url(self) -> str:
        """OpenAI-style base URL (``.../v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def queue(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order; then ``default``."""
        self.script.extend(replies)

    @property
    def last(self) -> Received:
        """The most recent request."""
        return self.received[-1]

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body: Any = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            body = raw
        self.received.append(Received(request.path, dict(request.headers), body))
        reply = self.script.popleft() if self.script else self.default
        if reply.delay_s and not await self._delay(request, reply.delay_s):
            return web.Response(status=499)  # nobody is listening any more
        if reply.events is None:
            return web.Response(
                status=reply.status,
                body=reply.raw if reply.raw is not None else orjson.dumps(reply.json),
                content_type="application/json",
                headers=reply.headers,
            )
        return await self._stream(request, reply)

    async def _stream(self, request: web.Request, reply: Reply) -> web.StreamResponse:
        response = web.StreamResponse(
            status=reply.status, headers={"Content-Type": "text/event-stream", **reply.headers}
        )
        await response.prepare(request)
        self.sent_text = 0
        try:
            for index, event in enumerate(reply.events or []):
                if index and reply.pace_s:
                    await asyncio.sleep(reply.pace_s)
                if reply.break_after is not None and index >= reply.break_after:
                    request.transport.close()  # type: ignore[union-attr]
                    return response
                if reply.stall_after is not None and index >= reply.stall_after:
                    await self._stall(request)
                    return response
                data = sse_event(event)
                size = reply.chunk_bytes or len(data)
                for start in range(0, len(data), size):
                    await response.write(data[start : start + size])
                self.sent_text += _content_length(event)
            await response.write_eof()
        except (ConnectionResetError, asyncio.CancelledError):
            self.disconnects += 1
            raise
        return response

    async def _delay(self, request: web.Request, seconds: float) -> bool:
        """Wait ``seconds`` before answering; False (and a disconnect counted) as soon as the
        client closes the connection instead of waiting."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            transport = request.transport
            if transport is None or transport.is_closing():
                self.disconnects += 1
                return False
            await asyncio.sleep(min(0.02, max(0.0, deadline - time.monotonic())))
        return True

    async def _stall(self, request: web.Request) -> None:
        """Send nothing more, until the client gives up and closes the connection."""
        transport = request.transport
        while transport is not None and not transport.is_closing():
            await asyncio.sleep(0.02)
        self.disconnects += 1


def _content_length(event: Any) -> int:
    """Characters of ``delta.content`` an event carries (0 for anything else, malformed shapes
    included: the fake must send them intact and end its response normally)."""
    choices = event.get("choices") if isinstance(event, dict) else None
    total = 0
    for choice in choices if isinstance(choices, list) else ():
        delta = choice.get("delta") if isinstance(choice, dict) else None
        content = delta.get("content") if isinstance(delta, dict) else None
        total += len(content) if isinstance(content, str) else 0
    return total


class ProxyServer:
    """specguard under uvicorn on an ephemeral loopback port."""

    def __init__(self, config: Config, config_path: str | None = None):
        from proxy.app import create_app

        self.app = create_app(config, config_path, freeze=False)  # many apps, one process
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="on")
        )
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """What an OpenAI SDK client sets as ``base_url``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def url(self) -> str:
        """The server root."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ProxyServer:
        self._thread.start()
        deadline = time.monotonic() + 60  # a loaded CI machine starts slowly
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("specguard did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()


def make_config(
    upstream_url: str | None = None,
    *,
    tenants: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Config:
    """A config routing ``demo-*`` to the demo model and everything else to ``upstream_url``.

    ``tenants`` maps tenant name -> plaintext key; ``extra`` is deep-merged over the document.
    """
    from proxy.config import deep_merge

    tenants = tenants or {"acme": "sk-acme"}
    document: dict[str, Any] = {
        "upstreams": {"demo": {"provider": "demo", "models": ["demo-echo"]}},
        "routes": [{"match": "demo-*", "upstream": "demo"}],
        "tenants": {name: {"api_keys": [hash_key(key)]} for name, key in tenants.items()},
    }
    if upstream_url:
        document["upstreams"]["fake"] = {
            "provider": "openai",
            "base_url": upstream_url,
            "api_key_env": "FAKE_UPSTREAM_KEY",
            "timeout_s": 5,
            "models": ["fake-model"],
        }
        document["routes"].append({"match": "*", "upstream": "fake"})
    return parse_config(deep_merge(document, extra or {}))


def only(table: dict[str, Any]) -> dict[str, Any]:
    """A tenant table that runs exactly the rules and detectors it names: every other one gets
    ``action = "off"``. Protection is on by default, so a test of one check says so."""
    from detectors.registry import DETECTORS
    from rules.registry import RULES

    isolated = dict(table)
    for key, registry in (("rules", RULES), ("detectors", DETECTORS)):
        named = table.get(key, {})
        isolated[key] = {name: {"action": "off"} for name in registry.active({})} | named
    return isolated


def make_tenant(table: dict[str, Any], name: str = "acme") -> Tenant:
    """A tenant built in process from its ``[tenants.NAME]`` table (``detectors``, ``rules``,
    ``stream`` ...), running only the checks the table names (``only``), to drive its pipeline
    without a server."""
    from proxy.runtime import Tenant, build_pipeline

    config = make_config(None, tenants={name: f"sk-{name}"}, extra={"tenants": {name: only(table)}})
    tenant_config = config.tenants[name]
    return Tenant(name, tenant_config, build_pipeline(tenant_config))


def metric_value(base_url: str, sample: str) -> float:
    """The value of one exposition sample (``name{labels}``) at ``/metrics``, 0 if absent.

    Metrics are process-wide, so tests compare values before and after their own traffic.
    """
    import httpx

    for line in httpx.get(f"{base_url}/metrics").text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
