"""What a request leaves behind once it is answered: metrics, the access log line, upstream time
and error counts. Ids, names, numbers and decisions only; never prompt or completion text."""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import TypeVar

import orjson

from proxy import logs, metrics
from proxy.context import RequestContext
from proxy.errors import ProxyError, UpstreamMalformed, UpstreamTimeout, UpstreamUnreachable

T = TypeVar("T")


async def timed_upstream(ctx: RequestContext, call: Awaitable[T]) -> T:
    started = time.perf_counter()
    try:
        return await call
    except ProxyError as exc:
        metrics.UPSTREAM_ERRORS.labels(ctx.upstream, error_kind(exc)).inc()
        raise
    finally:
        ctx.upstream_seconds += time.perf_counter() - started


def count_tokens(raw: bytes, ctx: RequestContext) -> None:
    """Count ``usage`` tokens; the substring test keeps the common case to one scan."""
    if b'"usage":{' not in raw and b'"usage": {' not in raw:
        return
    data = raw[5:] if raw.startswith(b"data:") else raw
    try:
        usage = orjson.loads(data).get("usage")
    except (orjson.JSONDecodeError, AttributeError):
        return
    if not isinstance(usage, dict):
        return
    for kind in ("prompt_tokens", "completion_tokens"):
        value = usage.get(kind)
        if isinstance(value, int) and value > 0:
            metrics.TOKENS.labels(ctx.tenant.name, kind.removesuffix("_tokens")).inc(value)


def finish(ctx: RequestContext | None, status: int) -> None:
    """Metrics and the access log line of one chat request."""
    metrics.IN_FLIGHT.dec()
    if ctx is None:
        metrics.REQUESTS.labels("unknown", "none", str(status)).inc()
        return
    tenant = ctx.tenant.name
    elapsed = ctx.elapsed()
    metrics.REQUESTS.labels(tenant, ctx.route, str(status)).inc()
    metrics.REQUEST_LATENCY.labels(tenant, ctx.route).observe(elapsed)
    if ctx.upstream_seconds:
        metrics.UPSTREAM_LATENCY.labels(ctx.upstream).observe(ctx.upstream_seconds)
    overhead = max(elapsed - ctx.upstream_seconds, 0.0)
    metrics.OVERHEAD.labels("total").observe(overhead)
    for stage, seconds in ctx.stage_seconds.items():
        metrics.OVERHEAD.labels(stage).observe(seconds)
    logs.event(
        "request",
        request_id=ctx.request_id,
        tenant=tenant,
        route=ctx.route,
        upstream=ctx.upstream,
        stream=ctx.stream,
        status=status,
        duration_ms=round(elapsed * 1000, 3),
        upstream_ms=round(ctx.upstream_seconds * 1000, 3),
        decision=ctx.verdict.action if ctx.verdict else "allow",
        findings=[f"{f.detector}/{f.category}" for f in ctx.findings],
    )


def error_kind(exc: ProxyError) -> str:
    if isinstance(exc, UpstreamMalformed):
        return exc.kind
    if isinstance(exc, UpstreamTimeout):
        return "timeout"
    if isinstance(exc, UpstreamUnreachable):
        return "unreachable"
    return f"status_{exc.http_status()}"
