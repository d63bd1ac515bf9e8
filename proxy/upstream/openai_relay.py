"""The hot path: a raw aiohttp relay to any OpenAI-compatible server.

One pooled ``aiohttp.ClientSession`` per process serves every relay (measured here: ~0.5 ms added
per request, where httpx adds 1-3 ms and degrades under concurrency, encode/httpx#3215). The body
is forwarded as JSON and the answer relayed as bytes: fields the proxy does not touch pass through
untouched in both directions.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from typing import Any, NamedTuple

import aiohttp
import orjson

from proxy.config import UpstreamConfig
from proxy.errors import ProxyError, UpstreamError, UpstreamTimeout, UpstreamUnreachable
from proxy.sse import EventTooLarge, SSEDecoder
from proxy.upstream import Reply
from proxy.upstream.sanitize import retry_headers, sanitized_error
from proxy.upstream.shapes import StreamCheck, as_chunks, malformed, parse_completion


class Dialect(NamedTuple):
    """Another endpoint of the same API whose answers the proxy reads as chat completions
    (``proxy.completions.NATIVE``: the legacy ``/completions`` of base models)."""

    path: str
    answer: Callable[[bytes], bytes]
    """A JSON answer of the endpoint as a chat completion's JSON."""
    event: Callable[[bytes], bytes]
    """One SSE event of the endpoint (normal form) as a chat chunk event."""


class Forwarded(NamedTuple):
    """An upstream's answer to a relayed request."""

    status: int
    raw: bytes
    content_type: str
    headers: dict[str, str]
    """The headers clients act on (``retry_headers``)."""


class OpenAIRelay:
    """Forwards chat completions to ``{base_url}/chat/completions``."""

    def __init__(self, name: str, config: UpstreamConfig, session: aiohttp.ClientSession):
        self.name = name
        self._base = config.resolved_base_url()
        self._url = f"{self._base}/chat/completions"
        self._key = config.api_key()
        self._session = session
        self._timeout = aiohttp.ClientTimeout(
            total=config.timeout_s, sock_connect=config.connect_timeout_s
        )
        # A stream may run long; what must not happen is a long silence between chunks.
        self._stream_timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=config.connect_timeout_s, sock_read=config.timeout_s
        )

    def _headers(self, request_id: str) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "X-Request-Id": request_id}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        return headers

    async def complete(
        self, body: dict[str, Any], request_id: str, dialect: Dialect | None = None
    ) -> Reply:
        """The upstream's completion, as raw JSON bytes (its shape checked)."""
        if dialect is None:
            reply = await self.post("chat/completions", body, request_id)
        else:
            answer = await self.post(dialect.path, body, request_id)
            reply = Reply(dialect.answer(answer.raw), answer.headers)
        parse_completion(reply.raw)
        return reply

    async def post(self, path: str, body: dict[str, Any], request_id: str) -> Reply:
        """Another JSON endpoint of the same API (``embeddings``, ``moderations``), relayed raw."""
        answer = await self.forward(
            "POST", path, orjson.dumps(body), "application/json", request_id
        )
        return Reply(answer.raw, answer.headers)

    async def forward(
        self, method: str, path: str, body: bytes, content_type: str | None, request_id: str
    ) -> Forwarded:
        """An unscreened request to ``path`` below the base URL (tenant ``passthrough``); error
        answers are sanitized like any other."""
        headers = self._headers(request_id)
        if content_type:
            headers["Content-Type"] = content_type
        else:
            headers.pop("Content-Type")
        try:
            async with self._session.request(
                method,
                f"{self._base}/{path}",
                data=_payload(body),
                headers=headers,
                timeout=self._timeout,
            ) as response:
                raw = await response.read()
                status, answer_headers = response.status, response.headers
        except Exception as exc:
            raise _translate(exc, self.name) from exc
        if status >= 400:
            raise sanitized_error(status, raw, self._key, answer_headers)
        return Forwarded(
            status,
            raw,
            answer_headers.get("Content-Type", "application/octet-stream"),
            retry_headers(answer_headers),
        )

    async def stream(
        self, body: dict[str, Any], request_id: str, dialect: Dialect | None = None
    ) -> RelayedStream:
        """Open the SSE stream; HTTP errors are raised here, before any event."""
        url = self._url if dialect is None else f"{self._base}/{dialect.path}"
        try:
            response = await self._session.post(
                url,
                data=_payload(orjson.dumps(body)),
                headers=self._headers(request_id),
                timeout=self._stream_timeout,
            )
        except Exception as exc:
            raise _translate(exc, self.name) from exc
        if response.status >= 400:
            try:
                raw = await response.read()
            except Exception as exc:
                raise _translate(exc, self.name) from exc
            finally:
                response.release()
            raise sanitized_error(response.status, raw, self._key, response.headers)
        if response.content_type != "text/event-stream" and "json" in response.content_type:
            # A JSON answer to a streaming request: checked, then streamed as chunks.
            try:
                raw = await response.read()
            except Exception as exc:
                raise _translate(exc, self.name) from exc
            finally:
                response.release()
            if dialect is not None:
                raw = dialect.answer(raw)
            return RelayedStream(response, self.name, as_chunks(parse_completion(raw)))
        return RelayedStream(response, self.name, convert=dialect.event if dialect else None)


LARGE_BODY = 1024 * 1024
"""Request bodies over this are sent from a ``BytesIO``: aiohttp then writes them in 64 KB pieces,
yielding to the event loop between them (raw bytes that large make it warn, with a
``ResourceWarning``, that they may hold the loop)."""


def _payload(body: bytes) -> bytes | io.BytesIO:
    return io.BytesIO(body) if len(body) > LARGE_BODY else body


_DRAIN_BYTES = 64 * 1024
_DRAIN_S = 1.0


class RelayedStream:
    """SSE events read from an open aiohttp response, each checked (``proxy.upstream.shapes``);
    the stream ends at ``[DONE]``, or with ``UpstreamIncomplete`` if it stops before."""

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        upstream: str,
        events: list[bytes] | None = None,
        convert: Callable[[bytes], bytes] | None = None,
    ):
        self._response = response
        self._upstream = upstream
        self.headers = retry_headers(response.headers)
        self._events = events
        """The whole stream, already built (from a JSON answer)."""
        self._convert = convert
        """Each event read as a chat chunk (``Dialect.event``) before it is checked."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._events is not None:
            for event in self._events:
                yield event
            return
        decoder = SSEDecoder()
        check = StreamCheck()
        convert = self._convert
        try:
            async for chunk in self._response.content.iter_any():
                for event in decoder.feed(chunk):
                    yield check.take(convert(event) if convert else event)
                    if check.done:
                        await self._drain()
                        return
            for event in decoder.close():
                yield check.take(convert(event) if convert else event)
                if check.done:
                    return
            for event in check.end():
                yield event
        except EventTooLarge:
            raise malformed("an event too large") from None
        except Exception as exc:
            raise _translate(exc, self._upstream) from exc
        finally:
            self._response.release()

    async def _drain(self) -> None:
        """Read what follows ``[DONE]`` (normally just the end of the body) without relaying it,
        so the connection goes back to the pool; an upstream that sends more than a little, or
        does not end promptly, has its connection closed instead."""
        left = _DRAIN_BYTES
        try:
            async with asyncio.timeout(_DRAIN_S):
                async for chunk in self._response.content.iter_any():
                    left -= len(chunk)
                    if left < 0:
                        return
        except (TimeoutError, aiohttp.ClientError):
            return

    async def aclose(self) -> None:
        """Drop the connection (the client went away or the stream was cut)."""
        self._response.close()


def _translate(exc: BaseException, upstream: str) -> ProxyError:
    """Map an aiohttp/asyncio failure to the proxy's error hierarchy."""
    if isinstance(exc, ProxyError):
        return exc
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return UpstreamTimeout(f"upstream {upstream!r} timed out")
    if isinstance(exc, aiohttp.ClientPayloadError):
        return UpstreamError(502, f"upstream {upstream!r} broke off its response")
    if isinstance(exc, aiohttp.ClientError | OSError):
        return UpstreamUnreachable(f"upstream {upstream!r} is unreachable")
    raise exc
