"""Readable builders for domain records in tests: amounts as French accountants write them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sagesync.core.checks import CheckContext
from sagesync.core.model import (
    Customer,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    Project,
    RevenueKind,
    VatSubtotal,
)
from sagesync.core.money import to_cents
from sagesync.core.posting import PostingContext
from sagesync.core.reference import AccountInfo, CompanyReference, JournalInfo, VatCodeInfo
from sagesync.profiles.defaults import DEFAULT_REVENUE_ACCOUNTS, DEFAULT_VAT_RATES, default_mapping


def d(text: str) -> Decimal:
    """'1 437,12' -> Decimal('1437.12')."""
    return Decimal(text.replace(" ", "").replace("\u202f", "").replace(",", "."))


def line(amount: str, rate: str | None = "20", kind: RevenueKind = RevenueKind.FEES, description: str = "Honoraires",
         allocations: tuple = ()) -> DocumentLine:  # type: ignore[type-arg]
    return DocumentLine(description, d(amount), d(rate) if rate is not None else None, kind, allocations)


def document(*lines: DocumentLine, vat: dict[str, str] | None = None, number: str = "F2025-0001",
             kind: DocumentKind = DocumentKind.INVOICE, currency: str = "EUR", rate: str | None = None,
             issue: date = date(2025, 3, 14), customer: str = "c1", project: str = "p1", source_id: str = "1",
             status: DocumentStatus = DocumentStatus.VALIDATED, total_incl_vat: str | None = None,
             original: str = "") -> Document:
    """A document whose totals are its lines'; ``vat`` states the VAT per rate (else rate x base, rounded)."""
    bases: dict[Decimal, Decimal] = {}
    for item in lines:
        if item.vat_rate is not None:
            bases[item.vat_rate] = bases.get(item.vat_rate, Decimal(0)) + item.amount
    subtotals = tuple(
        VatSubtotal(r, base, d(vat[str(r)]) if vat and str(r) in vat else to_cents(base * r / 100))
        for r, base in bases.items()
    )
    ht = sum((item.amount for item in lines), Decimal("0.00"))
    tva = sum((s.vat for s in subtotals), Decimal("0.00"))
    return Document(
        source_id=source_id, number=number, kind=kind, status=status, issue_date=issue, customer_source_id=customer,
        lines=tuple(lines), vat_subtotals=subtotals, total_excl_vat=ht, total_vat=tva,
        total_incl_vat=d(total_incl_vat) if total_incl_vat else ht + tva, project_source_id=project,
        due_date=date(2025, 4, 13), currency=currency, exchange_rate=d(rate) if rate else None,
        original_source_id=original,
    )


def company() -> CompanyReference:
    """A snapshot of the embedded company's reference data, by hand."""
    accounts = {number: AccountInfo(number, number, analytic=number.startswith("7")) for number in
                ["411000", "445712", "445711", "445715", "445713", "445742", "445741", "445745", "445743",
                 "706300", "512000", "656000", "756000", *DEFAULT_REVENUE_ACCOUNTS.values()]}
    accounts["706000"] = AccountInfo("706000", "Honoraires", analytic=True, currency_entry=True)
    accounts["411000"] = AccountInfo("411000", "Clients", currency_entry=True)
    vat_codes = {}
    for rate, code_d, account_d, code_r, account_r in DEFAULT_VAT_RATES:
        vat_codes[code_d] = VatCodeInfo(code_d, d(rate), account_d)
        vat_codes[code_r] = VatCodeInfo(code_r, d(rate), account_r)
    return CompanyReference(accounts=accounts, vat_codes=vat_codes, currencies=("USD", "CHF", "GBP"),
                            journals={"VTE": JournalInfo("VTE", "Ventes", 1), "BQ1": JournalInfo("BQ1", "Banque", 2),
                                      "OD": JournalInfo("OD", "Opérations diverses", 3)},
                            analytic_plans={"PROJET": 1})


def posting_context(**overrides: object) -> PostingContext:
    return PostingContext(default_mapping(), {"c1": "DUPONT", "c2": "MARTIN"}, {"p1": "PRJ001", "p2": "PRJ002"})


def check_context(period_start: date = date(2025, 1, 1), reference: CompanyReference | None = None) -> CheckContext:
    posting = posting_context()
    return CheckContext(posting.mapping, reference or company(), period_start, posting.tiers_by_customer,
                        posting.section_by_project)


def customer(source_id: str, code: str, name: str) -> Customer:
    return Customer(source_id, code, name)


def project(source_id: str, code: str, title: str) -> Project:
    return Project(source_id, code, title)
