"""OOTI wire objects -> domain records. Pure: no I/O, nothing raised for bad data.

The wire format follows ooti-api.md §12 until the live API says otherwise:

- invoice: ``pk``, ``type`` (9 = credit note), ``code`` (number, ``null`` on a draft),
  ``is_valid``, ``invoice_date`` / ``due_date`` (``DD-MM-YYYY`` or ISO ``YYYY-MM-DD``),
  ``client``, ``project``, ``currency`` (pk of ``v1/currencies/list/`` or an ISO code),
  ``currency_rate`` (euros for one unit), ``amount`` = HT, ``tax`` = VAT, ``total`` = TTC,
  ``multi_tax_enabled``, ``tax_rate`` (single-rate invoices), ``original_invoice`` (credit
  notes), ``updated_at`` (ISO 8601).
- item (line): ``amount`` (HT), ``description``, ``tax_rate`` and ``tax`` on multi-rate
  invoices, and **``kind``**: what the line is, which decides its revenue account.
  OOTI documents no such field; sagesync's sandbox sends ``fees`` (honoraires, 706),
  ``expenses`` (frais refacturés, 7085, inside the VAT base) or ``disbursements``
  (débours, 467, outside the VAT base). French spellings are accepted too. When the
  live API has no such field, set ``FieldNames.missing_line_kind`` in the profile: a
  missing kind is otherwise refused, never guessed.
- credit note: ``type`` 9 with positive amounts; negative amounts are accepted and
  turned positive (the sign comes from ``type``, never from the numbers).
- payment (ooti-api.md §5.5): ``pk``, ``date`` (``DD-MM-YYYY``), ``amount`` (> 0, in the
  payment's currency), ``currency`` (pk or ISO code), ``currency_rate``, ``type`` (the
  platform's letter code, kept as the method), ``invoice`` (the invoice, or the credit
  note of a refund), ``team``, ``project``, ``updated_at`` when the platform sends it.

Every alternative name the reference lists is accepted (``FieldNames``), so a different
live answer is a setting. A field that is missing, of the wrong type or unreadable
gives ``Rejected`` with one ``SOURCE_FIELD_INVALID`` finding per field: a document is
never half-read and money is never defaulted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sagesync.core.findings import Finding, FindingCode
from sagesync.core.model import (
    EURO,
    Customer,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    Project,
    RevenueKind,
    VatSubtotal,
)
from sagesync.core.money import ZERO, amount_problem
from sagesync.core.payments import Payment
from sagesync.i18n import N_, _
from sagesync.sources.base import Rejected
from sagesync.sources.ooti.reading import FieldReader, shown

CREDIT_NOTE_TYPE = 9

_KIND_WORDS: dict[str, RevenueKind] = {
    "fees": RevenueKind.FEES, "fee": RevenueKind.FEES, "honoraires": RevenueKind.FEES,
    "expenses": RevenueKind.EXPENSES, "expense": RevenueKind.EXPENSES, "frais": RevenueKind.EXPENSES,
    "disbursements": RevenueKind.DISBURSEMENTS, "disbursement": RevenueKind.DISBURSEMENTS,
    "debours": RevenueKind.DISBURSEMENTS, "débours": RevenueKind.DISBURSEMENTS,
}


@dataclass(frozen=True, slots=True)
class FieldNames:
    """Wire field names, first match wins: the §12 decision first, then its alternatives."""

    record_id: tuple[str, ...] = ("pk", "id")
    invoice_number: tuple[str, ...] = ("code", "number", "invoice_number", "reference")
    total_excl_vat: tuple[str, ...] = ("amount", "subtotal")
    total_vat: tuple[str, ...] = ("tax", "tax_amount")
    total_incl_vat: tuple[str, ...] = ("total", "total_with_tax")
    original_invoice: tuple[str, ...] = ("original_invoice",)
    updated_at: tuple[str, ...] = ("updated_at", "modified")
    client_code: tuple[str, ...] = ("number",)
    client_name: tuple[str, ...] = ("name", "company_name")
    postal_code: tuple[str, ...] = ("postal_code", "zip_code")
    project_code: tuple[str, ...] = ("code", "reference", "project_code")
    project_title: tuple[str, ...] = ("project_title", "title", "name")
    line_kind: tuple[str, ...] = ("kind",)
    vat_rate: tuple[str, ...] = ("tax_rate",)  # on the invoice (single rate) and on each item
    line_vat: tuple[str, ...] = ("tax",)  # an item's VAT amount
    currency: tuple[str, ...] = ("currency",)
    currency_rate: tuple[str, ...] = ("currency_rate",)
    payment_date: tuple[str, ...] = ("date", "payment_date")
    payment_amount: tuple[str, ...] = ("amount",)
    payment_document: tuple[str, ...] = ("invoice", "invoice_id")
    payment_method: tuple[str, ...] = ("type", "method", "payment_type")
    payment_label: tuple[str, ...] = ("label", "description", "reference")
    # Settings for answers the live API may not give; None = refuse the record, never guess.
    missing_line_kind: RevenueKind | None = None
    default_currency: str | None = None
    credit_note_type: int = CREDIT_NOTE_TYPE


DEFAULT_FIELDS = FieldNames()

# The wire names a profile may set (platform.fields): the facts a posting depends on.
CONFIGURABLE_FIELDS = ("invoice_number", "total_excl_vat", "total_vat", "total_incl_vat", "vat_rate", "line_vat",
                       "original_invoice", "currency", "currency_rate", "updated_at", "client_code", "project_code",
                       "line_kind")


def fields_with(overrides: Mapping[str, Sequence[str]], **settings: Any) -> FieldNames:
    """The default names with the profile's: a name the profile sets replaces the defaults for that fact
    (a fallback to a default name could read another field than the one the user meant)."""
    unknown = sorted(set(overrides) - set(CONFIGURABLE_FIELDS))
    if unknown:
        raise ValueError(_("unknown field setting {settings}: expected one of {fields}").format(
            settings=", ".join(unknown), fields=", ".join(CONFIGURABLE_FIELDS)))
    changes: dict[str, Any] = {name: tuple(names) for name, names in overrides.items()}
    return replace(DEFAULT_FIELDS, **changes, **settings)


_GENERIC_FIX = N_("Correct the record on the platform, or set the field name in the profile's platform section if "
                  "the platform calls it differently.")
_LABEL_LIMIT = 80


def _rejected(kind: str, source_id: str, label: str, problems: list[tuple[str, str]],
              fixes: Mapping[str, str] | None = None) -> Rejected:
    label = label if len(label) <= _LABEL_LIMIT else label[:_LABEL_LIMIT - 1] + "…"
    findings = tuple(
        Finding(label, source_id, field or kind, FindingCode.SOURCE_FIELD_INVALID,
                _("the platform sent {field} {problem}").format(field=field, problem=message) if field
                else _("the record: {problem}").format(problem=message),
                (fixes or {}).get(field) or _(_GENERIC_FIX))
        for field, message in problems
    )
    return Rejected(kind, source_id, label, findings)


# --- customers and projects -------------------------------------------------------------


def customer_from_payload(payload: object, fields: FieldNames = DEFAULT_FIELDS) -> Customer | Rejected:
    read = FieldReader(payload)
    source_id = read.identifier(fields.record_id)
    name = read.text(fields.client_name, required=True)
    code = read.text(fields.client_code, required=True)  # empty is the check's finding, not ours
    customer = Customer(
        source_id=source_id, code=code, name=name,
        vat_number=read.text(("business_vat_id",)), address=read.text(("address", "billing_address")),
        postal_code=read.text(fields.postal_code), city=read.text(("city",)),
        country=read.text(("country",)).upper(), email=read.text(("email",)),
    )
    if read.problems:
        label = _("client {name}").format(name=name or "#" + source_id)
        return _rejected("customer", source_id, label, read.problems, read.fixes)
    return customer


def project_from_payload(payload: object, fields: FieldNames = DEFAULT_FIELDS) -> Project | Rejected:
    read = FieldReader(payload)
    source_id = read.identifier(("id", "pk"))
    title = read.text(fields.project_title, required=True)
    code = read.text(fields.project_code, required=True)
    customer_id = read.identifier(("client",), required=False)
    if read.problems:
        label = _("project {title}").format(title=title or "#" + source_id)
        return _rejected("project", source_id, label, read.problems, read.fixes)
    return Project(source_id=source_id, code=code, title=title, customer_source_id=customer_id)


# --- invoices and credit notes ----------------------------------------------------------


def _line_kind(read: FieldReader, fields: FieldNames) -> RevenueKind | None:
    name, value, present = read.lookup(fields.line_kind)
    if not present or value is None:
        if fields.missing_line_kind is None:
            read.problem(name, "missing: the line does not say whether it is fees, expenses or disbursements")
        return fields.missing_line_kind
    if isinstance(value, str) and value.strip().lower() in _KIND_WORDS:
        return _KIND_WORDS[value.strip().lower()]
    read.problem(name, f"is {shown(value)}, expected fees, expenses or disbursements")
    return None


@dataclass(slots=True)
class _Line:
    description: str
    amount: Decimal
    kind: RevenueKind
    rate: Decimal | None  # item tax_rate (multi-rate invoices)
    tax: Decimal | None  # item tax (multi-rate invoices)


def _read_lines(document: FieldReader, items: object, fields: FieldNames, multi_rate: bool) -> list[_Line]:
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        document.problem("items", f"expected a list of lines, got {type(items).__name__}")
        return []
    lines: list[_Line] = []
    for index, item in enumerate(items):
        read = FieldReader(item, prefix=f"items[{index}].")
        amount = read.amount(("amount",))
        kind = _line_kind(read, fields)
        description = read.text(("description", "title"))
        rate = tax = None
        if multi_rate and kind is not RevenueKind.DISBURSEMENTS:
            rate = read.amount(fields.vat_rate)
            tax = read.amount(fields.line_vat)
        document.problems.extend(read.problems)
        document.fixes.update(read.fixes)
        if amount is not None and kind is not None and not read.problems:
            lines.append(_Line(description, amount, kind, rate, tax))
    return lines


def _currency(read: FieldReader, currencies: Mapping[int, str], fields: FieldNames,
              missing: str = "missing: the document does not say its currency") -> str:
    name, value, present = read.lookup(fields.currency)
    if not present or value is None:
        if fields.default_currency:
            return fields.default_currency
        read.problem(name, missing)
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        code = currencies.get(value) if abs(value) < 10**18 else None
        if code is None:
            read.problem(name, f"is {shown(value)}, a currency the platform's currency list does not hold")
            return ""
        return code.strip().upper()
    if isinstance(value, str) and len(value.strip()) == 3 and value.strip().isalpha():
        return value.strip().upper()
    read.problem(name, f"expected a currency id or ISO code, got {shown(value)}")
    return ""


def _subtotals(lines: list[_Line], multi_rate: bool, invoice_rate: Decimal | None,
               total_vat: Decimal) -> tuple[VatSubtotal, ...]:
    """The VAT the document states per rate: item taxes summed, or the invoice's one tax."""
    if not multi_rate:
        taxable = [line for line in lines if line.kind is not RevenueKind.DISBURSEMENTS]
        if invoice_rate is None or (not taxable and total_vat == 0):
            return ()
        return (VatSubtotal(invoice_rate, sum((line.amount for line in taxable), ZERO), total_vat),)
    bases: dict[Decimal, tuple[Decimal, Decimal, Decimal]] = {}
    for line in lines:
        if line.rate is None or line.tax is None:
            continue
        key = line.rate.normalize()
        rate, base, vat = bases.get(key, (line.rate, ZERO, ZERO))
        bases[key] = (rate, base + line.amount, vat + line.tax)
    return tuple(VatSubtotal(rate, base, vat) for rate, base, vat in bases.values())


def _euro_cents(read: FieldReader, totals: Sequence[tuple[tuple[str, ...], Decimal | None]],
                lines: list[_Line]) -> None:
    """A euro document's amounts are whole cents: a third decimal would post an entry Sage and the FEC refuse."""
    fix = _("Correct the amount on the platform: an amount in euros has at most 2 decimals.")
    for aliases, value in totals:
        problem = amount_problem(value, 2) if value is not None else ""
        if problem:
            read.problem(read.lookup(aliases)[0], _("is {value}: {problem}").format(value=value, problem=problem), fix)
    for index, line in enumerate(lines):
        for name, value in (("amount", line.amount), ("tax", line.tax)):
            problem = amount_problem(value, 2) if value is not None else ""
            if problem:
                read.problem(f"items[{index}].{name}", _("is {value}: {problem}").format(value=value, problem=problem),
                             fix)


def document_from_payload(invoice: object, items: object, currencies: Mapping[int, str],
                          fields: FieldNames = DEFAULT_FIELDS) -> Document | Rejected:
    """One invoice or credit note with its lines (``items``: the list row's or the items route's)."""
    read = FieldReader(invoice)
    source_id = read.identifier(fields.record_id)
    document_type = read.integer(("type",))
    is_credit_note = document_type == fields.credit_note_type
    number = read.text(fields.invoice_number)
    shown_number = number or f"#{source_id or '?'}"
    label = (_("credit note {number}") if is_credit_note else _("invoice {number}")).format(number=shown_number)

    is_valid = read.flag(("is_valid",))
    if is_valid is None and not any(name == "is_valid" for name, _ in read.problems):
        read.problem("is_valid", "missing: cannot tell a validated document from a draft")
    issue_date = read.day(("invoice_date", "date"))
    due_date = read.day(("due_date",), required=False)
    customer_id = read.identifier(("client",))
    project_id = read.identifier(("project",), required=False)
    currency = _currency(read, currencies, fields)
    exchange_rate = read.amount(fields.currency_rate, required=False)
    total_excl = read.amount(fields.total_excl_vat)
    total_vat = read.amount(fields.total_vat)
    total_incl = read.amount(fields.total_incl_vat)
    original_id = read.identifier(fields.original_invoice, required=False) if is_credit_note else ""
    updated_at = read.instant(fields.updated_at)

    flag = read.flag(("multi_tax_enabled",))
    invoice_rate = read.amount(fields.vat_rate, required=False)
    multi_rate = flag if flag is not None else invoice_rate is None
    if not multi_rate and invoice_rate is None:
        read.problem(fields.vat_rate[0], "missing on a single-rate invoice")
    lines = _read_lines(read, items, fields, multi_rate)

    if currency == EURO:
        _euro_cents(read, ((fields.total_excl_vat, total_excl), (fields.total_vat, total_vat),
                           (fields.total_incl_vat, total_incl)), lines)
    if read.problems or total_excl is None or total_vat is None or total_incl is None or issue_date is None:
        return _rejected("document", source_id, label, read.problems or [("", _("unreadable"))], read.fixes)

    # A credit note is stated with positive amounts; the sign comes from its type.
    if is_credit_note and total_incl < 0:
        total_excl, total_vat, total_incl = -total_excl, -total_vat, -total_incl
        for line in lines:
            line.amount = -line.amount
            line.tax = -line.tax if line.tax is not None else None
    document_lines = tuple(
        DocumentLine(line.description, line.amount,
                     None if line.kind is RevenueKind.DISBURSEMENTS else (line.rate if multi_rate else invoice_rate),
                     line.kind)
        for line in lines
    )
    return Document(
        source_id=source_id, number=number,
        kind=DocumentKind.CREDIT_NOTE if is_credit_note else DocumentKind.INVOICE,
        status=DocumentStatus.VALIDATED if is_valid else DocumentStatus.DRAFT,
        issue_date=issue_date, customer_source_id=customer_id, lines=document_lines,
        vat_subtotals=_subtotals(lines, multi_rate, invoice_rate, total_vat),
        total_excl_vat=total_excl, total_vat=total_vat, total_incl_vat=total_incl,
        project_source_id=project_id, due_date=due_date, currency=currency,
        exchange_rate=exchange_rate if currency != EURO else None,
        original_source_id=original_id, updated_at=updated_at,
    )


# --- payments ---------------------------------------------------------------------------


def payment_from_payload(payload: object, currencies: Mapping[int, str],
                         fields: FieldNames = DEFAULT_FIELDS) -> Payment | Rejected:
    """One payment row of ``v1/payments/list/{org}/``; a field that cannot be read refuses the payment.

    The amount is positive: a refund is a payment on the credit note, never a negative payment.
    """
    read = FieldReader(payload)
    source_id = read.identifier(fields.record_id)
    document_id = read.identifier(fields.payment_document)
    payment_date = read.day(fields.payment_date)
    amount = read.amount(fields.payment_amount)
    currency = _currency(read, currencies, fields, _("missing: the payment does not say its currency"))
    exchange_rate = read.amount(fields.currency_rate, required=False)
    method = read.text(fields.payment_method)
    label = read.text(fields.payment_label)
    updated_at = read.instant(fields.updated_at)

    if amount is not None and amount <= 0:
        read.problem(read.lookup(fields.payment_amount)[0],
                     _("is {value}: a payment is a positive amount").format(value=amount),
                     _("Correct the payment on the platform: record a refund as a payment on the credit note, "
                       "with a positive amount."))
    elif amount is not None and currency == EURO:
        problem = amount_problem(amount, 2)
        if problem:
            read.problem(read.lookup(fields.payment_amount)[0],
                         _("is {value}: {problem}").format(value=amount, problem=problem),
                         _("Correct the amount on the platform: an amount in euros has at most 2 decimals."))
    if exchange_rate is not None and exchange_rate <= 0 and currency != EURO:
        read.problem(read.lookup(fields.currency_rate)[0],
                     _("is {value}: an exchange rate is a positive number").format(value=exchange_rate),
                     _("Correct the payment's exchange rate on the platform (euros for one unit of its currency)."))

    if payment_date is not None:
        label_shown = _("payment #{id} of {date}").format(id=source_id or "?", date=f"{payment_date:%d/%m/%Y}")
    else:
        label_shown = _("payment #{id}").format(id=source_id or "?")
    if read.problems or amount is None or payment_date is None:
        return _rejected("payment", source_id, label_shown, read.problems or [("", _("unreadable"))], read.fixes)
    return Payment(
        source_id=source_id, document_source_id=document_id, payment_date=payment_date, amount=amount,
        currency=currency, exchange_rate=exchange_rate if currency != EURO else None, method=method,
        label=label, updated_at=updated_at,
    )
