"""The whole job in order, as the old connector's buttons did it one by one."""

from __future__ import annotations

from collections.abc import Callable

from sagesync.steps.context import StepContext
from sagesync.steps.events import RunReport, Step
from sagesync.steps.invoices import check_invoices, pull_invoices
from sagesync.steps.referential import pull_customers, pull_projects
from sagesync.steps.writeback import write_back

STEPS: dict[str, Callable[[StepContext], RunReport]] = {
    Step.CUSTOMERS: pull_customers,
    Step.PROJECTS: pull_projects,
    Step.CHECK: check_invoices,
    Step.INVOICES: pull_invoices,
    Step.WRITEBACK: write_back,
}


def sync(context: StepContext) -> list[RunReport]:
    """Customers, projects, check, invoices, write-back; each its own run in the ledger."""
    return [run(context) for run in STEPS.values()]
