"""The ledger's side of payments: open items read from what it recorded, payments recorded, letters given.

A payment is a posting like an invoice (kind ``payment``, key ``P`` + the platform's id, in the bank
journal), so it is delivered exactly once by the same desk and numbered in the same per-journal
sequence. What it settled and the VAT on receipts it made due are kept beside it
(``payments_posted``, ``vat_transfers``): the next payment of the same invoice starts from there.

Which credit notes count against an invoice (accounting-fr.md §3: "a credit note reduces what
remains"): a credit note that corrects an invoice is applied to it, unless it is being refunded
(payments on the credit note itself), or the invoice was matched without it (paid in full before
the credit note came: the client is then owed the credit note, a refund).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from sagesync.bulk import bulk_insert
from sagesync.core.cash import CreditNoteCredit, OpenItem, PaymentPosting, VatTransfer, WaitingVat, letter_rank
from sagesync.core.delivery import DeliveryState, Matching
from sagesync.core.mapping import AccountMapping
from sagesync.core.model import EURO, DocumentKind, Side
from sagesync.core.money import ZERO
from sagesync.core.payments import Settlement
from sagesync.ledger.schema import (
    entry_lines,
    letter_sequences,
    payments_posted,
    postings,
    settlements_sent,
    vat_transfers,
)
from sagesync.ledger.store import record_postings

CHUNK = 500  # ids per IN (...): well under SQLite's parameter limit
SALES_KINDS = (DocumentKind.INVOICE.value, DocumentKind.CREDIT_NOTE.value)


@dataclass(frozen=True, slots=True)
class PaymentSubject:
    """A payment as ``store.record_postings`` records it."""

    source_id: str  # the payment's key: P + the platform's id
    number: str  # the number of the document it settles
    original_source_id: str  # the document it settles
    updated_at: datetime | None = None
    kind: DocumentKind = DocumentKind.PAYMENT


@dataclass(slots=True)
class _Piece:
    posting_id: int
    source_id: str
    kind: str
    number: str
    original: str
    entry_date: date
    tiers: str = ""
    collective: str = ""
    total: Decimal = ZERO
    total_eur: Decimal = ZERO
    currency: str = EURO
    letter: str = ""
    waiting: dict[str, tuple[Decimal, str, Decimal]] = field(default_factory=dict)  # account -> (rate, code, amount)


@dataclass(frozen=True, slots=True)
class CashBook:
    """The open items of a batch's documents, and what the step needs to match them."""

    items: dict[str, OpenItem]  # document source id -> its open item
    applied_to: dict[str, str]  # credit note -> the invoice it corrects while that one is open (no refund due)
    members: dict[str, list[str]]  # document -> the keys of the pieces matched with it (credit notes, payments)
    # Credit notes of an open invoice not counted yet: each counts from its date on (a payment dated before a
    # credit note paid the invoice as it stood then).
    pending_notes: dict[str, list[CreditNoteCredit]] = field(default_factory=dict)


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def posted_payments(connection: Connection, company: str) -> dict[str, str]:
    """Payment key -> the version posted: read once per run, like the documents' ``posted_index``."""
    return {str(key): str(version) for key, version in connection.execute(
        select(postings.c.source_id, postings.c.version).where(
            postings.c.company == company, postings.c.kind == DocumentKind.PAYMENT.value))}


def documents_posted(connection: Connection, company: str, ids: Collection[str]) -> dict[str, str]:
    """Of these document ids, those the ledger posted -> their delivery state."""
    found: dict[str, str] = {}
    for chunk in _chunks(sorted(ids)):
        found.update({str(source_id): str(state) for source_id, state in connection.execute(
            select(postings.c.source_id, postings.c.state).where(
                postings.c.company == company, postings.c.source_id.in_(chunk),
                postings.c.kind.in_(SALES_KINDS)))})
    return found


def _pieces(connection: Connection, company: str, column: Any, ids: Sequence[str]) -> list[_Piece]:
    pieces: list[_Piece] = []
    for chunk in _chunks(ids):
        pieces += [_Piece(int(row.id), str(row.source_id), str(row.kind), str(row.number),
                          str(row.original_source_id), row.entry_date)
                   for row in connection.execute(
                       select(postings.c.id, postings.c.source_id, postings.c.kind, postings.c.number,
                              postings.c.original_source_id, postings.c.entry_date)
                       .where(postings.c.company == company, column.in_(chunk), postings.c.kind.in_(SALES_KINDS)))]
    return pieces


def _read_lines(connection: Connection, pieces: Sequence[_Piece], receipts_accounts: Mapping[str, tuple[Decimal, str]]
                ) -> None:
    by_id = {piece.posting_id: piece for piece in pieces}
    ids = sorted(by_id)
    for start in range(0, len(ids), CHUNK):
        rows = connection.execute(
            select(entry_lines.c.posting_id, entry_lines.c.role, entry_lines.c.account, entry_lines.c.side,
                   entry_lines.c.amount, entry_lines.c.tiers, entry_lines.c.currency, entry_lines.c.currency_amount,
                   entry_lines.c.vat_code, entry_lines.c.letter)
            .where(entry_lines.c.posting_id.in_(ids[start:start + CHUNK]),
                   entry_lines.c.role.in_(("customer", "vat"))))
        for row in rows:
            piece = by_id[int(row.posting_id)]
            amount = Decimal(row.amount)
            if row.role == "customer":
                piece.tiers, piece.collective, piece.letter = str(row.tiers), str(row.account), str(row.letter or "")
                piece.total_eur = amount
                piece.total = Decimal(row.currency_amount) if row.currency_amount else amount
                piece.currency = str(row.currency or "") or EURO
            elif str(row.account) in receipts_accounts:
                # An invoice credits its VAT, a credit note debits it: counted positive on its usual side.
                usual = Side.DEBIT.value if piece.kind == DocumentKind.CREDIT_NOTE.value else Side.CREDIT.value
                signed_amount = amount if row.side == usual else -amount
                rate, _due = receipts_accounts[str(row.account)]
                previous = piece.waiting.get(str(row.account), (rate, str(row.vat_code), ZERO))
                piece.waiting[str(row.account)] = (rate, previous[1] or str(row.vat_code), previous[2] + signed_amount)


def receipts_accounts(mapping: AccountMapping) -> dict[str, tuple[Decimal, str]]:
    """VAT account on receipts (44574x) -> (rate, the account it falls due to, 44571x)."""
    return {vat.account_receipts: (vat.rate, vat.account_debits) for vat in mapping.vat_rates.values()
            if vat.account_receipts and vat.account_debits and vat.account_receipts != vat.account_debits}


def cash_book(connection: Connection, company: str, document_ids: Collection[str],
              mapping: AccountMapping) -> CashBook:
    """The open items of ``document_ids`` (those the ledger posted), built from the ledger alone."""
    ids = sorted(set(document_ids))
    documents = _pieces(connection, company, postings.c.source_id, ids)
    # A refund's credit note brings the invoice it corrects: whether that one is still open decides.
    originals = sorted({piece.original for piece in documents if piece.original} - set(ids))
    documents += _pieces(connection, company, postings.c.source_id, originals)
    notes = [piece for piece in _pieces(connection, company, postings.c.original_source_id,
                                        [piece.source_id for piece in documents
                                         if piece.kind == DocumentKind.INVOICE.value])
             if piece.kind == DocumentKind.CREDIT_NOTE.value]
    every = {piece.source_id: piece for piece in documents}
    # One piece per posting: a credit note both paid (a refund) and correcting a loaded invoice is read once.
    notes = [every.setdefault(note.source_id, note) for note in notes]
    accounts = receipts_accounts(mapping)
    _read_lines(connection, list(every.values()), accounts)
    paid: dict[str, list[tuple[str, Decimal, Decimal]]] = {}
    moved: dict[tuple[str, str], Decimal] = {}
    keys = sorted(every)
    for chunk in _chunks(keys):
        for row in connection.execute(select(payments_posted.c.document_source_id, payments_posted.c.payment_key,
                                             payments_posted.c.amount, payments_posted.c.customer_eur)
                                      .where(payments_posted.c.company == company,
                                             payments_posted.c.document_source_id.in_(chunk))
                                      .order_by(payments_posted.c.payment_date, payments_posted.c.payment_key)):
            paid.setdefault(str(row.document_source_id), []).append(
                (str(row.payment_key), Decimal(row.amount), Decimal(row.customer_eur)))
        for transfer in connection.execute(select(vat_transfers.c.document_source_id, vat_transfers.c.account_waiting,
                                             vat_transfers.c.amount)
                                      .where(vat_transfers.c.company == company,
                                             vat_transfers.c.document_source_id.in_(chunk))):
            moved_key = (str(transfer.document_source_id), str(transfer.account_waiting))
            moved[moved_key] = moved.get(moved_key, ZERO) + Decimal(transfer.amount)
    applied: dict[str, list[_Piece]] = {}
    applied_to: dict[str, str] = {}
    pending: dict[str, list[CreditNoteCredit]] = {}
    for note in notes:
        invoice = every.get(note.original)
        if invoice is None or note.source_id in paid:
            continue  # being refunded: the credit note stands on its own
        if invoice.letter:
            if note.letter == invoice.letter:  # matched with it
                applied.setdefault(invoice.source_id, []).append(note)
            continue  # else the invoice was matched without it: the credit note is owed to the client
        applied_to[note.source_id] = invoice.source_id
        pending.setdefault(invoice.source_id, []).append(CreditNoteCredit(
            note.source_id, note.entry_date, note.total, note.total_eur,
            {account: amount for account, (_rate, _code, amount) in note.waiting.items()}))
    items: dict[str, OpenItem] = {}
    members: dict[str, list[str]] = {}
    for piece in documents:
        credit_note = piece.kind == DocumentKind.CREDIT_NOTE.value
        payments = paid.get(piece.source_id, [])
        notes_applied = applied.get(piece.source_id, [])
        waiting = []
        for account, (rate, code, amount) in sorted(piece.waiting.items()):
            done = moved.get((piece.source_id, account), ZERO)
            # A refund's transfers are recorded negative (the VAT due goes down): what it moved is their opposite.
            done = -done if credit_note else done
            done += sum((note.waiting.get(account, (rate, code, ZERO))[2] for note in notes_applied), ZERO)
            waiting.append(WaitingVat(rate, code, account, accounts[account][1], amount, done))
        items[piece.source_id] = OpenItem(
            piece.source_id, DocumentKind(piece.kind), piece.number, piece.tiers, piece.collective, piece.total,
            piece.total_eur, piece.currency, tuple(waiting),
            settled=sum((amount for _, amount, _ in payments), ZERO) + sum((n.total for n in notes_applied), ZERO),
            settled_eur=sum((eur for _, _, eur in payments), ZERO) + sum((n.total_eur for n in notes_applied), ZERO),
            letter=piece.letter)
        members[piece.source_id] = [note.source_id for note in notes_applied] + [key for key, _, _ in payments]
    return CashBook(items, applied_to, members,
                    {key: sorted(value, key=lambda note: (note.entry_date, note.source_id))
                     for key, value in pending.items()})


def record_payments(connection: Connection, company: str, run_id: int, decided: Sequence[PaymentPosting],
                    versions: Mapping[str, str], *, target: str, states: Mapping[str, DeliveryState] | DeliveryState,
                    where: Mapping[str, str], validated_at: datetime | None, transfers_in_entry: bool) -> None:
    """Record the payments' entries (their delivery state), what each settled, and the VAT it made due."""
    if not decided:
        return
    record_postings(connection, company, run_id,
                    [(PaymentSubject(posting.payment.key, posting.entry.invoice_number, posting.document_source_id,
                                     posting.payment.updated_at),
                      versions[posting.payment.key], posting.entry, where.get(posting.payment.key, ""))
                     for posting in decided],
                    target=target, states=states, validated_at=validated_at, outbox_rows=False)
    bulk_insert(connection, payments_posted, [
        {"company": company, "payment_key": posting.payment.key, "document_source_id": posting.document_source_id,
         "payment_date": posting.payment.payment_date, "amount": str(posting.amount),
         "customer_eur": str(posting.customer_eur), "bank_eur": str(posting.bank_eur),
         "settles": int(posting.settles), "run_id": run_id} for posting in decided])
    bulk_insert(connection, vat_transfers, [
        {"company": company, "payment_key": posting.payment.key, "document_source_id": posting.document_source_id,
         "transfer_date": posting.payment.payment_date, "rate": str(transfer.rate), "vat_code": transfer.vat_code,
         "account_waiting": transfer.account_waiting, "account_due": transfer.account_due,
         "amount": str(transfer.amount), "posted_in": posting.payment.key if transfers_in_entry else ""}
        for posting in decided for transfer in posting.transfers])


def last_letters(connection: Connection, company: str, tiers: Iterable[str]) -> dict[str, str]:
    """The last letter sagesync gave each of these tiers."""
    codes = sorted(set(tiers))
    found: dict[str, str] = {}
    for chunk in _chunks(codes):
        found.update({str(code): str(letter) for code, letter in connection.execute(
            select(letter_sequences.c.tiers, letter_sequences.c.last_letter).where(
                letter_sequences.c.company == company, letter_sequences.c.tiers.in_(chunk)))})
    return found


def store_letters(connection: Connection, company: str, last: Mapping[str, str]) -> None:
    if not last:
        return
    known = set(last_letters(connection, company, last))
    rows = [{"b_company": company, "b_tiers": tiers, "b_letter": letter} for tiers, letter in last.items()]
    updates = [row for row in rows if row["b_tiers"] in known]
    if updates:
        connection.execute(update(letter_sequences).where(
            letter_sequences.c.company == bindparam("b_company"), letter_sequences.c.tiers == bindparam("b_tiers"))
            .values(last_letter=bindparam("b_letter")), updates)
    bulk_insert(connection, letter_sequences, [{"company": company, "tiers": row["b_tiers"],
                                                "last_letter": row["b_letter"]}
                                               for row in rows if row["b_tiers"] not in known])


def later_letter(*letters: str | None) -> str:
    """The furthest of these letters in Sage's sequence ("" for none)."""
    return max((letter or "" for letter in letters), key=letter_rank, default="")


def apply_letters(connection: Connection, company: str, matchings: Sequence[Matching]) -> None:
    """Give the customer lines of each matching's pieces their letter and date (FEC EcritureLet / DateLet)."""
    rows = [{"b_key": key, "b_letter": matching.letter, "b_date": matching.matched_on, "b_company": company,
             "b_tiers": matching.tiers}
            for matching in matchings for key in matching.keys]
    if not rows:
        return
    posting_ids = (select(postings.c.id).where(postings.c.company == bindparam("b_company"),
                                               postings.c.source_id == bindparam("b_key"))
                   .scalar_subquery())
    connection.execute(update(entry_lines).where(entry_lines.c.posting_id == posting_ids,
                                                 entry_lines.c.role == "customer",
                                                 entry_lines.c.tiers == bindparam("b_tiers"))
                       .values(letter=bindparam("b_letter"), letter_date=bindparam("b_date")), rows)


def waiting_month_transfers(connection: Connection, company: str, before: date) -> dict[date, list[VatTransfer]]:
    """VAT on receipts made due but not posted yet (month-end setting), per month end, for months ended before
    ``before``."""
    months: dict[date, list[VatTransfer]] = {}
    for row in connection.execute(select(vat_transfers).where(vat_transfers.c.company == company,
                                                              vat_transfers.c.posted_in == "")):
        day = row.transfer_date
        month_end = day.replace(day=monthrange(day.year, day.month)[1])
        if month_end >= before:
            continue
        months.setdefault(month_end, []).append(VatTransfer(Decimal(row.rate), str(row.vat_code),
                                                            str(row.account_waiting), str(row.account_due),
                                                            Decimal(row.amount)))
    return months


def mark_month_posted(connection: Connection, company: str, month_end: date, key: str) -> None:
    start = month_end.replace(day=1)
    connection.execute(update(vat_transfers).where(
        vat_transfers.c.company == company, vat_transfers.c.posted_in == "",
        vat_transfers.c.transfer_date >= start, vat_transfers.c.transfer_date <= month_end).values(posted_in=key))


def month_entry_key(connection: Connection, company: str, month_end: date) -> str:
    """TVA + YYYYMM + a two-digit sequence: the key of the month's next VAT entry."""
    prefix = f"TVA{month_end:%Y%m}"
    count = connection.execute(select(func.count()).select_from(postings).where(
        postings.c.company == company, postings.c.source_id.like(prefix + "%"))).scalar_one()
    return f"{prefix}{int(count) + 1:02d}"


# --- the return flow: settlements matched in Sage -> platform payments ------------------------------------


def settlement_keys(connection: Connection, company: str) -> set[str]:
    return {str(key) for (key,) in connection.execute(
        select(settlements_sent.c.sage_key).where(settlements_sent.c.company == company))}


def add_settlements(connection: Connection, company: str, run_id: int, found: Sequence[Settlement]) -> None:
    bulk_insert(connection, settlements_sent, [
        {"company": company, "sage_key": item.sage_key, "document_source_id": item.document_source_id,
         "invoice_number": item.invoice_number, "settled_on": item.settled_on, "amount": str(item.amount),
         "state": "pending", "platform_id": "", "attempts": 0, "last_error": "", "run_id": run_id}
        for item in found])


def pending_settlements(connection: Connection, company: str) -> list[Settlement]:
    return [Settlement(str(row.document_source_id), str(row.invoice_number), row.settled_on, Decimal(row.amount),
                       str(row.sage_key))
            for row in connection.execute(select(settlements_sent).where(
                settlements_sent.c.company == company, settlements_sent.c.state == "pending")
                .order_by(settlements_sent.c.settled_on, settlements_sent.c.sage_key))]


def settle_sent(connection: Connection, company: str, sage_key: str, *, platform_id: str = "", created: bool = True,
                error: str = "") -> None:
    """Record what the platform answered for one settlement: its payment, or the error to retry on."""
    values: dict[str, Any] = ({"state": "sent" if created else "on_platform", "platform_id": platform_id,
                               "last_error": ""} if not error else {"last_error": error[:500]})
    connection.execute(update(settlements_sent).where(
        settlements_sent.c.company == company, settlements_sent.c.sage_key == sage_key).values(
        attempts=settlements_sent.c.attempts + 1, **values))


def payments_from_sage(connection: Connection, company: str) -> set[str]:
    """The platform's ids of the payments sagesync created from Sage: never posted back into Sage."""
    return {str(pk) for (pk,) in connection.execute(select(settlements_sent.c.platform_id).where(
        settlements_sent.c.company == company, settlements_sent.c.platform_id != "")) if pk}
