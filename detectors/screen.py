"""Running a tenant's detectors over response texts: deadlines, threads, fail-closed.

``Screener.scan`` runs every configured detector over every field of a response at once:
light detectors inline, ``cpu_heavy`` ones on a worker thread so the event loop keeps serving
other requests. A detector that raises or misses its ``deadline_ms`` yields a ``Failure`` (the
policy then refuses unless the tenant set ``on_error = "allow"``); nothing is skipped silently.

Disguised content counts (MODEL-SPEC §2): each text is also scanned as normalised (NFKC,
zero-width/bidi removed, homoglyphs folded) and as decoded base64/hex/rot13/reversed variants;
findings in those variants are marked inexact, since their offsets don't match the delivered text.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from detectors.base import Detector, DetectorConfig, ScanContext
from detectors.findings import Finding
from proxy import logs, metrics
from proxy.policy import Failure

_EXECUTOR: ThreadPoolExecutor | None = None


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


@dataclass
class ScanResult:
    """Findings (with exactness) and failures of one screening pass."""

    findings: list[tuple[Finding, bool]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


@dataclass(frozen=True)
class ConfiguredDetector:
    """A detector instance with the tenant's settings for it."""

    detector: Detector
    config: DetectorConfig


def variants(fields: Sequence[Field]) -> list[Field]:
    """``fields`` plus their normalised and decoded variants."""
    from detectors.normalize import decoded_variants, normalize

    out = list(fields)
    for item in fields:
        normal = normalize(item.text)
        if normal != item.text:
            out.append(Field(item.where, normal, exact=False))
        out += [Field(item.where, text, exact=False) for text in decoded_variants(item.text)]
    return out


def _scan_fields(
    detector: Detector, fields: Sequence[Field], ctx: ScanContext
) -> list[tuple[Finding, bool]]:
    return [
        (
            replace(
                finding, where=item.where, digest=_digest(item.text[finding.start : finding.end])
            ),
            item.exact,
        )
        for item in fields
        for finding in detector.scan(item.text, ctx)
    ]


def _digest(span: str) -> str:
    return hashlib.sha256(span.encode()).hexdigest()[:16] if span else ""


class Screener:
    """A tenant's output detectors."""

    def __init__(self, detectors: Sequence[ConfiguredDetector]):
        self.detectors = tuple(detectors)
        self.configs = {d.detector.name: d.config for d in self.detectors}

    def __bool__(self) -> bool:
        return bool(self.detectors)

    async def scan(
        self, fields: Sequence[Field], ctx: ScanContext, *, normalise: bool = True
    ) -> ScanResult:
        """Run every detector over ``fields`` (and their variants when ``normalise``)."""
        texts = variants(fields) if normalise else list(fields)
        result = ScanResult()
        if not texts:
            return result
        outcomes = await asyncio.gather(
            *(self._run(item, texts, ctx) for item in self.detectors), return_exceptions=False
        )
        for found, failure in outcomes:
            result.findings += found
            if failure is not None:
                result.failures.append(failure)
        return result

    async def _run(
        self, item: ConfiguredDetector, texts: Sequence[Field], ctx: ScanContext
    ) -> tuple[list[tuple[Finding, bool]], Failure | None]:
        detector, config = item.detector, item.config
        try:
            if detector.cpu_heavy:
                loop = asyncio.get_running_loop()
                future = loop.run_in_executor(_executor(), _scan_fields, detector, texts, ctx)
                return await asyncio.wait_for(future, config.deadline_ms / 1000), None
            return _scan_fields(detector, texts, ctx), None
        except TimeoutError:
            return [], self._failed(detector.name, "timeout", config, "TimeoutError")
        except Exception as exc:
            return [], self._failed(detector.name, "error", config, type(exc).__name__)

    @staticmethod
    def _failed(name: str, kind: str, config: DetectorConfig, exception: str) -> Failure:
        outcome = "refused" if config.on_error == "refuse" else "allowed"
        metrics.DETECTOR_ERRORS.labels(name, kind, outcome).inc()
        # The exception's type only: its message may quote the scanned text.
        logs.event(
            "detector_failed",
            logging.WARNING,
            detector=name,
            kind=kind,
            outcome=outcome,
            exception=exception,
        )
        return Failure(name, kind)  # type: ignore[arg-type]
