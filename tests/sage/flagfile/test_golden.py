"""Golden files: the exact bytes Sage receives for a small firm, checked by hand.

``golden/small_firm_v31.txt`` was produced once by the writer and then read
line by line against sage100.md §2 (the annotated blocks below are that
reading, kept as tests). Any change of a byte must be deliberate: regenerate
with SAGESYNC_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from sagesync.core.findings import FindingCode, Severity
from sagesync.sage.flagfile import FORMAT_V14, FORMAT_V31, FormatProfile, WriteResult, write_import_file
from tests.sage.flagfile.small_firm import (
    COLLECTIVE_ACCOUNT,
    CURRENCY_NUMBERS,
    CUSTOMERS,
    PLAN_NUMBER,
    PROJECTS,
    entries,
)

GOLDEN = Path(__file__).parent / "golden"


def write_small_firm(fmt: FormatProfile, *, first_only: bool = False) -> tuple[bytes, WriteResult]:
    stream = io.BytesIO()
    posted = entries()[:1] if first_only else entries()
    result = write_import_file(stream, entries=iter(posted), new_customers=CUSTOMERS[:1] if first_only else CUSTOMERS,
                               new_projects=PROJECTS[:1] if first_only else PROJECTS,
                               collective_account=COLLECTIVE_ACCOUNT, plan_number=PLAN_NUMBER,
                               currency_numbers=CURRENCY_NUMBERS, fmt=fmt)
    return stream.getvalue(), result


def golden(name: str, produced: bytes) -> bytes:
    path = GOLDEN / name
    if os.environ.get("SAGESYNC_UPDATE_GOLDEN") == "1":
        path.write_bytes(produced)
    return path.read_bytes()


def lines_of(data: bytes) -> list[str]:
    assert data.endswith(b"\r\n")
    return data.decode("cp850").split("\r\n")[:-1]


def block(lines: list[str], flag: str, occurrence: int = 0) -> list[str]:
    """The fields of the n-th record ``#flag``, up to the next flag line."""
    starts = [index for index, text in enumerate(lines) if text == f"#{flag}"]
    start = starts[occurrence] + 1
    end = start
    while end < len(lines) and not (lines[end].startswith("#") and lines[end][1:].isalnum()):
        end += 1
    return lines[start:end]


@pytest.mark.parametrize(("name", "fmt", "first_only"), [("small_firm_v31.txt", FORMAT_V31, False),
                                                          ("one_invoice_v14.txt", FORMAT_V14, True)])
def test_the_file_is_byte_for_byte_the_golden_file(name: str, fmt: FormatProfile, first_only: bool) -> None:
    produced, _ = write_small_firm(fmt, first_only=first_only)
    assert produced == golden(name, produced)


def test_every_line_ends_with_crlf_and_no_bare_lf_or_cr() -> None:
    data = (GOLDEN / "small_firm_v31.txt").read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") == data.count(b"\r")
    assert data.startswith(b"#FLG 000\r\n#VER 31\r\n#DEV EUR\r\n#MPCT\r\n")
    assert data.endswith(b"\r\n#FIN\r\n")


def test_accents_are_cp850_bytes() -> None:
    data = (GOLDEN / "small_firm_v31.txt").read_bytes()
    assert b"12, rue de l'\x90glise" in data  # É = 0x90 in CP850
    assert b"B\x83timent B" in data  # â = 0x83
    assert b"R\x82novation \x82cole Jules-Ferry" in data  # é = 0x82
    assert "é".encode("cp1252") not in data and "é".encode() not in data  # neither ANSI nor UTF-8


def test_first_invoice_lines_read_field_by_field_against_the_reference() -> None:
    lines = lines_of((GOLDEN / "small_firm_v31.txt").read_bytes())
    customer_line = block(lines, "MECG", 0)
    #                 1      2         3   4             5             6   7         8   9         10
    assert customer_line == ["VTE", "030325", "", "F2025-0001", "F2025-0001", "", "411000", "", "DUPONT", "",
                             # 11               12   13        14          15      16   17   18
                             "Facture F2025-0001", "0", "130425", "0,000000", "0,00", "0", "0", "1200,00",
                             # 19-21        22   23   24   25  26  27   28   29   30-32       33  34   35
                             "", "", "", "0", "0", "0", "", "", "0", "0", "0", "", "", "", "OOTI-11", "0", "0,00",
                             # 36 37  38   39
                             "", "", "0", ""]
    revenue_line = block(lines, "MECG", 1)
    assert len(revenue_line) == 39
    assert (revenue_line[6], revenue_line[8], revenue_line[12]) == ("706000", "", "")  # no tiers, no due date
    assert (revenue_line[16], revenue_line[17], revenue_line[25]) == ("1", "1000,00", "E20")  # credit, tax code
    assert block(lines, "MECA", 0) == ["1", "PRJ001", "1000,00", "0,00"]  # plan number, section, amount, quantity
    vat_line = block(lines, "MECG", 2)
    assert (vat_line[6], vat_line[16], vat_line[17], vat_line[25]) == ("445742", "1", "200,00", "E20")
    assert lines[lines.index("#MECG") + 40 * 2 + 5] == "#MECG"  # the VAT line has no #MECA


def test_credit_note_swaps_the_sides_and_keeps_amounts_positive() -> None:
    lines = lines_of((GOLDEN / "small_firm_v31.txt").read_bytes())
    starts = [index for index, text in enumerate(lines) if text == "#MECG"]
    credit_note = [lines[index + 1:index + 40] for index in starts if lines[index + 4] == "AV2025-0001"]
    assert [(fields[6], fields[16], fields[17]) for fields in credit_note] == [
        ("411000", "1", "600,00"), ("706000", "0", "500,00"), ("445742", "0", "100,00")]


def test_usd_invoice_carries_the_currency_position_and_the_currency_amount() -> None:
    lines = lines_of((GOLDEN / "small_firm_v31.txt").read_bytes())
    starts = [index for index, text in enumerate(lines) if text == "#MECG"]
    usd = [lines[index + 1:index + 40] for index in starts if lines[index + 4] == "F2025-0004"]
    # field 16 N° devise (USD is position 1), 18 euros, 25 montant devise
    assert [(fields[15], fields[17], fields[24]) for fields in usd] == [
        ("1", "1096,44", "1200,00"), ("1", "913,70", "1000,00"), ("1", "182,74", "200,00")]


def test_new_tiers_block_has_133_fields_then_its_attached_account() -> None:
    lines = lines_of((GOLDEN / "small_firm_v31.txt").read_bytes())
    tiers = block(lines, "MPCT", 0)
    assert len(tiers) == 134
    named = {position: tiers[position - 1] for position in (1, 2, 3, 4, 6, 8, 9, 10, 11, 13, 15, 17, 32, 50, 58, 134)}
    assert named == {1: "DUPONT", 2: "Atelier Dupont & Fils", 3: "0", 4: "411000", 6: "Atelier Dupont &",
                     8: "12, rue de l'Église", 9: "Bâtiment B", 10: "69002", 11: "Lyon", 13: "France", 15: "0",
                     17: "FR12345678901", 32: "DUPONT", 50: "0", 58: "compta@dupont.fr", 134: "411000"}


def test_new_section_block_has_22_fields() -> None:
    lines = lines_of((GOLDEN / "small_firm_v31.txt").read_bytes())
    assert block(lines, "MPCA", 1) == [
        # plan, section, intitulé, type détail, abrégé, raccourci, report, n° analyse, saut, sommeil, création
        "1", "PRJ002", 'Médiathèque "Les Halles"', "0", 'Médiathèque "Les', "", "1", "1", "1", "0", "",
        # domaine, objectifs, collaborateur, statut, dates, mode facturation
        "0", "0,00", "0,00", "", "", "0", "", "", "", "", "0"]


def test_version_14_writes_37_entry_fields_and_96_tiers_fields() -> None:
    lines = lines_of((GOLDEN / "one_invoice_v14.txt").read_bytes())
    assert lines[1] == "#VER 14"
    assert len(block(lines, "MECG")) == 37
    assert len(block(lines, "MPCT")) == 97  # 96 + attached account


def test_what_had_to_change_is_reported_once_per_record_and_field() -> None:
    _, result = write_small_firm(FORMAT_V31)
    changed = sorted((finding.document, finding.field, finding.code) for finding in result.findings)
    assert changed == [
        ("client Œuvres Martin — Architectes", "name", FindingCode.TEXT_TRANSLITERATED),
        ("project Médiathèque “Les Halles”", "title", FindingCode.TEXT_TRANSLITERATED),
    ]
    assert all(finding.severity is Severity.WARNING for finding in result.findings)
    assert (result.entries, result.entry_lines, result.analytic_lines) == (5, 19, 7)
    assert result.total_debit == result.total_credit
