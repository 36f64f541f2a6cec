"""The Sage import file as a Sage port: one file per run, for a person to import in Sage.

It cannot share the ledger's transaction, so the ledger records items pending
first and hands them over here once a run has decided them all
(``sagesync.ledger.delivery``): each hand-over is one file, written beside
itself and renamed (atomic), and every item in it gets a ``delivered`` receipt
naming the file. The same run's file is written again, identically, if the
receipts could not be recorded: the file name is the run's, so Sage is never
offered two files with the same pieces.

Sage confirms: with read access to the company (its SQL database, or the
embedded company standing in for it), ``held`` finds imported pieces by the
source reference each carries (``EC_Reference``). A ``.mae`` company without
SQL access cannot be read from here: then the import files themselves say what
sagesync handed over (``sagesync_references``, ``held_pieces``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

from sqlalchemy import Connection, Engine

from sagesync.core.cash import LetteredGroups
from sagesync.core.delivery import (
    Delivery,
    DeliveryReport,
    DeliveryState,
    HeldPiece,
    ItemKind,
    Receipt,
    is_sagesync_reference,
)
from sagesync.core.mapping import AccountMapping
from sagesync.core.model import AnalyticSplit, EntryLine, JournalEntry
from sagesync.core.reference import CompanyReference
from sagesync.sage.flagfile.layouts import FormatProfile
from sagesync.sage.flagfile.parser import ParsedPiece, parse_flag_file, pieces
from sagesync.sage.flagfile.writer import new_records, write_import_file
from sagesync.sage.reader import (
    existing_pieces,
    held_piece,
    held_pieces,
    held_references,
    lettered_receipts,
    letters_in_use,
    line_role,
    sagesync_references,
)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "company"


class ImportFile:
    name = "file"
    shares_ledger_transaction = False

    def __init__(self, company: str, mapping: AccountMapping, outbox: Path,
                 read_reference: Callable[[], CompanyReference], fmt: FormatProfile,
                 open_company: Callable[[], Engine] | None = None) -> None:
        self.company = company
        self.mapping = mapping
        self.outbox = outbox
        self.fmt = fmt
        self._read_reference = read_reference
        self._open_company = open_company
        self._engine: Engine | None = None
        self._reference: CompanyReference | None = None

    def file_path(self, batch: str) -> Path:
        return self.outbox / f"{_slug(self.company)}-run{int(batch):05d}.txt"

    def transaction(self, ledger_path: Path) -> AbstractContextManager[Connection]:
        raise TypeError("an import file cannot share the ledger's transaction")

    def reference(self, connection: Connection | None = None) -> CompanyReference:
        """Read once per job: the company (SQL or export file) is not the ledger."""
        if self._reference is None:
            self._reference = self._read_reference()
        return self._reference

    def _company(self) -> Engine | None:
        if self._engine is None and self._open_company is not None:
            self._engine = self._open_company()
        return self._engine

    # --- what Sage holds ------------------------------------------------------------------------

    def held(self, references: Collection[str], connection: Connection | None = None) -> set[str] | None:
        engine = self._company()
        if engine is None:
            return None
        with engine.connect() as reading:
            return held_references(reading, references)

    def numbers_held(self, journal: str, numbers: Collection[str],
                     connection: Connection | None = None) -> dict[str, str] | None:
        engine = self._company()
        if engine is None:
            return None
        with engine.connect() as reading:
            return existing_pieces(reading, journal, list(numbers))

    def lettered_receipts(self, connection: Connection | None = None) -> LetteredGroups | None:
        engine = self._company()
        if engine is None:
            return None
        with engine.connect() as reading:
            return lettered_receipts(reading)

    def letters_in_use(self, tiers: Collection[str], connection: Connection | None = None
                       ) -> dict[str, list[str]] | None:
        engine = self._company()
        if engine is None:
            return None
        with engine.connect() as reading:
            return letters_in_use(reading, tiers)

    def sagesync_references(self, known_places: Collection[str] = ()) -> set[str] | None:
        """The company's (when readable) and the import files' that the ledger does not account for: a file
        written but not imported yet is as good as in Sage, since a person may import it at any time."""
        found = {piece.reference for piece in self._written_pieces(skip=set(known_places))}
        engine = self._company()
        if engine is not None:
            with engine.connect() as reading:
                found |= sagesync_references(reading)
            return found
        return found if found or any(self.outbox.glob("*.txt")) else None

    def held_pieces(self) -> Iterator[HeldPiece] | None:
        engine = self._company()
        if engine is not None:
            currencies = self.reference().currencies

            def read() -> Iterator[HeldPiece]:
                with engine.connect() as reading:
                    yield from held_pieces(reading, currencies)

            return read()
        return self._written_pieces()

    def _written_pieces(self, skip: Collection[str] = ()) -> Iterator[HeldPiece]:
        """The pieces of every import file sagesync wrote (a .mae company without SQL access)."""
        paths = [path for path in sorted(self.outbox.glob("*.txt")) if path.name not in skip]
        if not paths:
            return
        plans = {number: name for name, number in self.reference().analytic_plans.items()}
        currencies = self.reference().currencies
        for path in paths:
            for parsed in pieces(parse_flag_file(path, self.fmt), self.fmt, str(path)):
                if is_sagesync_reference(parsed.reference):
                    yield held_from_file(parsed, path.name, plans, currencies)

    # --- handing over ---------------------------------------------------------------------------

    def deliver(self, delivery: Delivery, connection: Connection | None = None) -> DeliveryReport:
        reference = self.reference()
        plan_number = reference.analytic_plans.get(self.mapping.analytic_plan, 0)
        customers, projects = new_records(delivery.tiers, delivery.sections, reference, plan_number)
        path = self.file_path(delivery.batch or "0")
        delivered: list[str] = []

        def tracked() -> Iterator[JournalEntry]:
            for entry in delivery.entries:
                delivered.append(entry.source_id)
                yield entry

        self.outbox.mkdir(parents=True, exist_ok=True)
        write_import_file(path, entries=tracked(), new_customers=customers, new_projects=projects,
                          collective_account=self.mapping.collective_account, plan_number=plan_number,
                          currency_numbers={code: index + 1 for index, code in enumerate(reference.currencies) if code},
                          fmt=self.fmt)
        written_tiers = {customer.source_id for customer in customers}
        written_sections = {project.source_id for project in projects}
        receipts = [Receipt(ItemKind.TIERS, customer.source_id,
                            DeliveryState.DELIVERED if customer.source_id in written_tiers else DeliveryState.CONFIRMED,
                            path.name if customer.source_id in written_tiers else "already in Sage")
                    for customer in delivery.tiers]
        receipts += [Receipt(ItemKind.SECTION, project.source_id,
                             DeliveryState.DELIVERED if project.source_id in written_sections
                             else DeliveryState.CONFIRMED,
                             path.name if project.source_id in written_sections else "already in Sage")
                     for project in delivery.sections]
        receipts += [Receipt(ItemKind.ENTRY, source_id, DeliveryState.DELIVERED, path.name) for source_id in delivered]
        return DeliveryReport(tuple(receipts), {"import file": str(path)})

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def held_from_file(parsed: ParsedPiece, file_name: str, plans: dict[int, str],
                   currencies: tuple[str, ...]) -> HeldPiece:
    """A piece of an import file as the entry sagesync handed over (Sage may not have imported it)."""
    lines = []
    for line in parsed.lines:
        currency = currencies[line.currency_number - 1] if 0 < line.currency_number <= len(currencies) else ""
        lines.append(EntryLine(role=line_role(line.account, line.tiers, line.vat_code), account=line.account,
                               side=line.side, amount=line.amount, label=line.label, tiers=line.tiers,
                               vat_code=line.vat_code, due_date=line.due_date, currency=currency,
                               currency_amount=line.currency_amount if currency else None,
                               analytic=tuple(AnalyticSplit(plans.get(split.plan_number, str(split.plan_number)),
                                                            split.section, split.amount)
                                              for split in line.analytics)))
    return held_piece(parsed.reference, parsed.journal, parsed.entry_date, parsed.piece, parsed.invoice_number,
                      lines, where=file_name, in_company=False)
