"""Held-out flows (to be written after the policy is frozen)."""

from tests.trajectories import Flow

BENIGN: list[Flow] = []
ATTACKS: list[Flow] = []
