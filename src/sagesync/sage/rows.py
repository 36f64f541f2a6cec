"""Domain records to Sage row dicts, ready for ``connection.execute(table.insert(), rows)``.

Pure and fast: plain dicts, no SQLAlchemy objects, no I/O. The core benchmark
pushes 100 000 invoices (about 500 000 entry lines) through ``entry_rows``.

Codes that do not fit Sage (an empty or too long client or project code, a plan or
currency the company lacks) raise ``RowError``: the checks refuse such records
first, so reaching here with one is a bug, never something to truncate silently
(a truncated code could land on somebody else's account). Names and labels are
truncated to the Sage limits, as Sage itself does on entry.

``next_ec_no`` (the first free EC_No) is a query: it lives in ``reader`` and is
re-exported here because callers always use it together with ``entry_rows``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sagesync.core.delivery import source_reference
from sagesync.core.model import Customer, JournalEntry, Project, Side
from sagesync.core.money import ZERO
from sagesync.core.posting import reference_piece  # the EC_RefPiece rule lives in the core (numbers.py checks it)
from sagesync.sage.reader import next_ec_no
from sagesync.sage.schema import (
    ENTRY_LABEL_LIMIT,
    SECTION_CODE_LIMIT,
    SECTION_NAME_LIMIT,
    TIERS_CODE_LIMIT,
    TIERS_NAME_LIMIT,
)

__all__ = ["Row", "RowError", "entry_rows", "next_ec_no", "reference_piece", "section_row", "tiers_row"]

Row = dict[str, Any]

CUSTOMER_TIERS = 0  # CT_Type: 0 client, 1 fournisseur, 2 salarié, 3 autre
DEBIT, CREDIT = 0, 1  # EC_Sens


class RowError(ValueError):
    """A record reached the Sage writer in a state the checks should have refused."""


def _code(value: str, limit: int, what: str, owner: str) -> str:
    code = value.strip().upper()
    if not code:
        raise RowError(f"{owner} has no {what}")
    if len(code) > limit:
        raise RowError(f"{owner}: {what} {code} is longer than Sage's {limit} characters")
    return code


def tiers_row(customer: Customer, collective_account: str) -> Row:
    """F_COMPTET row for a client: CT_Type 0, hung on ``collective_account``."""
    code = _code(customer.code, TIERS_CODE_LIMIT, "client code", f"client {customer.name or customer.source_id}")
    name = customer.name.strip() or code
    return {
        "CT_Num": code,
        "CT_Intitule": name[:TIERS_NAME_LIMIT],
        "CT_Type": CUSTOMER_TIERS,
        "CG_NumPrinc": collective_account,
        "CT_Classement": name[:17].upper(),
        "CT_Adresse": customer.address[:35] or None,
        "CT_CodePostal": customer.postal_code[:9] or None,
        "CT_Ville": customer.city[:35] or None,
        "CT_Pays": customer.country[:35] or None,
        "CT_Identifiant": customer.vat_number.replace(" ", "")[:25] or None,
        "CT_EMail": customer.email[:69] or None,
        "CT_NumPayeur": code,  # the client pays its own invoices
        "N_CatTarif": 1,  # Sage's first price and accounting categories: its defaults for a new client
        "N_CatCompta": 1,
        "CT_Lettrage": 1,  # customer lines are matched with payments
    }


def section_row(project: Project, plan_number: int) -> Row:
    """F_COMPTEA row for a project: a detail section of plan ``plan_number``."""
    code = _code(project.code, SECTION_CODE_LIMIT, "project code", f"project {project.title or project.source_id}")
    title = project.title.strip() or code
    return {
        "N_Analytique": plan_number,
        "CA_Num": code,
        "CA_Intitule": title[:SECTION_NAME_LIMIT],
        "CA_Type": 0,
        "CA_Classement": title[:17].upper(),
    }


def entry_rows(entry: JournalEntry, *, first_ec_no: int, plan_numbers: Mapping[str, int],
               currency_numbers: Mapping[str, int]) -> tuple[list[Row], list[Row]]:
    """F_ECRITUREC rows (one per entry line, EC_No from ``first_ec_no`` up) and their F_ECRITUREA rows.

    ``plan_numbers`` maps an analytic plan name to its P_ANALYTIQUE position,
    ``currency_numbers`` an ISO code to its P_DEVISE position (N_Devise).
    """
    day = entry.entry_date
    journal_month = datetime(day.year, day.month, 1)  # JM_Date: the journal period
    entry_day = datetime(day.year, day.month, day.day)
    piece = entry.piece
    reference_number = reference_piece(entry.invoice_number)
    reference = source_reference(entry.source_id)  # the source identity Sage keeps: the ledger's cross-check
    general_rows: list[Row] = []
    analytic_rows: list[Row] = []
    ec_no = first_ec_no
    for line in entry.lines:
        currency = line.currency
        if currency:
            currency_number = currency_numbers.get(currency)
            if not currency_number:
                raise RowError(f"piece {piece}: currency {currency} is not in the company's currency table")
        else:
            currency_number = 0
        due: date | None = line.due_date
        general_rows.append({
            "JO_Num": entry.journal,
            "EC_No": ec_no,
            "JM_Date": journal_month,
            "EC_Jour": day.day,
            "EC_Date": entry_day,
            "EC_Piece": piece,
            "EC_RefPiece": reference_number,
            "EC_Reference": reference,
            "CG_Num": line.account,
            "CT_Num": line.tiers.upper() or None,  # tiers_row stores codes in upper case
            "EC_Intitule": line.label[:ENTRY_LABEL_LIMIT],
            "EC_Echeance": datetime(due.year, due.month, due.day) if due is not None else None,
            "EC_Sens": DEBIT if line.side is Side.DEBIT else CREDIT,
            "EC_Montant": line.amount,
            "N_Devise": currency_number,
            "EC_Devise": line.currency_amount if line.currency_amount is not None else ZERO,
            "TA_Code": line.vat_code or None,
        })
        if line.analytic:
            line_numbers: dict[int, int] = {}
            for split in line.analytic:
                plan_number = plan_numbers.get(split.plan)
                if not plan_number:
                    raise RowError(f"piece {piece}: analytic plan {split.plan} does not exist in the company")
                line_number = line_numbers.get(plan_number, 0) + 1
                line_numbers[plan_number] = line_number
                analytic_rows.append({
                    "EC_No": ec_no,
                    "N_Analytique": plan_number,
                    "EA_Ligne": line_number,
                    "CA_Num": split.section.upper(),
                    "EA_Montant": split.amount,
                })
        ec_no += 1
    return general_rows, analytic_rows
