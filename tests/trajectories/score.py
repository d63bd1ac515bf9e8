"""Utility and attack stop rate per family, and the cost of one decision, in process.

``python -m tests.trajectories.score`` prints both sets (suite and held-out) and the time per
decision. The proxy-level tests (``tests/test_tool_trajectories.py``) check the same flows over
sockets, JSON and streaming.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from rules.base import RuleScope
from rules.conversation import Conversation, ProposedCall
from rules.flow import Decider, Ruling
from rules.toolguard import ToolGuard, ToolGuardConfig
from tests.trajectories import Flow

CONFIG: dict[str, Any] = {}
"""The tenant's ``tool_guard`` table the trajectories run under (the defaults)."""


def conversation(flow: Flow, guard: ToolGuard) -> Conversation:
    """The conversation model the rule builds for ``flow``'s request."""
    body = {"model": "m", "messages": flow.messages(), "tools": flow.declared()}
    record = guard.apply(body, RuleScope("req_score")).record
    return record.conversation or Conversation()


def rulings(flow: Flow, guard: ToolGuard) -> list[Ruling]:
    """What the policy rules on ``flow``'s proposed call."""
    decider = Decider(conversation(flow, guard), guard.config.policy())
    return decider.decide([ProposedCall.of(flow.call[0], flow.arguments())])


def report(flows: Sequence[Flow], title: str) -> dict[str, tuple[int, int]]:
    """``family -> (right, total)``, printed with the flows the policy got wrong."""
    guard = ToolGuard(ToolGuardConfig(**CONFIG))
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong: list[str] = []
    for flow in flows:
        stopped = rulings(flow, guard)
        right = bool(stopped) == flow.attack
        key = f"{'attack' if flow.attack else 'benign'}/{flow.family}"
        tally[key][0] += right
        tally[key][1] += 1
        if not right:
            wrong.append(f"  {flow.name}: {[r.category for r in stopped] or 'allowed'}")
    print(f"\n{title}")
    for kind in ("benign", "attack"):
        keys = sorted(k for k in tally if k.startswith(kind))
        right = sum(tally[k][0] for k in keys)
        total = sum(tally[k][1] for k in keys)
        label = "allowed (utility)" if kind == "benign" else "stopped"
        print(f"  {kind}: {right}/{total} {label} = {right / max(total, 1):.3f}")
        for key in keys:
            print(f"    {key:34s} {tally[key][0]}/{tally[key][1]}")
    print("\n".join(wrong) or "  (no errors)")
    return {k: (v[0], v[1]) for k, v in tally.items()}


def cost(flows: Sequence[Flow], rounds: int = 200) -> tuple[float, float]:
    """Microseconds per decision: with the conversation indexed afresh (the first call of a
    request), and the request rule's conversation build plus injection scan per flow."""
    guard = ToolGuard(ToolGuardConfig(**CONFIG))
    built = [(conversation(f, guard), f) for f in flows]
    policy = guard.config.policy()
    started = time.perf_counter()
    for _ in range(rounds):
        for conv, flow in built:
            Decider(conv, policy).decide([ProposedCall.of(flow.call[0], flow.arguments())])
    decide_us = (time.perf_counter() - started) / (rounds * len(built)) * 1e6
    started = time.perf_counter()
    for _ in range(max(rounds // 10, 1)):
        for flow in flows:
            conversation(flow, guard)
    build_us = (time.perf_counter() - started) / (max(rounds // 10, 1) * len(flows)) * 1e6
    return decide_us, build_us


def main() -> None:
    from tests.trajectories import heldout, heldout2, suite

    report(suite.BENIGN + suite.ATTACKS, "suite (developed against)")
    report(heldout.BENIGN + heldout.ATTACKS, "first held-out set (tuned on since: development)")
    report(
        heldout2.BENIGN + heldout2.ATTACKS, "second held-out set (written after the last change)"
    )
    decide_us, build_us = cost(suite.BENIGN + suite.ATTACKS)
    print(
        f"\ndecision: {decide_us:.1f} us per call; request rule (model + scan): {build_us:.1f} us"
    )


if __name__ == "__main__":
    main()
