"""Helpers for tests against a hostile upstream: a planted SSN, and what reached the client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import openai
import orjson
from openai import OpenAI

from proxy.config import Config
from proxy.sse import SSEDecoder, event_data
from proxy.testing import FakeUpstream, ProxyServer, completion, make_config

SSN = "536-22-8726"
"""A valid-looking SSN the privacy detector refuses."""
PLANTED = f"Her SSN is {SSN}."
BENIGN = "Foxes are small omnivorous mammals that live across the northern hemisphere."
HEAD = {"id": "chatcmpl-h", "object": "chat.completion.chunk", "created": 1, "model": "fake-model"}


def leaked(raw: bytes) -> bool:
    """Whether any four consecutive characters of the SSN are in ``raw``."""
    return any(SSN[i : i + 4].encode() in raw for i in range(len(SSN) - 3))


def privacy_client(
    upstream: FakeUpstream,
    serve: Callable[[Config], ProxyServer],
    tenant: dict[str, Any] | None = None,
    privacy: dict[str, Any] | None = None,
) -> OpenAI:
    """The SDK in front of a proxy whose tenant ``acme`` screens with the privacy detector."""
    table = {"detectors": {"privacy": privacy or {}}, **(tenant or {})}
    config = make_config(upstream.base_url, extra={"tenants": {"acme": table}})
    return OpenAI(base_url=serve(config).base_url, api_key="sk-acme", max_retries=0)


def answer(message: dict[str, Any], **choice: Any) -> dict[str, Any]:
    """A completion whose only choice has ``message`` (and any other choice fields)."""
    body = completion()
    body["choices"][0]["message"] = {"role": "assistant", **message}
    body["choices"][0].update(choice)
    return body


def chunk(delta: Any = None, finish: str | None = None, **choice: Any) -> dict[str, Any]:
    """One chunk with one choice (index 0)."""
    body: dict[str, Any] = {"index": 0, "finish_reason": finish, **choice}
    if delta is not None:
        body["delta"] = delta
    return {**HEAD, "choices": [body]}


def stream_raw(client: OpenAI, **extra: Any) -> bytes:
    """Every byte of a streamed answer, read through the SDK."""
    with client.chat.completions.with_streaming_response.create(
        model="fake-model", messages=[{"role": "user", "content": "hi"}], stream=True, **extra
    ) as response:
        return b"".join(response.iter_bytes())


def json_raw(client: OpenAI, **extra: Any) -> tuple[int, bytes]:
    """Status and body of a non-streamed answer, read through the SDK (errors included)."""
    try:
        response = client.chat.completions.with_raw_response.create(
            model="fake-model", messages=[{"role": "user", "content": "hi"}], **extra
        )
    except openai.APIStatusError as exc:
        return exc.status_code, exc.response.content
    return response.status_code, response.content


def payloads(raw: bytes) -> Iterator[dict[str, Any]]:
    """The JSON objects of an SSE body (``[DONE]`` and keep-alives left out)."""
    for event in SSEDecoder().feed(raw):
        data = event_data(event)
        if data is not None and data != b"[DONE]":
            yield orjson.loads(data)


def ends_with_error(raw: bytes) -> dict[str, Any]:
    """The error object of the last event before ``[DONE]`` (asserting that shape)."""
    assert raw.endswith(b"data: [DONE]\n\n"), raw[-200:]
    last = list(payloads(raw))[-1]
    assert set(last) == {"error"}, last
    return last["error"]  # type: ignore[no-any-return]


def embeddings_raw(client: OpenAI, encoding: Any = "float") -> tuple[int, bytes]:
    """Status and body of an embeddings answer, read through the SDK (errors included)."""
    try:
        response = client.embeddings.with_raw_response.create(
            model="fake-model", input="foxes", encoding_format=encoding
        )
    except openai.APIStatusError as exc:
        return exc.status_code, exc.response.content
    return response.status_code, response.content


def moderations_raw(client: OpenAI) -> tuple[int, bytes]:
    """Status and body of a moderations answer, read through the SDK (errors included)."""
    try:
        response = client.moderations.with_raw_response.create(model="fake-model", input="foxes")
    except openai.APIStatusError as exc:
        return exc.status_code, exc.response.content
    return response.status_code, response.content


def vectors(embedding: Any = None, **extra: Any) -> dict[str, Any]:
    """An embeddings answer with one item: ``embedding`` (two floats by default) and ``extra``
    fields."""
    vector = [0.1, 0.2] if embedding is None else embedding
    item = {"object": "embedding", "index": 0, "embedding": vector, **extra}
    return {"object": "list", "data": [item], "model": "fake-model"}


def scores(**extra: Any) -> dict[str, Any]:
    """A moderations answer with one result, ``extra`` fields added to it."""
    result = {"flagged": False, "categories": {"sexual": False}, **extra}
    return {"id": "modr-1", "model": "fake-model", "results": [result]}
