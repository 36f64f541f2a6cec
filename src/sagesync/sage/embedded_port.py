"""The embedded company as a Sage port: rows straight into the SQLite company.

The company file and the ledger are one SQLite connection (the ledger file is
ATTACHed as ``ledger``), so the Sage rows of a batch and their ledger record
commit or roll back together: an item is confirmed the moment it is delivered.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, event, update

from sagesync.bulk import bulk_insert
from sagesync.core.cash import LetteredGroups
from sagesync.core.delivery import Delivery, DeliveryReport, DeliveryState, HeldPiece, ItemKind, Receipt
from sagesync.core.mapping import AccountMapping
from sagesync.core.reference import CompanyReference
from sagesync.errors import ConfigurationError
from sagesync.i18n import _
from sagesync.sage import schema
from sagesync.sage.reader import (
    existing_pieces,
    held_pieces,
    held_references,
    lettered_receipts,
    letters_in_use,
    next_ec_no,
    read_company_reference,
    sagesync_references,
)
from sagesync.sage.rows import entry_rows, section_row, tiers_row
from sagesync.sqlite import sqlite_engine


class EmbeddedCompany:
    name = "embedded"
    shares_ledger_transaction = True

    def __init__(self, company_path: Path, mapping: AccountMapping) -> None:
        if not company_path.is_file():
            raise ConfigurationError(_("no embedded Sage company at {path}: create it with `sagesync company init`, "
                                       "or fix sage_location in the profile").format(path=company_path))
        self.company_path = company_path
        self.mapping = mapping
        self._engines: dict[Path, Engine] = {}
        # Plan and currency positions, read once: they do not move while a job runs, and reading the
        # whole reference per batch would cost more than the batch.
        self._positions: tuple[dict[str, int], dict[str, int]] | None = None

    def _engine(self, ledger_path: Path | None) -> Engine:
        key = ledger_path or Path()
        engine = self._engines.get(key)
        if engine is None:
            engine = sqlite_engine(self.company_path)
            if ledger_path is not None:
                attached = str(ledger_path)

                @event.listens_for(engine, "connect")
                def _attach(dbapi_connection: Any, _record: Any) -> None:
                    cursor = dbapi_connection.cursor()
                    cursor.execute("ATTACH DATABASE ? AS ledger", (attached,))
                    cursor.close()

            self._engines[key] = engine
        return engine

    @contextmanager
    def transaction(self, ledger_path: Path) -> Iterator[Connection]:
        with self._engine(ledger_path).begin() as connection:
            yield connection

    @contextmanager
    def _reading(self, connection: Connection | None) -> Iterator[Connection]:
        if connection is not None:
            yield connection
        else:
            with self._engine(None).connect() as own:
                yield own

    def reference(self, connection: Connection | None = None) -> CompanyReference:
        with self._reading(connection) as reading:
            return read_company_reference(reading, journal=self.mapping.journal, plan=self.mapping.analytic_plan)

    def held(self, references: Collection[str], connection: Connection | None = None) -> set[str] | None:
        with self._reading(connection) as reading:
            return held_references(reading, references)

    def numbers_held(self, journal: str, numbers: Collection[str],
                     connection: Connection | None = None) -> dict[str, str] | None:
        with self._reading(connection) as reading:
            return existing_pieces(reading, journal, list(numbers))

    def sagesync_references(self, known_places: Collection[str] = ()) -> set[str] | None:
        with self._engine(None).connect() as connection:
            return sagesync_references(connection)

    def held_pieces(self) -> Iterator[HeldPiece] | None:
        reference = self.reference()

        def pieces() -> Iterator[HeldPiece]:
            with self._engine(None).connect() as connection:
                yield from held_pieces(connection, reference.currencies)

        return pieces()

    def lettered_receipts(self, connection: Connection | None = None) -> LetteredGroups | None:
        with self._reading(connection) as reading:
            return lettered_receipts(reading)

    def letters_in_use(self, tiers: Collection[str], connection: Connection | None = None
                       ) -> dict[str, list[str]] | None:
        with self._reading(connection) as reading:
            return letters_in_use(reading, tiers)

    def deliver(self, delivery: Delivery, connection: Connection | None = None) -> DeliveryReport:
        if connection is None:
            raise ValueError("the embedded company delivers inside the ledger's transaction")
        receipts: list[Receipt] = []
        if self._positions is None:
            reference = self.reference(connection)
            self._positions = (dict(reference.analytic_plans),
                               {code: index + 1 for index, code in enumerate(reference.currencies)})
        plans, currency_numbers = self._positions
        if delivery.tiers:
            connection.execute(schema.F_COMPTET.insert(),
                               [tiers_row(customer, self.mapping.collective_account) for customer in delivery.tiers])
            receipts += [Receipt(ItemKind.TIERS, customer.source_id, DeliveryState.CONFIRMED,
                                 f"F_COMPTET {customer.code.strip().upper()}") for customer in delivery.tiers]
        if delivery.sections:
            plan = plans.get(self.mapping.analytic_plan)
            if plan is None:
                raise ConfigurationError(_("analytic plan {plan} does not exist in the company: create it in Sage or "
                                           "fix analytic_plan in the profile").format(plan=self.mapping.analytic_plan))
            connection.execute(schema.F_COMPTEA.insert(), [section_row(project, plan) for project in delivery.sections])
            receipts += [Receipt(ItemKind.SECTION, project.source_id, DeliveryState.CONFIRMED,
                                 f"F_COMPTEA {project.code.strip().upper()}") for project in delivery.sections]
        general: list[dict[str, Any]] = []
        analytic: list[dict[str, Any]] = []
        first = 0
        for entry in delivery.entries:
            if not first:
                first = next_ec_no(connection)
            entry_general, entry_analytic = entry_rows(entry, first_ec_no=first, plan_numbers=plans,
                                                       currency_numbers=currency_numbers)
            general += entry_general
            analytic += entry_analytic
            receipts.append(Receipt(ItemKind.ENTRY, entry.source_id, DeliveryState.CONFIRMED,
                                    f"EC_No {first}-{first + len(entry_general) - 1}"))
            first += len(entry_general)
        bulk_insert(connection, schema.F_ECRITUREC, general)
        bulk_insert(connection, schema.F_ECRITUREA, analytic)
        letters = [{"b_reference": reference, "b_account": matching.account, "b_tiers": matching.tiers,
                    "b_letter": matching.letter}
                   for matching in delivery.matchings for reference in matching.references]
        if letters:  # after the entries: a matching may letter the ones just written. One statement, many rows.
            lines = schema.F_ECRITUREC.c
            connection.execute(update(schema.F_ECRITUREC).where(
                lines.EC_Reference == bindparam("b_reference"), lines.CG_Num == bindparam("b_account"),
                lines.CT_Num == bindparam("b_tiers")).values(EC_Lettre=1, EC_Lettrage=bindparam("b_letter")), letters)
        return DeliveryReport(tuple(receipts))

    def close(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
