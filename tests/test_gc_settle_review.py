"""Adversarial review of ``proxy.runtime.settle`` (``gc.freeze`` at start-up and reload): what
the server freezes must still be freed once nothing uses it. A frozen object is never looked at
by the cycle collector, so a runtime (detectors, models, compiled patterns: it holds reference
cycles) frozen while in use stays in memory for good unless something unfreezes it.

The app runs in-process through its own lifespan, as ``uvicorn`` drives it.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from pathlib import Path

from proxy.app import create_app
from proxy.config import hash_key, load_config
from proxy.runtime import Runtime
from proxy.testing import make_config


def document(term: str) -> str:
    return f"""
[server]
reload_poll_s = 0

[upstreams.demo]
provider = "demo"
models = ["demo-echo"]

[[routes]]
match = "*"
upstream = "demo"

[tenants.acme]
api_keys = ["{hash_key("sk-acme")}"]

[tenants.acme.detectors.deny_terms]
terms = ["{term}"]
"""


def test_a_stopped_app_frees_its_runtime() -> None:
    # An app's lifespan ends (a test server, an embedding process restarting its app): the
    # runtime it froze at start-up must not outlive it.
    async def serve_once() -> weakref.ref[Runtime]:
        app = create_app(make_config())
        async with app.router.lifespan_context(app):
            alive = weakref.ref(app.state.runtime)
        return alive

    alive = asyncio.run(serve_once())
    gc.collect()
    assert alive() is None


def test_many_app_lifespans_do_not_pile_up_frozen_runtimes() -> None:
    async def serve_once() -> weakref.ref[Runtime]:
        app = create_app(make_config())
        async with app.router.lifespan_context(app):
            alive = weakref.ref(app.state.runtime)
        return alive

    refs = [asyncio.run(serve_once()) for _ in range(3)]
    gc.collect()
    assert [ref() for ref in refs] == [None, None, None]


def test_reloads_while_requests_hold_the_runtime_do_not_pile_up_objects(tmp_path: Path) -> None:
    # Each reload freezes what is alive, including the runtime an in-flight request still
    # holds; once the request ends, what it held must go (refcounts free a frozen object, only
    # the cycle collector skips it). Measured: one object a reload, with or without freezing.
    path = tmp_path / "config.toml"
    path.write_text(document("alpha"))

    def tracked() -> int:
        return len(gc.get_objects()) + gc.get_freeze_count()

    async def reloads_during_requests() -> list[int]:
        app = create_app(load_config(path), str(path))
        counts = []
        async with app.router.lifespan_context(app):
            for number in range(4):
                in_flight = app.state.runtime  # what a request took when it arrived
                path.write_text(document(f"term{number}"))
                assert await app.state.reloader.reload("signal")
                assert app.state.runtime is not in_flight
                del in_flight  # the request ends
                gc.collect()
                counts.append(tracked())
        return counts

    counts = asyncio.run(reloads_during_requests())
    assert counts[-1] - counts[0] < 50, counts
