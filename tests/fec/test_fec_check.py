"""The FEC validator: a valid file passes, and each rule has a file that breaks it.

Every failing file is the valid file below with one thing wrong; the test asserts the line
number and the code, and that nothing else is reported (a rule must not drown in noise).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from sagesync.fec.check import check_fec, inspect_fec
from sagesync.fec.writer import FEC_COLUMNS

# line 1 is the header; entry VTE000001 is lines 2-4, entry VTE000002 (in USD) lines 5-6.
VALID = [
    "VTE|Ventes|VTE000001|20250314|411000|Clients|DUPONT|Dupont Architectes|F2025-0001|20250314|Facture F2025-0001|"
    "1200,00|0,00|||20250315||",
    "VTE|Ventes|VTE000001|20250314|706000|Honoraires|||F2025-0001|20250314|Facture F2025-0001|0,00|1000,00|||"
    "20250315||",
    "VTE|Ventes|VTE000001|20250314|445742|TVA collectée|||F2025-0001|20250314|Facture F2025-0001|0,00|200,00|||"
    "20250315||",
    "VTE|Ventes|VTE000002|20250320|411000|Clients|MARTIN|Martin & Fils|F2025-0002|20250320|Facture F2025-0002|"
    "91,37|0,00|||20250320|100,00|USD",
    "VTE|Ventes|VTE000002|20250320|706000|Honoraires|||F2025-0002|20250320|Facture F2025-0002|0,00|91,37|||"
    "20250320|100,00|USD",
]

Rows = list[list[str]]


def fec(
    tmp_path: Path,
    change: Callable[[Rows], None] | None = None,
    *,
    separator: str = "\t",
    encoding: str = "iso-8859-15",
    ending: str = "\r\n",
    header: list[str] | None = None,
) -> Path:
    """The valid file, changed by ``change`` (rows of fields, header first), written to disk."""
    table: Rows = [list(header or FEC_COLUMNS), *(line.split("|") for line in VALID)]
    if change is not None:
        change(table)
    path = tmp_path / "732829320FEC20251231.txt"
    path.write_bytes("".join(separator.join(row) + ending for row in table).encode(encoding))
    return path


def problems(path: Path) -> list[tuple[int, str, str]]:
    return [(problem.line, problem.column, problem.code) for problem in check_fec(path)]


def setter(line: int, column: str, value: str) -> Callable[[Rows], None]:
    """Change one field; ``line`` is the file's line number (header = 1)."""

    def change(table: Rows) -> None:
        table[line - 1][FEC_COLUMNS.index(column)] = value

    return change


def only(path: Path, line: int, code: str, column: str = "") -> None:
    found = check_fec(path)
    assert [(p.line, p.code) for p in found] == [(line, code)], [str(p) for p in found]
    if column:
        assert found[0].column == column
    assert found[0].message  # a person reads it


# --- a valid file, in every form the norm allows ------------------------------------------------------


def test_valid_file_has_no_problem_and_the_report_says_what_was_read(tmp_path: Path) -> None:
    report = inspect_fec(fec(tmp_path))
    assert report.problems == []
    assert (report.encoding, report.separator, report.lines, report.entries) == ("iso-8859-15", "\t", 5, 2)
    assert report.total_debit == report.total_credit == Decimal("1291.37")


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r"])
def test_any_record_ending_is_read(tmp_path: Path, ending: str) -> None:
    assert inspect_fec(fec(tmp_path, ending=ending)).lines == 5
    assert problems(fec(tmp_path, ending=ending)) == []


def test_pipe_separated_file(tmp_path: Path) -> None:
    report = inspect_fec(fec(tmp_path, separator="|"))
    assert (report.separator, report.problems) == ("|", [])


def test_utf8_with_and_without_bom(tmp_path: Path) -> None:
    path = fec(tmp_path, encoding="utf-8")
    assert inspect_fec(path).encoding == "utf-8" and problems(path) == []
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert inspect_fec(path).encoding == "utf-8 with BOM" and problems(path) == []


def test_header_names_match_whatever_their_case_and_accents(tmp_path: Path) -> None:
    header = [name.upper() for name in FEC_COLUMNS]
    header[3] = "ÉcritureDate"
    header[11] = "débit"
    assert problems(fec(tmp_path, header=header)) == []


def test_montant_and_sens_instead_of_debit_and_credit(tmp_path: Path) -> None:
    header = [{"Debit": "Montant", "Credit": "Sens"}.get(name, name) for name in FEC_COLUMNS]

    def to_sens(table: Rows) -> None:
        for row in table[1:]:
            debit, credit = row[11], row[12]
            row[11], row[12] = (debit, "D") if debit != "0,00" else (credit, "C")

    assert problems(fec(tmp_path, to_sens, header=header)) == []
    def wrong_sens(table: Rows) -> None:
        to_sens(table)
        table[2][12] = "X"

    only(fec(tmp_path, wrong_sens, header=header), 3, "sens_invalid", "Sens")


def test_journals_and_number_series_may_interleave(tmp_path: Path) -> None:
    def interleave(table: Rows) -> None:
        table[4][0], table[5][0] = "ACH", "ACH"  # entry 2 now opens journal ACH at its own number
        table.append([*table[1][:2], "AV000001", *table[1][3:]])  # a credit-note series in VTE
        table.append([*table[2][:2], "AV000001", *table[2][3:11], "1000,00", "0,00", *table[2][13:]])
        table.append([*table[3][:2], "AV000001", *table[3][3:11], "200,00", "0,00", *table[3][13:]])
        table[-3][11:13] = ["0,00", "1200,00"]

    report = inspect_fec(fec(tmp_path, interleave))
    assert report.problems == [] and report.entries == 3


# --- one failing file per rule -------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    only(path, 1, "file_empty")


def test_windows_1252_bytes_are_not_iso_8859_15(tmp_path: Path) -> None:
    path = fec(tmp_path, setter(3, "EcritureLib", "Honoraires d’étude"), encoding="cp1252")
    only(path, 3, "encoding_invalid")
    assert "0x92" in check_fec(path)[0].message


def test_a_file_mixing_utf8_and_latin_lines(tmp_path: Path) -> None:
    path = fec(tmp_path, encoding="utf-8")  # line 4 holds "collectée" in UTF-8
    data = path.read_bytes().replace(b"Facture F2025-0002", "Facture n°2".encode("latin-1"), 1)
    path.write_bytes(data)
    assert inspect_fec(path).encoding == "utf-8"
    only(path, 5, "encoding_invalid")


def test_semicolon_separator_is_refused(tmp_path: Path) -> None:
    only(fec(tmp_path, separator=";"), 1, "separator_unknown")


def test_header_with_both_separators(tmp_path: Path) -> None:
    header = list(FEC_COLUMNS)
    header[0] = "JournalCode|Code"
    found = problems(fec(tmp_path, header=header))
    assert found[0] == (1, "", "separator_ambiguous")


def test_a_line_with_the_other_separator(tmp_path: Path) -> None:
    path = fec(tmp_path)
    lines = path.read_bytes().split(b"\r\n")
    lines[3] = lines[3].replace(b"\t", b"|")
    path.write_bytes(b"\r\n".join(lines))
    only(path, 4, "separator_inconsistent")


def test_missing_column(tmp_path: Path) -> None:
    def drop_idevise(table: Rows) -> None:
        for row in table:
            del row[17]

    only(fec(tmp_path, drop_idevise), 1, "column_missing", "Idevise")


def test_extra_column(tmp_path: Path) -> None:
    def add(table: Rows) -> None:
        table[0].append("Commentaire")
        for row in table[1:]:
            row.append("")

    only(fec(tmp_path, add), 1, "column_extra", "Commentaire")


def test_bnc_columns_are_not_extra(tmp_path: Path) -> None:
    def add(table: Rows) -> None:
        table[0].extend(["DateRglt", "ModeRglt"])
        for row in table[1:]:
            row.extend(["", ""])

    assert problems(fec(tmp_path, add)) == []


def test_columns_out_of_order(tmp_path: Path) -> None:
    def swap(table: Rows) -> None:
        for row in table:
            row[11], row[12] = row[12], row[11]

    only(fec(tmp_path, swap), 1, "column_order")


def test_duplicate_column(tmp_path: Path) -> None:
    def duplicate(table: Rows) -> None:
        for row in table:
            row.append(row[10])

    only(fec(tmp_path, duplicate), 1, "column_duplicate", "EcritureLib")


def test_empty_line(tmp_path: Path) -> None:
    only(fec(tmp_path, lambda table: table.insert(4, [""])), 5, "empty_line")


def test_wrong_field_count(tmp_path: Path) -> None:
    def drop_last_field(table: Rows) -> None:
        del table[2][-1]

    only(fec(tmp_path, drop_last_field), 3, "field_count")


def test_mandatory_field_empty(tmp_path: Path) -> None:
    only(fec(tmp_path, setter(3, "PieceRef", "")), 3, "required_empty", "PieceRef")


@pytest.mark.parametrize("column", ["EcritureLib", "CompteLib", "JournalLib"])
def test_empty_label(tmp_path: Path, column: str) -> None:
    only(fec(tmp_path, setter(4, column, " ")), 4, "label_empty", column)


@pytest.mark.parametrize("value", ["2025-03-14", "14032025x", "20250230", "20251301"])
def test_invalid_date(tmp_path: Path, value: str) -> None:
    only(fec(tmp_path, setter(3, "PieceDate", value)), 3, "date_invalid", "PieceDate")


def test_date_outside_1900_2099(tmp_path: Path) -> None:
    only(fec(tmp_path, setter(3, "PieceDate", "18991231")), 3, "date_out_of_range", "PieceDate")


@pytest.mark.parametrize("value", ["1 000,00", "1000.00", "1.000,00", "1000,00€", "EUR"])
def test_invalid_amount(tmp_path: Path, value: str) -> None:
    only(fec(tmp_path, setter(3, "Credit", value)), 3, "amount_invalid", "Credit")


def test_invalid_currency_amount(tmp_path: Path) -> None:
    only(fec(tmp_path, setter(6, "Montantdevise", "100.00")), 6, "amount_invalid", "Montantdevise")


def test_debit_and_credit_on_one_line(tmp_path: Path) -> None:
    def both(table: Rows) -> None:  # still balanced: D 1200 + 100 = C 1100 + 200
        table[2][11:13] = ["100,00", "1100,00"]

    only(fec(tmp_path, both), 3, "debit_and_credit")


def test_zero_line(tmp_path: Path) -> None:
    def zero(table: Rows) -> None:
        table.insert(4, [*table[3][:11], "0,00", "0,00", *table[3][13:]])

    only(fec(tmp_path, zero), 5, "zero_amount")


def test_account_number_not_starting_with_three_digits(tmp_path: Path) -> None:
    only(fec(tmp_path, setter(3, "CompteNum", "HON706")), 3, "account_number", "CompteNum")


def test_auxiliary_account_without_its_name(tmp_path: Path) -> None:
    only(fec(tmp_path, setter(2, "CompAuxLib", "")), 2, "auxiliary_pair", "CompAuxLib")


def test_currency_amount_without_its_currency(tmp_path: Path) -> None:
    only(fec(tmp_path, setter(6, "Idevise", "")), 6, "currency_pair", "Idevise")


def test_validated_before_its_entry_date(tmp_path: Path) -> None:
    only(fec(tmp_path, setter(2, "ValidDate", "20250313")), 2, "valid_before_entry_date", "ValidDate")


def test_unbalanced_entries_in_a_balanced_file(tmp_path: Path) -> None:
    def shift_a_cent(table: Rows) -> None:
        table[2][12] = "1000,01"  # entry 1: one cent too much on credit
        table[5][12] = "91,36"  # entry 2: one cent too little

    found = problems(fec(tmp_path, shift_a_cent))
    assert found == [(2, "EcritureNum", "entry_unbalanced"), (5, "EcritureNum", "entry_unbalanced")]
    assert "1200,00" in str(check_fec(fec(tmp_path, shift_a_cent))[0])


def test_unbalanced_file(tmp_path: Path) -> None:
    found = problems(fec(tmp_path, setter(3, "Credit", "1000,01")))
    assert found == [(2, "EcritureNum", "entry_unbalanced"), (0, "", "file_unbalanced")]


def test_gap_in_the_numbering(tmp_path: Path) -> None:
    def renumber(table: Rows) -> None:
        table[4][2] = table[5][2] = "VTE000004"

    only(fec(tmp_path, renumber), 5, "number_gap", "EcritureNum")
    assert "2 numbers missing" in check_fec(fec(tmp_path, renumber))[0].message


def test_numbering_going_back(tmp_path: Path) -> None:
    def swap(table: Rows) -> None:
        for row in table[1:4]:
            row[2] = "VTE000002"
        for row in table[4:]:
            row[2] = "VTE000001"

    only(fec(tmp_path, swap), 5, "number_order", "EcritureNum")


def test_the_same_entry_number_split_in_two_places(tmp_path: Path) -> None:
    def split(table: Rows) -> None:
        table.append(table[3])  # VTE000001's VAT line again, after VTE000002
        table.append([*table[3][:11], "200,00", "0,00", *table[3][13:]])

    only(fec(tmp_path, split), 7, "number_order")


def test_number_without_a_sequence(tmp_path: Path) -> None:
    def letters(table: Rows) -> None:
        for row in table[1:4]:
            row[2] = "ABC"
        for row in table[4:]:
            row[2] = "DEF"

    only(fec(tmp_path, letters), 2, "number_unreadable", "EcritureNum")


def test_entry_dated_before_the_previous_number(tmp_path: Path) -> None:
    def back_date(table: Rows) -> None:
        for row in table[4:]:
            row[3] = "20250301"

    only(fec(tmp_path, back_date), 5, "date_order", "EcritureDate")


def test_numbers_not_in_validation_order(tmp_path: Path) -> None:
    def validate_late(table: Rows) -> None:
        for row in table[1:4]:
            row[15] = "20250331"
        for row in table[4:]:
            row[15] = "20250325"

    only(fec(tmp_path, validate_late), 5, "validation_order", "ValidDate")


def test_problems_come_back_in_line_order_whole_file_last(tmp_path: Path) -> None:
    def several(table: Rows) -> None:
        setter(5, "PieceDate", "x")(table)
        setter(3, "Credit", "999,00")(table)

    found = problems(fec(tmp_path, several))
    assert [line for line, _column, _code in found] == [2, 5, 0]
