"""The endpoints besides the screened chat surfaces: models, embeddings, moderations, health,
metrics and admin, and the request plumbing they share with ``proxy.app``.

- ``GET /v1/models`` and ``/v1/models/{id}``: the models the tenant may use.
- ``POST /v1/embeddings``: authenticated, routed by model and relayed as is (float and base64).
  The tenant's ``input_screening`` detectors run on every input first, so a tenant can keep
  (say) personal data from reaching an embedding provider; a finding refuses with a 400.
- ``POST /v1/moderations``: relayed to the route's upstream, or answered by specguard's own
  detectors (``[tenants.X] moderation = "local"``, ``proxy.moderation``).

An embeddings or moderations answer carries vectors, scores and flags, not prose; still, what
the upstream relays is checked like any answer (``_checked_answer``): it must be a JSON object
(else a 502, nothing relayed), and its strings (ids, enums and base64 vectors aside) go through
the tenant's output detectors: a finding is a 400 ``content_policy_violation``, not a relay.
"""

from __future__ import annotations

import fnmatch
import hmac
import os
import posixpath
from typing import Any

import aiohttp
import orjson
from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from detectors.policy import decide
from detectors.screen import Field, Screener
from proxy import edge, metrics
from proxy.effective import policy_lines
from proxy.errors import (
    InvalidRequest,
    ModelNotFound,
    PayloadTooLarge,
    PolicyRefusal,
    ProxyError,
    Unauthorized,
    UpstreamMalformed,
)
from proxy.moderation import inputs_of, moderate
from proxy.refusal import refusal_sentence
from proxy.runtime import Runtime, Tenant
from proxy.screening import screen_error
from proxy.texts import encoded, top_texts
from proxy.upstream import Reply
from proxy.upstream.shapes import check_depth
from proxy.wire import json_object

_JSON = "application/json"


def api_key(request: Request) -> str | None:
    """The client's key: ``Authorization: Bearer`` or Azure-style ``api-key``."""
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("api-key") or None


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 past ``limit`` bytes (checked while reading, not after)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"Request body is larger than the {limit} byte limit.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Request body is larger than the {limit} byte limit.")
        chunks.append(chunk)
    return b"".join(chunks)


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """``payload`` as a JSON response."""
    return Response(orjson.dumps(payload), status_code=status, media_type=_JSON, headers=headers)


async def _json_body(request: Request, runtime: Runtime) -> dict[str, Any]:
    body = json_object(await read_body(request, runtime.config.server.max_body_bytes))
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise InvalidRequest("You must provide a model parameter.", param="model")
    return body


# --- models ---------------------------------------------------------------------------------------


async def list_models(request: Request) -> Response:
    """``GET /v1/models``: the models this tenant may use."""
    runtime: Runtime = request.app.state.runtime
    tenant = runtime.authenticate(api_key(request))
    return json_response({"object": "list", "data": runtime.models_for(tenant)})


async def retrieve_model(request: Request) -> Response:
    """``GET /v1/models/{id}``: one of them, or 404."""
    runtime: Runtime = request.app.state.runtime
    tenant = runtime.authenticate(api_key(request))
    wanted = request.path_params["model"]
    for model in runtime.models_for(tenant):
        if model["id"] == wanted:
            return json_response(model)
    raise ModelNotFound(
        f"The model '{wanted}' does not exist or you do not have access to it.", param="model"
    )


# --- embeddings and moderations ----------------------------------------------------------------


async def embeddings(request: Request) -> Response:
    """``POST /v1/embeddings``: input screening, then a raw relay to the route's upstream."""
    runtime: Runtime = request.app.state.runtime
    rid = edge.request_id(request)
    tenant = runtime.authenticate(api_key(request))
    body = await _json_body(request, runtime)
    route = runtime.route(tenant, body["model"])
    await _screen_inputs(tenant, _texts(body.get("input")))
    payload = {**body, "model": route.model}
    reply = await _relay(route.upstream, "embeddings", payload, rid, tenant)
    raw = await _checked_answer(tenant, reply.raw, "embeddings")
    metrics.REQUESTS.labels(tenant.name, route.match, "200").inc()
    return Response(raw, media_type=_JSON, headers={**reply.headers, "x-request-id": rid})


async def moderations(request: Request) -> Response:
    """``POST /v1/moderations``: the route's upstream, or the tenant's own detectors."""
    runtime: Runtime = request.app.state.runtime
    rid = edge.request_id(request)
    tenant = runtime.authenticate(api_key(request))
    body = await _json_body(request, runtime)
    if tenant.config.moderation == "local":
        screener = output_screener(tenant)
        answer = await moderate(screener, inputs_of(body), body["model"], rid)
        return json_response(answer, headers={"x-request-id": rid})
    route = runtime.route(tenant, body["model"])
    payload = {**body, "model": route.model}
    reply = await _relay(route.upstream, "moderations", payload, rid, tenant)
    raw = await _checked_answer(tenant, reply.raw, "moderations")
    metrics.REQUESTS.labels(tenant.name, route.match, "200").inc()
    return Response(raw, media_type=_JSON, headers={**reply.headers, "x-request-id": rid})


async def _checked_answer(tenant: Tenant, raw: bytes, path: str) -> bytes:
    """``raw``, the upstream's embeddings or moderations answer, if it is a JSON object whose
    strings the tenant's output detectors let through; ``UpstreamMalformed`` (502) if it is
    not JSON, ``PolicyRefusal`` (400) on a finding. Never relayed unread."""
    from detectors.base import ScanContext

    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        payload = None
    if not isinstance(payload, dict):
        raise UpstreamMalformed(f"The upstream's {path} answer was not a JSON object.")
    check_depth(payload, raw)
    screener = output_screener(tenant)
    if not screener:
        return orjson.dumps(payload)
    channels: dict[str, list[str]] = {}
    for leaf in top_texts(_without_vectors(payload)):
        channels.setdefault(leaf.channel, []).append(leaf.text)
    if not channels:
        return orjson.dumps(payload)
    fields = [Field(where, "".join(texts), False) for where, texts in channels.items()]
    scan = await screener.scan(fields, ScanContext(tenant=tenant.name))
    verdict = decide(scan.findings, scan.failures, screener.configs)
    if verdict.action in ("refuse", "redact"):
        raise PolicyRefusal(refusal_sentence(verdict, tenant.config.refusal))
    # Re-encoded: the upstream's bytes may repeat a key, whose dropped value no one screened.
    return orjson.dumps(payload)


def _without_vectors(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` without its base64 ``data[].embedding`` strings (vectors, not text); a
    string there that is not one (``proxy.texts.encoded``) stays, and is screened."""
    data = payload.get("data")
    if not isinstance(data, list):
        return payload
    items = [
        {k: v for k, v in item.items() if not (k == "embedding" and encoded(v))}
        if isinstance(item, dict)
        else item
        for item in data
    ]
    return {**payload, "data": items}


def _texts(value: Any) -> list[str]:
    """The strings of an embeddings ``input`` (token arrays carry no text to screen)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    raise InvalidRequest("'input' must be a string or an array.", param="input")


async def _screen_inputs(tenant: Tenant, texts: list[str]) -> None:
    """Refuse (400) inputs the tenant's ``input_screening`` detectors flag. Only the detectors
    the tenant names: embedded texts are documents, not requests to the model."""
    from detectors.base import ScanContext

    screener = tenant.pipeline.input_screener
    named = tenant.config.input_screening
    if not screener or not texts or not named:
        return
    fields = [Field(f"input[{i}]", text) for i, text in enumerate(texts)]
    scan = await screener.scan(fields, ScanContext(tenant=tenant.name), only=named)
    verdict = decide(scan.findings, scan.failures, screener.configs)
    if verdict.action in ("refuse", "redact"):
        sentence = refusal_sentence(verdict, tenant.config.refusal, source="request")
        raise PolicyRefusal(sentence, param="input")


def output_screener(tenant: Tenant) -> Screener:
    for stage in tenant.pipeline.stages:
        screener = getattr(stage, "screener", None)
        if isinstance(screener, Screener):
            return screener
    return Screener(())


async def _relay(upstream: Any, path: str, body: dict[str, Any], rid: str, tenant: Tenant) -> Reply:
    post = getattr(upstream, "post", None)
    if post is None:
        raise InvalidRequest(
            f"This model's upstream does not offer /v1/{path}: only OpenAI-compatible "
            "upstreams are relayed.",
            param="model",
        )
    try:
        reply: Reply = await post(path, body, rid)
    except ProxyError as exc:
        await screen_error(exc, output_screener(tenant), tenant.name)
        raise
    return reply


# --- passthrough ----------------------------------------------------------------------------------

SCREENED = frozenset(
    {
        "/v1/chat/completions",
        "/v1/responses",
        "/v1/completions",
        "/v1/embeddings",
        "/v1/moderations",
        "/v1/models",
    }
)


def _spells_screened(path: str) -> bool:
    """Whether ``path`` is another spelling of a screened endpoint (repeated or trailing
    slashes, ``.`` and ``..`` segments, other letter case)."""
    normal = posixpath.normpath("/" + path.lstrip("/")).lower()
    return normal in SCREENED


async def passthrough(request: Request) -> Response:
    """Any other ``/v1`` path: relayed unscreened when the tenant lists it under
    ``passthrough``, else 404 (405 for a screened path asked with the wrong method)."""
    path = request.url.path
    if path in SCREENED:
        raise StarletteHTTPException(405)
    if _spells_screened(path):
        # ``/v1/chat/completions/``, ``/v1//responses`` ...: an upstream may well serve these as
        # the screened endpoint, so no pass-through glob reaches them.
        raise StarletteHTTPException(404)
    runtime: Runtime = request.app.state.runtime
    rules = [r for t in runtime.tenants.values() for r in t.config.passthrough]
    if not any(fnmatch.fnmatchcase(path, rule.path) for rule in rules):
        raise StarletteHTTPException(404)
    rid = edge.request_id(request)
    tenant = runtime.authenticate(api_key(request))
    rule = next((r for r in tenant.config.passthrough if fnmatch.fnmatchcase(path, r.path)), None)
    if rule is None:
        raise StarletteHTTPException(404)
    body = await read_body(request, runtime.config.server.max_body_bytes)
    upstream = runtime.upstreams[rule.upstream]
    target = path.removeprefix("/v1/") + (f"?{request.url.query}" if request.url.query else "")
    answer = await upstream.forward(  # type: ignore[attr-defined]
        request.method, target, body, request.headers.get("content-type"), rid
    )
    metrics.REQUESTS.labels(tenant.name, "passthrough", str(answer.status)).inc()
    headers = {**answer.headers, "x-request-id": rid, "x-specguard-screened": "no"}
    return Response(
        answer.raw, status_code=answer.status, media_type=answer.content_type, headers=headers
    )


# --- operations -----------------------------------------------------------------------------------


async def healthz(request: Request) -> Response:
    """Liveness: the process answers."""
    return json_response({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Readiness: a config is loaded and the upstream session is open."""
    session: aiohttp.ClientSession | None = getattr(request.app.state, "session", None)
    ready = getattr(request.app.state, "runtime", None) is not None and bool(
        session and not session.closed
    )
    return json_response(
        {"status": "ready" if ready else "not ready"}, status=200 if ready else 503
    )


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus exposition."""
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)


async def admin_tenant(request: Request) -> Response:
    """The effective config of one tenant, secrets masked; needs the admin key."""
    runtime: Runtime = request.app.state.runtime
    admin = runtime.config.admin
    if admin is None:
        raise StarletteHTTPException(404)
    expected = os.environ.get(admin.key_env, "")
    given = api_key(request) or ""
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized("Incorrect admin key provided.")
    name = request.path_params["name"]
    tenant = runtime.tenants.get(name)
    if tenant is None:
        raise StarletteHTTPException(404)
    return json_response(
        {
            "tenant": name,
            "config": masked(tenant.config.model_dump(mode="json")),
            "policy": policy_lines(tenant.config),
        }
    )


_MASKED_LISTS = frozenset({"api_keys", "canaries"})


def masked(value: Any, key: str = "") -> Any:
    """``value`` with key digests shortened and canary strings hidden."""
    if isinstance(value, dict):
        return {k: masked(v, k) for k, v in value.items()}
    if key in _MASKED_LISTS and isinstance(value, list):
        return [f"{str(item)[:6]}…" if key == "api_keys" else "***" for item in value]
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value
