"""The per-tenant chain a request runs through: rules -> upstream -> screening -> response.

Where the pieces plug in:

- ``rewrite``: request rules, in order, before the upstream call (streaming or not);
- ``finish``: output stages on a complete (non-streaming) answer;
- ``relay``: output stages on a stream of SSE events.

With no stages the answer is relayed byte for byte.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

from proxy.context import RequestContext
from rules.base import Rule, RuleScope


class OutputStage(Protocol):
    """Screens or rewrites what the upstream answered."""

    async def finish(self, raw: bytes, ctx: RequestContext) -> bytes: ...

    def relay(self, events: AsyncIterator[bytes], ctx: RequestContext) -> AsyncIterator[bytes]: ...


class Pipeline:
    """The rules and output stages configured for one tenant."""

    def __init__(self, rules: Sequence[Rule] = (), stages: Sequence[OutputStage] = ()):
        self.rules = tuple(rules)
        self.stages = tuple(stages)

    def rewrite(self, body: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        """The request after every rule; findings land on ``ctx``."""
        if not self.rules:
            return body
        started = time.perf_counter()
        scope = RuleScope(request_id=ctx.request_id)
        for rule in self.rules:
            rewrite = rule.apply(body, scope)
            body = rewrite.body
            ctx.findings.extend(rewrite.findings)
        ctx.add_stage_time("rules", time.perf_counter() - started)
        return body

    async def finish(self, raw: bytes, ctx: RequestContext) -> bytes:
        """A complete answer after every output stage."""
        for stage in self.stages:
            raw = await stage.finish(raw, ctx)
        return raw

    def relay(self, events: AsyncIterator[bytes], ctx: RequestContext) -> AsyncIterator[bytes]:
        """A stream after every output stage."""
        for stage in self.stages:
            events = stage.relay(events, ctx)
        return events
