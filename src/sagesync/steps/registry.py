"""The steps, listed once: name, title, function, order. `sync`, the CLI and the console read this list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sagesync.i18n import N_, _
from sagesync.steps.context import StepContext
from sagesync.steps.events import RunReport, Step
from sagesync.steps.invoices import check_invoices, pull_invoices
from sagesync.steps.payments import pull_payments
from sagesync.steps.referential import pull_customers, pull_projects
from sagesync.steps.settlements import send_settlements
from sagesync.steps.writeback import write_back


@dataclass(frozen=True, slots=True)
class StepInfo:
    name: str
    title: str  # English, marked with N_: ``step_title`` gives it in the reader's language
    run: Callable[[StepContext], RunReport]
    order: int
    help: str  # one line, for the CLI's help (English, marked with N_, translated by the CLI)


REGISTRY: tuple[StepInfo, ...] = (
    StepInfo(Step.CUSTOMERS, N_("Pull customers"), pull_customers, 10,
             N_("Pull customers: platform clients become Sage tiers (never overwritten).")),
    StepInfo(Step.PROJECTS, N_("Pull projects"), pull_projects, 20,
             N_("Pull projects: platform projects become analytic sections (never overwritten).")),
    StepInfo(Step.CHECK, N_("Check invoices"), check_invoices, 30,
             N_("Check invoices: list every problem per document; writes a CSV and an HTML report.")),
    StepInfo(Step.INVOICES, N_("Pull invoices"), pull_invoices, 40,
             N_("Pull invoices: post clean invoices and credit notes, once and only once.")),
    StepInfo(Step.PAYMENTS, N_("Pull payments"), pull_payments, 45,
             N_("Pull payments: post platform payments in the bank journal, with the VAT on receipts they make "
                "due, and match them with their invoices.")),
    StepInfo(Step.SETTLEMENTS, N_("Send settlements"), send_settlements, 48,
             N_("Send settlements: receipts matched in Sage against posted invoices become payments on the "
                "platform (never doubled).")),
    StepInfo(Step.WRITEBACK, N_("Write back"), write_back, 50,
             N_("Write back: tell the platform what was posted (outbox, retried).")),
)
STEPS: dict[str, StepInfo] = {step.name: step for step in sorted(REGISTRY, key=lambda step: step.order)}


def step_title(name: str) -> str:
    step = STEPS.get(name)
    return _(step.title) if step is not None else name


def step_named(name: str) -> StepInfo:
    from sagesync.errors import ConfigurationError

    try:
        return STEPS[name]
    except KeyError:
        raise ConfigurationError(_("unknown step {name}: expected one of sync, {steps}").format(
            name=name, steps=", ".join(STEPS))) from None
