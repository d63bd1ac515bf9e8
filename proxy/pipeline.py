"""The per-tenant chain a request runs through: rules -> upstream -> screening -> response.

Where the pieces plug in:

- ``input_screener``: detectors run on the user's turn before anything else;
- ``rewrite``: request rules, in order, before the upstream call (streaming or not), within the
  tenant's rule budget and, for large requests, on a worker thread;
- ``finish``: output stages on a complete (non-streaming) answer;
- ``relay``: output stages on a stream of SSE events.

With no stages the answer is relayed byte for byte.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from detectors.explanations import withheld
from detectors.findings import Finding
from detectors.screen import Screener
from proxy import logs
from proxy.context import RequestContext
from proxy.errors import PolicyRefusal, RequestTooComplex
from rules.base import Refusal, Rule, RuleRecord, RuleScope

INLINE_BYTES = 4096
"""Requests up to this size run their rules on the event loop (a thread hop costs more than the
rules do); larger ones on a worker thread, so one heavy request cannot stall the others."""
_EXECUTOR: ThreadPoolExecutor | None = None
_Outcome = tuple[dict[str, Any], list[Finding], RuleRecord, tuple[str, Refusal] | None]
"""The rewritten body, findings, record and (rule name, refusal) of one run of the rules."""
_OUT_OF_TIME = Refusal("The request rules ran out of time.")


def _executor() -> ThreadPoolExecutor:
    global _EXECUTOR
    if _EXECUTOR is None:
        _EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="specguard-rules")
    return _EXECUTOR


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
        rules_budget_s: float = 2.0,
    ):
        self.rules = tuple(rules)
        self.stages = tuple(stages)
        self.input_screener = input_screener or Screener(())
        self.rules_budget_s = rules_budget_s
        """Time all rules together may take on one request (``rules_budget_ms``)."""

    @property
    def screens(self) -> bool:
        """Whether anything looks at the request's content or the answer."""
        return bool(self.stages or self.input_screener)

    async def rewrite(
        self, body: dict[str, Any], ctx: RequestContext, size: int = 0
    ) -> dict[str, Any]:
        """The request after every rule; findings land on ``ctx``.

        The rules run inline for a request of ``size`` bytes up to ``INLINE_BYTES``, on a worker
        thread otherwise; either way within the rule budget. A request whose rules run out of
        budget is refused with ``RequestTooComplex``: fail-closed, never forwarded unchecked.
        """
        if not self.rules:
            return body
        started = time.perf_counter()
        scope = RuleScope(
            ctx.request_id, ctx.tenant.name, ctx.system_role, started + self.rules_budget_s
        )
        try:
            if size <= INLINE_BYTES:
                outcome = self._apply(body, scope)
            else:
                work = asyncio.get_running_loop().run_in_executor(
                    _executor(), self._apply, body, scope
                )
                try:
                    outcome = await asyncio.wait_for(work, self.rules_budget_s)
                except TimeoutError:
                    raise self._too_complex(ctx) from None
        finally:
            ctx.add_stage_time("rules", time.perf_counter() - started)
        body, findings, record, refused = outcome
        ctx.findings.extend(findings)
        ctx.record = ctx.record.merged(record)
        if refused is not None:
            if scope.expired():
                raise self._too_complex(ctx)
            rule, refusal = refused
            template = ctx.tenant.config.refusal.messages.get(rule)
            message = (
                template.format(what=withheld(rule, ""), detector=rule, category="")
                if template
                else refusal.message
            )
            raise PolicyRefusal(message, param=refusal.param)
        return body

    def _apply(self, body: dict[str, Any], scope: RuleScope) -> _Outcome:
        """Every rule in order. Pure: nothing is written to the request until the run is over,
        so a run abandoned past the budget (its thread finishes on its own) leaves no trace."""
        findings: list[Finding] = []
        record = RuleRecord()
        for rule in self.rules:
            if scope.expired():
                return body, findings, record, (rule.name, _OUT_OF_TIME)
            rewrite = rule.apply(body, scope)
            findings += rewrite.findings
            record = record.merged(rewrite.record)
            if rewrite.refusal is not None:
                return body, findings, record, (rule.name, rewrite.refusal)
            body = rewrite.body
        return body, findings, record, None

    def _too_complex(self, ctx: RequestContext) -> RequestTooComplex:
        budget_ms = round(self.rules_budget_s * 1000)
        logs.event(
            "rules_budget_spent",
            logging.WARNING,
            request_id=ctx.request_id,
            tenant=ctx.tenant.name,
            budget_ms=budget_ms,
        )
        return RequestTooComplex(
            f"This request could not be checked within the {budget_ms} ms allowed, so it was "
            "not sent. Send less content (fewer or shorter messages)."
        )

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
