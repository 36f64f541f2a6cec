"""Posting examples an accountant can read: each test is one entry, line by line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sagesync.core.model import Allocation, DocumentKind, JournalEntry, RevenueKind
from sagesync.core.posting import PostingError, post_document
from tests.builders import d, document, line, posting_context


def table(entry: JournalEntry) -> list[tuple[str, str, str, str]]:
    """(account, tiers, debit, credit) rows, amounts in French notation."""
    def fr(amount: Decimal) -> str:
        return "" if amount == 0 else f"{amount:.2f}".replace(".", ",")
    return [(row.account, row.tiers, fr(row.debit), fr(row.credit)) for row in entry.lines]


def test_odoo_fec_example_three_lines_at_20_percent() -> None:
    invoice = document(line("1 437,12"), line("1 676,64", description="APS"), line("3 353,28", description="APD"),
                       vat={"20": "1 293,41"})
    entry = post_document(invoice, posting_context())
    assert table(entry) == [
        ("411000", "DUPONT", "7760,45", ""),
        ("706000", "", "", "6467,04"),
        ("445742", "", "", "1293,41"),
    ]
    assert entry.is_balanced
    assert entry.lines[1].analytic[0].section == "PRJ001"
    assert entry.lines[1].analytic[0].amount == d("6 467,04")


def test_three_lines_of_0_33_post_the_stated_vat_per_rate() -> None:
    # Per line 0,066 -> 0,07 x 3 = 0,21; per rate 0,99 x 20 % = 0,198 -> 0,20. The invoice says 0,20.
    invoice = document(line("0,33"), line("0,33"), line("0,33"), vat={"20": "0,20"})
    assert table(post_document(invoice, posting_context())) == [
        ("411000", "DUPONT", "1,19", ""), ("706000", "", "", "0,99"), ("445742", "", "", "0,20")]


def test_the_vat_stated_per_line_is_posted_as_stated_too() -> None:
    invoice = document(line("0,33"), line("0,33"), line("0,33"), vat={"20": "0,21"})
    assert table(post_document(invoice, posting_context())) == [
        ("411000", "DUPONT", "1,20", ""), ("706000", "", "", "0,99"), ("445742", "", "", "0,21")]


def test_multi_rate_invoice_has_one_vat_line_per_rate_and_one_revenue_line_per_code() -> None:
    invoice = document(line("1 000,00"), line("200,00", rate="10", description="Reprographie"),
                       line("150,00", kind=RevenueKind.EXPENSES, description="Déplacements"),
                       line("80,00", rate=None, kind=RevenueKind.DISBURSEMENTS, description="Timbres fiscaux"))
    assert table(post_document(invoice, posting_context())) == [
        ("411000", "DUPONT", "1680,00", ""),  # 1 430,00 HT + 250,00 VAT
        ("706000", "", "", "1000,00"),
        ("706000", "", "", "200,00"),
        ("708500", "", "", "150,00"),
        ("467000", "", "", "80,00"),
        ("445742", "", "", "230,00"),
        ("445741", "", "", "20,00"),
    ]


def test_credit_note_takes_the_opposite_sides_with_positive_amounts() -> None:
    credit_note = document(line("1 000,00"), kind=DocumentKind.CREDIT_NOTE, number="AV2025-0001", original="7")
    entry = post_document(credit_note, posting_context())
    assert table(entry) == [("411000", "DUPONT", "", "1200,00"), ("706000", "", "1000,00", ""),
                            ("445742", "", "200,00", "")]
    assert entry.label == "Avoir AV2025-0001"


def test_usd_invoice_converts_at_the_documents_rate_and_the_residue_goes_to_the_largest_revenue_line() -> None:
    # 3 x 333,33 USD + VAT 199,99 = 1 199,98 USD at 0,9137 EUR/USD.
    invoice = document(line("333,33"), line("333,33", description="APS", allocations=(Allocation("p2", d("1")),)),
                       line("333,33", rate="10", description="Maquette"),
                       vat={"20": "133,33", "10": "33,33"}, currency="USD", rate="0,9137")
    entry = post_document(invoice, posting_context())
    # TTC 1 166,65 USD -> 1 065,97 EUR; VAT 133,33 -> 121,82 and 33,33 -> 30,45;
    # revenue 3 x 304,56 = 913,68 but 1 065,97 - 152,27 = 913,70: +0,02 on the largest revenue line.
    ttc = entry.lines[0]
    assert ttc.amount == (d("1 166,65") * d("0,9137")).quantize(Decimal("0.01"))
    assert ttc.currency == "USD" and ttc.currency_amount == d("1 166,65")
    assert entry.is_balanced
    vat_amounts = sorted(row.amount for row in entry.lines if row.account.startswith("4457"))
    assert vat_amounts == [d("30,45"), d("121,82")]
    revenue = [row for row in entry.lines if row.account.startswith("7")]
    assert len(revenue) == 3
    assert sum(row.amount for row in revenue) == ttc.amount - sum(vat_amounts)
    # every revenue line is its own conversion except the one that absorbed the residue
    assert sorted(row.amount for row in revenue) == [d("304,56"), d("304,56"), d("304,58")]


def test_analytic_split_across_two_projects_sums_exactly_to_the_line() -> None:
    invoice = document(line("100,00", allocations=(Allocation("p1", d("1")), Allocation("p2", d("2")))))
    entry = post_document(invoice, posting_context())
    revenue = [row for row in entry.lines if row.account == "706000"]
    assert [(row.analytic[0].section, row.amount) for row in revenue] == [("PRJ001", d("33,33")),
                                                                          ("PRJ002", d("66,67"))]


def test_posting_an_unsynced_customer_is_a_bug_not_a_silent_default() -> None:
    with pytest.raises(PostingError, match="not synced"):
        post_document(document(line("10,00"), customer="unknown"), posting_context())


def test_vat_on_debits_posts_to_44571x_with_the_debit_codes() -> None:
    from sagesync.core.mapping import VatRegime
    from sagesync.core.posting import PostingContext
    from sagesync.profiles.defaults import default_mapping

    context = PostingContext(default_mapping(VatRegime.DEBITS), {"c1": "DUPONT"}, {"p1": "PRJ001"})
    entry = post_document(document(line("1 000,00"), line("100,00", rate="5.5")), context)
    assert table(entry) == [("411000", "DUPONT", "1305,50", ""), ("706000", "", "", "1000,00"),
                            ("706000", "", "", "100,00"), ("445712", "", "", "200,00"), ("445715", "", "", "5,50")]
    assert [row.vat_code for row in entry.lines] == ["", "C20", "C055", "C20", "C055"]
