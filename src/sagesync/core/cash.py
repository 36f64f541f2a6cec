"""The cash side: what a payment settles, the VAT on receipts it makes due, its bank entry, its matching.

accounting-fr.md §3 and payments.md §1-§2, in short:

- a payment of an invoice: bank debited, 411 + tiers credited; a refund of a credit note the other
  way round. Amounts stay positive, sides say the direction;
- for a document whose VAT was posted on receipts (44574x), each payment makes the VAT it contains
  due: per rate, 44574x debited and 44571x credited by
  ``VAT_r = round(amount × VAT_r / TTC, 2, half up)``, never more than what still waits; the
  payment that settles the document takes whatever remains, so that over all its payments a
  document moves exactly its VAT, per rate, to the cent. A document posted on debits moves nothing;
- a credit note that corrects an invoice reduces what remains of it: the credit note already took
  its own VAT back out of 44574x, so it counts as moved for the invoice;
- once the payments and credit notes balance the invoice, their customer lines share a letter
  (lettrage): ``next_letter``;
- a payment in a foreign currency clears the invoice's 411 at the invoice's own rate; the bank gets
  the payment's rate, and the difference goes to the exchange loss (656) or gain (756) account.

Pure: no I/O. The ledger builds the ``OpenItem`` from what it recorded, and records what comes out.
Anything the books cannot take is a finding, never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sagesync.core.findings import Finding, FindingCode, Severity
from sagesync.core.model import EURO, DocumentKind, EntryLine, JournalEntry, LineRole, Side
from sagesync.core.money import ZERO, amount_problem, to_cents
from sagesync.core.payments import Payment
from sagesync.i18n import _

PIECE_LIMIT = 13  # EC_Piece
LABEL_LIMIT = 69  # EC_Intitule
LETTER_LIMIT = 3  # EC_Lettrage


@dataclass(frozen=True, slots=True)
class WaitingVat:
    """One rate of a document's VAT posted on receipts: it waits in ``account_waiting`` until paid."""

    rate: Decimal
    vat_code: str
    account_waiting: str  # 44574x: credited by the invoice (debited by a credit note)
    account_due: str  # 44571x: where the VAT goes once the money is received
    amount: Decimal  # euros: the document's VAT at this rate, positive
    moved: Decimal = ZERO  # already made due by earlier payments (or taken back by credit notes)

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.moved


@dataclass(frozen=True, slots=True)
class OpenItem:
    """A posted invoice or credit note as the cash side sees it: what was due, what remains."""

    document_source_id: str
    kind: DocumentKind  # INVOICE, or CREDIT_NOTE for a refund
    number: str
    tiers: str
    collective: str  # the account of its customer line (411...)
    total: Decimal  # TTC in the document's currency, positive
    total_eur: Decimal  # its customer line, euros
    currency: str = EURO
    waiting_vat: tuple[WaitingVat, ...] = ()
    settled: Decimal = ZERO  # document currency: payments and applied credit notes so far
    settled_eur: Decimal = ZERO  # euros of its customer line already cleared
    letter: str = ""  # set once matched: nothing more can be paid on it

    @property
    def remaining(self) -> Decimal:
        return self.total - self.settled

    @property
    def remaining_eur(self) -> Decimal:
        return self.total_eur - self.settled_eur


@dataclass(frozen=True, slots=True)
class CreditNoteCredit:
    """A credit note correcting an invoice, as it reduces what remains of it once applied."""

    source_id: str
    entry_date: date
    total: Decimal  # TTC, document currency, positive
    total_eur: Decimal
    waiting: Mapping[str, Decimal] = field(default_factory=dict)  # 44574x account -> VAT it took back out


def apply_credit_note(item: OpenItem, note: CreditNoteCredit) -> OpenItem:
    """The invoice once the credit note counts against it: less to pay, less VAT waiting."""
    return replace(item, settled=item.settled + note.total, settled_eur=item.settled_eur + note.total_eur,
                   waiting_vat=tuple(replace(waiting, moved=waiting.moved + note.waiting.get(waiting.account_waiting,
                                                                                            ZERO))
                                     for waiting in item.waiting_vat))


@dataclass(frozen=True, slots=True)
class CashSettings:
    """Where payments go: the bank journal and accounts of the profile's ``[payments]`` table."""

    bank_journal: str  # BQ
    bank_account: str  # 512000: any payment method without its own account
    exchange_loss_account: str  # 656000
    exchange_gain_account: str  # 756000
    bank_accounts: Mapping[str, str] = field(default_factory=dict)  # payment method code -> 512xxx
    vat_in_payment_entry: bool = True  # False: a separate entry per month (``month_end_transfer``)
    transfer_journal: str = "OD"  # the month's entry goes there
    period_start: date = date.min
    closed_until: date | None = None  # the last day of a closed period: nothing is posted on or before it
    closed_months: frozenset[date] = frozenset()  # first days of the bank journal's months closed in Sage

    def bank_account_for(self, method: str) -> str:
        return self.bank_accounts.get(method.strip(), self.bank_account) if method else self.bank_account


@dataclass(frozen=True, slots=True)
class VatTransfer:
    """VAT of one rate made due by one payment: ``amount`` from ``account_waiting`` to ``account_due``.

    Positive for a payment received; negative for a refund (the VAT goes back to waiting... then out:
    the credit note's VAT stops being due).
    """

    rate: Decimal
    vat_code: str
    account_waiting: str
    account_due: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PaymentPosting:
    """What the books make of one payment."""

    payment: Payment
    document_source_id: str
    entry: JournalEntry
    amount: Decimal  # document currency: what it settles
    customer_eur: Decimal  # the 411 line
    bank_eur: Decimal  # the 512 line
    transfers: tuple[VatTransfer, ...]
    settles: bool  # the document is fully paid with it: its lines are matched

    @property
    def vat_moved(self) -> Decimal:
        return sum((transfer.amount for transfer in self.transfers), ZERO)


def _finding(payment: Payment, field_name: str, code: FindingCode, message: str, fix: str,
             severity: Severity = Severity.BLOCKING) -> Finding:
    return Finding(payment.display_name, payment.key, field_name, code, message, fix, severity)


def payment_problems(payment: Payment, item: OpenItem | None, settings: CashSettings) -> list[Finding]:
    """Why ``payment`` cannot be posted against ``item`` now; empty when it can."""
    if item is None:
        return [_finding(payment, "invoice", FindingCode.PAYMENT_UNKNOWN_DOCUMENT,
                         _("the payment is recorded against document #{id}, which sagesync has never seen on the "
                           "platform").format(id=payment.document_source_id),
                         _("attach the payment to the right invoice on the platform"))]
    found: list[Finding] = []
    problem = amount_problem(payment.amount)
    if problem or payment.amount <= 0:
        found.append(_finding(payment, "amount", FindingCode.PAYMENT_INVALID,
                              _("the amount {amount} cannot be posted ({why})").format(
                                  amount=payment.amount, why=problem or _("zero or negative")),
                              _("correct the payment's amount on the platform")))
    if payment.currency != item.currency:
        found.append(_finding(payment, "currency", FindingCode.PAYMENT_INVALID,
                              _("the payment is in {currency} but {document} is in {document_currency}").format(
                                  currency=payment.currency, document=item.number,
                                  document_currency=item.currency),
                              _("record the payment in the document's currency on the platform")))
    elif payment.currency != EURO and (payment.exchange_rate is None or payment.exchange_rate <= 0):
        found.append(_finding(payment, "currency_rate", FindingCode.PAYMENT_INVALID,
                              _("the payment is in {currency} without an exchange rate: the euros the bank "
                                "received are unknown").format(currency=payment.currency),
                              _("enter the exchange rate of the payment day on the platform")))
    if payment.payment_date < settings.period_start:
        found.append(_finding(payment, "date", FindingCode.BEFORE_PERIOD_START,
                              _("the payment is dated {date}, before the period start {start}").format(
                                  date=payment.payment_date.strftime("%d/%m/%Y"),
                                  start=settings.period_start.strftime("%d/%m/%Y")),
                              _("post it by hand in Sage if it belongs to these books"), Severity.INFO))
    elif payment.payment_date.replace(day=1) in settings.closed_months:
        found.append(_finding(payment, "date", FindingCode.CLOSED_PERIOD,
                              _("the payment is dated {date}, in a month closed in Sage for journal {journal}").format(
                                  date=payment.payment_date.strftime("%d/%m/%Y"), journal=settings.bank_journal),
                              _("correct the payment's date on the platform, or post it by hand in an open month")))
    elif settings.closed_until is not None and payment.payment_date <= settings.closed_until:
        found.append(_finding(payment, "date", FindingCode.CLOSED_PERIOD,
                              _("the payment is dated {date}, in a closed period (closed until {closed})").format(
                                  date=payment.payment_date.strftime("%d/%m/%Y"),
                                  closed=settings.closed_until.strftime("%d/%m/%Y")),
                              _("correct the payment's date on the platform, or reopen the period in the profile "
                                "(payments.closed_until)")))
    if found:
        return found
    if item.letter or payment.amount > item.remaining:
        found.append(_finding(payment, "amount", FindingCode.OVERPAYMENT,
                              _("the payment of {amount} is more than what remains due on {document} "
                                "({remaining})").format(amount=payment.amount, document=item.number,
                                                        remaining=max(item.remaining, ZERO) if not item.letter
                                                        else ZERO),
                              _("correct or delete the payment on the platform; an amount really received twice "
                                "is a refund to make, or a credit to post by hand in Sage")))
    return found


def vat_made_due(item: OpenItem, amount: Decimal, settles: bool) -> tuple[VatTransfer, ...]:
    """The VAT ``amount`` (document currency) of ``item`` makes due, per rate.

    Prorated on the document's own VAT and TTC; never more than what still waits; the settling
    payment takes what remains, so the payments of a document move its VAT exactly.
    """
    transfers: list[VatTransfer] = []
    for waiting in item.waiting_vat:
        if settles:
            share = waiting.remaining
        else:
            share = to_cents(amount * waiting.amount / item.total) if item.total else ZERO
            share = max(ZERO, min(share, waiting.remaining))
        if share:
            transfers.append(VatTransfer(waiting.rate, waiting.vat_code, waiting.account_waiting,
                                         waiting.account_due, share))
    return tuple(transfers)


def payment_piece(payment: Payment) -> str:
    """EC_Piece of a payment: RG + the platform's id (its last characters when longer)."""
    text = "RG" + payment.source_id.strip().upper()
    return text if len(text) <= PIECE_LIMIT else "RG" + text[-(PIECE_LIMIT - 2):]


def post_payment(payment: Payment, item: OpenItem, settings: CashSettings) -> PaymentPosting:
    """The bank entry of a payment ``payment_problems`` accepted."""
    refund = item.kind is DocumentKind.CREDIT_NOTE
    settles = payment.amount == item.remaining
    if settles:
        customer_eur = item.remaining_eur
    elif item.currency == EURO:
        customer_eur = payment.amount
    else:
        customer_eur = min(to_cents(payment.amount * item.total_eur / item.total), item.remaining_eur)
    if item.currency == EURO:
        bank_eur = payment.amount
    else:
        assert payment.exchange_rate is not None, "checked by payment_problems"
        bank_eur = to_cents(payment.amount * payment.exchange_rate)
    transfers = vat_made_due(item, payment.amount, settles)
    # Received: the bank is debited and the client credited; a refund pays out, the other way round.
    inflow, outflow = (Side.CREDIT, Side.DEBIT) if refund else (Side.DEBIT, Side.CREDIT)
    label = (f"Remboursement {item.number}" if refund else f"Règlement {item.number}")[:LABEL_LIMIT]
    foreign = item.currency != EURO
    lines = [
        EntryLine(LineRole.BANK, settings.bank_account_for(payment.method), inflow, bank_eur, label,
                  currency=item.currency if foreign else "", currency_amount=payment.amount if foreign else None),
        EntryLine(LineRole.CUSTOMER, item.collective, outflow, customer_eur, label, tiers=item.tiers,
                  currency=item.currency if foreign else "", currency_amount=payment.amount if foreign else None),
    ]
    difference = bank_eur - customer_eur  # what the bank side holds more than the client side
    if difference:
        # The extra line sits on the side that holds less. More euros received than the invoice's, or fewer
        # paid back than the credit note's, is a gain; the other way round, a loss.
        side = outflow if difference > 0 else inflow
        gain = (difference > 0) != refund
        account = settings.exchange_gain_account if gain else settings.exchange_loss_account
        lines.append(EntryLine(LineRole.EXCHANGE, account, side, abs(difference),
                               (("Gain de change " if gain else "Perte de change ") + item.number)[:LABEL_LIMIT]))
    if settings.vat_in_payment_entry:
        lines += transfer_lines(transfers, refund, item.number)
    entry = JournalEntry(journal=settings.bank_journal, entry_date=payment.payment_date,
                         piece=payment_piece(payment), invoice_number=item.number, label=label,
                         source_id=payment.key, kind=DocumentKind.PAYMENT, lines=tuple(lines))
    return PaymentPosting(payment, item.document_source_id, entry, payment.amount, customer_eur, bank_eur,
                          tuple(replace(transfer, amount=-transfer.amount) if refund else transfer
                                for transfer in transfers), settles)


def transfer_lines(transfers: Sequence[VatTransfer], refund: bool, number: str) -> list[EntryLine]:
    """44574x debited, 44571x credited per rate (the other way for a refund, or a negative amount)."""
    lines: list[EntryLine] = []
    for transfer in transfers:
        amount = -transfer.amount if refund else transfer.amount
        if not amount:
            continue
        waiting_side, due_side = (Side.DEBIT, Side.CREDIT) if amount > 0 else (Side.CREDIT, Side.DEBIT)
        label = f"TVA encaissée {_rate_text(transfer.rate)} % {number}"[:LABEL_LIMIT]
        lines.append(EntryLine(LineRole.VAT_TRANSFER, transfer.account_waiting, waiting_side, abs(amount), label,
                               vat_code=transfer.vat_code))
        lines.append(EntryLine(LineRole.VAT_TRANSFER, transfer.account_due, due_side, abs(amount), label,
                               vat_code=transfer.vat_code))
    return lines


def month_end_transfer(journal: str, month_end: date, key: str,
                       transfers: Sequence[VatTransfer]) -> JournalEntry | None:
    """One entry moving a month's VAT on receipts, summed per (waiting account, due account, code)."""
    sums: dict[tuple[str, str, str, Decimal], Decimal] = {}
    for transfer in transfers:
        group = (transfer.account_waiting, transfer.account_due, transfer.vat_code, transfer.rate)
        sums[group] = sums.get(group, ZERO) + transfer.amount
    piece = key[:PIECE_LIMIT]  # TVA + month + sequence: a second entry for the same month is told apart
    lines = transfer_lines([VatTransfer(rate, code, waiting, due, amount)
                            for (waiting, due, code, rate), amount in sorted(sums.items())], False,
                           f"{month_end:%m/%Y}")
    if not lines:
        return None
    return JournalEntry(journal=journal, entry_date=month_end, piece=piece, invoice_number=piece,
                        label=f"TVA sur encaissements {month_end:%m/%Y}", source_id=key,
                        kind=DocumentKind.PAYMENT, lines=tuple(lines))


def _rate_text(rate: Decimal) -> str:
    text = format(rate.normalize(), "f") if rate else "0"
    return text.replace(".", ",")


# --- matching (lettrage) ---------------------------------------------------------------------------

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def letter_rank(letter: str) -> int:
    """A, B... Z, AA... ZZ, AAA... ZZZ as 1, 2, ... (0 for none, or for a code Sage did not make)."""
    text = letter.strip().upper()
    if not text or len(text) > LETTER_LIMIT or any(char not in _ALPHABET for char in text):
        return 0
    rank = 0
    for char in text:
        rank = rank * 26 + _ALPHABET.index(char) + 1
    return rank


def letter_of(rank: int) -> str:
    text = ""
    while rank > 0:
        rank, rest = divmod(rank - 1, 26)
        text = _ALPHABET[rest] + text
    return text


def next_letter(last: str) -> str | None:
    """The letter after ``last`` in Sage's sequence; None once ZZZ is used (18 278 letters per tiers)."""
    following = letter_of(letter_rank(last) + 1)
    return following if len(following) <= LETTER_LIMIT else None


# --- settlements matched in Sage, back to the platform --------------------------------------------------


@dataclass(frozen=True, slots=True)
class LetteredInvoice:
    """An invoice sagesync posted whose customer line carries a letter given in Sage."""

    reference: str  # EC_Reference: OOTI-<id>
    number: str
    entry_date: date
    total: Decimal  # its 411 line, euros


@dataclass(frozen=True, slots=True)
class LetteredReceipt:
    """A receipt typed in Sage (a bank line on the client's account) sharing that letter."""

    sage_key: str  # EC_No of the line: what makes it sent once
    receipt_date: date
    amount: Decimal  # euros


def allocate_receipts(invoices: Sequence[LetteredInvoice], receipts: Sequence[LetteredReceipt]
                      ) -> list[tuple[LetteredInvoice, LetteredReceipt, Decimal]]:
    """Which receipt paid which invoice of one letter group, first in first out (by date).

    One invoice and its receipts is the usual case; a receipt lettered with several invoices is split
    over them in date order, each taking at most what it still owes. What is left over (a group that
    does not balance, which Sage allows only by hand) is not allocated: nothing is invented.
    """
    ordered = sorted(invoices, key=lambda item: (item.entry_date, item.number))
    remaining = [invoice.total for invoice in ordered]
    allocated: list[tuple[LetteredInvoice, LetteredReceipt, Decimal]] = []
    position = 0
    for receipt in sorted(receipts, key=lambda item: (item.receipt_date, item.sage_key)):
        left = receipt.amount
        while left > 0 and position < len(ordered):
            share = min(left, remaining[position])
            if share > 0:
                allocated.append((ordered[position], receipt, share))
            left -= share
            remaining[position] -= share
            if remaining[position] <= 0:
                position += 1
    return allocated


# Per (account, tiers, letter): the invoices and the receipts Sage matched together.
LetteredGroups = dict[tuple[str, str, str], tuple[list[LetteredInvoice], list[LetteredReceipt]]]
