"""The FEC writer, line by line, as an accountant reads the file."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from sagesync.core.model import Allocation, DocumentKind, EntryLine, JournalEntry, LineRole, RevenueKind, Side
from sagesync.errors import ConfigurationError
from sagesync.fec.check import check_fec
from sagesync.fec.writer import (
    FecEntry,
    FecOptions,
    assign_numbers,
    fec_file_name,
    fec_text,
    format_entry_number,
    write_fec,
)
from tests.builders import d, document, line
from tests.fec.fec_helpers import ACCOUNT_LABELS, TIERS_NAMES, entries_of, posted, rows, table, write


def odoo_invoice() -> list[FecEntry]:
    return entries_of(
        document(
            line("1 437,12"),
            line("1 676,64", description="APS"),
            line("3 353,28", description="APD"),
            vat={"20": "1 293,41"},
        )
    )


def test_odoo_worked_example_line_by_line() -> None:
    data, summary = write(odoo_invoice())
    expected_common = {
        "JournalCode": "VTE",
        "JournalLib": "Ventes",
        "EcritureNum": "VTE000001",
        "EcritureDate": "20250314",
        "PieceRef": "F2025-0001",
        "PieceDate": "20250314",
        "EcritureLib": "Facture F2025-0001",
        "EcritureLet": "",
        "DateLet": "",
        "ValidDate": "20250331",
        "Montantdevise": "",
        "Idevise": "",
    }
    assert rows(data) == [
        {
            **expected_common,
            "CompteNum": "411000",
            "CompteLib": "Clients",
            "CompAuxNum": "DUPONT",
            "CompAuxLib": "Dupont Architectes",
            "Debit": "7760,45",
            "Credit": "0,00",
        },
        {
            **expected_common,
            "CompteNum": "706000",
            "CompteLib": "Prestations de services",
            "CompAuxNum": "",
            "CompAuxLib": "",
            "Debit": "0,00",
            "Credit": "6467,04",
        },
        {
            **expected_common,
            "CompteNum": "445742",
            "CompteLib": "TVA collectée sur encaissements 20 %",
            "CompAuxNum": "",
            "CompAuxLib": "",
            "Debit": "0,00",
            "Credit": "1293,41",
        },
    ]
    assert (summary.lines, summary.entries) == (3, 1)
    assert summary.total_debit == summary.total_credit == d("7 760,45")
    assert not summary.accounts_without_label and not summary.tiers_without_name


def test_credit_note_puts_the_customer_on_credit_with_positive_amounts() -> None:
    data, summary = write(
        entries_of(document(line("1 000,00"), kind=DocumentKind.CREDIT_NOTE, number="AV2025-0001", original="7"))
    )
    assert table(data) == [
        ("411000", "DUPONT", "0,00", "1200,00"),
        ("706000", "", "1000,00", "0,00"),
        ("445742", "", "200,00", "0,00"),
    ]
    assert {row["PieceRef"] for row in rows(data)} == {"AV2025-0001"}
    assert {row["EcritureLib"] for row in rows(data)} == {"Avoir AV2025-0001"}
    assert summary.total_debit == summary.total_credit == d("1 200,00")


def test_usd_invoice_carries_unsigned_currency_amounts_and_the_iso_code() -> None:
    usd = document(
        line("333,33"),
        line("333,33", description="APS", allocations=(Allocation("p2", d("1")),)),
        line("333,33", rate="10", description="Maquette"),
        vat={"20": "133,33", "10": "33,33"},
        currency="USD",
        rate="0,9137",
    )
    data, summary = write(entries_of(usd))
    assert table(data, ("CompteNum", "Debit", "Credit", "Montantdevise", "Idevise")) == [
        ("411000", "1065,97", "0,00", "1166,65", "USD"),
        ("706000", "0,00", "304,58", "333,33", "USD"),  # took the conversion residue (+0,02)
        ("706000", "0,00", "304,56", "333,33", "USD"),
        ("706000", "0,00", "304,56", "333,33", "USD"),
        ("445742", "0,00", "121,82", "133,33", "USD"),
        ("445741", "0,00", "30,45", "33,33", "USD"),
    ]
    assert summary.total_debit == summary.total_credit


def test_usd_credit_note_keeps_montantdevise_unsigned_the_side_says_the_direction() -> None:
    usd = document(line("100,00"), currency="USD", rate="0,9", kind=DocumentKind.CREDIT_NOTE, number="AV-1")
    data, _ = write(entries_of(usd))
    assert table(data, ("CompteNum", "Debit", "Credit", "Montantdevise")) == [
        ("411000", "0,00", "108,00", "120,00"),
        ("706000", "90,00", "0,00", "100,00"),
        ("445742", "18,00", "0,00", "20,00"),
    ]


def test_vat_stated_per_rate_is_written_as_stated_three_lines_of_0_33() -> None:
    data, _ = write(entries_of(document(line("0,33"), line("0,33"), line("0,33"), vat={"20": "0,20"})))
    assert table(data) == [
        ("411000", "DUPONT", "1,19", "0,00"),
        ("706000", "", "0,00", "0,99"),
        ("445742", "", "0,00", "0,20"),
    ]


def test_multi_rate_invoice_with_disbursements_and_a_zero_rate_line() -> None:
    invoice = document(
        line("1 000,00"),
        line("200,00", rate="10"),
        line("150,00", kind=RevenueKind.EXPENSES),
        line("80,00", rate=None, kind=RevenueKind.DISBURSEMENTS),
        line("50,00", rate="0"),
    )
    data, summary = write(entries_of(invoice))
    assert table(data) == [
        ("411000", "DUPONT", "1730,00", "0,00"),
        ("706000", "", "0,00", "1000,00"),
        ("706000", "", "0,00", "200,00"),
        ("708500", "", "0,00", "150,00"),
        ("467000", "", "0,00", "80,00"),
        ("706300", "", "0,00", "50,00"),
        ("445742", "", "0,00", "230,00"),
        ("445741", "", "0,00", "20,00"),
    ]  # the 0 % rate writes no 0,00 VAT line
    assert summary.accounts_without_label == {"706300"}
    assert rows(data)[5]["CompteLib"] == "706300"  # never an empty label: the number stands in


def test_small_amounts_and_large_amounts_keep_every_cent_without_thousands_separator() -> None:
    data, _ = write(entries_of(document(line("0,01", rate="0")), document(line("1 234 567,89"), number="F2")))
    assert table(data, ("Debit", "Credit")) == [
        ("0,01", "0,00"),
        ("0,00", "0,01"),
        ("1481481,47", "0,00"),
        ("0,00", "1234567,89"),
        ("0,00", "246913,58"),
    ]


def entry_with(*lines: EntryLine) -> FecEntry:
    entry = JournalEntry(
        "VTE", date(2025, 5, 2), "OD1", "OD-2025-1", "Régularisation", "s1", DocumentKind.INVOICE, lines
    )
    return FecEntry(entry, "VTE000001", date(2025, 5, 2), "Ventes")


def test_a_zero_line_is_left_out_and_a_negative_amount_goes_positive_on_the_other_side() -> None:
    item = entry_with(
        EntryLine(LineRole.CUSTOMER, "411000", Side.DEBIT, d("-50,00"), "Remise", tiers="DUPONT"),
        EntryLine(LineRole.REVENUE, "706000", Side.DEBIT, d("50,00"), ""),
        EntryLine(LineRole.VAT, "445742", Side.CREDIT, d("0,00"), "TVA"),
    )
    data, summary = write([item])
    assert table(data, ("CompteNum", "Debit", "Credit", "EcritureLib")) == [
        ("411000", "0,00", "50,00", "Remise"),
        ("706000", "50,00", "0,00", "Régularisation"),
    ]
    assert summary.zero_lines_skipped == 1
    assert summary.total_debit == summary.total_credit == d("50,00")


def test_an_amount_finer_than_the_cent_is_refused_not_rounded() -> None:
    item = entry_with(EntryLine(LineRole.REVENUE, "706000", Side.DEBIT, Decimal("10.005"), "x"))
    with pytest.raises(ValueError, match="not in cents"):
        write([item])


def test_customer_without_a_known_name_gets_its_code_as_name_and_is_reported() -> None:
    data, summary = write(
        entries_of(document(line("10,00"), customer="c2")),
    )
    assert rows(data)[0]["CompAuxLib"] == "Martin & Fils"
    unknown = entry_with(
        EntryLine(LineRole.CUSTOMER, "411000", Side.DEBIT, d("1,00"), "x", tiers="ZED"),
        EntryLine(LineRole.REVENUE, "706000", Side.CREDIT, d("1,00"), "x"),
    )
    data, summary = write([unknown])
    assert (rows(data)[0]["CompAuxNum"], rows(data)[0]["CompAuxLib"]) == ("ZED", "ZED")
    assert summary.tiers_without_name == {"ZED"}


def test_labels_lose_separators_and_line_breaks() -> None:
    item = entry_with(
        EntryLine(LineRole.REVENUE, "706000", Side.DEBIT, d("1,00"), "APS\tphase | 2\r\nsuite"),
        EntryLine(LineRole.REVENUE, "706000", Side.CREDIT, d("1,00"), "ok"),
    )
    for options in (FecOptions(), FecOptions(separator="|")):
        data, _ = write([item], options)
        assert rows(data, options)[0]["EcritureLib"] == "APS phase 2 suite"


def test_iso_8859_15_bytes_and_transliteration() -> None:
    labels = {"706000": "Honoraires “été” – œuvre € ’s … ł 🏠"}
    stream = io.BytesIO()
    write_fec(entries_of(document(line("1,00"))), stream, account_labels=labels, tiers_names=TIERS_NAMES)
    data = stream.getvalue()
    label = rows(data)[1]["CompteLib"]
    assert label == 'Honoraires "été" - œuvre € \'s ... l ?'
    encoded = label.encode("iso-8859-15")
    assert b"\xe9t\xe9" in encoded  # é is 0xE9
    assert b"\xbduvre" in encoded  # œ is 0xBD in ISO-8859-15 (absent from Latin-1)
    assert b"\xa4" in encoded  # € is 0xA4 in ISO-8859-15
    assert "Dupont Architectes".encode("iso-8859-15") in data


def test_utf8_option_keeps_every_character_and_writes_no_bom() -> None:
    options = FecOptions(encoding="utf-8")
    labels = {**ACCOUNT_LABELS, "706000": "Honoraires “été” 🏠"}
    stream = io.BytesIO()
    write_fec(entries_of(document(line("1,00"))), stream, account_labels=labels, tiers_names={}, options=options)
    data = stream.getvalue()
    assert data.startswith(b"JournalCode\t")
    assert rows(data, options)[1]["CompteLib"] == "Honoraires “été” 🏠"


def test_pipe_separator() -> None:
    options = FecOptions(separator="|")
    data, _ = write(odoo_invoice(), options)
    first = data.decode("iso-8859-15").split("\r\n")[1]
    assert first == (
        "VTE|Ventes|VTE000001|20250314|411000|Clients|DUPONT|Dupont Architectes|F2025-0001|20250314|"
        "Facture F2025-0001|7760,45|0,00|||20250331||"
    )


def test_options_refuse_a_semicolon_and_an_unknown_encoding() -> None:
    with pytest.raises(ConfigurationError, match="separator"):
        FecOptions(separator=";")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="encoding"):
        FecOptions(encoding="cp1252")  # type: ignore[arg-type]


def test_fec_text_is_idempotent_and_never_holds_a_separator() -> None:
    for text in ("a\t|b", "  x  \n y ", "é’🏠"):
        once = fec_text(text)
        assert fec_text(once) == once
        assert not {"\t", "|", "\r", "\n"} & set(once)


def test_file_name() -> None:
    assert fec_file_name("732829320", date(2025, 12, 31)) == "732829320FEC20251231.txt"
    assert fec_file_name("732 829 320", date(2024, 6, 30)) == "732829320FEC20240630.txt"
    for wrong in ("12345678", "1234567890", "12345678A", ""):
        with pytest.raises(ConfigurationError, match="SIREN"):
            fec_file_name(wrong, date(2025, 12, 31))
    # the profile's rule: 9 digits are not enough, the check digit must be right too
    for wrong in ("123456789", "732829321"):
        with pytest.raises(ConfigurationError, match="check digit"):
            fec_file_name(wrong, date(2025, 12, 31))


def test_format_entry_number() -> None:
    assert format_entry_number("VTE", 123) == "VTE000123"
    assert format_entry_number("VTE", 1_234_567) == "VTE1234567"
    with pytest.raises(ValueError):
        format_entry_number("VTE", 0)


def test_numbering_is_continuous_per_journal_across_runs(tmp_path: Path) -> None:
    invoice = document(line("100,00"))
    runs = [
        [
            (posted(invoice), date(2025, 3, 31)),
            (posted(document(line("5,00"), issue=date(2025, 1, 2))), date(2025, 3, 31)),
        ],
        # validated late, dated before the last entry: numbered in validation order, and the check says so
        [(posted(document(line("7,00"), issue=date(2025, 2, 3))), date(2025, 4, 1))],
        [
            (posted(document(line("9,00"), issue=date(2025, 4, 1))), date(2025, 4, 30)),
            (posted(document(line("8,00"), issue=date(2025, 3, 30))), date(2025, 4, 2)),
        ],
    ]
    counters: dict[str, int] = {}
    numbered: list[FecEntry] = []
    for run in runs:  # the ledger stores the counters between runs
        entries, counters = assign_numbers(run, counters, {"VTE": "Ventes"})
        numbered.extend(entries)
    assert [item.number for item in numbered] == [f"VTE00000{n}" for n in range(1, 6)]
    # In a run, validation order first, then entry date: 2 Jan before 14 March (same ValidDate).
    assert [item.entry.entry_date for item in numbered][:2] == [date(2025, 1, 2), date(2025, 3, 14)]
    assert [item.validated_on for item in numbered][3:] == [date(2025, 4, 2), date(2025, 4, 30)]
    assert counters == {"VTE": 5}
    target = tmp_path / "run.txt"
    write_fec(numbered, target, account_labels=ACCOUNT_LABELS, tiers_names=TIERS_NAMES)
    assert [(p.code, p.line) for p in check_fec(target)] == [("date_order", 8)]  # 14 March, then 3 Feb
    again, _ = assign_numbers([(posted(invoice), date(2025, 5, 1))], counters, {})
    assert again[0].number == "VTE000006" and again[0].journal_label == "VTE"


def test_a_path_target_is_complete_or_absent(tmp_path: Path) -> None:
    target = tmp_path / "732829320FEC20251231.txt"

    def failing() -> Iterator[FecEntry]:
        yield from odoo_invoice()
        raise ConnectionError("ledger went away")

    with pytest.raises(ConnectionError):
        write_fec(failing(), target, account_labels=ACCOUNT_LABELS, tiers_names=TIERS_NAMES)
    assert list(tmp_path.iterdir()) == []
    summary = write_fec(odoo_invoice(), target, account_labels=ACCOUNT_LABELS, tiers_names=TIERS_NAMES)
    assert summary.lines == 3 and list(tmp_path.iterdir()) == [target]


def test_the_writer_streams_each_entry_is_written_before_the_next_is_read() -> None:
    stream = io.BytesIO()
    items = entries_of(*(document(line("10,00"), number=f"F{n}") for n in range(5)))
    seen_lines: list[int] = []

    def lazily() -> Iterator[FecEntry]:
        for item in items:
            seen_lines.append(stream.getvalue().count(b"\r\n"))
            yield item

    write_fec(lazily(), stream, account_labels=ACCOUNT_LABELS, tiers_names=TIERS_NAMES)
    assert seen_lines == [1, 4, 7, 10, 13]  # header, then 3 lines per entry already out
