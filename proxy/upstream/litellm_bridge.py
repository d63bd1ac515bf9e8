"""Non-OpenAI providers (Anthropic, Bedrock, Vertex, Gemini, Azure ...) through litellm.

litellm is imported only when a configuration names such a provider, while the runtime is built
(at start-up or on a reload, off the event loop), not by the first request: it costs ~1 s to
import (many seconds on a loaded host) and ~6 ms per call, which the raw relay avoids for
OpenAI-compatible upstreams. Its responses are translated to the OpenAI shape.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from typing import Any

import orjson

from proxy.config import UpstreamConfig
from proxy.errors import ProxyError, UpstreamError, UpstreamTimeout, UpstreamUnreachable
from proxy.sse import DONE, encode_event
from proxy.upstream import Reply
from proxy.upstream.sanitize import redact_secrets

# Request fields litellm takes as named arguments itself rather than as model parameters.
_CONTROLLED = {"model", "messages", "stream", "api_base", "api_key", "base_url", "timeout"}


def _litellm() -> Any:
    litellm: Any = importlib.import_module("litellm")
    # Its plain-text console banners on every error ("Give Feedback / Get Help") would sit
    # outside the JSON logs.
    litellm.suppress_debug_info = True
    return litellm


class LiteLLMBridge:
    """Chat completions through ``litellm.acompletion`` for one provider."""

    def __init__(self, name: str, config: UpstreamConfig):
        self.name = name
        self._provider = config.provider
        self._base_url = config.resolved_base_url()
        self._key = config.api_key()
        self._timeout = config.timeout_s
        self._litellm = _litellm()

    def _arguments(self, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        arguments = {key: value for key, value in body.items() if key not in _CONTROLLED}
        arguments.update(
            model=f"{self._provider}/{body['model']}",
            messages=body["messages"],
            stream=stream,
            timeout=self._timeout,
            num_retries=0,
        )
        if self._base_url:
            arguments["api_base"] = self._base_url
        if self._key:
            arguments["api_key"] = self._key
        return arguments

    async def complete(self, body: dict[str, Any], request_id: str) -> Reply:
        """The provider's answer translated to an OpenAI chat completion."""
        try:
            response = await self._litellm.acompletion(**self._arguments(body, stream=False))
        except Exception as exc:
            raise self._translate(exc) from exc
        return Reply(orjson.dumps(_openai_shape(response.model_dump())))

    async def stream(self, body: dict[str, Any], request_id: str) -> BridgedStream:
        """The provider's stream as OpenAI chunk events."""
        try:
            chunks = await self._litellm.acompletion(**self._arguments(body, stream=True))
        except Exception as exc:
            raise self._translate(exc) from exc
        return BridgedStream(chunks, self)

    def _translate(self, exc: Exception) -> ProxyError:
        exceptions = self._litellm.exceptions
        if isinstance(exc, exceptions.Timeout):
            return UpstreamTimeout(f"upstream {self.name!r} timed out")
        if isinstance(exc, exceptions.APIConnectionError):
            return UpstreamUnreachable(f"upstream {self.name!r} is unreachable")
        status = getattr(exc, "status_code", None)
        if isinstance(status, int) and 400 <= status < 600:
            return UpstreamError(status, self._client_message(exc))
        return UpstreamError(502, f"upstream {self.name!r} failed")

    def _client_message(self, exc: Exception) -> str:
        """The first line of litellm's message, without tracebacks or secrets."""
        text = str(getattr(exc, "message", "") or exc)
        first = text.split("Traceback", 1)[0].strip().splitlines()[0] if text.strip() else ""
        return redact_secrets(first, self._key)[:300] or f"upstream {self.name!r} failed"


class BridgedStream:
    """litellm's chunk objects re-encoded as OpenAI SSE events."""

    def __init__(self, chunks: Any, bridge: LiteLLMBridge):
        self._chunks = chunks
        self.headers: dict[str, str] = {}
        self._bridge = bridge

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._chunks:
                yield encode_event(_openai_shape(chunk.model_dump()))
        except Exception as exc:
            raise self._bridge._translate(exc) from exc
        yield DONE

    async def aclose(self) -> None:
        """Stop reading from the provider."""
        close = getattr(self._chunks, "aclose", None)
        if close is not None:
            await close()


def _openai_shape(payload: dict[str, Any]) -> dict[str, Any]:
    """Drop litellm's private bookkeeping from a response dict."""
    return {key: value for key, value in payload.items() if not key.startswith("_")}


async def close_clients() -> None:
    """Close the HTTP clients litellm cached on this event loop (at shutdown), if it was used."""
    import sys

    litellm = sys.modules.get("litellm")
    if litellm is None:
        return
    await litellm.close_litellm_async_clients()
    litellm.in_memory_llm_clients_cache.flush_cache()
