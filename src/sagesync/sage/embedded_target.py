"""The embedded target: post straight into the embedded Sage company (SQLite).

The company file and the ledger are one SQLite connection (the ledger is
ATTACHed), so the Sage rows of a batch and their ledger record commit or roll
back together: exactly-once without an intent record.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from sagesync.bulk import bulk_insert
from sagesync.core.mapping import AccountMapping
from sagesync.core.model import Customer, JournalEntry, Project
from sagesync.core.reference import CompanyReference
from sagesync.errors import ConfigurationError
from sagesync.ledger.store import Ledger
from sagesync.sage import schema
from sagesync.sage.reader import next_ec_no, read_company_reference
from sagesync.sage.rows import entry_rows, section_row, tiers_row


class EmbeddedTarget:
    name = "embedded"
    posted_state = "posted"

    def __init__(self, company_path: Path, ledger: Ledger, mapping: AccountMapping) -> None:
        if not company_path.is_file():
            raise ConfigurationError(f"no embedded Sage company at {company_path}: "
                                     "create it with `sagesync company init`, or fix sage_location in the profile")
        self.company_path = company_path
        self.mapping = mapping
        self.engine = ledger.attached_to(company_path)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    def reference(self, connection: Connection) -> CompanyReference:
        return read_company_reference(connection, journal=self.mapping.journal, plan=self.mapping.analytic_plan)

    def create_tiers(self, connection: Connection, customers: Sequence[Customer]) -> None:
        if customers:
            connection.execute(schema.F_COMPTET.insert(),
                               [tiers_row(customer, self.mapping.collective_account) for customer in customers])

    def create_sections(self, connection: Connection, projects: Sequence[Project], plan_number: int) -> None:
        if projects:
            connection.execute(schema.F_COMPTEA.insert(), [section_row(project, plan_number) for project in projects])

    def post_entries(self, connection: Connection, entries: Sequence[JournalEntry],
                     reference: CompanyReference) -> list[str]:
        first = next_ec_no(connection)
        currency_numbers = {code: index + 1 for index, code in enumerate(reference.currencies)}
        general: list[dict[str, Any]] = []
        analytic: list[dict[str, Any]] = []
        refs: list[str] = []
        for entry in entries:
            entry_general, entry_analytic = entry_rows(entry, first_ec_no=first, plan_numbers=reference.analytic_plans,
                                                       currency_numbers=currency_numbers)
            general += entry_general
            analytic += entry_analytic
            refs.append(f"EC_No {first}-{first + len(entry_general) - 1}")
            first += len(entry_general)
        bulk_insert(connection, schema.F_ECRITUREC, general)
        bulk_insert(connection, schema.F_ECRITUREA, analytic)
        return refs

    def start_run(self, run_id: int) -> dict[str, Path]:
        return {}  # nothing can be left half-done: each batch is one transaction

    def finish_run(self, run_id: int) -> dict[str, Path]:
        return {}

    def dispose(self) -> None:
        self.engine.dispose()
