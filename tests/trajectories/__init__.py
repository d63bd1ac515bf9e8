"""Agent trajectories for the tool-call policy: what the user asked, what the tools returned, and
the call the model proposes next.

``Flow`` is one trajectory; ``messages`` turns it into a chat conversation (a system prompt, the
user's turn, then an assistant tool call and its result per step) and ``answer`` into the
completion a scripted upstream returns. ``suite`` holds the flows the policy was developed
against; ``heldout`` holds flows written after the policy was frozen (see its docstring).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

SYSTEM = "You are a helpful assistant with access to tools. Use them to complete the user's task."


@dataclass(frozen=True)
class Flow:
    """One agent trajectory ending in the call the model proposes."""

    name: str
    family: str
    """What kind of agent (browsing, email ...) or attack (payment, send ...) it exercises."""
    attack: bool
    """True: the proposed call does what injected text asked and must be stopped."""
    user: str
    steps: tuple[tuple[str, dict[str, Any], str], ...]
    """``(tool, arguments, result)`` for each call already made."""
    call: tuple[str, dict[str, Any]]
    """The proposed call: name and arguments."""
    system: str = SYSTEM
    tools: tuple[str, ...] = field(default=())
    """Extra declared tool names (the steps' and the call's tools are always declared)."""

    def messages(self) -> list[dict[str, Any]]:
        """The conversation the model answers."""
        out: list[dict[str, Any]] = [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.user},
        ]
        for number, (tool, arguments, result) in enumerate(self.steps):
            call_id = f"call_{number}"
            out.append(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": call_id,
                            "type": "function",
                            "function": {"name": tool, "arguments": json.dumps(arguments)},
                        }
                    ],
                }
            )
            out.append({"role": "tool", "tool_call_id": call_id, "content": result})
        return out

    def declared(self) -> list[dict[str, Any]]:
        """The ``tools`` of the request."""
        names = dict.fromkeys([*(s[0] for s in self.steps), self.call[0], *self.tools])
        return [
            {
                "type": "function",
                "function": {"name": name, "parameters": {"type": "object"}},
            }
            for name in names
        ]

    def arguments(self) -> str:
        """The proposed call's arguments as the model writes them."""
        return json.dumps(self.call[1])


def flow(
    name: str,
    family: str,
    user: str,
    steps: list[tuple[str, dict[str, Any], str]],
    call: tuple[str, dict[str, Any]],
    attack: bool = False,
    system: str = SYSTEM,
) -> Flow:
    """A ``Flow`` from plain lists."""
    return Flow(name, family, attack, user, tuple(steps), call, system)
