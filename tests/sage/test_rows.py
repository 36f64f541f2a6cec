"""Journal entries to Sage rows: balanced in F_ECRITUREC, analytic lines equal to their line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select

from sagesync.core.model import (
    Allocation,
    AnalyticSplit,
    Customer,
    DocumentKind,
    EntryLine,
    JournalEntry,
    LineRole,
    Project,
    RevenueKind,
    Side,
)
from sagesync.core.posting import post_document
from sagesync.sage import schema
from sagesync.sage.company import init_company
from sagesync.sage.reader import next_ec_no
from sagesync.sage.rows import RowError, entry_rows, reference_piece, section_row, tiers_row
from tests.builders import d, document, line, posting_context

PLANS = {"PROJET": 1}
CURRENCIES = {"USD": 1, "CHF": 2, "GBP": 3}


def rows_of(entry: JournalEntry, first_ec_no: int = 1) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    return entry_rows(entry, first_ec_no=first_ec_no, plan_numbers=PLANS, currency_numbers=CURRENCIES)


def sums_by_side(rows: list[dict[str, object]]) -> dict[object, Decimal]:
    totals: dict[object, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row["EC_Sens"]] += row["EC_Montant"]  # type: ignore[operator]
    return dict(totals)


def analytic_by_line(analytic: list[dict[str, object]]) -> dict[object, Decimal]:
    totals: dict[object, Decimal] = defaultdict(Decimal)
    for row in analytic:
        totals[row["EC_No"]] += row["EA_Montant"]  # type: ignore[operator]
    return dict(totals)


def multi_rate_entry() -> JournalEntry:
    invoice = document(line("1 000,00", allocations=(Allocation("p1", d("1")), Allocation("p2", d("2")))),
                       line("200,00", rate="10", description="Reprographie"),
                       line("150,00", kind=RevenueKind.EXPENSES, description="Déplacements"),
                       line("80,00", rate=None, kind=RevenueKind.DISBURSEMENTS, description="Timbres fiscaux"),
                       number="F2025-0042", source_id="9001")
    return post_document(invoice, posting_context())


def test_an_invoice_gives_one_sage_line_per_entry_line_debit_0_credit_1() -> None:
    general, _ = rows_of(multi_rate_entry(), first_ec_no=101)
    assert [(row["EC_No"], row["CG_Num"], row["CT_Num"], row["EC_Sens"], row["EC_Montant"], row["TA_Code"])
            for row in general] == [
        (101, "411000", "DUPONT", 0, d("1 680,00"), None),
        (102, "706000", None, 1, d("333,33"), "E20"),
        (103, "706000", None, 1, d("666,67"), "E20"),
        (104, "706000", None, 1, d("200,00"), "E10"),
        (105, "708500", None, 1, d("150,00"), "E20"),
        (106, "467000", None, 1, d("80,00"), None),
        (107, "445742", None, 1, d("230,00"), "E20"),
        (108, "445741", None, 1, d("20,00"), "E10"),
    ]
    assert sums_by_side(general) == {0: d("1 680,00"), 1: d("1 680,00")}


def test_every_line_carries_the_piece_its_date_and_its_journal_month() -> None:
    general, _ = rows_of(multi_rate_entry())
    for row in general:
        assert (row["JO_Num"], row["JM_Date"], row["EC_Jour"], row["EC_Date"]) == (
            "VTE", datetime(2025, 3, 1), 14, datetime(2025, 3, 14))
        assert (row["EC_Piece"], row["EC_RefPiece"], row["EC_Reference"]) == ("F2025-0042", "F2025-0042", "OOTI-9001")
        assert row["EC_Intitule"] == "Facture F2025-0042"
        assert (row["N_Devise"], row["EC_Devise"]) == (0, 0)
    assert general[0]["EC_Echeance"] == datetime(2025, 4, 13)  # the due date sits on the customer line
    assert all(row["EC_Echeance"] is None for row in general[1:])


def test_analytic_lines_follow_their_line_and_add_up_to_it() -> None:
    general, analytic = rows_of(multi_rate_entry(), first_ec_no=101)
    assert [(row["EC_No"], row["N_Analytique"], row["EA_Ligne"], row["CA_Num"], row["EA_Montant"])
            for row in analytic] == [
        (102, 1, 1, "PRJ001", d("333,33")), (103, 1, 1, "PRJ002", d("666,67")),
        (104, 1, 1, "PRJ001", d("200,00")), (105, 1, 1, "PRJ001", d("150,00"))]
    amounts = {row["EC_No"]: row["EC_Montant"] for row in general}
    assert all(amounts[number] == total for number, total in analytic_by_line(analytic).items())


def test_several_splits_of_one_line_are_numbered_per_plan() -> None:
    splits = (AnalyticSplit("PROJET", "prj001", d("60")), AnalyticSplit("PROJET", "PRJ002", d("40")),
              AnalyticSplit("PHASE", "APS", d("100")))
    entry = JournalEntry("VTE", date(2025, 5, 2), "F1", "F1", "Facture F1", "1", DocumentKind.INVOICE, (
        EntryLine(LineRole.CUSTOMER, "411000", Side.DEBIT, d("100"), "Facture F1", tiers="dupont"),
        EntryLine(LineRole.REVENUE, "706000", Side.CREDIT, d("100"), "Facture F1", analytic=splits)))
    general, analytic = entry_rows(entry, first_ec_no=7, plan_numbers={"PROJET": 1, "PHASE": 2},
                                   currency_numbers={})
    assert general[0]["CT_Num"] == "DUPONT"
    assert [(row["EC_No"], row["N_Analytique"], row["EA_Ligne"], row["CA_Num"]) for row in analytic] == [
        (8, 1, 1, "PRJ001"), (8, 1, 2, "PRJ002"), (8, 2, 1, "APS")]


def test_a_credit_note_swaps_the_sides_and_keeps_amounts_positive() -> None:
    credit_note = post_document(document(line("1 000,00"), kind=DocumentKind.CREDIT_NOTE, number="AV2025-0001"),
                                posting_context())
    general, _ = rows_of(credit_note)
    assert [(row["CG_Num"], row["EC_Sens"], row["EC_Montant"]) for row in general] == [
        ("411000", 1, d("1 200,00")), ("706000", 0, d("1 000,00")), ("445742", 0, d("200,00"))]


def test_foreign_currency_lines_carry_the_currency_position_and_amount() -> None:
    invoice = document(line("1 000,00"), currency="GBP", rate="1,17", vat={"20": "200,00"})
    general, _ = rows_of(post_document(invoice, posting_context()))
    assert [(row["N_Devise"], row["EC_Devise"], row["EC_Montant"]) for row in general] == [
        (3, d("1 200,00"), d("1 404,00")), (3, d("1 000,00"), d("1 170,00")), (3, d("200,00"), d("234,00"))]


def test_a_currency_or_plan_the_company_lacks_is_a_bug_not_a_default() -> None:
    entry = post_document(document(line("10,00"), currency="JPY", rate="0,0061"), posting_context())
    with pytest.raises(RowError, match="currency JPY"):
        rows_of(entry)
    with pytest.raises(RowError, match="analytic plan PROJET"):
        entry_rows(multi_rate_entry(), first_ec_no=1, plan_numbers={}, currency_numbers=CURRENCIES)


def test_long_invoice_numbers_keep_their_end_in_the_reference() -> None:
    assert reference_piece(" FACT-2025-ATELIER-000123 ") == "2025-ATELIER-000123"[-17:]
    assert len(reference_piece("X" * 40)) == 17
    entry = post_document(document(line("10,00"), number="FACT-2025-ATELIER-000123"), posting_context())
    general, _ = rows_of(entry)
    assert general[0]["EC_RefPiece"] == "25-ATELIER-000123"
    assert general[0]["EC_Piece"] == "TELIER-000123"


def test_tiers_row_is_a_client_in_upper_case_with_the_name_cut_to_the_sage_limit() -> None:
    customer = Customer("17", " dupont-42 ", "Société d'Économie Mixte " * 5, vat_number="FR 12 345678901",
                        city="Lyon", email="compta@example.fr")
    row = tiers_row(customer, "411000")
    assert (row["CT_Num"], row["CT_Type"], row["CG_NumPrinc"], row["CT_NumPayeur"]) == (
        "DUPONT-42", 0, "411000", "DUPONT-42")
    assert row["CT_Intitule"] == customer.name.strip()[:69] and len(row["CT_Intitule"]) == 69
    assert (row["CT_Identifiant"], row["CT_Ville"], row["CT_EMail"], row["CT_Adresse"]) == (
        "FR12345678901", "Lyon", "compta@example.fr", None)


@pytest.mark.parametrize(("code", "message"), [("  ", "no client code"), ("A" * 18, "longer than Sage's 17")])
def test_a_client_code_sage_cannot_take_is_refused_not_cut(code: str, message: str) -> None:
    with pytest.raises(RowError, match=message):
        tiers_row(Customer("1", code, "Dupont"), "411000")


def test_section_row_is_a_detail_section_of_the_plan() -> None:
    row = section_row(Project("p1", "prj-med", "Médiathèque de Vienne, extension et restructuration"), 1)
    assert (row["N_Analytique"], row["CA_Num"], row["CA_Type"]) == (1, "PRJ-MED", 0)
    assert row["CA_Intitule"] == "Médiathèque de Vienne, extension et"  # 35 characters
    with pytest.raises(RowError, match="longer than Sage's 13"):
        section_row(Project("p2", "PROJECT-CODE-14", "x"), 1)


@pytest.fixture
def company(tmp_path: Path) -> Iterator[Engine]:
    engine = init_company(tmp_path / "company.sqlite", "Atelier")
    yield engine
    engine.dispose()


def test_rows_inserted_in_a_real_company_read_back_with_the_same_amounts(company: Engine) -> None:
    entries = [multi_rate_entry(),
               post_document(document(line("1 000,00"), kind=DocumentKind.CREDIT_NOTE, number="AV1"),
                             posting_context()),
               post_document(document(line("333,33"), currency="USD", rate="0,9137"), posting_context())]
    with company.begin() as connection:
        connection.execute(insert(schema.F_COMPTET), [tiers_row(Customer("c1", "DUPONT", "Dupont"), "411000")])
        connection.execute(insert(schema.F_COMPTEA), [section_row(Project("p1", "PRJ001", "Médiathèque"), 1),
                                                      section_row(Project("p2", "PRJ002", "Gymnase"), 1)])
        written_general: list[dict[str, object]] = []
        written_analytic: list[dict[str, object]] = []
        for entry in entries:
            general, analytic = rows_of(entry, first_ec_no=next_ec_no(connection))
            connection.execute(insert(schema.F_ECRITUREC), general)
            if analytic:
                connection.execute(insert(schema.F_ECRITUREA), analytic)
            written_general += general
            written_analytic += analytic
    with company.connect() as connection:
        table = schema.F_ECRITUREC.c
        read = connection.execute(select(table.EC_No, table.EC_Sens, table.EC_Montant, table.EC_Devise,
                                          table.JM_Date, table.EC_Echeance).order_by(table.EC_No)).all()
        analytic_read = connection.execute(select(schema.F_ECRITUREA.c.EC_No, schema.F_ECRITUREA.c.EA_Montant)
                                           .order_by(schema.F_ECRITUREA.c.cbMarq)).all()
    assert [tuple(row) for row in read] == [
        (row["EC_No"], row["EC_Sens"], row["EC_Montant"], row["EC_Devise"], row["JM_Date"], row["EC_Echeance"])
        for row in written_general]
    assert [number for number, *_ in read] == list(range(1, len(written_general) + 1))
    assert [tuple(row) for row in analytic_read] == [(row["EC_No"], row["EA_Montant"]) for row in written_analytic]
    by_piece: dict[object, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    pieces = {row["EC_No"]: row["EC_Piece"] for row in written_general}
    for number, side, amount, *_ in read:
        by_piece[pieces[number]][side] += amount
    assert all(sides[0] == sides[1] for sides in by_piece.values())


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(amounts, st.sampled_from(["20", "10", "5.5", "0"]), st.integers(1, 3)),
                min_size=1, max_size=6),
       st.sampled_from([DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE]))
def test_any_posted_document_gives_balanced_rows_and_exact_analytic_lines(
        lines: list[tuple[Decimal, str, int]], kind: DocumentKind) -> None:
    document_lines = [line(str(amount), rate=rate, allocations=(Allocation("p1", d("1")), Allocation("p2", d(str(w)))))
                      for amount, rate, w in lines]
    entry = post_document(document(*document_lines, kind=kind), posting_context())
    general, analytic = rows_of(entry, first_ec_no=1)
    sides = sums_by_side(general)
    assert sides[0] == sides[1] == entry.total_debit
    assert all(row["EC_Montant"] > 0 for row in general)  # type: ignore[operator]
    amounts_by_line = {row["EC_No"]: row["EC_Montant"] for row in general}
    assert analytic_by_line(analytic) == {
        number: amounts_by_line[number] for number in analytic_by_line(analytic)}
    revenue_numbers = {row["EC_No"] for row in general if str(row["CG_Num"]).startswith("7")}
    assert set(analytic_by_line(analytic)) == revenue_numbers
