"""`sagesync ledger rebuild`: the ledger of record reconstructed from what the company holds.

Every piece sagesync posts carries its source identity (``EC_Reference``), so a
lost, emptied or restored-from-backup ledger can be made whole again from the
company itself (embedded or SQL read), or, where the company cannot be read
from here (a ``.mae`` without SQL access), from the import files sagesync wrote.

The rebuild only adds: a piece the ledger already knows is left as it is (its
version and history stay), a piece it lacks is recorded as posted (confirmed
when read from the company, delivered when read from an import file), with
its lines, continuing each journal's entry numbers. Its content version is not
in the company, so it is recorded as ``rebuilt:<total>``: the next sync adopts
the document when its total is the one Sage holds, and reports it as changed
after posting otherwise.

A ledger that was made for another company is kept aside (renamed) and a new
one started, so nothing of the other company's book is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sagesync.bulk import bulk_insert
from sagesync.core.delivery import DeliveryState, HeldPiece
from sagesync.core.model import Document, DocumentKind, DocumentStatus, LineRole, Side
from sagesync.ledger import store
from sagesync.ledger.cash import PaymentSubject
from sagesync.ledger.delivery import COMPANY_KEY, COMPANY_LABEL
from sagesync.ledger.schema import payments_posted, vat_transfers
from sagesync.ledger.store import Ledger
from sagesync.sage.port import SagePort

REBUILT_VERSION_PREFIX = "rebuilt:"
BATCH = 1000


@dataclass(frozen=True, slots=True)
class RebuildResult:
    read_from: str  # the company, or the import files
    pieces_seen: int
    pieces_added: int
    already_known: int
    kept_aside: Path | None = None


def _customer_total(piece: HeldPiece) -> Decimal:
    return sum((line.amount for line in piece.entry.lines if line.role is LineRole.CUSTOMER), Decimal("0.00"))


def _document(piece: HeldPiece) -> Document:
    """The few facts of the source document the ledger's posting row needs, from the piece."""
    entry = piece.entry
    customer = next((line for line in entry.lines if line.role is LineRole.CUSTOMER), None)
    return Document(source_id=entry.source_id, number=entry.invoice_number or entry.piece, kind=entry.kind,
                    status=DocumentStatus.VALIDATED, issue_date=entry.entry_date,
                    customer_source_id=customer.tiers if customer else "", lines=(), vat_subtotals=(),
                    total_excl_vat=Decimal("0.00"), total_vat=Decimal("0.00"), total_incl_vat=_customer_total(piece))


def rebuild(ledger_path: Path, port: SagePort, company: str, company_key: str, company_label: str, *,
            url: str | None = None, profile: str = "") -> RebuildResult:
    """Reconstruct (or complete) the ledger at ``ledger_path`` (or ``url``'s schema) from the company of ``port``.

    A PostgreSQL ledger of another company is not renamed aside: it is refused, and its schema left as it is.
    """
    kept_aside = _keep_foreign_aside(ledger_path, company_key) if url is None else None
    ledger = Ledger(ledger_path, profile=profile, url=url) if url is not None else Ledger(ledger_path)
    try:
        if url is not None:
            _refuse_foreign(ledger, company_key)
        held = port.held_pieces()
        if held is None:
            from sagesync.errors import ConfigurationError
            from sagesync.i18n import _

            raise ConfigurationError(
                _("the company {company} cannot be read from here and no import file of sagesync is in the "
                  "profile's outbox folder: give sagesync SQL read access to the company (sage_location = "
                  "mssql+pyodbc://...), or put the import files back in the outbox folder, then rebuild "
                  "again").format(company=company_label))
        with ledger.connect() as connection:
            known = store.references(connection, company)
        seen = added = 0
        from_company = True
        pending: list[HeldPiece] = []
        payments: list[HeldPiece] = []  # after every document: a payment names the invoice it settles
        with ledger.engine.begin() as connection:
            run_id = store.start_run(connection, company, "rebuild")
        for piece in held:
            seen += 1
            if piece.reference in known:
                continue
            known.add(piece.reference)
            from_company = from_company and piece.in_company
            if piece.entry.kind is DocumentKind.PAYMENT:
                payments.append(piece)
                continue
            pending.append(piece)
            if len(pending) >= BATCH:
                added += _record(ledger, company, run_id, pending, port.name)
                pending = []
        added += _record(ledger, company, run_id, pending, port.name)
        added += _record_payments(ledger, company, run_id, payments, port.name)
        with ledger.engine.begin() as connection:
            store.set_info(connection, COMPANY_KEY, company_key)
            store.set_info(connection, COMPANY_LABEL, company_label)
            store.finish_run(connection, run_id, "ok", {"pieces_seen": seen, "pieces_added": added,
                                                        "already_known": seen - added}, {})
        source = "the company" if from_company else "the import files"
        return RebuildResult(source, seen, added, seen - added, kept_aside)
    finally:
        ledger.dispose()


def _record(ledger: Ledger, company: str, run_id: int, pieces: list[HeldPiece], target: str) -> int:
    """Record the pieces, in the state their source proves: in the company, or handed over in a file."""
    if not pieces:
        return 0
    states = {piece.entry.source_id: DeliveryState.CONFIRMED if piece.in_company else DeliveryState.DELIVERED
              for piece in pieces}
    with ledger.engine.begin() as connection:
        # The write-back goes again for these (its outbox rows are new): telling the platform twice that a
        # document is synchronized is harmless, never telling it is not.
        return store.record_postings(
            connection, company, run_id,
            [(_document(piece), f"{REBUILT_VERSION_PREFIX}{_customer_total(piece)}", piece.entry, piece.where)
             for piece in pieces], target=target, states=states)


def _record_payments(ledger: Ledger, company: str, run_id: int, pieces: list[HeldPiece], target: str) -> int:
    """Payments and months of VAT on receipts read back: their postings, and what each settled and made due.

    The invoice a payment settles is the one whose number it carries (EC_RefPiece); the VAT it made due
    is on its 44574x lines. Its version is ``rebuilt:<amount>``: the next sync adopts the platform's
    payment when the amount is the one Sage holds.
    """
    if not pieces:
        return 0
    with ledger.engine.begin() as connection:
        numbers = store.numbers_in_use(connection, company)
        states = {piece.entry.source_id: DeliveryState.CONFIRMED if piece.in_company else DeliveryState.DELIVERED
                  for piece in pieces}
        subjects = []
        settled: list[dict[str, object]] = []
        transfers: list[dict[str, object]] = []
        for piece in pieces:
            entry = piece.entry
            document = numbers.get(entry.invoice_number, "") if not entry.source_id.startswith("TVA") else ""
            customer = next((line for line in entry.lines if line.role is LineRole.CUSTOMER), None)
            bank = next((line for line in entry.lines if line.role is LineRole.BANK), None)
            amount = (customer.currency_amount or customer.amount) if customer else Decimal("0.00")
            subjects.append((PaymentSubject(entry.source_id, entry.invoice_number, document),
                             f"{REBUILT_VERSION_PREFIX}{amount}", entry, piece.where))
            if customer is not None and document:
                settled.append({"company": company, "payment_key": entry.source_id, "document_source_id": document,
                                "payment_date": entry.entry_date, "amount": str(amount),
                                "customer_eur": str(customer.amount), "bank_eur": str(bank.amount if bank else amount),
                                "settles": 0, "run_id": run_id})
                for line in entry.lines:
                    if line.role is LineRole.VAT_TRANSFER and line.account.startswith("44574"):
                        # A payment debits 44574x (VAT made due); a refund credits it (recorded negative).
                        moved = line.amount if line.side is Side.DEBIT else -line.amount
                        due = next((other.account for other in entry.lines if other.role is LineRole.VAT_TRANSFER
                                    and other.vat_code == line.vat_code and other is not line), "")
                        transfers.append({"company": company, "payment_key": entry.source_id,
                                          "document_source_id": document, "transfer_date": entry.entry_date,
                                          "rate": "", "vat_code": line.vat_code, "account_waiting": line.account,
                                          "account_due": due, "amount": str(moved),
                                          "posted_in": entry.source_id})
        count = store.record_postings(connection, company, run_id, subjects, target=target, states=states,
                                      outbox_rows=False)
        bulk_insert(connection, payments_posted, settled)
        bulk_insert(connection, vat_transfers, transfers)
        return count


def _refuse_foreign(ledger: Ledger, company_key: str) -> None:
    with ledger.connect() as connection:
        bound = store.info(connection, COMPANY_KEY)
        label = store.info(connection, COMPANY_LABEL) or bound
    if bound and bound != company_key:
        from sagesync.errors import ConfigurationError
        from sagesync.i18n import _

        raise ConfigurationError(_("the ledger {path} is the book of another company ({other}): nothing was "
                                   "rebuilt. Give this profile another database, or move that schema away "
                                   "first").format(path=ledger.location, other=label))


def _keep_foreign_aside(ledger_path: Path, company_key: str) -> Path | None:
    if not ledger_path.is_file() or ledger_path.stat().st_size == 0:
        return None
    ledger = Ledger(ledger_path)
    try:
        with ledger.connect() as connection:
            bound = store.info(connection, COMPANY_KEY)
    finally:
        ledger.dispose()
    if not bound or bound == company_key:
        return None
    aside = ledger_path.with_name(f"{ledger_path.stem}-other-company-{datetime.now():%Y%m%d-%H%M%S}"
                                  f"{ledger_path.suffix}")
    ledger_path.replace(aside)
    return aside
