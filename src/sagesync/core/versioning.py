"""Content version of a document: what must not change once it is posted.

Only what reaches the books is hashed (dates, customer, currency, lines,
amounts), in a canonical text where 20, 20.0 and 20.00 are the same, so a
change of wire representation is never mistaken for an edit.
"""

from __future__ import annotations

from decimal import Decimal
from hashlib import blake2b

from sagesync.core.model import Document
from sagesync.core.payments import Payment


def _amount(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return format(value.normalize(), "f") if value != 0 else "0"


def content_version(document: Document) -> str:
    parts = [
        document.kind.value,
        document.status.value,
        document.number,
        document.issue_date.isoformat(),
        document.due_date.isoformat() if document.due_date else "-",
        document.customer_source_id,
        document.project_source_id,
        document.currency,
        _amount(document.exchange_rate),
        document.original_source_id,
        _amount(document.total_excl_vat),
        _amount(document.total_vat),
        _amount(document.total_incl_vat),
    ]
    for line in document.lines:
        parts += [line.kind.value, line.description, _amount(line.amount), _amount(line.vat_rate)]
        parts += [f"{a.project_source_id}:{_amount(a.weight)}" for a in line.allocations]
        parts.append(";")
    for subtotal in document.vat_subtotals:
        parts += [_amount(subtotal.rate), _amount(subtotal.base), _amount(subtotal.vat), _amount(subtotal.vat_eur)]
    return blake2b("\x1f".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def payment_version(payment: Payment) -> str:
    """What must not change once a payment is posted: its document, date, amount, currency, rate and method."""
    parts = [payment.document_source_id, payment.payment_date.isoformat(), _amount(payment.amount),
             payment.currency, _amount(payment.exchange_rate), payment.method]
    return blake2b("\x1f".join(parts).encode("utf-8"), digest_size=16).hexdigest()
