"""The configuration file: pydantic models, ``[defaults]`` inheritance and key-path errors.

Merge rule: a tenant table is deep-merged over ``[defaults]``. Tables merge key by key; any other
value (string, number, list) in the tenant replaces the default whole. So a tenant overrides only
what it names. Secrets never live in the file: it names environment variables instead.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_OPENAI_BASE_URL = "https://api.openai.com/v1"


class ConfigError(Exception):
    """The configuration is invalid; ``problems`` holds ``(key path, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerConfig(_Strict):
    """Where the proxy listens and how much it accepts."""

    host: str = "127.0.0.1"
    """Interface to bind."""
    port: int = Field(8080, ge=1, le=65535)
    """TCP port to bind."""
    workers: int = Field(1, ge=1, le=64)
    """Worker processes (each with its own upstream connection pool)."""
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    """Largest accepted request body; larger bodies get 413."""
    reload_poll_s: float = Field(1.0, ge=0)
    """How often the config file is checked for changes (0: reload on SIGHUP only)."""
    cors: list[str] = []
    """Origins browser clients may call from (``["https://app.example"]``, ``["*"]``); none by
    default. Read at start-up (a reload does not change it)."""


class DemoReply(_Strict):
    """A canned answer of the demo upstream."""

    match: str
    """Case-insensitive substring of the last user message that selects this reply."""
    reply: str
    """The assistant's answer."""


class UpstreamConfig(_Strict):
    """An LLM API the proxy forwards to."""

    provider: str
    """``openai`` (any OpenAI-compatible server, relayed raw), ``demo`` (built in), or a litellm
    provider name (``anthropic``, ``bedrock``, ``vertex_ai``, ``gemini``, ``azure`` ...)."""
    base_url: str | None = None
    """API base URL; for ``openai`` it defaults to OpenAI's."""
    api_key_env: str | None = None
    """Name of the environment variable holding the upstream key (never the key itself)."""
    timeout_s: float = Field(60.0, gt=0)
    """Total time allowed for a non-streaming call, and between two stream chunks."""
    connect_timeout_s: float = Field(5.0, gt=0)
    """Time allowed to open a connection."""
    models: list[str] = []
    """Model names advertised on ``GET /v1/models`` for this upstream."""
    system_role: Literal["system", "developer"] = "system"
    """Role the platform policy is sent with."""
    replies: list[DemoReply] = []
    """``demo`` only: canned replies; anything else is echoed."""

    @model_validator(mode="after")
    def _provider_fields(self) -> UpstreamConfig:
        if self.provider == "demo" and (self.base_url or self.api_key_env):
            raise ValueError("the demo provider takes no base_url or api_key_env")
        if self.provider != "demo" and self.replies:
            raise ValueError("replies are only for provider = 'demo'")
        return self

    def resolved_base_url(self) -> str | None:
        """The base URL without a trailing slash, with the OpenAI default filled in."""
        url = self.base_url or (_OPENAI_BASE_URL if self.provider == "openai" else None)
        return url.rstrip("/") if url else None

    def api_key(self) -> str | None:
        """The upstream key from the environment, if configured and set."""
        return os.environ.get(self.api_key_env) if self.api_key_env else None


class RouteConfig(_Strict):
    """Sends requests whose model matches ``match`` to ``upstream``."""

    match: str
    """Glob on the request's ``model``."""
    upstream: str
    """Name of a table under ``[upstreams]``."""
    model: str | None = None
    """Model name sent upstream; the request's own when unset."""
    completions: Literal["chat", "native"] = "chat"
    """How ``/v1/completions`` reaches this route's models: ``chat`` asks the upstream for a chat
    completion (every request rule applies); ``native`` relays the request to the upstream's own
    ``/v1/completions`` (base models, ``gpt-3.5-turbo-instruct``; ``echo``, ``suffix``,
    ``best_of`` and batched prompts work; the prompt is screened but, having no roles, not
    rewritten). ``native`` needs ``provider = 'openai'``."""


class RefusalConfig(_Strict):
    """How refusals and redactions read (MODEL-SPEC §3: short, neutral, no detector names).

    By default each refusal says in plain words what kind of content was withheld
    (``detectors.explanations``); these settings replace those sentences.
    """

    message: str | None = None
    """One sentence for every refusal not covered by ``messages`` (default: the built-in
    explanation of each kind). Placeholders: ``{what}``, ``{detector}``, ``{category}``."""
    messages: dict[str, str] = {}
    """Sentences by ``detector.category``, ``detector`` or request rule name (e.g.
    ``"privacy.US_SSN"``, ``"cbrn"``, ``"untrusted_marking"``); same placeholders."""
    redaction_note: str = (
        "[Note: {count} item(s) removed from this answer under the content policy: {what}.]"
    )
    """Declared after a redacted answer; ``{count}``, ``{what}`` (the kinds in plain words),
    ``{kinds}`` (category names) and ``{detectors}`` fill in."""

    @field_validator("message")
    @classmethod
    def _message_fills(cls, template: str | None) -> str | None:
        if template is not None:
            _check_template(template, _REFUSAL_FIELDS)
        return template

    @field_validator("messages")
    @classmethod
    def _messages_fill(cls, templates: dict[str, str]) -> dict[str, str]:
        for template in templates.values():
            _check_template(template, _REFUSAL_FIELDS)
        return templates

    @field_validator("redaction_note")
    @classmethod
    def _note_fills(cls, template: str) -> str:
        return _check_template(template, ("count", "what", "kinds", "detectors"))


_REFUSAL_FIELDS = ("what", "detector", "category")


def _check_template(template: str, fields: tuple[str, ...]) -> str:
    """``template`` if it formats with exactly ``fields`` available; a clear error otherwise."""
    try:
        template.format(**dict.fromkeys(fields, "x"))
    except (KeyError, IndexError, ValueError) as exc:
        allowed = ", ".join("{" + field + "}" for field in fields)
        raise ValueError(f"bad placeholder {exc} (allowed: {allowed})") from None
    return template


class StreamConfig(_Strict):
    """How streams are screened."""

    mode: Literal["live", "strict"] = "live"
    """``live`` (default): text goes as soon as no exact-pattern check can still match it and
    the classifiers' windows score clearly below their thresholds (``proxy.stream_live``);
    ``strict``: every detector's whole hold-back of right-context first
    (``proxy.stream_schedule``)."""
    holdback_chars: int | None = Field(None, ge=0, le=65536)
    """Strict mode only: right-context every detector must have screened after a character
    before it is released; default: each detector's own need (``detectors.base.holdback``)."""
    scan_every_chars: int | None = Field(None, ge=16, le=65536)
    """New characters that make the next incremental scan due; default 3 x the hold-back in
    strict mode, 96 in live mode (classifiers every 3 of those). Smaller releases text in
    smaller bursts and costs more CPU (each scan repeats some earlier text and has a fixed
    cost)."""
    release: Literal["after_screening", "before_screening"] = "after_screening"
    """``before_screening`` trades safety for latency: text is released at once and the stream
    is cut off after the fact when a violation shows up."""

    @model_validator(mode="after")
    def _holdback_is_strict(self) -> StreamConfig:
        if self.holdback_chars is not None and self.mode != "strict":
            raise ValueError(
                'holdback_chars applies to mode = "strict" only; live mode holds what each '
                "check needs"
            )
        return self


class PassthroughConfig(_Strict):
    """Other OpenAI paths a tenant may use through specguard, relayed unscreened."""

    path: str
    """Glob on the request path, e.g. ``/v1/files*`` or ``/v1/audio/*``."""
    upstream: str
    """Name of the ``[upstreams]`` table (``provider = "openai"``) the requests go to."""


class TenantConfig(_Strict):
    """One customer of the proxy: its keys and its policy (after ``[defaults]`` merged in)."""

    api_keys: list[str] = []
    """SHA-256 hex digests of the tenant's API keys."""
    api_keys_env: str | None = None
    """Environment variable holding comma-separated plaintext keys (hashed at load)."""
    models: list[str] = ["*"]
    """Globs of the models this tenant may use."""
    rules: dict[str, dict[str, Any]] = {}
    """Request rule settings by name, as written; each rule validates its own table. Every rule
    runs whether named or not (``active_rules``); ``action = "off"`` switches one off."""
    detectors: dict[str, dict[str, Any]] = {}
    """Output detector settings by name, as written; each detector validates its own table.
    The standard detectors run whether named or not (``active_detectors``)."""
    input_screening: list[str] = []
    """Active detectors also run on the user's turn before the upstream call, so an obviously
    prohibited request is refused without paying for a completion."""
    refusal: RefusalConfig = RefusalConfig()
    stream: StreamConfig = StreamConfig()
    rules_budget_ms: float = Field(2000, gt=0, le=60000)
    """Time all request rules together may take on one request; past it the request is refused
    (400 ``request_too_complex``), never forwarded unchecked."""
    passthrough: list[PassthroughConfig] = []
    """Paths besides the screened endpoints that are relayed, authenticated and metered but
    **not screened** (files, batches, audio, images ...); anything else is a 404."""
    moderation: Literal["upstream", "local"] = "upstream"
    """``POST /v1/moderations``: relayed to the model's upstream, or answered ``local``ly by
    this tenant's own ``nsfw`` and ``cbrn`` detectors (for upstreams without one)."""
    reasoning: Literal["screen", "drop", "pass"] = "screen"
    """The model's reasoning text (``reasoning_content``, ``reasoning`` ...): ``screen`` it like
    content and release it, ``drop`` it after screening (its findings still count), or ``pass``
    it unscreened."""

    @model_validator(mode="after")
    def _input_detectors_configured(self) -> TenantConfig:
        missing = [name for name in self.input_screening if name not in self.active_detectors]
        if missing:
            raise ValueError(f"input_screening names detectors that do not run: {missing}")
        return self

    @property
    def active_rules(self) -> dict[str, dict[str, Any]]:
        """The tables of the request rules that run (all, unless switched off)."""
        from rules.registry import RULES

        return RULES.active(self.rules)

    @property
    def active_detectors(self) -> dict[str, dict[str, Any]]:
        """The tables of the output detectors that run (the standard ones unless switched
        off, and any other one the tenant names)."""
        from detectors.registry import DETECTORS

        return DETECTORS.active(self.detectors)

    @field_validator("api_keys")
    @classmethod
    def _hashed(cls, keys: list[str]) -> list[str]:
        for key in keys:
            if not _SHA256_HEX.match(key):
                raise ValueError("API keys are stored as lowercase SHA-256 hex digests (64 chars)")
        return keys

    def may_use(self, model: str) -> bool:
        """Whether ``model`` matches one of the tenant's model globs."""
        return any(fnmatch.fnmatchcase(model, pattern) for pattern in self.models)

    def key_digests(self) -> set[str]:
        """Every key digest of this tenant, from the file and from ``api_keys_env``."""
        digests = set(self.api_keys)
        if self.api_keys_env:
            raw = os.environ.get(self.api_keys_env, "")
            digests.update(hash_key(key.strip()) for key in raw.split(",") if key.strip())
        return digests


class AdminConfig(_Strict):
    """The optional admin endpoint (``GET /admin/tenants/{id}``)."""

    key_env: str
    """Environment variable holding the admin key (separate from every tenant key)."""


class AuditConfig(_Strict):
    """The optional decision audit log."""

    path: str
    """JSONL file receiving one line per decision: ids, names, action and a hash of the matched
    span; never prompt or completion text, never keys."""


class Config(_Strict):
    """The whole file."""

    server: ServerConfig = ServerConfig()
    admin: AdminConfig | None = None
    audit: AuditConfig | None = None
    upstreams: dict[str, UpstreamConfig]
    routes: list[RouteConfig]
    tenants: dict[str, TenantConfig]

    @model_validator(mode="after")
    def _references(self) -> Config:
        for route in self.routes:
            if route.upstream not in self.upstreams:
                raise ValueError(f"route {route.match!r} names unknown upstream {route.upstream!r}")
            provider = self.upstreams[route.upstream].provider
            if route.completions == "native" and provider != "openai":
                raise ValueError(
                    f"route {route.match!r}: completions = 'native' needs an upstream with "
                    "provider = 'openai'"
                )
        for name, tenant in self.tenants.items():
            for rule in tenant.passthrough:
                upstream = self.upstreams.get(rule.upstream)
                if upstream is None or upstream.provider != "openai":
                    raise ValueError(
                        f"tenant {name!r}: passthrough {rule.path!r} needs an upstream with "
                        "provider = 'openai'"
                    )
        if not self.tenants:
            raise ValueError("at least one tenant is required")
        return self


def hash_key(key: str) -> str:
    """The SHA-256 hex digest under which an API key is stored."""
    return hashlib.sha256(key.encode()).hexdigest()


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: tables merge recursively, other values replace."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parse_config(raw: dict[str, Any]) -> Config:
    """Validate a parsed TOML document; raises ``ConfigError`` with key paths."""
    raw = dict(raw)
    defaults = raw.pop("defaults", {})
    if not isinstance(defaults, dict):
        raise ConfigError([("defaults", "must be a table")])
    tenants = raw.get("tenants", {})
    if isinstance(tenants, dict):
        raw["tenants"] = {
            name: deep_merge(defaults, table) if isinstance(table, dict) else table
            for name, table in tenants.items()
        }
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            [
                (".".join(str(part) for part in err["loc"]) or "(root)", err["msg"])
                for err in exc.errors()
            ]
        ) from exc
    _check_plugins(config)
    return config


def _check_plugins(config: Config) -> None:
    """Validate every tenant's rule and detector tables with the plugins' own models."""
    from detectors.registry import DETECTORS
    from rules.registry import RULES

    problems: list[tuple[str, str]] = []
    for name, tenant in config.tenants.items():
        problems += RULES.validate(tenant.rules, f"tenants.{name}.rules")
        problems += DETECTORS.validate(tenant.detectors, f"tenants.{name}.detectors")
    if problems:
        raise ConfigError(problems)


def load_config(path: str | Path) -> Config:
    """Read and validate the TOML file at ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([("(file)", f"cannot read {path}: {exc.strerror}")]) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([("(file)", f"not valid TOML: {exc}")]) from exc
    return parse_config(raw)
