"""The whole embedded Sage company as an FEC: real SQLite company, real rows, read back."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, insert

from sagesync.core.model import Customer, DocumentKind, JournalEntry
from sagesync.fec.check import check_fec
from sagesync.fec.company_source import CompanyFecSource
from sagesync.fec.writer import FecOptions, write_fec
from sagesync.sage.company import init_company
from sagesync.sage.reader import next_ec_no
from sagesync.sage.rows import entry_rows, tiers_row
from sagesync.sage.schema import F_COMPTET, F_ECRITUREA, F_ECRITUREC
from tests.builders import document, line
from tests.fec.fec_helpers import posted, rows


def company_with(tmp_path: Path, *entries: JournalEntry) -> Engine:
    engine = init_company(tmp_path / "company.sqlite", "Atelier Test")
    with engine.begin() as connection:
        connection.execute(
            insert(F_COMPTET),
            [
                tiers_row(Customer("c1", "DUPONT", "Dupont Architectes"), "411000"),
                tiers_row(Customer("c2", "MARTIN", "Martin & Fils"), "411000"),
            ],
        )
        for entry in entries:
            general, analytic = entry_rows(
                entry,
                first_ec_no=next_ec_no(connection),
                plan_numbers={"PROJET": 1},
                currency_numbers={"USD": 1, "CHF": 2, "GBP": 3},
            )
            connection.execute(insert(F_ECRITUREC), general)
            if analytic:
                connection.execute(insert(F_ECRITUREA), analytic)
    return engine


def export(
    engine: Engine, tmp_path: Path, start: date, end: date, journal_codes: list[str] | None = None
) -> tuple[Path, list[dict[str, str]]]:
    company = CompanyFecSource(engine, journal_codes)
    target = tmp_path / "732829320FEC20251231.txt"
    write_fec(
        company.fec_entries(start, end),
        target,
        account_labels=company.account_labels(),
        tiers_names=company.tiers_names(),
        options=FecOptions(),
    )
    return target, rows(target.read_bytes())


def test_the_company_entries_come_back_as_a_valid_fec(tmp_path: Path) -> None:
    odoo = posted(document(line("1 437,12"), line("1 676,64"), line("3 353,28"), vat={"20": "1 293,41"}))
    credit_note = posted(
        document(
            line("100,00"), kind=DocumentKind.CREDIT_NOTE, number="AV2025-0001", issue=date(2025, 3, 20), customer="c2"
        )
    )
    usd = posted(
        document(
            line("333,33"),
            line("333,33", rate="10"),
            vat={"20": "66,67", "10": "33,33"},
            currency="USD",
            rate="0,9137",
            number="F2025-0002",
            issue=date(2025, 4, 2),
        )
    )
    engine = company_with(tmp_path, odoo, credit_note, usd)
    target, written = export(engine, tmp_path, date(2025, 1, 1), date(2025, 12, 31))
    assert check_fec(target) == []
    assert [
        (
            r["EcritureNum"],
            r["EcritureDate"],
            r["CompteNum"],
            r["CompAuxNum"],
            r["CompAuxLib"],
            r["Debit"],
            r["Credit"],
            r["Montantdevise"],
            r["Idevise"],
        )
        for r in written
    ] == [
        ("VTE000001", "20250314", "411000", "DUPONT", "Dupont Architectes", "7760,45", "0,00", "", ""),
        ("VTE000001", "20250314", "706000", "", "", "0,00", "6467,04", "", ""),
        ("VTE000001", "20250314", "445742", "", "", "0,00", "1293,41", "", ""),
        ("VTE000002", "20250320", "411000", "MARTIN", "Martin & Fils", "0,00", "120,00", "", ""),
        ("VTE000002", "20250320", "706000", "", "", "100,00", "0,00", "", ""),
        ("VTE000002", "20250320", "445742", "", "", "20,00", "0,00", "", ""),
        ("VTE000003", "20250402", "411000", "DUPONT", "Dupont Architectes", "700,50", "0,00", "766,66", "USD"),
        # 333,33 x 0,9137 = 304,56 each; the cent left by the conversion goes to the first largest line
        ("VTE000003", "20250402", "706000", "", "", "0,00", "304,57", "333,33", "USD"),
        ("VTE000003", "20250402", "706000", "", "", "0,00", "304,56", "333,33", "USD"),
        ("VTE000003", "20250402", "445742", "", "", "0,00", "60,92", "66,67", "USD"),
        ("VTE000003", "20250402", "445741", "", "", "0,00", "30,45", "33,33", "USD"),
    ]
    first = written[0]
    assert (first["JournalLib"], first["PieceRef"], first["EcritureLib"], first["ValidDate"]) == (
        "Ventes",
        "F2025-0001",
        "Facture F2025-0001",
        "20250314",
    )
    assert all(row["CompteLib"] for row in written)


def test_a_period_and_a_journal_filter(tmp_path: Path) -> None:
    march = posted(document(line("100,00"), issue=date(2025, 3, 31)))
    april = posted(document(line("200,00"), number="F2", issue=date(2025, 4, 1)))
    other_journal = dataclasses.replace(
        posted(document(line("300,00"), number="OD1", issue=date(2025, 3, 15))), journal="OD"
    )
    engine = company_with(tmp_path, march, april, other_journal)
    target, written = export(engine, tmp_path, date(2025, 3, 15), date(2025, 3, 31))
    assert [(r["JournalCode"], r["EcritureNum"], r["EcritureDate"]) for r in written[::3]] == [
        ("OD", "OD000001", "20250315"),
        ("VTE", "VTE000001", "20250331"),
    ]
    assert written[0]["JournalLib"] == "Opérations diverses" and check_fec(target) == []
    _, sales_only = export(engine, tmp_path, date(2025, 1, 1), date(2025, 12, 31), journal_codes=["VTE"])
    assert [(r["EcritureNum"], r["Debit"]) for r in sales_only[::3]] == [
        ("VTE000001", "120,00"),
        ("VTE000002", "240,00"),
    ]


def test_two_pieces_in_a_row_are_two_entries_and_amounts_keep_their_cents(tmp_path: Path) -> None:
    small = [posted(document(line("0,01", rate="0"), number=f"F{n}")) for n in range(3)]
    engine = company_with(tmp_path, *small)
    with engine.connect() as connection:
        stored = connection.execute(F_ECRITUREC.select().limit(1)).mappings().one()
    assert isinstance(stored["EC_Montant"], Decimal) and isinstance(stored["JM_Date"], datetime)
    target, written = export(engine, tmp_path, date(2025, 3, 14), date(2025, 3, 14))
    assert [row["EcritureNum"] for row in written] == ["VTE000001"] * 2 + ["VTE000002"] * 2 + ["VTE000003"] * 2
    assert {row["Debit"] for row in written} == {"0,01", "0,00"} and check_fec(target) == []


def test_an_empty_period_gives_a_header_only_file(tmp_path: Path) -> None:
    engine = company_with(tmp_path, posted(document(line("10,00"))))
    target, written = export(engine, tmp_path, date(2024, 1, 1), date(2024, 12, 31))
    assert written == [] and check_fec(target) == []
