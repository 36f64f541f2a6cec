"""The receipts report, read from the ledger: VAT on receipts per month and rate, and what each payment collected.

- **Per month and rate**: the VAT the month's payments made due (44574x -> 44571x), net of refunds:
  the figures of the VAT return (CA3) for a firm on receipts.
- **Per payment**: the invoice, the client, the day, the amount collected (negative for a refund)
  and the VAT it carried per rate: the facts a 212 "Encaissée" lifecycle status must carry
  (payments.md §1).

Amounts are read as exact Decimal text and summed here; never floats.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, and_, func, select

from sagesync.core.model import DocumentKind
from sagesync.core.money import ZERO
from sagesync.core.payments import Collected, MonthRate
from sagesync.ledger.schema import findings, payments_posted, postings, settlements_sent, vat_transfers


def vat_by_month(connection: Connection, company: str, start: date, end: date) -> list[MonthRate]:
    """The VAT on receipts made due in [start, end], per month and rate, in month then rate order."""
    sums: dict[tuple[date, str, str, str], Decimal] = {}
    rows = connection.execute(select(vat_transfers.c.transfer_date, vat_transfers.c.rate, vat_transfers.c.vat_code,
                                     vat_transfers.c.account_due, vat_transfers.c.amount)
                              .where(vat_transfers.c.company == company, vat_transfers.c.transfer_date >= start,
                                     vat_transfers.c.transfer_date <= end))
    for day, rate, code, account, amount in rows:
        key = (day.replace(day=1), str(rate), str(code), str(account))
        sums[key] = sums.get(key, ZERO) + Decimal(amount)
    return [MonthRate(month, rate, code, account, total)
            for (month, rate, code, account), total in sorted(sums.items(), key=lambda item: (
                item[0][0], -Decimal(item[0][1] or "0"), item[0][2]))]


def collected(connection: Connection, company: str, start: date, end: date) -> Iterator[Collected]:
    """Each payment of [start, end] with its invoice and the VAT it made due per rate, in date order."""
    vat: dict[str, dict[str, Decimal]] = {}
    for key, rate, amount in connection.execute(
            select(vat_transfers.c.payment_key, vat_transfers.c.rate, vat_transfers.c.amount)
            .where(vat_transfers.c.company == company, vat_transfers.c.transfer_date >= start,
                   vat_transfers.c.transfer_date <= end)):
        per_rate = vat.setdefault(str(key), {})
        per_rate[str(rate)] = per_rate.get(str(rate), ZERO) + Decimal(amount)
    document = postings.alias("document")
    query = (select(payments_posted.c.payment_key, payments_posted.c.payment_date,
                    payments_posted.c.document_source_id, payments_posted.c.customer_eur, document.c.number,
                    document.c.client, document.c.kind)
             .select_from(payments_posted.outerjoin(document, and_(
                 document.c.company == payments_posted.c.company,
                 document.c.source_id == payments_posted.c.document_source_id)))
             .where(payments_posted.c.company == company, payments_posted.c.payment_date >= start,
                    payments_posted.c.payment_date <= end)
             .order_by(payments_posted.c.payment_date, payments_posted.c.payment_key))
    for row in connection.execution_options(stream_results=True).execute(query):
        amount = Decimal(row.customer_eur)
        refund = row.kind == DocumentKind.CREDIT_NOTE.value
        yield Collected(str(row.payment_key), row.payment_date, str(row.document_source_id), str(row.number or ""),
                        str(row.client or ""), -amount if refund else amount, vat.get(str(row.payment_key), {}))


def payment_counts(connection: Connection, company: str) -> dict[str, int]:
    """Where the payments stand: posted, waiting for their invoice, to fix, and sent back from Sage."""
    posted = connection.execute(select(func.count()).select_from(payments_posted).where(
        payments_posted.c.company == company)).scalar_one()
    by_code = {str(severity): int(count) for severity, count in connection.execute(
        select(findings.c.severity, func.count()).where(findings.c.company == company, findings.c.kind == "payment")
        .group_by(findings.c.severity))}
    waiting = connection.execute(select(func.count()).select_from(findings).where(
        findings.c.company == company, findings.c.kind == "payment",
        findings.c.code == "payment_waiting")).scalar_one()
    sent = {str(state): int(count) for state, count in connection.execute(
        select(settlements_sent.c.state, func.count()).where(settlements_sent.c.company == company)
        .group_by(settlements_sent.c.state))}
    return {"posted": int(posted), "waiting": int(waiting), "to_fix": int(by_code.get("blocking", 0)),
            "sent_to_platform": int(sent.get("sent", 0)), "waiting_to_send": int(sent.get("pending", 0))}
