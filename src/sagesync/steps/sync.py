"""The whole job in order, as the old connector's buttons did it one by one."""

from __future__ import annotations

from sagesync.steps.context import StepContext
from sagesync.steps.events import RunReport, Step
from sagesync.steps.invoices import check_and_pull_invoices
from sagesync.steps.registry import STEPS


def sync(context: StepContext) -> list[RunReport]:
    """Every step of the registry in order, each its own run in the ledger.

    Check invoices and Pull invoices share one pass over the platform (each document is read
    once, checked and posted), and still report as two runs.
    """
    reports: list[RunReport] = []
    for step in STEPS.values():
        if step.name == Step.CHECK and Step.INVOICES in STEPS:
            continue  # done with Pull invoices, in the same pass
        if step.name == Step.PAYMENTS and context.cash is None:
            continue  # the profile has no [payments] table: payments are left alone
        if step.name == Step.SETTLEMENTS and context.settlement_sender is None:
            continue  # settlements matched in Sage stay there (payments.direction)
        if step.name == Step.INVOICES and Step.CHECK in STEPS:
            reports += check_and_pull_invoices(context)
        else:
            reports.append(step.run(context))
    return reports
