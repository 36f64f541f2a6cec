"""What people read about payments from the ledger (the console's receipts and payments pages): plain selects.

Read only, like ``ledger.views``. A page of a period's payments is read a page at a time (no cap:
the pager goes through them all), in the order of the receipts report (``ledger.receipts``: payment
date, then payment key), so a page is a slice of ``receipts.collected`` with the same figures:

- ``collected_page`` / ``collected_totals``: the collections per payment (invoice, client, amount
  collected, the VAT on receipts it made due per rate) and their totals over the whole period;
- ``payments_page`` / ``iter_payments``: the payments posted, with their piece, delivery state, the
  VAT they moved and their matching letter;
- ``payment_findings``: the payments waiting for their invoice, refused or ignored, with their fix
  (the findings the Pull payments step left, kind ``payment``);
- ``settlements_page``: the receipts matched in Sage sent back to the platform.

Amounts are read as exact Decimal text and summed here as Decimals, never floats.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, and_, func, select

from sagesync.core.model import DocumentKind
from sagesync.core.money import ZERO
from sagesync.core.payments import PAYMENT_KEY_PREFIX, Collected
from sagesync.ledger.schema import (
    SEVERITY_RANK,
    entry_lines,
    findings,
    payments_posted,
    postings,
    settlements_sent,
    vat_transfers,
)

CHUNK = 500  # keys per IN (...)
PAYMENT_FINDINGS = "payment"  # the findings' kind the Pull payments step records
WAITING_CODE = "payment_waiting"  # a payment whose document is not posted yet: tried again at each run


def platform_id(payment_key: str) -> str:
    """``P70008`` -> ``70008``: the platform's id of a payment, from its ledger key."""
    return payment_key[len(PAYMENT_KEY_PREFIX):] if payment_key.startswith(PAYMENT_KEY_PREFIX) else payment_key


def rate_order(rate: str) -> tuple[Decimal, str]:
    """Rates highest first, as the receipts report orders them ("" — unknown — last)."""
    return -Decimal(rate or "0"), rate


def _period(start: date, end: date) -> list[Any]:
    return [payments_posted.c.payment_date >= start, payments_posted.c.payment_date <= end]


def _vat_of(connection: Connection, company: str, keys: Sequence[str], start: date,
            end: date) -> dict[str, dict[str, Decimal]]:
    """Payment key -> rate -> the VAT it made due, for these keys (read through the transfers' date index)."""
    found: dict[str, dict[str, Decimal]] = {}
    for at in range(0, len(keys), CHUNK):
        for key, rate, amount in connection.execute(
                select(vat_transfers.c.payment_key, vat_transfers.c.rate, vat_transfers.c.amount)
                .where(vat_transfers.c.company == company, vat_transfers.c.transfer_date >= start,
                       vat_transfers.c.transfer_date <= end,
                       vat_transfers.c.payment_key.in_(keys[at:at + CHUNK]))):
            per_rate = found.setdefault(str(key), {})
            per_rate[str(rate)] = per_rate.get(str(rate), ZERO) + Decimal(amount)
    return found


def payment_count(connection: Connection, company: str, start: date, end: date) -> int:
    return int(connection.execute(select(func.count()).select_from(payments_posted).where(
        payments_posted.c.company == company, *_period(start, end))).scalar_one())


# --- the collections per payment (the receipts report's second table) ------------------------------------


def _collected_query(company: str, start: date, end: date) -> Select[Any]:
    document = postings.alias("document")
    return (select(payments_posted.c.payment_key, payments_posted.c.payment_date,
                   payments_posted.c.document_source_id, payments_posted.c.customer_eur, document.c.number,
                   document.c.client, document.c.kind)
            .select_from(payments_posted.outerjoin(document, and_(
                document.c.company == payments_posted.c.company,
                document.c.source_id == payments_posted.c.document_source_id)))
            .where(payments_posted.c.company == company, *_period(start, end))
            .order_by(payments_posted.c.payment_date, payments_posted.c.payment_key))


def collected_page(connection: Connection, company: str, start: date, end: date, *, limit: int = 200,
                   offset: int = 0) -> tuple[list[Collected], int]:
    """A page of ``receipts.collected`` (same order, same figures) and how many payments the period holds."""
    total = payment_count(connection, company, start, end)
    if total == 0:
        return [], 0
    rows = connection.execute(_collected_query(company, start, end).limit(limit).offset(offset)).all()
    vat = _vat_of(connection, company, [str(row.payment_key) for row in rows], start, end)
    page = []
    for row in rows:
        amount = Decimal(row.customer_eur)
        refund = row.kind == DocumentKind.CREDIT_NOTE.value
        page.append(Collected(str(row.payment_key), row.payment_date, str(row.document_source_id),
                              str(row.number or ""), str(row.client or ""), -amount if refund else amount,
                              vat.get(str(row.payment_key), {})))
    return page, total


@dataclass(frozen=True, slots=True)
class CollectedTotals:
    """The period's collections summed: how many payments, the amount collected (refunds negative), VAT per rate."""

    payments: int = 0
    amount: Decimal = ZERO
    vat_by_rate: dict[str, Decimal] = field(default_factory=dict)

    @property
    def rates(self) -> list[str]:
        return sorted(self.vat_by_rate, key=rate_order)

    @property
    def vat(self) -> Decimal:
        return sum(self.vat_by_rate.values(), ZERO)


def collected_totals(connection: Connection, company: str, start: date, end: date) -> CollectedTotals:
    """The totals of ``receipts.collected`` over the whole period (every page), exact."""
    document = postings.alias("document")
    count, amount = 0, ZERO
    rows = connection.execution_options(stream_results=True, yield_per=2000).execute(
        select(payments_posted.c.customer_eur, document.c.kind)
        .select_from(payments_posted.outerjoin(document, and_(
            document.c.company == payments_posted.c.company,
            document.c.source_id == payments_posted.c.document_source_id)))
        .where(payments_posted.c.company == company, *_period(start, end)))
    for customer_eur, kind in rows:
        count += 1
        value = Decimal(customer_eur)
        amount += -value if kind == DocumentKind.CREDIT_NOTE.value else value
    vat: dict[str, Decimal] = {}
    for rate, amounts in connection.execute(
            select(vat_transfers.c.rate, func.group_concat(vat_transfers.c.amount))
            .where(vat_transfers.c.company == company, vat_transfers.c.transfer_date >= start,
                   vat_transfers.c.transfer_date <= end).group_by(vat_transfers.c.rate)):
        vat[str(rate)] = sum(map(Decimal, str(amounts).split(",")), ZERO) if amounts else ZERO
    return CollectedTotals(count, amount, vat)


# --- the payments posted ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostedPayment:
    """One payment posted in the bank journal: its entry, what it settled, the VAT it moved and its letter."""

    payment_key: str  # P + the platform's id
    payment_date: date
    document_source_id: str
    number: str  # the invoice (or credit note) it settles
    client: str  # tiers code
    refund: bool  # paid back on a credit note
    amount: Decimal  # euros on the client's account: collected (negative for a refund)
    vat: Decimal  # VAT on receipts it made due (negative for a refund)
    settles: bool  # the payment that settles its document
    letter: str  # the matching letter of its customer line ("" while the document is open)
    posting_id: int | None
    piece: str
    journal: str
    entry_number: str
    state: str  # the entry's delivery state: confirmed, delivered, pending

    @property
    def platform_id(self) -> str:
        return platform_id(self.payment_key)


def _payments_query(company: str, start: date, end: date) -> Select[Any]:
    document = postings.alias("document")
    entry = postings.alias("entry")
    return (select(payments_posted.c.payment_key, payments_posted.c.payment_date,
                   payments_posted.c.document_source_id, payments_posted.c.customer_eur, payments_posted.c.settles,
                   document.c.number, document.c.client, document.c.kind, entry.c.id.label("posting_id"),
                   entry.c.piece, entry.c.journal, entry.c.entry_number, entry.c.state,
                   entry.c.number.label("entry_document"), entry.c.client.label("entry_client"))
            .select_from(payments_posted
                         .outerjoin(document, and_(document.c.company == payments_posted.c.company,
                                                   document.c.source_id == payments_posted.c.document_source_id))
                         .outerjoin(entry, and_(entry.c.company == payments_posted.c.company,
                                                entry.c.source_id == payments_posted.c.payment_key)))
            .where(payments_posted.c.company == company, *_period(start, end))
            .order_by(payments_posted.c.payment_date, payments_posted.c.payment_key))


def _letters(connection: Connection, posting_ids: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for at in range(0, len(posting_ids), CHUNK):
        found.update((int(posting_id), str(letter or "")) for posting_id, letter in connection.execute(
            select(entry_lines.c.posting_id, entry_lines.c.letter).where(
                entry_lines.c.posting_id.in_(posting_ids[at:at + CHUNK]), entry_lines.c.role == "customer")))
    return found


def _posted(rows: Sequence[Any], vat: dict[str, dict[str, Decimal]], letters: dict[int, str]) -> list[PostedPayment]:
    payments = []
    for row in rows:
        amount = Decimal(row.customer_eur)
        refund = row.kind == DocumentKind.CREDIT_NOTE.value
        posting_id = None if row.posting_id is None else int(row.posting_id)
        payments.append(PostedPayment(
            str(row.payment_key), row.payment_date, str(row.document_source_id),
            str(row.number or row.entry_document or ""), str(row.client or row.entry_client or ""), refund,
            -amount if refund else amount, sum(vat.get(str(row.payment_key), {}).values(), ZERO), bool(row.settles),
            letters.get(posting_id, "") if posting_id is not None else "", posting_id, str(row.piece or ""),
            str(row.journal or ""), str(row.entry_number or ""), str(row.state or "")))
    return payments


def payments_page(connection: Connection, company: str, start: date, end: date, *, limit: int = 200,
                  offset: int = 0) -> tuple[list[PostedPayment], int]:
    """A page of the payments posted in [start, end] (payment date, then key) and how many there are."""
    total = payment_count(connection, company, start, end)
    if total == 0:
        return [], 0
    rows = connection.execute(_payments_query(company, start, end).limit(limit).offset(offset)).all()
    vat = _vat_of(connection, company, [str(row.payment_key) for row in rows], start, end)
    letters = _letters(connection, [int(row.posting_id) for row in rows if row.posting_id is not None])
    return _posted(rows, vat, letters), total


def _vat_of_period(connection: Connection, company: str, start: date, end: date) -> dict[str, dict[str, Decimal]]:
    """Payment key -> rate -> the VAT it made due, for every payment of [start, end] (one pass over the date index,
    as ``receipts.collected`` reads it)."""
    found: dict[str, dict[str, Decimal]] = {}
    for key, rate, amount in connection.execute(
            select(vat_transfers.c.payment_key, vat_transfers.c.rate, vat_transfers.c.amount)
            .where(vat_transfers.c.company == company, vat_transfers.c.transfer_date >= start,
                   vat_transfers.c.transfer_date <= end)):
        per_rate = found.setdefault(str(key), {})
        per_rate[str(rate)] = per_rate.get(str(rate), ZERO) + Decimal(amount)
    return found


def iter_payments(connection: Connection, company: str, start: date, end: date,
                  batch: int = 1000) -> Iterator[PostedPayment]:
    """Every payment posted in [start, end], streamed (the exports): the payments read in one pass, their letters a
    batch at a time; their VAT read first, once (a few numbers a payment, as the receipts report holds them)."""
    vat = _vat_of_period(connection, company, start, end)
    result = connection.execution_options(stream_results=True, yield_per=batch).execute(
        _payments_query(company, start, end))
    for rows in result.partitions(batch):
        letters = _letters(connection, [int(row.posting_id) for row in rows if row.posting_id is not None])
        yield from _posted(rows, vat, letters)


# --- the payments waiting or refused ------------------------------------------------------------------------


def _bucket(show: str) -> list[Any]:
    """The findings of ``show``: waiting (for their invoice), refused (blocking), ignored (the rest, e.g. before the
    period start); any other word: all of them."""
    waiting = findings.c.code == WAITING_CODE
    if show == "waiting":
        return [waiting]
    if show == "refused":
        return [~waiting, findings.c.severity == "blocking"]
    if show == "ignored":
        return [~waiting, findings.c.severity != "blocking"]
    return []


def payment_finding_counts(connection: Connection, company: str) -> dict[str, int]:
    """How many payments wait for their invoice, were refused (blocking: to fix), or were ignored (the rest)."""
    counts = {"waiting": 0, "refused": 0, "ignored": 0}
    for code, severity, number in connection.execute(
            select(findings.c.code, findings.c.severity, func.count(func.distinct(findings.c.source_id)))
            .where(findings.c.company == company, findings.c.kind == PAYMENT_FINDINGS)
            .group_by(findings.c.code, findings.c.severity)):
        which = "waiting" if code == WAITING_CODE else "refused" if severity == "blocking" else "ignored"
        counts[which] += int(number)
    return counts


def payment_findings(connection: Connection, company: str, *, show: str = "", limit: int = 200,
                     offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """A page of the payments' current findings (blocking first); ``show``: "waiting", "refused", "ignored" or all."""
    conditions = [findings.c.company == company, findings.c.kind == PAYMENT_FINDINGS, *_bucket(show)]
    total = int(connection.execute(select(func.count()).select_from(findings).where(*conditions)).scalar_one())
    rows = connection.execute(
        select(findings.c.id, findings.c.run_id, findings.c.source_id, findings.c.document, findings.c.field,
               findings.c.code, findings.c.severity, findings.c.message, findings.c.fix)
        .where(*conditions).order_by(SEVERITY_RANK, findings.c.document, findings.c.id).limit(limit).offset(offset))
    return [dict(row) for row in rows.mappings()], total


# --- the settlements sent back to the platform ---------------------------------------------------------------


def settlement_counts(connection: Connection, company: str) -> dict[str, int]:
    """Settlements per state: pending (to send, or failed and retried), sent, on_platform (it had them)."""
    return {str(state): int(count) for state, count in connection.execute(
        select(settlements_sent.c.state, func.count()).where(settlements_sent.c.company == company)
        .group_by(settlements_sent.c.state))}


def settlements_page(connection: Connection, company: str, *, limit: int = 200,
                     offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """A page of the receipts matched in Sage sent (or to send) to the platform, newest first."""
    total = int(connection.execute(select(func.count()).select_from(settlements_sent).where(
        settlements_sent.c.company == company)).scalar_one())
    rows = connection.execute(select(settlements_sent).where(settlements_sent.c.company == company)
                              .order_by(settlements_sent.c.settled_on.desc(), settlements_sent.c.sage_key)
                              .limit(limit).offset(offset))
    page = []
    for row in rows.mappings():
        item = dict(row)
        item["amount"] = Decimal(item["amount"])
        page.append(item)
    return page, total
