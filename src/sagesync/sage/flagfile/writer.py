"""Writing the Sage 100 import file: new tiers, new sections, balanced pieces.

Layout (sage100.md §2, §6): ``#FLG 000`` / ``#VER n`` / ``#DEV EUR``, one
``#MPCT`` per new client (type 0, collective account, attached account), one
``#MPCA`` per new project section, then per entry line one ``#MECG`` followed by
one ``#MECA`` per analytic split, and ``#FIN``. CP850, CRLF.

Two rules protect the books:
- an import *overwrites* a tiers or section that already exists, so the writer
  takes only the new ones (``new_records`` filters against the company);
- a piece that does not balance, or whose analytic splits do not add up to
  their line, is a bug upstream: ``ValueError``, and nothing of it is written.

Entries are streamed: each piece is checked, encoded and written before the
next is read. A file target is written beside itself and renamed at the end,
so a failed run never leaves a half file that Sage could import.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from sagesync.core.delivery import source_reference
from sagesync.core.findings import Finding
from sagesync.core.model import EURO, Customer, DocumentKind, EntryLine, JournalEntry, Project, Side
from sagesync.core.reference import CompanyReference
from sagesync.sage.flagfile.encoding import ENCODING, LINE_END, FieldCleaner, format_amount, format_date, sage_code
from sagesync.sage.flagfile.layouts import FormatProfile, RecordLayout

TIERS_CODE_LIMIT = 17
SECTION_CODE_LIMIT = 13
ACCOUNT_LIMIT = 13

_Coder = Callable[[str, str, int], str]  # (value, field name, fallback limit) -> code

_ENTRY_FIELDS_NEEDED = ("journal", "date", "piece", "invoice_number", "account", "tiers", "label", "due_date",
                        "currency_number", "side", "amount", "currency_amount", "vat_code")
_ANALYTIC_FIELDS_NEEDED = ("plan_number", "section", "amount")
_TIERS_FIELDS_NEEDED = ("number", "name", "type", "collective_account")
_SECTION_FIELDS_NEEDED = ("plan_number", "section", "name")

# Fields of one document's line that must never inherit a value learned from another
# company's export (a date, a letter, a reference belong to the line they were on).
_ENTRY_LINE_BLANKS = dict.fromkeys(
    ("typing_date", "treasury_piece", "counter_account", "counter_tiers", "letter", "letter_quantity", "pointing",
     "penalty_date", "reminder_date", "reconciliation_date", "reference", "last_settlement_date", "operation_date",
     "closing_date"), "")


@dataclass(frozen=True, slots=True)
class WriteResult:
    entries: int
    entry_lines: int
    analytic_lines: int
    customers: int
    projects: int
    total_debit: Decimal
    total_credit: Decimal
    findings: tuple[Finding, ...]


def new_records(customers: Iterable[Customer], projects: Iterable[Project], reference: CompanyReference,
                plan_number: int) -> tuple[list[Customer], list[Project]]:
    """The customers and projects the company does not hold yet, each code once.

    Codes are compared as Sage will store them (upper case, CP850, cut at the
    Sage length): a code that would land on an existing tiers is not new, it
    would overwrite it. Empty codes are left out (the checks report them).
    """
    existing_tiers = {sage_code(code, TIERS_CODE_LIMIT) for code in reference.tiers}
    new_customers: list[Customer] = []
    for customer in customers:
        code = sage_code(customer.code, TIERS_CODE_LIMIT)
        if code and code not in existing_tiers:
            existing_tiers.add(code)
            new_customers.append(customer)
    existing_sections = {sage_code(code, SECTION_CODE_LIMIT) for plan, code in reference.sections
                         if plan == plan_number}
    new_projects: list[Project] = []
    for project in projects:
        code = sage_code(project.code, SECTION_CODE_LIMIT)
        if code and code not in existing_sections:
            existing_sections.add(code)
            new_projects.append(project)
    return new_customers, new_projects


def check_entry(entry: JournalEntry, currency_numbers: Mapping[str, int]) -> None:
    """Refuse what must never reach Sage: ``ValueError`` names the piece and what is wrong."""
    name = f"piece {entry.piece} ({entry.invoice_number})"
    if not entry.lines:
        raise ValueError(f"{name} has no lines")
    for line in entry.lines:
        if line.amount <= 0:
            raise ValueError(f"{name}: line {line.account} has amount {line.amount}; Sage amounts are positive")
        format_amount(line.amount)  # whole cents, or ValueError
        if line.analytic:
            split_total = sum((split.amount for split in line.analytic), Decimal("0.00"))
            if split_total != line.amount or any(split.amount < 0 for split in line.analytic):
                raise ValueError(f"{name}: analytic splits of line {line.account} sum to {split_total}, "
                                 f"not to the line's {line.amount}")
        if line.currency and line.currency != EURO:
            if line.currency not in currency_numbers:
                raise ValueError(f"{name}: currency {line.currency} has no position in the company's currency table")
            if line.currency_amount is None:
                raise ValueError(f"{name}: line {line.account} in {line.currency} has no currency amount")
    if not entry.is_balanced:
        raise ValueError(f"{name} does not balance: debit {entry.total_debit}, credit {entry.total_credit}")


class _ImportFileWriter:
    """Turns domain records into the text lines of their flag records."""

    def __init__(self, fmt: FormatProfile, collective_account: str, plan_number: int,
                 currency_numbers: Mapping[str, int]) -> None:
        self.fmt = fmt
        self.plan_number = str(plan_number)
        self.currency_numbers = currency_numbers
        self.cleaner = FieldCleaner()
        self.collective_account = sage_code(collective_account, ACCOUNT_LIMIT)
        self.entry_layout = self._layout("MECG", _ENTRY_FIELDS_NEEDED)
        self.analytic_layout = self._layout("MECA", _ANALYTIC_FIELDS_NEEDED)

    def _layout(self, flag: str, needed: tuple[str, ...]) -> RecordLayout:
        layout = self.fmt.layout(flag)
        for name in needed:
            layout.position(name)  # ConfigurationError naming the field when the layout lacks it
        return layout

    def header(self) -> list[str]:
        return ["#FLG 000", f"#VER {self.fmt.version}", f"#DEV {EURO}"]

    def tiers(self, customer: Customer) -> list[str]:
        layout = self._layout("MPCT", _TIERS_FIELDS_NEEDED)
        document, source_id = f"client {customer.name}", customer.source_id

        def text(value: str, name: str, fallback: int) -> str:
            return self.cleaner.text(value, layout.limit(name, fallback), document=document, source_id=source_id,
                                     field_name=name)

        number = self.cleaner.code(customer.code, layout.limit("number", TIERS_CODE_LIMIT), document=document,
                                   source_id=source_id, field_name="code")
        name = text(customer.name, "name", 35)
        # A multi-line address from the platform: first line, then the rest as the complement.
        address_lines = [part.strip() for part in customer.address.splitlines() if part.strip()]
        values = {
            "number": number, "name": name, "type": "0", "collective_account": self.collective_account,
            "short_name": name[:layout.limit("short_name", 17)].rstrip(),  # an abbreviation by design: no finding
            "address": text(address_lines[0] if address_lines else "", "address", 35),
            "address_complement": text(", ".join(address_lines[1:]), "address_complement", 35),
            "postal_code": text(customer.postal_code, "postal_code", 9),
            "city": text(customer.city, "city", 35),
            "country": text(customer.country, "country", 35),
            "vat_number": self.cleaner.code(customer.vat_number.replace(" ", ""), layout.limit("vat_number", 25),
                                            document=document, source_id=source_id, field_name="vat_number"),
            "email": text(customer.email, "email", 69),
            "payer": number, "dormant": "0", "creation_date": "",
        }
        return ["#MPCT", *layout.render(values), self.collective_account]

    def section(self, project: Project) -> list[str]:
        layout = self._layout("MPCA", _SECTION_FIELDS_NEEDED)
        document, source_id = f"project {project.title}", project.source_id
        code = self.cleaner.code(project.code, layout.limit("section", SECTION_CODE_LIMIT), document=document,
                                 source_id=source_id, field_name="code")
        name = self.cleaner.text(project.title, layout.limit("name", 35), document=document, source_id=source_id,
                                 field_name="title")
        values = {"plan_number": self.plan_number, "section": code, "name": name, "type": "0",
                  "short_name": name[:layout.limit("short_name", 17)].rstrip(), "dormant": "0",
                  "creation_date": "", "deal_creation_date": "", "acceptance_date": "", "start_date": "",
                  "end_date": ""}
        return ["#MPCA", *layout.render(values)]

    def entry(self, entry: JournalEntry) -> tuple[list[str], int]:
        """The lines of one piece, and its number of analytic splits."""
        check_entry(entry, self.currency_numbers)
        layout = self.entry_layout
        kind = "credit note" if entry.kind is DocumentKind.CREDIT_NOTE else "invoice"
        document, source_id = f"{kind} {entry.invoice_number}", entry.source_id

        def code(value: str, name: str, fallback: int) -> str:
            return self.cleaner.code(value, layout.limit(name, fallback), document=document, source_id=source_id,
                                     field_name=name)

        shared = {
            **_ENTRY_LINE_BLANKS,
            "journal": code(entry.journal, "journal", 6),
            "date": format_date(entry.entry_date),
            "piece": code(entry.piece, "piece", 13),
            # EC_RefPiece: the end of a long number, where its sequence is (as the SQL target keeps it)
            "invoice_number": self.cleaner.text(entry.invoice_number, layout.limit("invoice_number", 17),
                                                document=document, source_id=source_id, field_name="invoice_number",
                                                keep_end=True),
            "settlement_status": "0",  # a new piece is not settled
            # EC_Reference: the source identity Sage keeps, so the company can say what sagesync posted
            "reference": source_reference(entry.source_id),
        }
        lines: list[str] = []
        splits = 0
        for line in entry.lines:
            lines.append("#MECG")
            lines.extend(layout.render({**shared, **self._line_values(line, code, document, source_id)}))
            for split in line.analytic:
                section = self.cleaner.code(split.section, self.analytic_layout.limit("section", SECTION_CODE_LIMIT),
                                            document=document, source_id=source_id, field_name="section")
                lines.append("#MECA")
                lines.extend(self.analytic_layout.render(
                    {"plan_number": self.plan_number, "section": section, "amount": format_amount(split.amount)}))
                splits += 1
        return lines, splits

    def _line_values(self, line: EntryLine, code: _Coder, document: str, source_id: str) -> dict[str, str]:
        foreign = bool(line.currency) and line.currency != EURO
        return {
            "account": code(line.account, "account", ACCOUNT_LIMIT),
            "tiers": code(line.tiers, "tiers", TIERS_CODE_LIMIT) if line.tiers else "",
            "label": self.cleaner.text(line.label, self.entry_layout.limit("label", 35), document=document,
                                       source_id=source_id, field_name="label"),
            "due_date": format_date(line.due_date),
            "currency_number": str(self.currency_numbers[line.currency]) if foreign else "0",
            "side": "0" if line.side is Side.DEBIT else "1",
            "amount": format_amount(line.amount),
            "currency_amount": format_amount(line.currency_amount)
            if foreign and line.currency_amount is not None else "",
            "vat_code": code(line.vat_code, "vat_code", 5) if line.vat_code else "",
        }


def _write(stream: BinaryIO, writer: _ImportFileWriter, entries: Iterable[JournalEntry],
           new_customers: Sequence[Customer], new_projects: Sequence[Project]) -> WriteResult:
    def emit(lines: list[str]) -> None:
        # strict: every text went through the cleaner, so a failure here is a bug, not data
        stream.write((LINE_END.join(lines) + LINE_END).encode(ENCODING))

    emit(writer.header())
    for customer in new_customers:
        emit(writer.tiers(customer))
    for project in new_projects:
        emit(writer.section(project))
    count = lines_count = splits_count = 0
    debit = credit = Decimal("0.00")
    for entry in entries:
        lines, splits = writer.entry(entry)
        emit(lines)
        count += 1
        lines_count += len(entry.lines)
        splits_count += splits
        debit += entry.total_debit
        credit += entry.total_credit
    emit(["#FIN"])
    return WriteResult(count, lines_count, splits_count, len(new_customers), len(new_projects), debit, credit,
                       tuple(writer.cleaner.findings))


def write_import_file(target: BinaryIO | Path, *, entries: Iterable[JournalEntry], new_customers: Sequence[Customer],
                      new_projects: Sequence[Project], collective_account: str, plan_number: int,
                      currency_numbers: Mapping[str, int], fmt: FormatProfile) -> WriteResult:
    """Write one import file; ``new_customers`` / ``new_projects`` must come from ``new_records``."""
    writer = _ImportFileWriter(fmt, collective_account, plan_number, currency_numbers)
    if not isinstance(target, Path):
        return _write(target, writer, entries, new_customers, new_projects)
    partial = target.with_name(target.name + ".part")
    try:
        with partial.open("wb") as stream:
            result = _write(stream, writer, entries, new_customers, new_projects)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return result
