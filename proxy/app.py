"""The HTTP server: OpenAI-compatible endpoints, health, readiness and metrics."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, cast

import aiohttp
import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Route

from detectors.policy import Verdict
from proxy import accounting, edge, logs, metrics
from proxy.completions import NativeCompletions
from proxy.config import Config, load_config
from proxy.context import RequestContext, request_id_from
from proxy.edge import CLIENT_CLOSED, ClientGone, unless_gone
from proxy.endpoints import (
    admin_tenant,
    api_key,
    embeddings,
    healthz,
    list_models,
    metrics_endpoint,
    moderations,
    output_screener,
    passthrough,
    read_body,
    readyz,
    retrieve_model,
)
from proxy.errors import (
    ProxyError,
)
from proxy.refusal import decision_header, decision_summary, refusal_sentence, refuse_completion
from proxy.reload import Reloader
from proxy.runtime import Runtime, settle, unsettle
from proxy.screening import scan_context, screen_error, screen_input
from proxy.sse import DONE, encode_event
from proxy.surfaces import CHAT, COMPLETIONS, RESPONSES, Surface
from proxy.upstream import EventStream
from proxy.upstream.litellm_bridge import close_clients as close_litellm_clients
from proxy.upstream.openai_relay import OpenAIRelay
from proxy.upstream.shapes import parse_completion
from proxy.usage import UsageTally, asks_usage, refused_usage, with_usage

_JSON = "application/json"


def create_app(config: Config, config_path: str | None = None, *, freeze: bool = True) -> FastAPI:
    """The ASGI app serving ``config``; with ``config_path`` it hot-reloads that file. With
    ``freeze`` its runtime is taken out of the garbage collector's reach while it serves
    (``proxy.runtime.settle``): right for a server process, not for one that starts and stops
    many apps (the test suite's servers)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        connector = aiohttp.TCPConnector(limit=1000, keepalive_timeout=60, ttl_dns_cache=300)
        session = aiohttp.ClientSession(connector=connector, trust_env=False)
        app.state.session = session
        app.state.runtime = Runtime(config, session)
        if freeze:
            settle()
        reloader = None
        if config_path:

            def swap(runtime: Runtime) -> None:
                app.state.runtime = runtime
                if freeze:
                    settle(reloaded=True)

            reloader = Reloader(
                config_path,
                build=lambda new: Runtime(new, session),  # type: ignore[arg-type]
                swap=swap,
                poll_s=config.server.reload_poll_s,
            )
            reloader.start()
        app.state.reloader = reloader
        logs.event("started", tenants=len(config.tenants), upstreams=len(config.upstreams))
        try:
            yield
        finally:
            if reloader is not None:
                await reloader.stop()
            await session.close()
            await close_litellm_clients()
            if freeze:
                unsettle()

    app = FastAPI(
        title="specguard",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,  # a 307 built from the client's Host header: 404 instead
    )
    # The hot path is a plain Starlette route: FastAPI's dependency solving costs ~40 us per
    # request and the handler takes the raw Request anyway.
    app.router.routes.append(Route("/v1/chat/completions", chat_completions, methods=["POST"]))
    app.router.routes.append(Route("/v1/responses", responses, methods=["POST"]))
    app.router.routes.append(Route("/v1/completions", completions, methods=["POST"]))
    app.add_api_route("/v1/models", list_models, methods=["GET"])
    app.add_api_route("/v1/models/{model:path}", retrieve_model, methods=["GET"])
    app.router.routes.append(Route("/v1/embeddings", embeddings, methods=["POST"]))
    app.router.routes.append(Route("/v1/moderations", moderations, methods=["POST"]))
    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.add_api_route("/readyz", readyz, methods=["GET"])
    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"])
    app.add_api_route("/admin/tenants/{name}", admin_tenant, methods=["GET"])
    # Last: every other /v1 path (a tenant's unscreened passthrough, or a 404 naming it).
    app.router.routes.append(
        Route("/v1/{path:path}", passthrough, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    )
    app.add_exception_handler(ProxyError, edge.proxy_error_handler)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, edge.http_error_handler)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, edge.validation_error_handler)  # type: ignore[arg-type]
    app.add_middleware(edge.ErrorBoundary)
    if config.server.cors:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=config.server.cors,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type", "x-request-id", "api-key"],
            expose_headers=["x-request-id", "x-specguard-decision", "retry-after"],
        )
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (used by multi-worker serving)."""
    logs.configure(os.environ.get("SPECGUARD_LOG_LEVEL", "INFO"))
    path = os.environ.get("SPECGUARD_CONFIG", "config.toml")
    return create_app(load_config(path), config_path=path)


# --- endpoints ---------------------------------------------------------------------------------


async def chat_completions(request: Request) -> Response:
    """``POST /v1/chat/completions``: rules -> upstream -> output stages -> client."""
    return await _serve(request, CHAT)


async def responses(request: Request) -> Response:
    """``POST /v1/responses``: the Responses API, through the same pipeline."""
    return await _serve(request, RESPONSES)


async def completions(request: Request) -> Response:
    """``POST /v1/completions``: legacy completions, through the same pipeline."""
    return await _serve(request, COMPLETIONS)


async def _serve(request: Request, surface: Surface) -> Response:
    """One request of ``surface``, as a chat request through rules, upstream and output stages,
    answered in the surface's own shape."""
    runtime: Runtime = request.app.state.runtime
    request_id = request_id_from(request.headers.get("x-request-id"))
    request.state.request_id = request_id
    started = time.perf_counter()
    metrics.IN_FLIGHT.inc()
    ctx: RequestContext | None = None
    try:
        tenant = runtime.authenticate(api_key(request))
        ctx = RequestContext(request_id, tenant, started=started)
        try:
            raw_body = await read_body(request, runtime.config.server.max_body_bytes)
        except ClientDisconnect:
            raise ClientGone from None
        body, original = surface.parse(raw_body)
        route = runtime.route(tenant, body["model"])
        ctx.route, ctx.upstream = route.match, route.upstream_name
        ctx.system_role = runtime.config.upstreams[route.upstream_name].system_role
        ctx.stream = bool(body.get("stream"))
        pipeline = tenant.pipeline
        if pipeline.screens:
            ctx.scan = scan_context(body, tenant.name)
            ctx.programmatic = _programmatic(body)
            verdict = await screen_input(pipeline.input_screener, body, ctx)
            if verdict.action == "refuse":
                accounting.finish(ctx, 200)
                return await _refused_request(body, original, surface, verdict, ctx)
        upstream = route.upstream
        if surface.native is not None and route.native_completions:
            # The upstream's own endpoint: the request as the app sent it (no roles to rewrite).
            upstream = NativeCompletions(cast(OpenAIRelay, route.upstream))  # config checks it
            body = surface.native(original, route.model)
        else:
            if surface.check is not None:
                surface.check(original)
            body = await pipeline.rewrite({**body, "model": route.model}, ctx, len(raw_body))
        if ctx.stream:
            events = await unless_gone(
                request, accounting.timed_upstream(ctx, upstream.stream(body, request_id))
            )
            return StreamingResponse(
                surface.events(_stream_body(events, body, ctx), original, request_id),
                media_type="text/event-stream",
                headers=_headers(ctx, events.headers, stream=True),
            )
        reply = await unless_gone(
            request, accounting.timed_upstream(ctx, upstream.complete(body, request_id))
        )
        raw = await pipeline.finish(reply.raw, ctx)
        accounting.count_tokens(raw, ctx)
        if surface.translates:
            raw = orjson.dumps(surface.answer(parse_completion(raw), original))
    except ProxyError as exc:
        if ctx is not None:
            await screen_error(exc, output_screener(ctx.tenant), ctx.tenant.name)
        accounting.finish(ctx, exc.http_status())
        return edge.error_response(exc, request_id)
    except ClientGone:
        # Not a server error: recorded as 499, nothing logged beyond the access line.
        accounting.finish(ctx, CLIENT_CLOSED)
        return Response(status_code=CLIENT_CLOSED)
    except BaseException:
        accounting.finish(ctx, 500)
        raise
    accounting.finish(ctx, 200)
    return Response(raw, media_type=_JSON, headers=_headers(ctx, reply.headers))


# --- request plumbing --------------------------------------------------------------------------


def _headers(
    ctx: RequestContext, upstream: Mapping[str, str] | None = None, *, stream: bool = False
) -> dict[str, str]:
    """The answer's headers: the upstream's rate-limit and retry headers, then specguard's."""
    headers = {**(upstream or {}), "x-request-id": ctx.request_id}
    if stream:
        headers["cache-control"] = "no-cache"
    if ctx.verdict is not None and ctx.verdict.action != "allow":
        headers["x-specguard-decision"] = decision_header(ctx.verdict)
    return headers


def _programmatic(body: dict[str, Any]) -> bool:
    """A ``response_format`` of JSON mode or a schema: refusals must not be prose in content."""
    response_format = body.get("response_format")
    return isinstance(response_format, dict) and response_format.get("type") in (
        "json_object",
        "json_schema",
    )


async def _refused_request(
    body: dict[str, Any],
    original: dict[str, Any],
    surface: Surface,
    verdict: Verdict,
    ctx: RequestContext,
) -> Response:
    """The refusal of a request stopped by input screening, in the shape the client asked for:
    built as chat, then re-shaped by the surface like any answer."""
    message = refusal_sentence(verdict, ctx.tenant.config.refusal, source="request")
    head = {"id": f"chatcmpl-{ctx.request_id}", "created": int(time.time()), "model": body["model"]}
    choices = [{"index": i} for i in range(body.get("n") or 1)]
    if not ctx.stream:
        completion = refuse_completion(
            {**head, "object": "chat.completion", "choices": choices},
            verdict,
            message,
            ctx.programmatic,
        )
        answer = surface.answer(completion, original)
        return Response(orjson.dumps(answer), media_type=_JSON, headers=_headers(ctx))
    key = "refusal" if ctx.programmatic else "content"
    chunk = {
        **head,
        "object": "chat.completion.chunk",
        "specguard": decision_summary(verdict),
        "choices": [
            {
                "index": c["index"],
                "delta": {"role": "assistant", key: message},
                "logprobs": None,
                "finish_reason": "content_filter",
            }
            for c in choices
        ],
    }
    replayed = _replay([encode_event(chunk), DONE])
    if asks_usage(body):
        replayed = with_usage(replayed, refused_usage(), estimated=False)
    events = surface.events(replayed, original, ctx.request_id)
    return Response(
        b"".join([event async for event in events]),
        media_type="text/event-stream",
        headers=_headers(ctx, stream=True),
    )


async def _replay(events: list[bytes]) -> AsyncIterator[bytes]:
    for event in events:
        yield event


async def _stream_body(
    events: EventStream, body: dict[str, Any], ctx: RequestContext
) -> AsyncIterator[bytes]:
    """Relay the stream; a mid-stream failure ends it with an OpenAI-style error event and
    ``[DONE]`` (what was held back unscreened is dropped, never released). A stream the
    pipeline cut still ends with the usage chunk the request asked for (``proxy.usage``)."""
    status = 200
    source: AsyncIterator[bytes] = aiter(events)
    tally = UsageTally(body) if asks_usage(body) else None
    if tally is not None:
        source = tally.count(source)
    relayed = ctx.tenant.pipeline.relay(source, ctx)
    if tally is not None:
        relayed = with_usage(relayed, tally)
    try:
        async for event in relayed:
            accounting.count_tokens(event, ctx)
            yield event
    except ProxyError as exc:
        status = exc.http_status()
        metrics.UPSTREAM_ERRORS.labels(ctx.upstream, accounting.error_kind(exc)).inc()
        await screen_error(exc, output_screener(ctx.tenant), ctx.tenant.name)
        yield encode_event(exc.envelope()) + DONE
    except asyncio.CancelledError:
        status = CLIENT_CLOSED  # the client went away mid-stream
        raise
    except Exception:
        status = 500
        raise
    finally:
        await events.aclose()
        accounting.finish(ctx, status)
