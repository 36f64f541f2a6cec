"""Domain records: what the platform bills and what the books receive.

Immutable, slot-based dataclasses (beancount style): cheap to build by the
hundred thousand, impossible to change behind the posting rules' back. Amounts
are Decimal in the document's currency unless a name says ``_eur``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sagesync.i18n import _

EURO = "EUR"


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"  # avoir
    PAYMENT = "payment"  # règlement (or remboursement) in the bank journal: never a platform document kind


class DocumentStatus(StrEnum):
    DRAFT = "draft"  # not numbered, may still change: never posted
    VALIDATED = "validated"  # numbered and locked on the platform


class RevenueKind(StrEnum):
    """What a billed line is, which decides its revenue account (accounting-fr.md §1)."""

    FEES = "fees"  # honoraires -> 706
    EXPENSES = "expenses"  # frais refacturés -> 7085, inside the VAT base
    DISBURSEMENTS = "disbursements"  # débours -> 467, outside the VAT base, not revenue


@dataclass(frozen=True, slots=True)
class Customer:
    """A client of the firm; becomes a Sage tiers of type client."""

    source_id: str
    code: str  # the client code the user keys in the platform ("number"); empty is a finding
    name: str
    vat_number: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Project:
    """A project (affaire); becomes a section of the analytic plan."""

    source_id: str
    code: str  # the analytic section code; empty is a finding
    title: str
    customer_source_id: str = ""


@dataclass(frozen=True, slots=True)
class Allocation:
    """Share of a line that goes to one project (weights, not necessarily percent)."""

    project_source_id: str
    weight: Decimal


@dataclass(frozen=True, slots=True)
class DocumentLine:
    description: str
    amount: Decimal  # excl. VAT (HT), positive, in the document currency
    vat_rate: Decimal | None  # percent (20, 5.5); None for disbursements
    kind: RevenueKind = RevenueKind.FEES
    # Empty means "the document's project"; several give an analytic split.
    allocations: tuple[Allocation, ...] = ()


@dataclass(frozen=True, slots=True)
class VatSubtotal:
    """The VAT the document states for one rate: the amount we post, never recomputed."""

    rate: Decimal
    base: Decimal  # HT taxed at this rate
    vat: Decimal  # VAT in the document currency
    vat_eur: Decimal | None = None  # VAT in euros when the document states it (BT-111)


@dataclass(frozen=True, slots=True)
class Document:
    """An invoice or a credit note as the platform states it."""

    source_id: str
    number: str  # the legal invoice number; empty on a draft
    kind: DocumentKind
    status: DocumentStatus
    issue_date: date
    customer_source_id: str
    lines: tuple[DocumentLine, ...]
    vat_subtotals: tuple[VatSubtotal, ...]
    total_excl_vat: Decimal
    total_vat: Decimal
    total_incl_vat: Decimal
    project_source_id: str = ""
    due_date: date | None = None
    currency: str = EURO
    exchange_rate: Decimal | None = None  # euros for one unit of ``currency``
    original_source_id: str = ""  # for a credit note: the invoice it reverses
    label: str = ""
    updated_at: datetime | None = None

    @property
    def display_name(self) -> str:
        """How a person recognises the document in a report."""
        credit_note = self.kind is DocumentKind.CREDIT_NOTE
        if self.number:
            text = _("credit note {number}") if credit_note else _("invoice {number}")
            return text.format(number=self.number)
        text = _("credit note #{id} (draft)") if credit_note else _("invoice #{id} (draft)")
        return text.format(id=self.source_id)


class Side(StrEnum):
    DEBIT = "debit"  # Sage sens 0
    CREDIT = "credit"  # Sage sens 1


class LineRole(StrEnum):
    CUSTOMER = "customer"
    REVENUE = "revenue"
    VAT = "vat"
    BANK = "bank"  # 512: what the bank received or paid back
    VAT_TRANSFER = "vat_transfer"  # 44574x -> 44571x: VAT on receipts falling due as the invoice is paid
    EXCHANGE = "exchange"  # 656 / 756: the difference of exchange rates between invoice and payment


@dataclass(frozen=True, slots=True)
class AnalyticSplit:
    plan: str  # plan name, e.g. PROJET
    section: str  # section code (project code)
    amount: Decimal  # euros, positive, same side as its line


@dataclass(frozen=True, slots=True)
class EntryLine:
    role: LineRole
    account: str  # general account (CG_Num)
    side: Side
    amount: Decimal  # euros, > 0
    label: str
    tiers: str = ""  # auxiliary (CT_Num) on the customer line only
    vat_code: str = ""
    due_date: date | None = None
    currency: str = ""  # ISO code on foreign-currency documents, else empty
    currency_amount: Decimal | None = None
    analytic: tuple[AnalyticSplit, ...] = ()
    # Matching (lettrage) of a customer line: the letter its invoice, credit notes and payments share once
    # they balance, and the day they did (FEC EcritureLet / DateLet).
    letter: str = ""
    letter_date: date | None = None

    @property
    def debit(self) -> Decimal:
        return self.amount if self.side is Side.DEBIT else Decimal("0.00")

    @property
    def credit(self) -> Decimal:
        return self.amount if self.side is Side.CREDIT else Decimal("0.00")


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One piece in the sales journal: balanced, in euros."""

    journal: str
    entry_date: date
    piece: str  # EC_Piece (<= 13 characters)
    invoice_number: str  # full number, kept for EC_RefPiece / FEC PieceRef
    label: str
    source_id: str
    kind: DocumentKind
    lines: tuple[EntryLine, ...] = field(default_factory=tuple)

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), Decimal("0.00"))

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), Decimal("0.00"))

    @property
    def is_balanced(self) -> bool:
        return self.total_debit == self.total_credit
