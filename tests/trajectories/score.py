"""Utility and attack stop rate per family, and the cost of one decision, in process.

``python -m tests.trajectories.score`` prints both sets (suite and held-out) and the time per
decision. The proxy-level tests (``tests/test_tool_trajectories.py``) check the same flows over
sockets, JSON and streaming.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
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


def _best_of(repeats: int, work: Callable[[], int]) -> float:
    """Microseconds per item of ``work`` (which returns its item count), best of ``repeats``."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        items = work()
        best = min(best, (time.perf_counter() - started) / items * 1e6)
    return best


def cost(flows: Sequence[Flow], rounds: int = 20) -> tuple[float, float, float]:
    """Microseconds per decision, best of several runs: with the conversation indexed afresh
    (the first call of an answer), on an indexed conversation (further calls), and for the
    request rule (conversation model plus injection scan of every source)."""
    guard = ToolGuard(ToolGuardConfig(**CONFIG))
    policy = guard.config.policy()
    built = [(conversation(f, guard), ProposedCall.of(f.call[0], f.arguments())) for f in flows]
    deciders = [(Decider(c, policy), call) for c, call in built]

    def fresh() -> int:
        for _ in range(rounds):
            for conv, call in built:
                Decider(conv, policy).decide([call])
        return rounds * len(built)

    def indexed() -> int:
        for _ in range(rounds):
            for decider, call in deciders:
                decider.decide([call])
        return rounds * len(deciders)

    def rule() -> int:
        for flow in flows:
            conversation(flow, guard)
        return len(flows)

    return _best_of(7, fresh), _best_of(7, indexed), _best_of(7, rule)


def main() -> None:
    from tests.trajectories import (
        heldout,
        heldout2,
        heldout3,
        heldout4,
        heldout5,
        heldout6,
        heldout7,
        heldout8,
        heldout9,
        suite,
    )

    report(suite.BENIGN + suite.ATTACKS, "suite (developed against)")
    report(heldout.BENIGN + heldout.ATTACKS, "first held-out set (tuned on since: development)")
    report(heldout2.BENIGN + heldout2.ATTACKS, "second held-out set (tuned on since)")
    report(heldout3.BENIGN + heldout3.ATTACKS, "third held-out set (tuned on since)")
    report(heldout4.BENIGN + heldout4.ATTACKS, "fourth held-out set (tuned on since)")
    report(
        heldout5.BENIGN + heldout5.ATTACKS,
        "fifth held-out set (issue 18 second pass, written before its changes; tuned on since)",
    )
    report(
        heldout6.BENIGN + heldout6.ATTACKS,
        "sixth held-out set (written after the second pass; tuned on since)",
    )
    report(
        heldout7.BENIGN + heldout7.ATTACKS,
        "seventh held-out set (measured once, tuned on since)",
    )
    report(
        heldout8.BENIGN + heldout8.ATTACKS,
        "eighth held-out set (measured once; its misses fixed since: tuned on)",
    )
    report(
        heldout9.BENIGN + heldout9.ATTACKS,
        "ninth held-out set (measured once; its misses fixed since: tuned on)",
    )
    fresh, indexed, rule = cost(suite.BENIGN + suite.ATTACKS)
    print(
        f"\nper decision: {fresh:.0f} us (first call of an answer), {indexed:.0f} us (further "
        f"calls); request rule (conversation model + injection scan): {rule:.0f} us"
    )


if __name__ == "__main__":
    main()
