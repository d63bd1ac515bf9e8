"""The HTTP edge: what every response passes through, whatever went wrong.

- Every error a client can see is rendered here, in OpenAI's envelope with an ``x-request-id``:
  ``ProxyError`` subclasses, Starlette's 404/405 (no trailing-slash redirect: ``create_app``
  turns ``redirect_slashes`` off, since the redirect is built from the client's ``Host``).
- ``ErrorBoundary`` is the outermost handler of the app's own errors: an unexpected exception
  becomes a 500 envelope and one JSON log line (exception type, the project file and line it was
  raised at, request id; no message, no traceback, which may quote the request or the upstream).
  Nothing is re-raised to the server, so uvicorn never prints a traceback.
- ``unless_gone`` cancels work (the upstream call) when the client disconnects first.

Malformed HTTP that uvicorn itself rejects (a bad request line, invalid headers) never reaches
the app, and is answered by uvicorn in plain text.
"""

from __future__ import annotations

import asyncio
import logging
import os
import traceback
from collections.abc import Awaitable
from typing import Any, TypeVar

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proxy import logs
from proxy.context import request_id_from
from proxy.errors import InvalidRequest, ProxyError, error_envelope

T = TypeVar("T")
CLIENT_CLOSED = 499
"""Status recorded (never sent) for a request whose client went away (nginx's convention)."""
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_INTERNAL = error_envelope("The server had an error while processing your request.", "server_error")


class ClientGone(Exception):
    """The client disconnected before its answer was ready."""


def request_id(request: Request) -> str:
    """The request's id: the one the chat handler settled on, else the client's (if sane) or a
    fresh one, remembered for the rest of the request."""
    rid = getattr(request.state, "request_id", None)
    if not isinstance(rid, str):
        rid = request_id_from(request.headers.get("x-request-id"))
        request.state.request_id = rid
    return rid


def error_response(exc: ProxyError, rid: str) -> Response:
    """``exc`` in the OpenAI envelope, with its status and ``x-request-id``."""
    return Response(
        orjson.dumps(exc.envelope()),
        status_code=exc.http_status(),
        media_type="application/json",
        headers={**getattr(exc, "headers", {}), "x-request-id": rid},
    )


async def proxy_error_handler(request: Request, exc: ProxyError) -> Response:
    """Any ``ProxyError`` raised outside the chat handler (e.g. 401 on ``/v1/models``)."""
    return error_response(exc, request_id(request))


async def http_error_handler(request: Request, exc: StarletteHTTPException) -> Response:
    """Starlette's own errors: unknown path, wrong method."""
    type_ = "invalid_request_error" if exc.status_code < 500 else "server_error"
    # The method and path are the client's own request line, safe to echo (cut short).
    where = f"{request.method} {request.url.path[:200]}"
    message = {
        404: f"Unknown endpoint: {where}. specguard serves /v1/chat/completions, "
        "/v1/responses, /v1/completions, /v1/embeddings, /v1/moderations and /v1/models.",
        405: f"Method not allowed: {where}.",
    }.get(exc.status_code, "Request failed.")
    return Response(
        orjson.dumps(error_envelope(message, type_)),
        status_code=exc.status_code,
        media_type="application/json",
        headers={"x-request-id": request_id(request)},
    )


async def validation_error_handler(request: Request, exc: RequestValidationError) -> Response:
    """FastAPI's parameter validation (not used by the chat route, which validates itself)."""
    return error_response(InvalidRequest("Invalid request."), request_id(request))


class ErrorBoundary:
    """ASGI middleware: an exception escaping the app becomes a 500 envelope (or, once the
    response has started, the end of it) and one JSON log line; it is never re-raised."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except ClientDisconnect:
            return  # the client went away mid-response: nothing to answer, nothing wrong here
        except Exception as exc:
            rid = _scope_request_id(scope)
            logs.event(
                "internal_error",
                logging.ERROR,
                request_id=rid,
                path=scope.get("path", ""),
                exception=type(exc).__name__,
                where=_where(exc),
            )
            await _close(send, started, rid)


def _where(exc: BaseException) -> str:
    """Where the exception was raised, as ``path.py:line`` of the innermost frame in the
    project's own code (else the innermost frame): enough to find the fault, quoting nothing."""
    frames = [(f.f_code.co_filename, line) for f, line in traceback.walk_tb(exc.__traceback__)]
    if not frames:
        return ""
    ours = [(name, line) for name, line in frames if _is_ours(name)]
    name, line = (ours or frames)[-1]
    return f"{os.path.relpath(name, _ROOT) if _is_ours(name) else os.path.basename(name)}:{line}"


def _is_ours(filename: str) -> bool:
    return filename.startswith(_ROOT) and "site-packages" not in filename


def _scope_request_id(scope: Scope) -> str:
    state: Any = scope.get("state") or {}
    rid = state.get("request_id") if isinstance(state, dict) else None
    if isinstance(rid, str):
        return rid
    headers = dict(scope.get("headers") or [])
    raw = headers.get(b"x-request-id")
    return request_id_from(raw.decode("latin-1") if raw else None)


async def _close(send: Send, started: bool, rid: str) -> None:
    """Answer 500 in the envelope, or end a response already under way."""
    try:
        if not started:
            body = orjson.dumps(_INTERNAL)
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"x-request-id", rid.encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body, "more_body": False})
        else:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
    except Exception:  # the connection is gone or the response is complete: nothing to send
        return


async def unless_gone(request: Request, call: Awaitable[T]) -> T:
    """The result of ``call``, unless the client disconnects first: then ``call`` is cancelled
    (closing the upstream connection) and ``ClientGone`` raised. Only after the body is read.

    One watcher task cancels the current one on a disconnect (``uncancel`` then tells that
    apart from a cancellation from elsewhere): cheaper than racing two tasks."""
    current = asyncio.current_task()
    if current is None:
        return await call
    gone: list[bool] = []
    watcher = asyncio.get_running_loop().create_task(_cancel_when_gone(request, current, gone))
    try:
        return await call
    except asyncio.CancelledError:
        if gone and current.uncancel() == 0:
            raise ClientGone from None
        raise
    finally:
        watcher.cancel()


async def _cancel_when_gone(request: Request, task: asyncio.Task[Any], gone: list[bool]) -> None:
    """Cancel ``task`` when the client disconnects (every body message was already received)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass
    gone.append(True)
    task.cancel()
