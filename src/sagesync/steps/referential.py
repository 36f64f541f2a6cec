"""Pull customers and Pull projects: platform records -> Sage tiers and sections.

Both follow one rule: a record with an empty or duplicated code is a finding,
never guessed; a code that already exists in Sage is linked, never overwritten
(a Sage import rewrites the whole record); only new ones are created, through
the delivery desk, so a run that dies leaves each one delivered or pending,
never recorded as synced and lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from sagesync.core.checks import check_customers, check_projects
from sagesync.core.delivery import ItemKind
from sagesync.core.findings import Finding
from sagesync.core.model import Customer, Project
from sagesync.core.reference import CompanyReference
from sagesync.errors import ConfigurationError
from sagesync.i18n import _
from sagesync.ledger import store
from sagesync.ledger.delivery import Decided
from sagesync.sources.base import Rejected
from sagesync.steps.context import StepContext
from sagesync.steps.events import ProgressEvent, RunReport, Step
from sagesync.steps.runs import open_run

Record = TypeVar("Record", Customer, Project)


def _pull(context: StepContext, step: str, kind: ItemKind, fetched: Iterable[Record | Rejected],
          check: Callable[[list[Record]], list[Finding]],
          existing_codes: Callable[[CompanyReference], set[str]],
          name_of: Callable[[Record], str]) -> RunReport:
    desk = context.desk
    with open_run(context, step) as report:
        records: list[Record] = []
        for item in fetched:
            if isinstance(item, Rejected):
                report.counts["rejected"] += 1
                report.add_findings(item.findings)
            else:
                records.append(item)
            if (len(records) + report.counts["rejected"]) % 200 == 0:
                context.events(ProgressEvent(step, "advance", len(records) + report.counts["rejected"]))
        findings = check(records)
        refused = {finding.source_id for finding in findings if finding.blocks}
        report.add_findings(findings)
        with desk.batch() as connection:
            in_sage = existing_codes(desk.reference(connection, fresh=True))
            synced = store.synced_codes(connection, context.company, kind.value)
            decided: list[Decided] = []
            for record in records:
                code = record.code.strip().upper()
                if record.source_id in refused:
                    report.counts["rejected"] += 1
                elif record.source_id in synced:
                    report.counts["already_synced"] += 1
                elif code in in_sage:
                    report.counts["linked_existing"] += 1
                    decided.append(Decided(record, code, name_of(record), "existing"))
                else:
                    report.counts["created"] += 1
                    decided.append(Decided(record, code, name_of(record), "created"))
            desk.submit_records(connection, kind, report.run_id, decided)
            store.record_findings(connection, context.company, report.run_id, findings, kind=kind.value,
                                  checked=[record.source_id for record in records])
        context.events(ProgressEvent(step, "advance", len(records), len(records)))
    return report


def pull_customers(context: StepContext) -> RunReport:
    return _pull(context, Step.CUSTOMERS, ItemKind.TIERS, context.source.customers(), check_customers,
                 lambda reference: set(reference.tiers), lambda customer: customer.name)


def pull_projects(context: StepContext) -> RunReport:
    plan = context.mapping.analytic_plan

    def existing(reference: CompanyReference) -> set[str]:
        number = reference.analytic_plans.get(plan)
        if number is None:
            raise ConfigurationError(_("analytic plan {plan} does not exist in company {company}: create it in Sage or "
                                       "fix analytic_plan in the profile").format(plan=plan, company=context.company))
        return {section for plan_number, section in reference.sections if plan_number == number}

    return _pull(context, Step.PROJECTS, ItemKind.SECTION, context.source.projects(), check_projects, existing,
                 lambda project: project.title)
