"""A fast fake OpenAI upstream for benchmarks: fixed answers, no scripting, own process."""

from __future__ import annotations

import argparse
import asyncio
import time

import orjson
from aiohttp import web

from proxy.testing import completion

CONTENT = ("The quick brown fox jumps over the lazy dog while the proxy keeps an eye on it. " * 13)[
    :1024
]


def _completion() -> bytes:
    return orjson.dumps(
        completion(
            CONTENT,
            id="chatcmpl-bench",
            created=int(time.time()),
            model="bench-model",
            system_fingerprint="fp_bench",
            usage={"prompt_tokens": 12, "completion_tokens": 200, "total_tokens": 212},
        )
    )


def _chunks(pieces: int) -> list[bytes]:
    size = max(len(CONTENT) // pieces, 1)
    head = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "bench-model",
    }
    events = [
        b"data: "
        + orjson.dumps(
            {
                **head,
                "choices": [
                    {"index": 0, "delta": {"content": CONTENT[i : i + size]}, "finish_reason": None}
                ],
            }
        )
        + b"\n\n"
        for i in range(0, len(CONTENT), size)
    ]
    events.append(
        b"data: "
        + orjson.dumps({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        + b"\n\n"
    )
    return [*events, b"data: [DONE]\n\n"]


BODY = _completion()
EVENTS = _chunks(50)
PACE_S = 0.002
"""Gap between chunks for the model ``bench-paced``: a generating model, for time to first byte."""


async def handle(request: web.Request) -> web.StreamResponse:
    body = orjson.loads(await request.read())
    if not body.get("stream"):
        return web.Response(body=BODY, content_type="application/json")
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    paced = body.get("model") == "bench-paced"
    for event in EVENTS:
        await response.write(event)
        if paced:
            await asyncio.sleep(PACE_S)
    await response.write_eof()
    return response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", handle)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
