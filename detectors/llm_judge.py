"""The ``llm_judge`` detector: a moderation model asked only when a cheap detector is unsure.

A tenant turns it on with a ``[tenants.*.detectors.llm_judge]`` table; it is off otherwise.
``scan`` first scores the text with the cheap gating detectors (``cbrn``, ``nsfw``: their highest
finding score each, 0 without findings). Only when some score lies in that detector's uncertain
band ``low <= score < high`` is the judge called, through ``litellm.completion``: a Llama Guard
or gpt-oss-safeguard served by vLLM or Ollama (``openai/<name>`` with ``api_base``,
``ollama/<name>``), or any provider litellm speaks. Scores above the band are the cheap
detector's business: configure it alongside the judge so those are refused.

The answer's first line is ``safe`` or ``unsafe``; an optional second line lists category codes
(``S1,S9``). ``unsafe`` becomes one finding over the whole text in the first code, lower-cased
(``s9``), or ``unsafe`` when there is none.

Errors: ``JudgeError`` is the one exception ``scan`` raises -- the call failed (HTTP error,
timeout, unreachable server) or the answer is neither ``safe`` nor ``unsafe``. The screening
framework turns it into a refusal unless the tenant set ``on_error = "allow"``. Messages name the
exception type only, never the text.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import Field, field_validator, model_validator

from detectors.base import Detector, DetectorConfig, ScanContext
from detectors.findings import Finding
from detectors.plugins import Plugin


def _cbrn() -> Detector:
    from detectors.cbrn import CbrnConfig, CbrnDetector

    return CbrnDetector(CbrnConfig())


def _nsfw() -> Detector:
    from detectors.nsfw import NsfwConfig, NsfwDetector

    return NsfwDetector(NsfwConfig())


GATES: dict[str, Callable[[], Detector]] = {"cbrn": _cbrn, "nsfw": _nsfw}
"""Cheap detectors whose scores may gate the judge, built with their default settings."""
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
"""A category code the judge may name; anything else is reported as ``unsafe`` (the category
ends up in headers and metric labels, so free text from the model must not)."""


class JudgeError(RuntimeError):
    """The judge could not be asked, or its answer could not be read."""


class LlmJudgeConfig(DetectorConfig):
    """Settings of the ``llm_judge`` detector."""

    model: str = Field(min_length=1)
    """litellm model string (``openai/llama-guard-3-8b`` against vLLM, ``ollama/llama-guard3``)."""
    api_base: str | None = None
    """Base URL of the judge's server (``http://localhost:8000/v1``); litellm's default if unset."""
    api_key_env: str | None = None
    """Name of the environment variable holding the judge's API key (never the key itself)."""
    gate: dict[str, tuple[float, float]] = {"cbrn": (0.2, 0.5), "nsfw": (0.2, 0.5)}
    """Uncertain band ``(low, high)`` per gating detector: a score in it calls the judge."""
    timeout_s: float = Field(2.0, gt=0)
    """Longest wait for the judge's answer."""
    deadline_ms: float = Field(3000, gt=0)
    """Longest a scan (gating detectors and the judge's call) may take."""
    max_chars: int = Field(4000, gt=0)
    """Only this many leading characters of the text are sent to the judge."""
    max_tokens: int = Field(20, gt=0)
    """Answer length limit: a verdict and category codes need only a few tokens."""
    policy: str | None = None
    """System message sent before the text (gpt-oss-safeguard reads its policy there)."""

    @field_validator("gate")
    @classmethod
    def _known_bands(cls, value: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        if not value:
            raise ValueError(f"name at least one gating detector ({', '.join(GATES)})")
        unknown = sorted(set(value) - set(GATES))
        if unknown:
            raise ValueError(f"unknown gating detectors {unknown} (known: {', '.join(GATES)})")
        for name, (low, high) in value.items():
            if not 0 <= low < high <= 1:
                raise ValueError(f"{name}: band ({low}, {high}) needs 0 <= low < high <= 1")
        return value

    @model_validator(mode="after")
    def _timeout_within_deadline(self) -> LlmJudgeConfig:
        if self.timeout_s * 1000 >= self.deadline_ms:
            raise ValueError(
                f"timeout_s ({self.timeout_s}) must be shorter than deadline_ms "
                f"({self.deadline_ms}), which also covers the gating detectors"
            )
        return self


class LlmJudgeDetector:
    """Asks a moderation model about texts the cheap detectors are unsure of."""

    name: ClassVar[str] = "llm_judge"
    cpu_heavy: ClassVar[bool] = True
    scored: ClassVar[bool] = True
    """A classifier: a live stream gates release on its window scores (``release_kind``)."""
    blocking_io: ClassVar[bool] = True
    """It waits on the network: always run off the event loop, whatever the text's size."""

    def __init__(self, config: LlmJudgeConfig):
        self.config = config
        self._gates = {name: GATES[name]() for name in config.gate}
        self._key = _read_key(config.api_key_env)
        self._litellm = _load_litellm()

    def scan(self, text: str, ctx: ScanContext) -> list[Finding]:
        """A finding over all of ``text`` when the judge calls it unsafe; none otherwise."""
        if not self._uncertain(text, ctx):
            return []
        category = parse_verdict(self._ask(text))
        if category is None:
            return []
        return [Finding(self.name, category, 1.0, 0, len(text))]

    def _uncertain(self, text: str, ctx: ScanContext) -> bool:
        """Some gating detector's score lies in its band."""
        for name, (low, high) in self.config.gate.items():
            score = max((f.score for f in self._gates[name].scan(text, ctx)), default=0.0)
            if low <= score < high:
                return True
        return False

    def _ask(self, text: str) -> str | None:
        """The judge's answer text (``None`` when it sent no content)."""
        messages = [{"role": "system", "content": self.config.policy}] if self.config.policy else []
        messages.append({"role": "user", "content": text[: self.config.max_chars]})
        arguments: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "timeout": self.config.timeout_s,
            "num_retries": 0,
            "max_tokens": self.config.max_tokens,
        }
        if self.config.api_base:
            arguments["api_base"] = self.config.api_base
        if self._key:
            arguments["api_key"] = self._key
        try:
            response = self._litellm.completion(**arguments)
            content = response.choices[0].message.content
        except Exception as exc:  # litellm raises its own, openai's and httpx's exceptions
            raise JudgeError(f"judge call failed ({type(exc).__name__})") from exc
        return content if isinstance(content, str) else None


def parse_verdict(answer: str | None) -> str | None:
    """The category of an ``unsafe`` answer, ``None`` for ``safe``; ``JudgeError`` otherwise."""
    lines = [line.strip() for line in (answer or "").splitlines() if line.strip()]
    verdict = lines[0].lower() if lines else ""
    if verdict == "safe":
        return None
    if verdict != "unsafe":
        raise JudgeError("judge answer is neither 'safe' nor 'unsafe'")
    codes = [code for code in re.split(r"[,\s]+", lines[1]) if code] if len(lines) > 1 else []
    if codes and _CODE.fullmatch(codes[0]):
        return codes[0].lower()
    return "unsafe"


def _read_key(variable: str | None) -> str | None:
    if variable is None:
        return None
    key = os.environ.get(variable)
    if not key:
        raise RuntimeError(f"llm_judge: environment variable {variable!r} (api_key_env) is not set")
    return key


def _load_litellm() -> Any:
    """litellm, imported at start-up (a missing dependency is a start-up error, and the ~1 s
    import must not land in the first request's deadline)."""
    try:
        litellm: Any = importlib.import_module("litellm")
    except ImportError as exc:
        raise RuntimeError(f"llm_judge: litellm is not installed: {exc}") from exc
    # Its "Give Feedback / Get Help" banner on every exception goes to stdout otherwise.
    litellm.suppress_debug_info = True
    return litellm


PLUGIN: Plugin[LlmJudgeDetector] = Plugin("llm_judge", LlmJudgeConfig, LlmJudgeDetector)
"""Registration of the detector under ``[tenants.*.detectors.llm_judge]``."""
