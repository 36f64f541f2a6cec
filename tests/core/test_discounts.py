"""Discount lines (negative amounts): they net against the revenue they reduce, VAT stays as stated.

Each example is one entry an accountant can read: (account, tiers, debit, credit).
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sagesync.core.checks import CheckResult, Verdict, check_document
from sagesync.core.findings import FindingCode, Severity
from sagesync.core.model import (
    Allocation,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    JournalEntry,
    LineRole,
    RevenueKind,
    Side,
    VatSubtotal,
)
from sagesync.core.money import CENT, ZERO, to_cents
from sagesync.core.posting import post_document
from sagesync.core.versioning import content_version
from tests.builders import check_context, d, document, line, posting_context


def table(entry: JournalEntry) -> list[tuple[str, str, str, str]]:
    def fr(amount: Decimal) -> str:
        return "" if amount == 0 else f"{amount:.2f}".replace(".", ",")
    return [(row.account, row.tiers, fr(row.debit), fr(row.credit)) for row in entry.lines]


def check(doc: Document) -> CheckResult:
    return check_document(doc, check_context(), content_version(doc))


def test_a_discount_of_50_on_500_at_20_percent_posts_the_net_revenue_and_the_stated_vat() -> None:
    invoice = document(line("500,00"), line("-50,00", description="Remise commerciale"))
    assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (d("450,00"), d("90,00"),
                                                                                   d("540,00"))
    result = check(invoice)
    assert result.verdict is Verdict.READY and result.findings == ()
    assert result.entry is not None and table(result.entry) == [
        ("411000", "DUPONT", "540,00", ""),
        ("706000", "", "", "450,00"),
        ("445742", "", "", "90,00"),
    ]
    assert result.entry.lines[1].analytic[0].amount == d("450,00")


def test_a_credit_note_with_a_discount_line_reverses_the_net_amounts() -> None:
    credit_note = document(line("1 000,00"), line("-100,00", description="Remise"), kind=DocumentKind.CREDIT_NOTE,
                           number="AV2025-0002", original="7")
    result = check(credit_note)
    assert result.verdict is Verdict.READY and result.findings == ()
    assert result.entry is not None and table(result.entry) == [
        ("411000", "DUPONT", "", "1080,00"),
        ("706000", "", "900,00", ""),
        ("445742", "", "180,00", ""),
    ]


def test_multi_rate_invoice_with_a_discount_on_one_rate() -> None:
    invoice = document(line("1 000,00"), line("-100,00", description="Remise sur honoraires"),
                       line("200,00", rate="10", description="Maquette"))
    result = check(invoice)
    assert result.verdict is Verdict.READY and result.findings == ()
    assert result.entry is not None and table(result.entry) == [
        ("411000", "DUPONT", "1300,00", ""),  # 1 100,00 HT + 180,00 + 20,00 VAT
        ("706000", "", "", "900,00"),
        ("706000", "", "", "200,00"),
        ("445742", "", "", "180,00"),
        ("445741", "", "", "20,00"),
    ]
    assert [row.vat_code for row in result.entry.lines] == ["", "E20", "E10", "E20", "E10"]


def test_a_discount_larger_than_its_own_revenue_group_posts_on_the_other_side_and_says_so() -> None:
    # Expenses 100,00 with a discount of 150,00 keyed as expenses: 7085 nets to -50,00.
    invoice = document(line("1 000,00"), line("100,00", kind=RevenueKind.EXPENSES, description="Déplacements"),
                       line("-150,00", kind=RevenueKind.EXPENSES, description="Remise sur frais"))
    result = check(invoice)
    assert result.verdict is Verdict.READY
    assert result.entry is not None and table(result.entry) == [
        ("411000", "DUPONT", "1140,00", ""),  # 950,00 HT + 190,00 VAT
        ("706000", "", "", "1000,00"),
        ("708500", "", "50,00", ""),
        ("445742", "", "", "190,00"),
    ]
    assert result.entry.is_balanced
    [warning] = result.findings
    assert (warning.code, warning.severity, warning.field) == (FindingCode.NEGATIVE_REVENUE_GROUP, Severity.WARNING,
                                                               "items.amount")
    assert "708500" in warning.message and "-50,00" in warning.message and "debit" in warning.message
    assert warning.fix


def test_a_discount_on_another_project_reduces_that_projects_section_on_the_other_side() -> None:
    invoice = document(line("500,00"), line("-50,00", allocations=(Allocation("p2", d("1")),)))
    result = check(invoice)
    assert result.verdict is Verdict.READY and result.entry is not None
    assert [(row.account, row.side, row.amount, row.analytic[0].section) for row in result.entry.lines[1:3]] == [
        ("706000", Side.CREDIT, d("500,00"), "PRJ001"), ("706000", Side.DEBIT, d("50,00"), "PRJ002")]
    assert {f.code for f in result.findings} == {FindingCode.NEGATIVE_REVENUE_GROUP}


def test_a_document_whose_revenue_nets_to_zero_or_below_is_blocked_with_its_fix() -> None:
    for amounts in (("100,00", "-100,00"), ("100,00", "-150,00")):
        result = check(document(line(amounts[0]), line(amounts[1], description="Remise")))
        assert result.verdict is Verdict.BLOCKED
        [finding] = result.findings
        assert (finding.code, finding.field) == (FindingCode.NEGATIVE_AMOUNT, "items.amount")
        assert "credit note" in finding.fix
    credit_note = document(line("10,00"), line("-20,00"), kind=DocumentKind.CREDIT_NOTE, original="7")
    assert {f.code for f in check(credit_note).findings} == {FindingCode.NEGATIVE_AMOUNT}


def test_a_positive_ht_with_a_negative_ttc_is_blocked_too() -> None:
    # 110,00 exempt and a 100,00 discount at 20 %: HT 10,00 but VAT -20,00, so TTC -10,00.
    invoice = document(line("110,00", rate="0"), line("-100,00"))
    assert invoice.total_incl_vat == d("-10,00")
    result = check(invoice)
    assert result.verdict is Verdict.BLOCKED and {f.code for f in result.findings} == {FindingCode.NEGATIVE_AMOUNT}


def test_a_rate_that_nets_negative_posts_its_stated_vat_on_the_customer_side() -> None:
    invoice = document(line("1 000,00"), line("-100,00", rate="10", description="Remise maquette"))
    result = check(invoice)
    assert result.verdict is Verdict.READY and result.entry is not None
    assert table(result.entry) == [
        ("411000", "DUPONT", "1090,00", ""),  # 900,00 HT + 200,00 - 10,00 VAT
        ("706000", "", "", "1000,00"),
        ("706000", "", "100,00", ""),
        ("445742", "", "", "200,00"),
        ("445741", "", "10,00", ""),
    ]
    assert [f.code for f in result.findings] == [FindingCode.NEGATIVE_REVENUE_GROUP] * 2


# --- property: any invoice with discount lines posts balanced, revenue = its net HT -----------------

RATES = [Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("0")]
cents = st.integers(min_value=1, max_value=2_000_000).map(lambda value: Decimal(value) * CENT)


@st.composite
def discounted_documents(draw: st.DrawFn) -> Document:
    def one_line(sign: int) -> DocumentLine:
        kind = draw(st.sampled_from(list(RevenueKind)))
        rate = None if kind is RevenueKind.DISBURSEMENTS else draw(st.sampled_from(RATES))
        allocations: tuple[Allocation, ...] = ()
        if draw(st.booleans()):
            allocations = (Allocation(draw(st.sampled_from(["p1", "p2"])), Decimal(1)),)
        return DocumentLine("line", sign * draw(cents), rate, kind, allocations)

    lines = [one_line(1) for _ in range(draw(st.integers(1, 5)))]
    lines += [one_line(-1) for _ in range(draw(st.integers(1, 3)))]
    lines = draw(st.permutations(lines))
    bases: dict[Decimal, Decimal] = {}
    for item in lines:
        if item.vat_rate is not None:
            bases[item.vat_rate] = bases.get(item.vat_rate, ZERO) + item.amount
    subtotals = tuple(VatSubtotal(rate, base, to_cents(base * rate / 100)) for rate, base in bases.items())
    total_excl = sum((item.amount for item in lines), ZERO)
    total_vat = sum((s.vat for s in subtotals), ZERO)
    return Document(
        source_id="1", number="F-1", kind=draw(st.sampled_from(list(DocumentKind))),
        status=DocumentStatus.VALIDATED, issue_date=check_context().period_start, customer_source_id="c1",
        lines=tuple(lines), vat_subtotals=subtotals, total_excl_vat=total_excl, total_vat=total_vat,
        total_incl_vat=total_excl + total_vat, project_source_id="p1", original_source_id="7")


def signed(amount: Decimal, side: Side, customer_side: Side) -> Decimal:
    """An entry amount seen from the revenue side: positive when it is on the revenue side."""
    return -amount if side is customer_side else amount


@settings(max_examples=300, deadline=None)
@given(discounted_documents())
def test_any_document_with_discount_lines_posts_balanced_with_revenue_equal_to_its_net_ht(doc: Document) -> None:
    result = check(doc)
    if doc.total_excl_vat <= 0 or doc.total_incl_vat <= 0:
        assert result.verdict is Verdict.BLOCKED
        assert {f.code for f in result.findings if f.blocks} == {FindingCode.NEGATIVE_AMOUNT}
        return
    assert result.verdict is Verdict.READY, result.findings
    entry = result.entry
    assert entry is not None and entry == post_document(doc, posting_context())
    assert entry.is_balanced
    customer = entry.lines[0]
    assert customer.role is LineRole.CUSTOMER and customer.amount == doc.total_incl_vat
    assert customer.side is (Side.CREDIT if doc.kind is DocumentKind.CREDIT_NOTE else Side.DEBIT)
    assert all(row.amount > 0 for row in entry.lines)
    revenue = [row for row in entry.lines if row.role is LineRole.REVENUE]
    assert sum(signed(row.amount, row.side, customer.side) for row in revenue) == doc.total_excl_vat
    vat = {row.vat_code: signed(row.amount, row.side, customer.side) for row in entry.lines if row.role is LineRole.VAT}
    mapping = posting_context().mapping
    stated = {s.rate: s.vat for s in doc.vat_subtotals if s.vat}
    assert vat == {mapping.vat_for(rate).code(mapping.vat_regime): amount  # type: ignore[union-attr]
                   for rate, amount in stated.items()}
    for row in revenue:
        assert sum((split.amount for split in row.analytic), ZERO) in (ZERO, row.amount)
    flipped = [row for row in entry.lines[1:] if row.side is customer.side]
    warnings = [f for f in result.findings if f.code is FindingCode.NEGATIVE_REVENUE_GROUP]
    assert len(warnings) == len(flipped) and all(f.severity is Severity.WARNING for f in warnings)
