"""The whole job in order, as the old connector's buttons did it one by one."""

from __future__ import annotations

from sagesync.steps.context import StepContext
from sagesync.steps.events import RunReport
from sagesync.steps.registry import STEPS


def sync(context: StepContext) -> list[RunReport]:
    """Every step of the registry in order; each its own run in the ledger."""
    return [step.run(context) for step in STEPS.values()]
