"""The per-tenant chain a request runs through: rules -> upstream -> screening -> response.

Where the pieces plug in:

- ``input_screener``: detectors run on the user's turn before anything else;
- ``rewrite``: request rules, in order, before the upstream call (streaming or not);
- ``finish``: output stages on a complete (non-streaming) answer;
- ``relay``: output stages on a stream of SSE events.

With no stages the answer is relayed byte for byte.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

from detectors.explanations import withheld
from detectors.screen import Screener
from proxy.context import RequestContext
from proxy.errors import PolicyRefusal
from rules.base import Rule, RuleScope


class OutputStage(Protocol):
    """Screens or rewrites what the upstream answered."""

    async def finish(self, raw: bytes, ctx: RequestContext) -> bytes: ...

    def relay(self, events: AsyncIterator[bytes], ctx: RequestContext) -> AsyncIterator[bytes]: ...


class Pipeline:
    """The rules and output stages configured for one tenant."""

    def __init__(
        self,
        rules: Sequence[Rule] = (),
        stages: Sequence[OutputStage] = (),
        input_screener: Screener | None = None,
    ):
        self.rules = tuple(rules)
        self.stages = tuple(stages)
        self.input_screener = input_screener or Screener(())

    @property
    def screens(self) -> bool:
        """Whether anything looks at the request's content or the answer."""
        return bool(self.stages or self.input_screener)

    def rewrite(self, body: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        """The request after every rule; findings land on ``ctx``."""
        if not self.rules:
            return body
        started = time.perf_counter()
        scope = RuleScope(ctx.request_id, ctx.tenant.name, ctx.system_role)
        for rule in self.rules:
            rewrite = rule.apply(body, scope)
            ctx.findings.extend(rewrite.findings)
            ctx.record = ctx.record.merged(rewrite.record)
            if rewrite.refusal is not None:
                template = ctx.tenant.config.refusal.messages.get(rule.name)
                message = (
                    template.format(what=withheld(rule.name, ""), detector=rule.name, category="")
                    if template
                    else rewrite.refusal.message
                )
                raise PolicyRefusal(message, param=rewrite.refusal.param)
            body = rewrite.body
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
