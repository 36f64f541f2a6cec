"""FEC validator: checks any FEC, ours or another software's, one problem per line.

Rules (accounting-fr.md §10, "What validators check", plus the numbering rules of §8):
the header's column names and order (case-insensitive, accents stripped), one separator
(tab or ``|``, read from the header) used throughout, the encoding (ISO-8859-15 or UTF-8 with
an optional BOM: the report says which), as many fields on every line as in the header, no
empty line, AAAAMMJJ dates, amounts with a decimal comma and nothing else, one side per
line and never 0/0, mandatory fields and labels filled, CompteNum starting with three digits,
CompAuxNum / CompAuxLib and Montantdevise / Idevise filled in pairs, ValidDate not before
EcritureDate, each entry (JournalCode + EcritureNum) balanced, the file balanced, and per
journal the numbering continuous (no gap, never going back) with entry and validation
dates that never go back as the numbers grow (``fec_numbering``).

Streaming: the file is read line by line and only per-journal state is kept (the open
entry's running sums, the last number and dates of each series), so memory does not grow
with the file. Line numbers count the header as line 1; a problem about the whole file
carries line 0.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from sagesync.core.money import ZERO
from sagesync.fec.fields import (
    ASCII,
    UTF8_BOM,
    UTF_8_BOM,
    Columns,
    ProblemCode,
    Report,
    decode_line,
    parse_fec_amount,
    parse_fec_date,
    read_header,
)
from sagesync.fec.numbering import JournalNumbering
from sagesync.fec.writer import fec_amount
from sagesync.i18n import _
from sagesync.storage_errors import guard_storage

__all__ = ["FecProblem", "FecReport", "ProblemCode", "check_fec", "inspect_fec"]

REQUIRED = ("JournalCode", "EcritureNum", "EcritureDate", "CompteNum", "PieceRef", "PieceDate", "ValidDate")
LABELS = ("JournalLib", "CompteLib", "EcritureLib")
DATES = ("EcritureDate", "PieceDate", "ValidDate", "DateLet")
ValueOf = Callable[[str], "str | None"]  # column name -> stripped field, None when no such column


@dataclass(frozen=True, slots=True)
class FecProblem:
    line: int  # 1 is the header; 0 means the whole file
    column: str  # the FEC column at fault, "" when it is the line or the file
    code: str  # a ProblemCode value
    message: str

    def __str__(self) -> str:
        where = _("line {line}").format(line=self.line) if self.line else _("file")
        column = f" {self.column}" if self.column else ""
        return _("{where}: {message} [{code}]").format(where=where + column, message=self.message, code=self.code)


@dataclass(frozen=True, slots=True)
class FecReport:
    encoding: str  # "ascii", "iso-8859-15", "utf-8", "utf-8 with BOM"; "" when nothing was read
    separator: str  # "\t" or "|"; "" when the header shows none
    lines: int  # data lines, header and empty lines excluded
    entries: int
    total_debit: Decimal
    total_credit: Decimal
    problems: list[FecProblem] = field(default_factory=list)


def check_fec(path: Path) -> list[FecProblem]:
    """Every problem of the FEC at ``path``, in file order (whole-file problems last)."""
    return inspect_fec(path).problems


def inspect_fec(path: Path) -> FecReport:
    """The problems plus what was read: encoding, separator, line count and totals."""
    with guard_storage(path, "FEC file to check"), path.open("rb") as raw:
        return inspect_fec_stream(raw)


def inspect_fec_stream(raw: BinaryIO) -> FecReport:
    problems: list[FecProblem] = []

    def report(line: int, column: str, code: ProblemCode, message: str) -> None:
        problems.append(FecProblem(line, column, code.value, message))

    lines = _physical_lines(raw)
    header = next(lines, b"")
    encoding = ASCII
    if header.startswith(UTF8_BOM):
        encoding, header = UTF_8_BOM, header[len(UTF8_BOM) :]
    if not header.strip():
        report(1, "", ProblemCode.FILE_EMPTY, _("the first line is empty: it must hold the 18 column names"))
        return FecReport(encoding if header else "", "", 0, 0, ZERO, ZERO, problems)
    encoding, header_text = decode_line(header, encoding, 1, report)
    columns = read_header(header_text, report)
    if columns is None:
        return FecReport(encoding, "", 0, 0, ZERO, ZERO, problems)
    checker = _LineChecker(columns, report)
    for number, raw_line in enumerate(lines, start=2):
        encoding, text = decode_line(raw_line, encoding, number, report)
        checker.check(number, text)
    checker.finish()
    # Entry balances are known when the entry ends: put every problem back in line order.
    problems.sort(key=lambda problem: (problem.line == 0, problem.line))
    return FecReport(
        encoding,
        columns.separator,
        checker.data_lines,
        checker.entries,
        checker.total_debit,
        checker.total_credit,
        problems,
    )


def _physical_lines(raw: BinaryIO) -> Iterator[bytes]:
    # Latin-1 maps every byte to one code point, so it splits lines on CR, LF or CRLF
    # (universal newlines) before the real encoding is known, and gives the bytes back.
    text = io.TextIOWrapper(raw, encoding="latin-1", newline=None)
    for line in text:
        yield line.removesuffix("\n").encode("latin-1")


@dataclass(slots=True)
class _OpenEntry:
    number: str
    first_line: int
    last_line: int
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    complete: bool = True  # False once a line of it could not be read: its balance means nothing


@dataclass(slots=True)
class _Journal:
    numbering: JournalNumbering
    open_entry: _OpenEntry | None = None


class _LineChecker:
    def __init__(self, columns: Columns, report: Report) -> None:
        self.columns = columns
        self.report = report
        self.journals: dict[str, _Journal] = {}
        self.data_lines = 0
        self.entries = 0
        self.total_debit = ZERO
        self.total_credit = ZERO
        self.totals_complete = True
        self.next_entry_complete = True

    def check(self, line: int, text: str) -> None:
        if not text.strip():
            self.report(line, "", ProblemCode.EMPTY_LINE, _("empty line: remove it"))
            return
        self.data_lines += 1
        fields = self._fields(line, text)
        if fields is None:
            return

        value = self.columns.values(fields).get

        for name in REQUIRED:
            if value(name) == "":
                self.report(line, name, ProblemCode.REQUIRED_EMPTY, _("{column} is empty: it is mandatory").format(
                    column=name))
        for name in LABELS:
            if value(name) == "":
                self.report(line, name, ProblemCode.LABEL_EMPTY,
                            _("{column} is empty: every label must be filled").format(column=name))
        dates = {name: self._date(line, name, value(name)) for name in DATES}
        sides = self._sides(line, value)
        account = value("CompteNum")
        if account and not account[:3].isdigit():
            self.report(
                line,
                "CompteNum",
                ProblemCode.ACCOUNT_NUMBER,
                _("account '{account}' does not start with 3 digits (Plan comptable général)").format(account=account),
            )
        self._pair(line, value, "CompAuxNum", "CompAuxLib", ProblemCode.AUXILIARY_PAIR)
        self._pair(line, value, "Montantdevise", "Idevise", ProblemCode.CURRENCY_PAIR)
        self._pair(line, value, "EcritureLet", "DateLet", ProblemCode.LETTER_PAIR)
        entry_date, valid_date = dates["EcritureDate"], dates["ValidDate"]
        if entry_date and valid_date and valid_date < entry_date:
            self.report(
                line,
                "ValidDate",
                ProblemCode.VALID_BEFORE_ENTRY_DATE,
                _("validated on {valid_date}, before its entry date {entry_date}").format(
                    valid_date=value("ValidDate"), entry_date=value("EcritureDate")),
            )
        if sides is None:
            self.totals_complete = False
        else:
            self.total_debit += sides[0]
            self.total_credit += sides[1]
        journal, number = value("JournalCode"), value("EcritureNum")
        if journal and number:
            self._track(line, journal, number, sides, entry_date, valid_date)

    def _fields(self, line: int, text: str) -> list[str] | None:
        separator, count = self.columns.separator, self.columns.count
        fields = text.split(separator)
        if len(fields) == count:
            return fields
        other = "|" if separator == "\t" else "\t"
        if len(text.split(other)) == count:
            names = {"\t": _("tabs"), "|": "'|'"}
            self.report(
                line,
                "",
                ProblemCode.SEPARATOR_INCONSISTENT,
                _("this line is separated by {found} while the header uses {expected}").format(
                    found=names[other], expected=names[separator]),
            )
            return text.split(other)
        self.report(line, "", ProblemCode.FIELD_COUNT, _("{count} fields where the header has {expected}").format(
            count=len(fields), expected=count))
        # The line's amounts are unknown: the balances it belongs to can no longer be judged.
        self.totals_complete = False
        self.next_entry_complete = False
        for journal in self.journals.values():
            if journal.open_entry is not None:
                journal.open_entry.complete = False
        return None

    def _date(self, line: int, name: str, text: str | None) -> date | None:
        if not text:
            return None
        day, why = parse_fec_date(text)
        if day is None:
            self.report(line, name, ProblemCode.DATE_INVALID, why)
        elif not 1900 <= day.year <= 2099:
            self.report(line, name, ProblemCode.DATE_OUT_OF_RANGE, _("year {year} is outside 1900-2099").format(
                year=day.year))
        return day

    def _amount(self, line: int, name: str, text: str | None) -> Decimal | None:
        if not text:
            return None
        amount, why = parse_fec_amount(text)
        if amount is None:
            self.report(line, name, ProblemCode.AMOUNT_INVALID, why)
        return amount

    def _sides(self, line: int, value: ValueOf) -> tuple[Decimal, Decimal] | None:
        """(debit, credit) of the line, None when they cannot be read."""
        self._amount(line, "Montantdevise", value("Montantdevise"))
        if self.columns.montant_sens:
            return self._montant_sens(line, value)
        debit, credit = self._amount(line, "Debit", value("Debit")), self._amount(line, "Credit", value("Credit"))
        if debit is None or credit is None:
            return None
        if debit and credit:
            self.report(
                line,
                "Credit",
                ProblemCode.DEBIT_AND_CREDIT,
                _("both Debit and Credit are filled: one amount per line, the other 0,00"),
            )
        elif not debit and not credit:
            self.report(line, "Debit", ProblemCode.ZERO_AMOUNT,
                        _("Debit and Credit are both zero: a line says an amount"))
        return debit, credit

    def _montant_sens(self, line: int, value: ValueOf) -> tuple[Decimal, Decimal] | None:
        amount = self._amount(line, "Montant", value("Montant"))
        sens = (value("Sens") or "").upper()
        if sens and sens not in ("D", "C", "+1", "-1", "1"):
            self.report(line, "Sens", ProblemCode.SENS_INVALID, _("Sens '{sens}' is not D, C, +1 or -1").format(
                sens=sens))
            return None
        if amount is None or not sens:
            return None
        if not amount:
            self.report(line, "Montant", ProblemCode.ZERO_AMOUNT, _("Montant is zero: a line says an amount"))
        return (amount, ZERO) if sens in ("D", "+1", "1") else (ZERO, amount)

    def _pair(self, line: int, value: ValueOf, first: str, second: str, code: ProblemCode) -> None:
        first_value, second_value = value(first), value(second)
        if first_value is None or second_value is None or bool(first_value) == bool(second_value):
            return
        filled, empty = (first, second) if first_value else (second, first)
        self.report(line, empty, code, _("{filled} is filled but {empty} is empty: they go in pairs").format(
            filled=filled, empty=empty))

    def _track(
        self,
        line: int,
        journal_code: str,
        number: str,
        sides: tuple[Decimal, Decimal] | None,
        entry_date: date | None,
        valid_date: date | None,
    ) -> None:
        journal = self.journals.get(journal_code)
        if journal is None:
            journal = self.journals[journal_code] = _Journal(JournalNumbering(journal_code, self.report))
        entry = journal.open_entry
        if entry is None or entry.number != number:
            if entry is not None:
                self._close(journal_code, entry)
            entry = journal.open_entry = _OpenEntry(number, line, line, complete=self.next_entry_complete)
            self.next_entry_complete = True
            self.entries += 1
            journal.numbering.follow(line, number, entry_date, valid_date)
        entry.last_line = line
        if sides is None:
            entry.complete = False
        else:
            entry.debit += sides[0]
            entry.credit += sides[1]

    def _close(self, journal_code: str, entry: _OpenEntry) -> None:
        if entry.complete and entry.debit != entry.credit:
            lines = (
                _("line {line}").format(line=entry.first_line)
                if entry.first_line == entry.last_line
                else _("lines {first}-{last}").format(first=entry.first_line, last=entry.last_line)
            )
            self.report(
                entry.first_line,
                "EcritureNum",
                ProblemCode.ENTRY_UNBALANCED,
                _("entry {entry} of journal {journal} ({lines}) does not balance: debit {debit}, credit "
                  "{credit}").format(
                    entry=entry.number, journal=journal_code, lines=lines, debit=fec_amount(entry.debit),
                    credit=fec_amount(entry.credit)),
            )

    def finish(self) -> None:
        for journal_code, journal in self.journals.items():
            if journal.open_entry is not None:
                self._close(journal_code, journal.open_entry)
        if self.totals_complete and self.total_debit != self.total_credit:
            self.report(
                0,
                "",
                ProblemCode.FILE_UNBALANCED,
                _("the file does not balance: debit {debit}, credit {credit}").format(
                    debit=fec_amount(self.total_debit), credit=fec_amount(self.total_credit)),
            )
