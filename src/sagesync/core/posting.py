"""Posting rules: one document in, one balanced sales-journal entry out.

accounting-fr.md §1-§6, in short:
- the customer line (411 + tiers) carries the TTC, so it can be matched with the payment;
- revenue is credited per (account, analytic section, VAT code);
- VAT is credited per rate with the VAT the document states, never recomputed;
- a credit note takes the opposite sides, amounts stay positive;
- a negative line (a discount) nets against the revenue of its (account, section, VAT code);
  a group, or a VAT rate, that nets negative is posted on the other side, still positive;
- a foreign-currency document is converted with the rate it carries; the cent left over
  by the conversion goes to the largest revenue line, never to 411 or VAT.

The function is pure and total on checked documents: anything the checks would
have caught raises ``PostingError`` (a bug, not a user problem).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sagesync.core.mapping import AccountMapping
from sagesync.core.model import (
    EURO,
    AnalyticSplit,
    Document,
    DocumentKind,
    DocumentLine,
    EntryLine,
    JournalEntry,
    LineRole,
    RevenueKind,
    Side,
)
from sagesync.core.money import ZERO, allocate, to_cents
from sagesync.i18n import _

PIECE_LIMIT = 13  # EC_Piece
REFERENCE_LIMIT = 17  # EC_RefPiece
LABEL_LIMIT = 69  # EC_Intitule at #VER 31 (older versions: 35, see the Sage writer)


class PostingError(Exception):
    """The document reached posting in a state the checks should have refused."""


@dataclass(frozen=True, slots=True)
class PostingContext:
    mapping: AccountMapping
    tiers_by_customer: Mapping[str, str]  # customer source id -> Sage tiers code
    section_by_project: Mapping[str, str]  # project source id -> analytic section code


def piece_number(number: str) -> str:
    """EC_Piece from the invoice number: upper case, at most 13 characters.

    A longer number keeps its last 13 characters, where the sequence lives;
    the full number stays in the reference fields.
    """
    compact = number.strip().upper()
    return compact[-PIECE_LIMIT:]


def reference_piece(number: str) -> str:
    """EC_RefPiece for an invoice number: at most 17 characters, keeping the end where the sequence lives.

    The Sage writers store this value and ``existing_pieces`` must be asked with it; Sage compares
    it without regard to case, so compare ``number_key(reference_piece(n))`` when looking for clashes.
    """
    return number.strip()[-REFERENCE_LIMIT:]


def number_key(number: str) -> str:
    """A number as Sage compares it: surrounding spaces stripped, upper case."""
    return number.strip().upper()


def full_label(document: Document) -> str:
    """The entry label before it is cut to the Sage limit."""
    return document.label or (
        f"Avoir {document.number}" if document.kind is DocumentKind.CREDIT_NOTE else f"Facture {document.number}"
    )


def entry_label(document: Document) -> str:
    return full_label(document)[:LABEL_LIMIT]


def _sides(kind: DocumentKind) -> tuple[Side, Side]:
    """(customer side, revenue and VAT side)."""
    if kind is DocumentKind.CREDIT_NOTE:
        return Side.CREDIT, Side.DEBIT
    return Side.DEBIT, Side.CREDIT


def _to_euros(document: Document, amount: Decimal) -> Decimal:
    if document.currency == EURO:
        return amount
    if document.exchange_rate is None or document.exchange_rate <= 0:
        raise PostingError(_("{document}: no exchange rate for {currency}").format(
            document=document.display_name, currency=document.currency))
    return to_cents(amount * document.exchange_rate)


@dataclass(slots=True)
class _RevenueGroup:
    account: str
    section: str
    vat_code: str
    kind: RevenueKind
    amount: Decimal  # document currency
    euros: Decimal = ZERO


def _line_parts(document: Document, line: DocumentLine, context: PostingContext) -> list[tuple[str, Decimal]]:
    """(section code, amount) parts of one line: its analytic split, exact to the cent."""
    allocations = line.allocations
    if not allocations:
        if not document.project_source_id:
            return [("", line.amount)]
        return [(_section(document, document.project_source_id, context), line.amount)]
    amounts = allocate(line.amount, [allocation.weight for allocation in allocations])
    return [
        (_section(document, allocation.project_source_id, context), amount)
        for allocation, amount in zip(allocations, amounts, strict=True)
    ]


def _section(document: Document, project_source_id: str, context: PostingContext) -> str:
    try:
        return context.section_by_project[project_source_id]
    except KeyError:
        raise PostingError(_("{document}: project {project} is not synced").format(
            document=document.display_name, project=project_source_id)) from None


def _revenue_groups(document: Document, context: PostingContext) -> list[_RevenueGroup]:
    mapping = context.mapping
    groups: dict[tuple[str, str, str], _RevenueGroup] = {}
    for line in document.lines:
        account = mapping.revenue_account(line.kind, line.vat_rate)
        if not account:
            raise PostingError(_("{document}: no revenue account for {kind}").format(
                document=document.display_name, kind=line.kind))
        vat_code = ""
        if line.vat_rate is not None:
            vat = mapping.vat_for(line.vat_rate)
            if vat is None:
                raise PostingError(_("{document}: VAT rate {rate} % is not mapped").format(
                    document=document.display_name, rate=line.vat_rate))
            vat_code = vat.code(mapping.vat_regime)
        for section, amount in _line_parts(document, line, context):
            if line.kind is RevenueKind.DISBURSEMENTS:
                section = ""  # débours are not revenue: no analytic allocation
            key = (account, section, vat_code)
            group = groups.get(key)
            if group is None:
                groups[key] = _RevenueGroup(account, section, vat_code, line.kind, amount)
            else:
                group.amount += amount
    return [group for group in groups.values() if group.amount != 0]


def post_document(document: Document, context: PostingContext) -> JournalEntry:
    """Turn a checked document into its balanced journal entry."""
    mapping = context.mapping
    customer_side, other_side = _sides(document.kind)
    foreign = document.currency != EURO
    currency = document.currency if foreign else ""
    label = entry_label(document)

    tiers = context.tiers_by_customer.get(document.customer_source_id)
    if not tiers:
        raise PostingError(_("{document}: customer {customer} is not synced").format(
            document=document.display_name, customer=document.customer_source_id))
    total_euros = _to_euros(document, document.total_incl_vat)
    if total_euros <= 0:
        raise PostingError(_("{document}: the total incl. VAT is zero or below").format(document=document.display_name))

    vat_lines: list[EntryLine] = []
    for subtotal in document.vat_subtotals:
        if subtotal.vat == 0:
            continue  # zero-rate codes write no VAT line (no 0/0 line in the FEC)
        vat = mapping.vat_for(subtotal.rate)
        if vat is None or not vat.account(mapping.vat_regime):
            raise PostingError(_("{document}: no VAT account for {rate} %").format(
                document=document.display_name, rate=subtotal.rate))
        # The euro VAT is the one the document states when it states one (BT-111).
        stated_euros = subtotal.vat_eur if foreign else None
        vat_euros = stated_euros if stated_euros is not None else _to_euros(document, subtotal.vat)
        if vat_euros == 0:
            raise PostingError(_("{document}: the VAT at {rate} % converts to 0,00 EUR").format(
                document=document.display_name, rate=subtotal.rate))
        # A rate whose lines net negative states a negative VAT: it goes on the customer's side.
        vat_lines.append(
            EntryLine(
                role=LineRole.VAT,
                account=vat.account(mapping.vat_regime),
                side=other_side if vat_euros > 0 else customer_side,
                amount=abs(vat_euros),
                label=label,
                vat_code=vat.code(mapping.vat_regime),
                currency=currency,
                currency_amount=abs(subtotal.vat) if foreign else None,
            )
        )

    groups = _revenue_groups(document, context)
    if not groups:
        raise PostingError(_("{document}: no revenue to post").format(document=document.display_name))
    for group in groups:
        group.euros = _to_euros(document, group.amount)
    vat_total = sum((line.amount if line.side is other_side else -line.amount for line in vat_lines), ZERO)
    residue = total_euros - vat_total - sum((g.euros for g in groups), ZERO)
    if residue:
        if not foreign:
            raise PostingError(_("{document}: lines do not add up to the total ({residue})").format(
                document=document.display_name, residue=residue))
        largest = max(groups, key=lambda group: group.euros)  # first of equals: deterministic
        largest.euros += residue

    if any(group.euros == 0 for group in groups):
        raise PostingError(_("{document}: a revenue line would be zero after conversion").format(
            document=document.display_name))
    # A group that nets negative (a discount larger than the revenue it reduces) is posted
    # on the customer's side with a positive amount; the checks report it as a warning.
    revenue_lines = [
        EntryLine(
            role=LineRole.REVENUE,
            account=group.account,
            side=other_side if group.euros > 0 else customer_side,
            amount=abs(group.euros),
            label=label,
            vat_code=group.vat_code,
            currency=currency,
            currency_amount=abs(group.amount) if foreign else None,
            analytic=(AnalyticSplit(mapping.analytic_plan, group.section, abs(group.euros)),) if group.section else (),
        )
        for group in groups
    ]

    customer_line = EntryLine(
        role=LineRole.CUSTOMER,
        account=mapping.collective_account,
        side=customer_side,
        amount=total_euros,
        label=label,
        tiers=tiers,
        due_date=document.due_date,
        currency=currency,
        currency_amount=document.total_incl_vat if foreign else None,
    )
    entry = JournalEntry(
        journal=mapping.journal,
        entry_date=document.issue_date,
        piece=piece_number(document.number),
        invoice_number=document.number,
        label=label,
        source_id=document.source_id,
        kind=document.kind,
        lines=(customer_line, *revenue_lines, *vat_lines),
    )
    if not entry.is_balanced:  # cannot happen once the checks passed; never let it through
        raise PostingError(
            _("{document}: entry does not balance (D {debit} / C {credit})").format(
                document=document.display_name, debit=entry.total_debit, credit=entry.total_credit)
        )
    return entry
