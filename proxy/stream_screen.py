"""Screening a stream: nothing unsafe reaches an SSE client.

Events are queued whole and released, byte for byte, once every character they carry is cleared
by every detector (``Channel.cleared``, set by the tenant's plan after each scan). In strict mode
(``proxy.stream_schedule``) a character is cleared once a detector has screened it with its
hold-back of right-context after it: none of its matches is longer than that
(``detectors.base.holdback``). In live mode, the default (``proxy.stream_live``), an exact-pattern
check clears everything before its open tail and a classifier everything while its window scores
clearly below its threshold.

Scanning is incremental: each choice's text is scanned as the plan says, one channel per text
the chunk walk finds (``proxy.texts``: ``content``, ``refusal``, ``reasoning_content``,
``audio.transcript``, ``logprobs.content.token`` ...); every detector rescans only the context it
needs of earlier text (``Field.fresh``, ``Field.lookback``). Tool-call
deltas (names, arguments, a legacy ``function_call``) are held per choice until the choice
finishes, then screened complete. With ``reasoning = "drop"`` reasoning fields are screened and
then removed from what is released; with ``"pass"`` they are not screened.

An event that is not a JSON object (nor ``[DONE]`` nor a keep-alive) raises
``UpstreamMalformed``, and a stream that ends without ``[DONE]`` raises ``UpstreamIncomplete``:
the caller ends the stream with an error event, and whatever is still held is never released.

On a refusal the stream stops: one final chunk carries the refusal sentence (``delta.content``,
or ``delta.refusal`` when the request was programmatic), ``finish_reason: "content_filter"`` and
the ``specguard`` object, then ``data: [DONE]``; returning closes the upstream request. A
redaction rewrites the held events covering the span before they are released.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from detectors.policy import Decision, Verdict, decide, effective
from detectors.screen import Field
from proxy import metrics
from proxy.context import RequestContext
from proxy.errors import UpstreamIncomplete
from proxy.readahead import ReadAhead
from proxy.refusal import decision_summary, refusal_sentence
from proxy.sse import DONE, encode_event
from proxy.stream_intake import Channel, Pending, StreamIntake
from proxy.stream_schedule import NEVER
from proxy.texts import ANSWER, REASONING

if TYPE_CHECKING:
    from proxy.screening import ScreeningStage


class StreamScreen(StreamIntake):
    """State of one screened stream."""

    def __init__(self, ctx: RequestContext, stage: ScreeningStage):
        config = stage.config
        super().__init__(
            stage.schedule,
            REASONING if config.reasoning == "pass" else frozenset(),
            config.reasoning == "drop",
        )
        self.ctx = ctx
        self.stage = stage
        self.eager = config.stream.release == "before_screening"
        self.live = config.stream.mode == "live"
        self.recorded: set[tuple[str, str, str, int, int]] = set()
        self.redacting = False
        """Whether any channel has a redaction (else no event needs its spans rewritten)."""
        self.seconds = 0.0
        """Time spent screening (excluding waits for the upstream)."""
        self.hurry: int = getattr(self.schedule, "hurry", 0)
        self.ahead = False
        """Whether the upstream's next event has already arrived (``proxy.readahead``)."""

    # -- screening ---------------------------------------------------------------------------

    def idle(self, channels: list[Channel], finished: list[int]) -> bool:
        """True when no scan is due (the common case): a cheap, synchronous test per event."""
        if finished:
            return False
        for channel in channels:
            if channel.length >= channel.next_due and not self._catching_up(channel):
                return False
        if self.eager:
            for channel in channels:
                channel.safe_to = channel.length
        elif self.live:
            # a classifier's clear score lets text go a little ahead of its next scan
            for channel in channels:
                if channel.safe_to < channel.limit:
                    channel.safe_to = int(min(channel.limit, channel.length))
        return True

    def _catching_up(self, channel: Channel) -> bool:
        """Live mode: the upstream is ahead of any reader (its next event has already arrived),
        so a due scan waits for up to ``hurry`` more characters: smaller releases would be
        invisible and cost a scan each. The last event of a burst is never held for the next."""
        return self.ahead and channel.length < channel.next_due + self.hurry

    async def screen(self, channels: list[Channel], finished: list[int]) -> Verdict | None:
        """Scan what is due (call when not ``idle``); returns a refusal verdict, or None."""
        schedule = self.schedule
        fields: list[Field] = []
        offsets: dict[str, int] = {}
        scanning: set[str] = set()
        scanned: list[tuple[Channel, list[str], dict[str, int]]] = []
        for channel in self.channels.values():
            done = channel.index in finished or channel.finished
            length = channel.length
            names: list[str] = []
            if done:
                names = schedule.behind(length, channel.scanned)
                names += [name for name in sorted(channel.deferred) if name not in names]
            elif channel in channels and length >= channel.next_due:
                names = schedule.due(length, channel.first_piece, channel.scanned, channel.cleared)
            if names:
                start, fresh, before = schedule.scan_window(
                    names, channel.scanned, channel.opened, length if done else None
                )
                text = channel.text
                fields.append(
                    Field(channel.where, text[start:], channel.exact, fresh=fresh, lookback=before)
                )
                offsets[channel.where] = start
                scanning.update(names)
                begins = {n: channel.scanned.get(n, 0) - (before or {}).get(n, 0) for n in names}
                scanned.append((channel, names, begins))
                channel.scanned.update(dict.fromkeys(names, length))
                channel.deferred.difference_update(names)
            if done:
                channel.finished = True
        for index in finished:
            for call, text in self.tool_args.get(index, {}).items():
                actions = self.ctx.scan.for_actions()
                fields.append(Field(f"choices.{index}.{call}", text, exact=False, context=actions))
            if index in self.tool_args:
                scanning.update(schedule.release)
            self.open_tool_calls.discard(index)
        if fields:
            verdict, settled = await self._decide(fields, offsets, scanning, scanned)
            if verdict.action == "refuse":
                return verdict
            for channel, names, _ in scanned:
                for name in names:
                    channel.cleared[name], channel.opened[name] = settled[(channel.where, name)]
                channel.limit = min(
                    (channel.cleared.get(name, 0) for name in schedule.release), default=NEVER
                )
                channel.next_due = schedule.next_due(
                    channel.first_piece, channel.scanned, channel.cleared
                )
        for channel in self.channels.values():
            length = channel.length
            if channel.finished or self.eager:
                channel.safe_to = length
            else:
                channel.safe_to = int(max(channel.safe_to, min(channel.limit, length)))
        return None

    async def _decide(
        self,
        fields: list[Field],
        offsets: dict[str, int],
        names: set[str],
        scanned: list[tuple[Channel, list[str], dict[str, int]]],
    ) -> tuple[Verdict, dict[tuple[str, str], tuple[int, int]]]:
        """The verdict of a scan, and per scanned channel and detector how far the text may be
        released and where its open tail starts (the plan's ``settle``, given each detector's
        highest score as a share of its threshold and whether the reading was disguised)."""
        screener = self.stage.screener
        scan = await screener.scan(fields, self.ctx.scan, only=names)
        shifted = []
        peaks: dict[tuple[str, str], float] = {}
        for finding, exact in scan.findings:
            offset = offsets.get(finding.where, 0)
            shifted.append((_shift(finding, offset), exact))
            peak = (finding.where, finding.detector)
            peaks[peak] = max(peaks.get(peak, 0.0), _share(finding, screener.configs))
        for failure in scan.failures:  # a failed scan is no evidence of a clear window
            for channel in self.channels.values():
                peaks[(channel.where, failure.detector)] = NEVER
        settled: dict[tuple[str, str], tuple[int, int]] = {}
        for channel, scanned_names, begins in scanned:
            text = channel.text
            hidden = channel.where in scan.disguised
            for name in scanned_names:
                settled[(channel.where, name)] = self.schedule.settle(
                    name,
                    text,
                    max(0, begins[name]),
                    self.ctx.scan,
                    peaks.get((channel.where, name), 0.0),
                    hidden,
                )
        if self.live and settled:
            kept = []
            for f, exact in shifted:
                if not self._undecided(f, exact, settled):
                    kept.append((f, exact))
                    continue
                # held from its start until decided (it may begin before the open tail)
                cleared, opened = settled[(f.where, f.detector)]
                settled[(f.where, f.detector)] = (min(cleared, f.start), min(opened, f.start))
                for channel in self.channels.values():
                    if channel.where == f.where:
                        channel.deferred.add(f.detector)
            shifted = kept
        verdict = decide(shifted, scan.failures, screener.configs)
        fresh = []
        for decision in verdict.decisions:
            f = decision.finding
            key = (f.detector, f.category, f.where, f.start, f.end)
            if key not in self.recorded:
                self.recorded.add(key)
                fresh.append(decision)
        if verdict.action == "redact":
            for decision in fresh:
                if decision.action != "redact":
                    continue
                channel = next(
                    c for c in self.channels.values() if c.where == decision.finding.where
                )
                shown = min(decision.finding.end, channel.released)
                if decision.finding.start < shown and not _covered(
                    channel.redactions, decision.finding.start, shown
                ):
                    # Already released in clear: too late to cut it out, so the stream is
                    # refused. (Released as an earlier redaction's placeholder is not: a span
                    # that grew with the text, an address that got its house number.)
                    verdict = Verdict("refuse", verdict.decisions)
                    break
                channel.redactions.append(decision)
                channel.redactions.sort(key=lambda d: d.finding.start)
                self.redacting = True
        from proxy.screening import record

        record(
            self.ctx, Verdict(verdict.action, tuple(fresh)) if fresh else Verdict("allow"), "stream"
        )
        return verdict, settled

    def _undecided(
        self, finding: Any, exact: bool, settled: dict[tuple[str, str], tuple[int, int]]
    ) -> bool:
        """Live mode: an exact-pattern finding that text still to come can change waits for a
        later scan: one in its detector's open tail that reaches the end of the text
        (``Nightjar`` of ``Nightjars``, the first 16 digits of a longer number), and a redaction
        that reaches into the open tail (a public office named after a contact, the rest of an
        address), wherever it starts. It is held from its start meanwhile; the next scan reads
        it again, and the scan of the finished text decides whatever is left. A refusal found
        earlier in the text still cuts at once."""
        tail = settled.get((finding.where, finding.detector))
        kinds = getattr(self.schedule, "kinds", {})
        if tail is None or not exact or kinds.get(finding.detector) != "tail":
            return False
        channel = next(c for c in self.channels.values() if c.where == finding.where)
        if channel.finished or finding.end <= tail[1]:
            return False
        if finding.start >= tail[1] and finding.end >= channel.length:
            return True
        config = self.stage.screener.configs.get(finding.detector)
        return config is not None and effective(config, finding.category)[0] == "redact"

    # -- release -----------------------------------------------------------------------------

    def releasable(self) -> list[bytes]:
        """Events at the head of the queue whose text is all safe to release."""
        out: list[bytes] = []
        queue = self.queue
        while queue:
            pending = queue[0]
            for channel, _, end, _, _ in pending.spans:
                if end > channel.safe_to:
                    return out
            if pending.holds_tool_calls and pending.holds_tool_calls & self.open_tool_calls:
                break
            queue.popleft()
            out.append(self._render(pending))
            for channel, _, end, _, _ in pending.spans:
                channel.released = end
        return out

    def _render(self, pending: Pending) -> bytes:
        """The event as screened: its parsed payload re-encoded, redacted spans and dropped
        reasoning applied (keep-alives as they came)."""
        payload = pending.payload
        if payload is None:
            return pending.raw
        if self.redacting:
            for channel, start, end, holder, key in pending.spans:
                if channel.redactions and any(
                    d.finding.start < end and d.finding.end > start for d in channel.redactions
                ):
                    holder[key] = channel.render(start, end)
        if pending.reasoning:
            for choice in payload.get("choices") or ():
                for name in ANSWER:
                    answer = choice.get(name)
                    if isinstance(answer, dict):
                        for field_name in REASONING.intersection(answer):
                            del answer[field_name]
        # Re-encoded, not relayed as received: the bytes may repeat a key whose first value the
        # parser dropped, so they would carry text no detector saw.
        return encode_event(payload)

    def release_all(self) -> None:
        """The stream is complete and screened: everything may go."""
        for channel in self.channels.values():
            channel.safe_to = channel.length
        self.open_tool_calls.clear()

    def cut(self, verdict: Verdict) -> list[bytes]:
        """Stop here: count the cut-off and end with the refusal chunk and ``[DONE]``."""
        primary = verdict.primary
        detector = primary.finding.detector if primary else "none"
        metrics.STREAM_CUTOFFS.labels(self.ctx.tenant.name, detector).inc()
        return self.refusal_events(verdict)

    def refusal_events(self, verdict: Verdict) -> list[bytes]:
        """The final chunk carrying the refusal, then ``[DONE]``."""
        message = refusal_sentence(verdict, self.stage.config.refusal)
        key = "refusal" if self.ctx.programmatic else "content"
        chunk = {
            **(self.head or {"object": "chat.completion.chunk"}),
            "choices": [
                {
                    "index": index,
                    "delta": {key: message},
                    "logprobs": None,
                    "finish_reason": "content_filter",
                }
                for index in sorted(self.choices_seen or {0})
            ],
            "specguard": decision_summary(verdict),
        }
        return [encode_event(chunk), DONE]


def _covered(redactions: list[Decision], start: int, end: int) -> bool:
    """Whether ``redactions`` (sorted by start) leave no gap in ``[start, end)``."""
    cursor = start
    for decision in redactions:
        if decision.finding.start > cursor:
            break
        cursor = max(cursor, decision.finding.end)
    return cursor >= end


def _share(finding: Any, configs: Any) -> float:
    """``finding``'s score as a share of its effective threshold (0 when its category is off)."""
    config = configs.get(finding.detector)
    if config is None:
        return 0.0
    action, threshold = effective(config, finding.category)
    if action == "off":
        return 0.0
    return float(finding.score) / threshold if threshold > 0 else NEVER


def _shift(finding: Any, offset: int) -> Any:
    from dataclasses import replace

    return replace(finding, start=finding.start + offset, end=finding.end + offset)


async def screen_stream(
    events: AsyncIterator[bytes], ctx: RequestContext, stage: ScreeningStage
) -> AsyncIterator[bytes]:
    """The screened stream: held-back releases, a refusal chunk on a violation."""
    state = StreamScreen(ctx, stage)
    ahead = ReadAhead(events) if state.hurry else None
    source = ahead or events
    try:
        async for raw in source:
            started = time.perf_counter()
            state.ahead = ahead is not None and ahead.buffered
            grown, finished = state.take(raw)
            is_done = raw.startswith(b"data: [DONE]")
            if is_done:
                finished = [-1, *sorted(state.choices_seen)]  # -1: text outside the choices
            verdict = None
            scanned = (grown or finished) and not state.idle(grown, finished)
            if scanned:
                verdict = await state.screen(grown, finished)
            state.seconds += time.perf_counter() - started
            if verdict is not None:
                for event in state.cut(verdict):
                    yield event
                return
            if is_done:
                state.release_all()
            # The head of the queue can only move after a scan, in eager mode, at the end, or
            # when this event is alone in the queue (a role or usage chunk, a keep-alive).
            if scanned or is_done or state.eager or state.live or len(state.queue) == 1:
                for event in state.releasable():
                    yield event
            if is_done:
                break  # nothing after [DONE] is released
        else:
            # The upstream ended without [DONE]: what is held is dropped, the caller reports it.
            raise UpstreamIncomplete("The upstream's stream ended before it was complete.")
        async for _ in source:
            pass  # the upstream's adapter relays nothing after [DONE]; let it finish its body
    finally:
        ctx.add_stage_time("detectors", state.seconds)
        if ahead is not None:
            await ahead.aclose()
