"""Payments: what the platform says a client paid, and what the books make of it.

A payment settles (part of) one document: an invoice, or a credit note when the
firm pays a client back (a refund). The platform has no "paid" flag: an invoice
is paid when its payments sum to its TTC (ooti-api.md §5.5).

Amounts are Decimal in the payment's currency; ``exchange_rate`` gives euros for
one unit of it, as on documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sagesync.core.model import EURO
from sagesync.core.money import ZERO
from sagesync.i18n import _

# The ledger keys a payment apart from the documents: "P" + the platform's id (never an invoice's
# id, which is a bare number), so its Sage reference reads OOTI-P70001.
PAYMENT_KEY_PREFIX = "P"


def payment_key(source_id: str) -> str:
    """The ledger's and Sage's key of a platform payment."""
    return PAYMENT_KEY_PREFIX + source_id.strip()


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment recorded on the platform against one document."""

    source_id: str  # the platform's id of the payment
    document_source_id: str  # the invoice (or credit note, for a refund) it settles
    payment_date: date
    amount: Decimal  # > 0, in ``currency``: received on an invoice, paid back on a credit note
    currency: str = EURO
    exchange_rate: Decimal | None = None  # euros for one unit of ``currency``; None in euros
    method: str = ""  # the platform's payment type code ("C", "V"...): picks the bank account
    label: str = ""
    updated_at: datetime | None = None

    key: str = field(init=False, repr=False, compare=False)  # P + source_id: the ledger's and Sage's key

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", payment_key(self.source_id))  # read many times per payment: made once

    @property
    def display_name(self) -> str:
        return _("payment #{id} of {date}").format(id=self.source_id, date=self.payment_date.strftime("%d/%m/%Y"))


@dataclass(frozen=True, slots=True)
class Settlement:
    """A receipt matched in Sage against an invoice sagesync posted: what goes back to the platform."""

    document_source_id: str
    invoice_number: str
    settled_on: date
    amount: Decimal  # euros
    sage_key: str  # the Sage line(s) it was read from (EC_No), so it is sent once


# --- the receipts report's records (read by ``ledger.receipts``, written by ``exports.receipts_report``) ---


@dataclass(frozen=True, slots=True)
class MonthRate:
    month: date  # its first day
    rate: str  # percent as text ("20", "5.5"); "" when unknown (a payment read back by a ledger rebuild)
    vat_code: str
    account_due: str  # 44571x
    vat: Decimal  # made due, net of refunds


@dataclass(frozen=True, slots=True)
class Collected:
    payment_key: str
    payment_date: date
    document_source_id: str
    number: str  # the invoice (or credit note) number
    client: str  # tiers code
    amount: Decimal  # euros collected on the client's account (negative: paid back)
    vat_by_rate: dict[str, Decimal] = field(default_factory=dict)  # rate -> VAT it made due

    @property
    def vat(self) -> Decimal:
        return sum(self.vat_by_rate.values(), ZERO)
