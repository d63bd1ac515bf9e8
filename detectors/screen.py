"""Running a tenant's detectors over response texts: deadlines, threads, fail-closed.

``Screener.scan`` runs every configured detector over every field of a response at once:
light detectors inline, ``cpu_heavy`` ones on a worker thread so the event loop keeps serving
other requests. A detector that raises or misses its ``deadline_ms`` yields a ``Failure`` (the
policy then refuses unless the tenant set ``on_error = "allow"``); nothing is skipped silently.

Disguised content counts (MODEL-SPEC §2): each text is also scanned as normalised (NFKC,
invisible characters removed, tag and variation-selector smuggling decoded, homoglyphs folded:
``detectors.normalize``) and as its decoded variants (base64/hex, letters written apart joined,
rot13, reversed, leetspeak: ``detectors.decoding``); findings in those variants are marked
inexact, since their offsets don't match the delivered text (a ``redact`` on one refuses).
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from detectors.base import Detector, DetectorConfig, ScanContext, holdback
from detectors.findings import Finding
from detectors.policy import Failure

_LOG = logging.getLogger("specguard.detectors")
FailureHook = Callable[[str, str, str], None]
"""Told of every failed scan: detector name, kind (``error``, ``timeout``), outcome (``refused``,
``allowed``); the proxy counts them in its metrics."""

_EXECUTOR: ThreadPoolExecutor | None = None


class _Collections:
    """Seconds the interpreter has spent in garbage collection. A full collection stops every
    thread (~130 ms with the default detectors loaded, more with many tenants), and a detector
    that was stopped by it is not late: deadlines count a scan's time without these pauses."""

    paused = 0.0
    _started = 0.0

    @classmethod
    def observe(cls, phase: str, info: Mapping[str, int]) -> None:
        if phase == "start":
            cls._started = time.perf_counter()
        else:
            cls.paused += time.perf_counter() - cls._started


gc.callbacks.append(_Collections.observe)


def _working_time(started: float, paused: float) -> float:
    """Seconds since ``started`` (a ``perf_counter``), less collection pauses since then."""
    return time.perf_counter() - started - (_Collections.paused - paused)


INLINE_CHARS = 2048
"""Texts up to this size (all fields and variants together) are scanned on the event loop: about
0.8 ms with every default detector. A thread would not free the loop for that long anyway (a
thread holding the GIL yields it only every 5 ms, ``sys.getswitchinterval``), and the hop costs
~0.2 ms of CPU; a stream's scan window, even a hurried one (``proxy.stream_live.HURRY_STEPS``),
never pays it."""


def _executor() -> ThreadPoolExecutor:
    global _EXECUTOR
    if _EXECUTOR is None:
        _EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="specguard-scan")
    return _EXECUTOR


@dataclass(frozen=True, slots=True)
class Field:
    """One text to screen."""

    where: str
    """Its place in the response (``choices.0.content``)."""
    text: str
    exact: bool = True
    """False for normalised/decoded variants: spans don't index the delivered text."""
    fresh: int | Mapping[str, int] = 0
    """Where text not screened before begins (a stream's next scan), for every detector or per
    detector name (then only the named detectors scan this text). Each detector is given
    ``text`` from its own ``holdback`` before that point on: enough to see a match straddling
    its previous scan's end whole, without rescanning more than it needs."""
    context: ScanContext | None = None
    """What detectors may know for this text, when it differs from the request's (a tool
    call's arguments: ``ScanContext.for_actions``)."""
    lookback: Mapping[str, int] | None = None
    """Per detector name, how much text before ``fresh`` it is given instead of its
    ``holdback`` (a live stream's scan: ``detectors.base.lookback`` or an open tail)."""


@dataclass
class ScanResult:
    """Findings (with exactness) and failures of one screening pass."""

    findings: list[tuple[Finding, bool]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    disguised: set[str] = field(default_factory=set)
    """Fields (by ``where``) whose normalised or decoded reading differs from the text."""


@dataclass(frozen=True)
class ConfiguredDetector:
    """A detector instance with the tenant's settings for it."""

    detector: Detector
    config: DetectorConfig


def variants(fields: Sequence[Field]) -> list[Field]:
    """``fields`` plus their normalised and decoded variants."""
    from detectors.decoding import decoded_variants
    from detectors.normalize import hidden_text, normalize

    out = list(fields)
    for item in fields:
        readings = [normalize(item.text)]
        hidden = hidden_text(item.text)
        if hidden is not None:
            readings.append(normalize(hidden))
        texts = [*readings, *(text for normal in readings for text in decoded_variants(normal))]
        out += [
            Field(item.where, text, exact=False, context=item.context)
            for text in dict.fromkeys(texts)
            if text != item.text
        ]
    return out


def _scan_fields(
    detector: Detector, fields: Sequence[Field], ctx: ScanContext
) -> list[tuple[Finding, bool]]:
    out: list[tuple[Finding, bool]] = []
    own = holdback(detector)
    for item in fields:
        if isinstance(item.fresh, int):
            fresh = item.fresh
        elif detector.name in item.fresh:
            fresh = item.fresh[detector.name]
        else:
            continue  # a text for other detectors
        context = item.lookback.get(detector.name, own) if item.lookback else own
        cut = max(0, fresh - context)
        text = item.text[cut:] if cut else item.text
        for finding in detector.scan(text, item.context or ctx):
            digest = _digest(text[finding.start : finding.end])
            out.append(
                (
                    replace(
                        finding,
                        where=item.where,
                        start=finding.start + cut,
                        end=finding.end + cut,
                        digest=digest,
                    ),
                    item.exact,
                )
            )
    return out


def _digest(span: str) -> str:
    return hashlib.sha256(span.encode()).hexdigest()[:16] if span else ""


_WARM_UP_TEXT = (
    "Thanks for asking! Our office is open 9-5; call 555-0100 or write to help@example.com. "
    "Step 1: mix the flour and water. The poem begins: 'Shall I compare thee to a summer's day'. "
    "Build 9f86d081884c7d659a2feaa0c55ad015 passed."  # a long token: the credential patterns run
)

_Failed = tuple[ConfiguredDetector, str, str]
_Outcome = tuple[list[tuple[Finding, bool]], _Failed | None]


def _run_one(item: ConfiguredDetector, texts: Sequence[Field], ctx: ScanContext) -> _Outcome:
    """One detector over every text; a raise or an overrun deadline becomes a failure."""
    started, paused = time.perf_counter(), _Collections.paused
    try:
        found = _scan_fields(item.detector, texts, ctx)
    except Exception as exc:
        return [], (item, "error", type(exc).__name__)
    if _working_time(started, paused) * 1000 > item.config.deadline_ms:
        return [], (item, "timeout", "TimeoutError")
    return found, None


def _run_batch(
    items: Sequence[ConfiguredDetector], texts: Sequence[Field], ctx: ScanContext
) -> list[_Outcome]:
    return [_run_one(item, texts, ctx) for item in items]


class Screener:
    """A tenant's output detectors."""

    def __init__(
        self, detectors: Sequence[ConfiguredDetector], on_failure: FailureHook | None = None
    ):
        self.detectors = tuple(detectors)
        self.on_failure = on_failure
        self.configs = {d.detector.name: d.config for d in self.detectors}
        # Which detectors run where: light ones always inline; CPU-heavy ones inline only for
        # small texts; ones that block on I/O (a judge model's HTTP call) always off the loop.
        blocking = tuple(d for d in self.detectors if getattr(d.detector, "blocking_io", False))
        self._plans = {
            small: (
                tuple(
                    d
                    for d in self.detectors
                    if d not in blocking and (small or not d.detector.cpu_heavy)
                ),
                tuple(
                    d
                    for d in self.detectors
                    if d in blocking or (not small and d.detector.cpu_heavy)
                ),
            )
            for small in (True, False)
        }

    def __bool__(self) -> bool:
        return bool(self.detectors)

    def warm_up(self) -> None:
        """Scan a sample once per detector, so lazy set-up (compiled patterns, model pages)
        happens at start-up or reload rather than in the first request. A detector that fails
        here is logged and keeps failing closed per request; missing dependencies were already
        start-up errors when it was constructed."""
        for item in self.detectors:
            try:
                item.detector.scan(_WARM_UP_TEXT, ScanContext())
            except Exception as exc:
                _event(
                    "detector_warm_up_failed",
                    detector=item.detector.name,
                    exception=type(exc).__name__,
                )

    async def scan(
        self,
        fields: Sequence[Field],
        ctx: ScanContext,
        *,
        normalise: bool = True,
        only: Collection[str] | None = None,
    ) -> ScanResult:
        """Run every detector (or those named in ``only``) over ``fields`` (and their variants
        when ``normalise``).

        Light detectors run inline. CPU-heavy ones run one after another in a single worker-thread
        hop: each is held to its own deadline, and the hop as a whole to the largest of them.
        Texts under ``INLINE_CHARS`` in all are scanned inline (the hop, ~0.2 ms, would cost more
        than the scan, and a stream makes many small scans), except by detectors that declare
        ``blocking_io``: those always leave the event loop. The request's texts
        (``ctx.user_inputs``) count toward that size, since a short answer is judged against a
        possibly long request; the variants of fields longer than ``INLINE_CHARS`` are made on
        the worker thread too.
        """
        if not normalise:
            texts = list(fields)
        elif sum(len(item.text) for item in fields) <= INLINE_CHARS:
            texts = variants(fields)
        else:  # normalising and decoding a long text is itself a scan: off the event loop
            texts = await asyncio.get_running_loop().run_in_executor(_executor(), variants, fields)
        result = ScanResult(disguised={item.where for item in texts[len(fields) :]})
        if not texts:
            return result
        # A detector reading the request (``ctx.user_inputs``) does work in its size too.
        size = sum(len(item.text) for item in texts) + sum(map(len, ctx.user_inputs))
        inline, offload = self._plans[size <= INLINE_CHARS]
        if only is not None:
            inline = tuple(d for d in inline if d.detector.name in only)
            offload = tuple(d for d in offload if d.detector.name in only)
        outcomes = [_run_one(item, texts, ctx) for item in inline]
        if offload:
            loop = asyncio.get_running_loop()
            batch = loop.run_in_executor(_executor(), _run_batch, offload, texts, ctx)
            limit = max(item.config.deadline_ms for item in offload) / 1000
            outcomes += await _within(batch, limit, offload)
        return self._collect(outcomes, result)

    def _collect(self, outcomes: list[_Outcome], result: ScanResult) -> ScanResult:
        for found, failed in outcomes:
            result.findings += found
            if failed is not None:
                item, kind, exception = failed
                result.failures.append(
                    self._failed(item.detector.name, kind, item.config, exception)
                )
        return result

    def _failed(self, name: str, kind: str, config: DetectorConfig, exception: str) -> Failure:
        outcome = "refused" if config.on_error == "refuse" else "allowed"
        if self.on_failure is not None:
            self.on_failure(name, kind, outcome)
        # The exception's type only: its message may quote the scanned text.
        _event(
            "detector_failed",
            detector=name,
            kind=kind,
            outcome=outcome,
            exception=exception,
        )
        return Failure(name, kind)  # type: ignore[arg-type]


async def _within(
    batch: asyncio.Future[list[_Outcome]], limit: float, items: Sequence[ConfiguredDetector]
) -> list[_Outcome]:
    """The batch's outcomes, or timeouts for all of ``items`` once it has worked ``limit``
    seconds (collection pauses don't count: see ``_Collections``)."""
    started, paused = time.perf_counter(), _Collections.paused
    remaining = limit
    while remaining > 0:
        try:
            return await asyncio.wait_for(asyncio.shield(batch), remaining)
        except TimeoutError:
            remaining = limit - _working_time(started, paused)
    batch.cancel()
    return [([], (item, "timeout", "TimeoutError")) for item in items]


def _event(name: str, **fields: str) -> None:
    """A warning in specguard's structured log (names and types only, never scanned text)."""
    _LOG.warning(name, extra={"fields": fields})
