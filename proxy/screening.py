"""Output screening as a pipeline stage, and input screening before the upstream call.

The stage collects every text of a response (``proxy.texts``: content, refusal, reasoning,
transcripts, parts, legacy ``text``, logprobs tokens, tool calls), runs the tenant's detectors
once over all of them, turns the findings into one verdict (``detectors.policy``) and renders it
(``proxy.refusal``). An allowed or flagged answer is relayed as parsed and re-encoded, never as
the upstream's own bytes: those may repeat a key whose first value the parser dropped, text no
detector saw. An answer that cannot be parsed is never
relayed: ``UpstreamMalformed``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson

from detectors.base import ScanContext
from detectors.policy import Verdict, decide, merge
from detectors.screen import Field, Screener
from proxy import metrics
from proxy.config import TenantConfig
from proxy.context import RequestContext
from proxy.errors import ProxyError, UpstreamError, UpstreamMalformed
from proxy.refusal import redact_completion, refusal_sentence, refuse_completion
from proxy.stream_schedule import plan
from proxy.texts import ANSWER, REASONING, choice_texts, is_call, is_exact, top_texts
from proxy.wire import message_text


def scan_context(body: dict[str, Any], tenant: str) -> ScanContext:
    """What detectors may know of the client's request (taken before any rewriting)."""
    developer: list[str] = []
    users: list[str] = []
    untrusted: list[str] = []
    for message in body.get("messages", []):
        role, text = message.get("role"), message_text(message)
        if not text:
            continue
        if role in ("system", "developer"):
            developer.append(text)
        elif role == "user":
            users.append(text)
        elif role in ("tool", "function"):
            untrusted.append(text)
    return ScanContext(
        tenant=tenant,
        developer_text="\n".join(developer),
        user_inputs=tuple(users),
        untrusted=tuple(untrusted),
    )


def unscreened(config: TenantConfig) -> frozenset[str]:
    """Answer fields a tenant leaves unscreened: its reasoning, with ``reasoning = "pass"``."""
    return REASONING if config.reasoning == "pass" else frozenset()


def completion_fields(
    completion: dict[str, Any],
    skip: frozenset[str] = frozenset(),
    actions: ScanContext | None = None,
) -> list[Field]:
    """Every screened text of a completion, one field per choice and channel, and one per
    channel outside the choices (``proxy.texts``). Tool-call arguments are JSON and logprobs
    repeat their text as bytes, so a span in them cannot be cut out cleanly: they are marked
    inexact and a redaction there refuses. Tool calls are scanned in the ``actions`` context
    (``ScanContext.for_actions``)."""
    fields: list[Field] = []
    for position, choice in enumerate(completion.get("choices") or []):
        if not isinstance(choice, dict):
            # Adapters check this; an answer that skipped them is still never relayed.
            raise UpstreamMalformed("The upstream's answer has a choice that is not an object.")
        channels: dict[str, list[str]] = {}
        for leaf in choice_texts(choice, skip):
            channels.setdefault(leaf.channel, []).append(leaf.text)
        for channel, texts in channels.items():
            where, text = f"choices.{position}.{channel}", "".join(texts)
            context = actions if is_call(channel) else None
            fields.append(Field(where, text, is_exact(channel), context=context))
    top: dict[str, list[str]] = {}
    for leaf in top_texts(completion):
        top.setdefault(leaf.channel, []).append(leaf.text)
    # Outside the choices a span is not cut out: a redaction there refuses.
    fields += [Field(channel, "".join(texts), False) for channel, texts in top.items()]
    return fields


def drop_reasoning(completion: dict[str, Any]) -> None:
    """Remove every choice's reasoning fields, in place."""
    for choice in completion.get("choices") or []:
        for key in ANSWER:
            answer = choice.get(key) if isinstance(choice, dict) else None
            if isinstance(answer, dict):
                for name in REASONING.intersection(answer):
                    del answer[name]


def record(ctx: RequestContext, verdict: Verdict, stage: str) -> None:
    """Put a verdict on the request and in the metrics."""
    ctx.verdict = merge(ctx.verdict, verdict) if ctx.verdict else verdict
    audit = ctx.tenant.audit
    for decision in verdict.decisions:
        ctx.findings.append(decision.finding)
        if audit is not None:
            audit.write(ctx.request_id, ctx.tenant.name, stage, decision)
        metrics.DECISIONS.labels(
            ctx.tenant.name,
            stage,
            decision.finding.detector,
            decision.finding.category,
            decision.action,
        ).inc()


class ScreeningStage:
    """The tenant's output detectors applied to complete answers and to streams."""

    def __init__(self, screener: Screener, config: TenantConfig):
        self.screener = screener
        self.config = config
        self.schedule = plan((d.detector for d in screener.detectors), config.stream)
        """When this tenant's streams are scanned, and by which detectors."""

    async def finish(self, raw: bytes, ctx: RequestContext) -> bytes:
        """Screen a complete answer; relay it, redact it or refuse it."""
        started = time.perf_counter()
        try:
            try:
                completion = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise UpstreamMalformed("The upstream's answer was not valid JSON.") from None
            if not isinstance(completion, dict) or not isinstance(
                completion.get("choices") or [], list
            ):
                raise UpstreamMalformed("The upstream's answer was not a completion.")
            skip = unscreened(self.config)
            fields = completion_fields(completion, skip, ctx.scan.for_actions())
            drop = self.config.reasoning == "drop"
            if not fields:
                return orjson.dumps(completion)
            scan = await self.screener.scan(fields, ctx.scan)
            verdict = decide(scan.findings, scan.failures, self.screener.configs)
            record(ctx, verdict, "output")
            if verdict.action == "refuse":
                return orjson.dumps(
                    refuse_completion(
                        completion,
                        verdict,
                        refusal_sentence(verdict, self.config.refusal),
                        ctx.programmatic,
                    )
                )
            if verdict.action == "redact":
                completion = redact_completion(
                    completion,
                    verdict,
                    self.config.refusal.redaction_note,
                    ctx.programmatic,
                    skip,
                )
            elif not drop:
                return orjson.dumps(completion)
            if drop:
                drop_reasoning(completion)
            return orjson.dumps(completion)
        finally:
            ctx.add_stage_time("detectors", time.perf_counter() - started)

    def relay(self, events: AsyncIterator[bytes], ctx: RequestContext) -> AsyncIterator[bytes]:
        """Screen a stream with a hold-back window (``proxy.stream_screen``)."""
        from proxy.stream_screen import screen_stream

        return screen_stream(events, ctx, self)


async def screen_input(screener: Screener, body: dict[str, Any], ctx: RequestContext) -> Verdict:
    """Run the input detectors on the latest user turn."""
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    if not users or not screener:
        return Verdict("allow")
    started = time.perf_counter()
    text = message_text(users[-1])
    # The user's own turn is what is screened here, so it is not "supplied input" to exempt.
    ctx_for_input = ScanContext(tenant=ctx.scan.tenant, developer_text=ctx.scan.developer_text)
    scan = await screener.scan([Field("input", text)], ctx_for_input)
    verdict = decide(scan.findings, scan.failures, screener.configs)
    # Redaction makes no sense for a request: anything actionable refuses it.
    if verdict.action == "redact":
        verdict = Verdict("refuse", verdict.decisions)
    record(ctx, verdict, "input")
    ctx.add_stage_time("detectors", time.perf_counter() - started)
    return verdict


async def screen_error(exc: ProxyError, screener: Screener, tenant: str) -> None:
    """An upstream's error (its message, type, param and code are its own words, relayed to
    the client) through the tenant's output detectors: on any finding, or a detector failure,
    its words are replaced by a generic message. A client may read the fields together, so
    they are also screened joined (``_joined``): a password after "her password is" in
    ``message`` is no less one in ``code``."""
    if not isinstance(exc, UpstreamError) or not screener:
        return
    texts = exc.texts()
    fields = [Field(f"error.{i}", text, False) for i, text in enumerate(texts)]
    fields += [Field(f"error.joined.{i}", text, False) for i, text in enumerate(_joined(texts))]
    scan = await screener.scan(fields, ScanContext(tenant=tenant))
    verdict = decide(scan.findings, scan.failures, screener.configs)
    if verdict.action in ("refuse", "redact"):
        exc.withhold()


def _joined(texts: list[str]) -> Iterator[str]:
    """Every two or more of ``texts`` (an error's message, type, param and code: at most
    four), in order, joined by nothing or a space at each seam: a value may be split inside a
    word (``536-22-`` + ``8174``) or between words (at most 36 short texts)."""
    for size in range(2, len(texts) + 1):
        for picked in itertools.combinations(texts, size):
            for seams in itertools.product(("", " "), repeat=size - 1):
                yield picked[0] + "".join(s + t for s, t in zip(seams, picked[1:], strict=True))
