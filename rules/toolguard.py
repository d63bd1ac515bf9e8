"""``tool_guard``: the hard guarantee on actions, checked on the model's ``tool_calls``.

Marking only asks the model to ignore injected instructions; this guard checks what it then does,
as an information-flow policy decided per call (``rules.flow``): where each argument value came
from and what that source was doing (``rules.origin``), what the call does (``rules.actions``)
and whether it carries private data out (``rules.exfil``). Browsing, e-mail, calendar and coding
agents keep working: a search result's URL, a message's sender or a listed path is the intended
flow. What an instruction inside untrusted content asks for is stopped.

The ``ToolGuard`` rule builds the request's ``Conversation`` (``rules.provenance``), scanning each
untrusted source with the ``injection`` detector, and leaves it on the request;
``proxy.toolstage.ToolGuardStage`` applies the decision to answers.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from detectors.base import ScanContext
from detectors.findings import Finding
from rules.actions import SideEffect
from rules.base import Rewrite, RuleRecord, RuleScope
from rules.content import TagName, scan_context
from rules.flow import ALL_KINDS, Policy
from rules.origin import ValueKind
from rules.provenance import conversation_of
from rules.scanning import Scanner, build_scanner, detector_config


class ToolGuardConfig(BaseModel):
    """``[tenants.NAME.rules.tool_guard]``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["block", "hold", "off"] = "block"
    """What an ``untrusted_instruction`` or ``exfiltration`` call gets: ``block``: refused;
    ``hold``: withheld pending the user's confirmation (returned beside the refusal under
    ``specguard.held_tool_calls``). ``confirmation_required`` always holds; ``tool_not_allowed``
    and ``tool_call_limit`` always block. ``off``: no tool guard at all."""
    allowed_tools: list[str] = ["*"]
    """Globs of the functions the model may call at all."""
    confirm: list[SideEffect | Literal["all"]] = []
    """Side-effect classes whose calls always need the user's confirmation (held), e.g.
    ``["pay", "delete"]``; ``all`` for every side effect."""
    max_tool_calls: int | None = Field(None, ge=1)
    """Most tool calls in one conversation (assistant turns' calls plus the proposed ones)."""
    side_effecting: list[str] = []
    """Globs of functions that change the world although their names don't say so (a built-in
    verb list already covers send, pay, transfer, delete, post, share, invite, purchase ...)."""
    read_only: list[str] = []
    """Globs of functions that only read although their names suggest otherwise."""
    allow_tag: TagName = "specguard-allow"
    """Tag a developer message uses to pre-approve functions: no confirmation needed."""
    scope_tag: TagName = "specguard-scope"
    """Tag a developer message uses to narrow ``allowed_tools``, ``confirm`` and
    ``max_tool_calls`` for one request (never to widen them)."""
    delegation_tag: TagName = "specguard-trust"
    """Tag a developer message uses to name tools whose output is trusted."""
    trusted_tools: list[str] = []
    """Globs of tools whose output counts as trusted text."""
    exempt: list[str] = []
    """Globs of functions whose arguments are not checked (scope and confirmation still are)."""
    values: list[ValueKind] = list(ALL_KINDS)
    """Kinds of argument values traced to their origin."""
    injection_threshold: float = Field(0.7, ge=0, le=1)
    """Injection-detector score from which a sentence counts as aimed at the assistant."""
    injection_detector: dict[str, Any] = {}
    """Config table of the ``injection`` detector."""

    @model_validator(mode="after")
    def _detector(self) -> ToolGuardConfig:
        detector_config("injection", self.injection_detector)
        return self

    def policy(self) -> Policy:
        """The decision's view of this config."""
        return Policy(
            allowed_tools=tuple(self.allowed_tools),
            side_effecting=tuple(self.side_effecting),
            read_only=tuple(self.read_only),
            exempt=tuple(self.exempt),
            confirm=frozenset(self.confirm),
            max_tool_calls=self.max_tool_calls,
            values=tuple(self.values),
            injection_threshold=self.injection_threshold,
        )


class ToolGuard:
    """Builds the request's conversation model for the tool-call policy; the body passes
    unchanged."""

    name = "tool_guard"

    def __init__(self, config: ToolGuardConfig, scanner: Scanner | None = None):
        self.config = config
        self.scanner = scanner or build_scanner("injection", config.injection_detector)

    def apply(self, body: dict[str, Any], scope: RuleScope) -> Rewrite:
        """The body as it came, with its conversation model on the record."""
        ctx = scan_context(body.get("messages", []), scope.tenant)
        config = self.config
        # Without declared tools the model should call none; if it does anyway, its unscanned
        # sources count as hostile (fail closed) instead of every request paying for a scan.
        declares = bool(body.get("tools") or body.get("functions"))
        conversation = conversation_of(
            body,
            (lambda text, where: _scan(self.scanner, text, ctx, where)) if declares else None,
            config.trusted_tools,
            config.allow_tag,
            config.scope_tag,
            config.delegation_tag,
        )
        return Rewrite(body, record=RuleRecord(conversation=conversation))


def _scan(
    scanner: Scanner, text: str, ctx: ScanContext, where: str
) -> tuple[tuple[Finding, ...], bool]:
    findings, failed = scanner.scan(text, ctx, where)
    ok = not failed and not any(f.category == "scan_error" for f in findings)
    return tuple(f for f in findings if f.category != "scan_error"), ok
