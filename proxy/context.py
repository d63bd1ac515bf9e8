"""The request-scoped object that flows through rules -> upstream -> detectors -> policy.

Everything a request learns lives here, never on a shared plugin instance: concurrent requests
must not see each other's state.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from detectors.base import ScanContext
from detectors.findings import Finding
from rules.base import RuleRecord

if TYPE_CHECKING:
    from detectors.policy import Verdict
    from proxy.runtime import Tenant

_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def request_id_from(header: str | None) -> str:
    """The client's ``x-request-id`` if it is a sane token, else a fresh one."""
    if header and _CLIENT_REQUEST_ID.match(header):
        return header
    return f"req_{secrets.token_hex(12)}"


@dataclass(slots=True)
class RequestContext:
    """What one chat request has accumulated so far."""

    request_id: str
    """Echoed as ``x-request-id`` and sent upstream."""
    tenant: Tenant
    """The authenticated tenant, with the pipeline of the config the request started on."""
    started: float = field(default_factory=time.perf_counter)
    """``perf_counter`` at arrival."""
    route: str = "none"
    """The matched route's ``match`` glob (a configured name: safe as a metric label)."""
    upstream: str = "none"
    """The upstream's configured name."""
    stream: bool = False
    """Whether the client asked for SSE."""
    findings: list[Finding] = field(default_factory=list)
    """Everything rules and detectors found."""
    stage_seconds: dict[str, float] = field(default_factory=dict)
    """Time spent per proxy stage (``rules``, ``detectors``), excluding the upstream."""
    upstream_seconds: float = 0.0
    """Time spent waiting for the upstream."""
    system_role: str = "system"
    """Role platform-level messages go in for the routed upstream (its ``system_role``)."""
    record: RuleRecord = field(default_factory=RuleRecord)
    """What request rules left for the output side: markers to strip, provenance."""
    scan: ScanContext = field(default_factory=ScanContext)
    """What detectors may know of the client's request."""
    programmatic: bool = False
    """The request set ``response_format``: refusals go in ``message.refusal`` only."""
    verdict: Verdict | None = None
    """The policy outcome so far (input and output screening)."""

    def elapsed(self) -> float:
        """Seconds since the request arrived."""
        return time.perf_counter() - self.started

    def add_stage_time(self, stage: str, seconds: float) -> None:
        """Account ``seconds`` of proxy work to ``stage``."""
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + seconds
