"""FEC field-level reading for the validator: encoding, header, dates and amounts.

Kept apart from ``fec_check`` (entries, balances, numbering) so each stays short. Every
function here looks at one line or one field and reports what it finds through a callback;
none holds more than the current line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from sagesync.fec.writer import FEC_COLUMNS
from sagesync.i18n import _


class ProblemCode(StrEnum):
    FILE_EMPTY = "file_empty"
    ENCODING_INVALID = "encoding_invalid"
    SEPARATOR_UNKNOWN = "separator_unknown"
    SEPARATOR_AMBIGUOUS = "separator_ambiguous"
    SEPARATOR_INCONSISTENT = "separator_inconsistent"
    COLUMN_MISSING = "column_missing"
    COLUMN_EXTRA = "column_extra"
    COLUMN_DUPLICATE = "column_duplicate"
    COLUMN_ORDER = "column_order"
    EMPTY_LINE = "empty_line"
    FIELD_COUNT = "field_count"
    REQUIRED_EMPTY = "required_empty"
    LABEL_EMPTY = "label_empty"
    DATE_INVALID = "date_invalid"
    DATE_OUT_OF_RANGE = "date_out_of_range"
    AMOUNT_INVALID = "amount_invalid"
    SENS_INVALID = "sens_invalid"
    DEBIT_AND_CREDIT = "debit_and_credit"
    ZERO_AMOUNT = "zero_amount"
    ACCOUNT_NUMBER = "account_number"
    AUXILIARY_PAIR = "auxiliary_pair"
    CURRENCY_PAIR = "currency_pair"
    LETTER_PAIR = "letter_pair"  # EcritureLet without DateLet, or the other way
    VALID_BEFORE_ENTRY_DATE = "valid_before_entry_date"
    ENTRY_UNBALANCED = "entry_unbalanced"
    FILE_UNBALANCED = "file_unbalanced"
    NUMBER_UNREADABLE = "number_unreadable"
    NUMBER_GAP = "number_gap"
    NUMBER_ORDER = "number_order"
    DATE_ORDER = "date_order"
    VALIDATION_ORDER = "validation_order"


Report = Callable[[int, str, ProblemCode, str], None]  # (line, column, code, message)

UTF8_BOM = b"\xef\xbb\xbf"
ASCII = "ascii"
ISO_8859_15 = "iso-8859-15"
UTF_8 = "utf-8"
UTF_8_BOM = "utf-8 with BOM"
# BA / BNC files add these after the 18 (accounting-fr.md §10): allowed, not reported.
OPTIONAL_COLUMNS: tuple[str, ...] = ("DateRglt", "ModeRglt", "NatOp", "IdClient")
# The law allows one signed column pair instead of Debit / Credit.
AMOUNT_SENS_COLUMNS: tuple[str, ...] = ("Montant", "Sens")


# --- encoding ------------------------------------------------------------------------------------


def decode_line(raw: bytes, encoding: str, line: int, report: Report) -> tuple[str, str]:
    """(encoding of the file so far, text of the line).

    The file is ASCII until its first non-ASCII line decides: UTF-8 when that line decodes
    as UTF-8, ISO-8859-15 otherwise. In a UTF-8 file, a later line that is not UTF-8 is
    reported: mixed files are what breaks other tools' imports. In an ISO-8859-15 file every
    byte is a character, so only 0x80-0x9F (control codes there, typographic characters in
    Windows-1252) are reported.

    Limit: an ISO-8859-15 file whose first non-ASCII line is also valid UTF-8 is read as UTF-8
    (such a line reads as mojibake like "Ã©" in ISO-8859-15, never seen in real labels); if a
    later line then is not UTF-8, it is reported as mixed.
    """
    if raw.isascii():
        return encoding, raw.decode("ascii")
    if encoding == ASCII:
        try:
            return UTF_8, raw.decode(UTF_8)
        except UnicodeDecodeError:
            encoding = ISO_8859_15
            _report_c1_bytes(raw, line, report)
            return encoding, raw.decode(ISO_8859_15)
    if encoding in (UTF_8, UTF_8_BOM):
        try:
            return encoding, raw.decode(UTF_8)
        except UnicodeDecodeError as error:
            report(
                line,
                "",
                ProblemCode.ENCODING_INVALID,
                _("byte {byte} at position {position} is not UTF-8 while the file is UTF-8 up to here: the file mixes "
                  "encodings; save it again in one encoding").format(byte=f"0x{raw[error.start]:02x}",
                                                                     position=error.start + 1),
            )
            return encoding, raw.decode(ISO_8859_15)
    _report_c1_bytes(raw, line, report)
    return encoding, raw.decode(ISO_8859_15)


_C1_BYTE = re.compile(rb"[\x80-\x9f]")


def _report_c1_bytes(raw: bytes, line: int, report: Report) -> bool:
    # 0x80-0x9F are control codes in ISO-8859-15; in Windows-1252 they are €, ’, “, –...
    found = _C1_BYTE.search(raw)
    if found is None:
        return False
    position = found.start()
    report(
        line,
        "",
        ProblemCode.ENCODING_INVALID,
        _("byte {byte} at position {position} is no character in ISO-8859-15 (a Windows-1252 file?): save the file "
          "as ISO-8859-15 or UTF-8").format(byte=f"0x{raw[position]:02x}", position=position + 1),
    )
    return True


# --- header --------------------------------------------------------------------------------------


def normalize_name(name: str) -> str:
    """Column names compare case-insensitively with accents stripped ("Écriture" = "ecriture")."""
    decomposed = unicodedata.normalize("NFKD", name.strip().lstrip("\ufeff").strip())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


_KNOWN_COLUMNS = {normalize_name(name): name for name in (*FEC_COLUMNS, *AMOUNT_SENS_COLUMNS, *OPTIONAL_COLUMNS)}


@dataclass(frozen=True, slots=True)
class Columns:
    """What the header says: the separator, the field count and where each column is."""

    separator: str
    count: int
    positions: dict[str, int]  # canonical name -> field index (first occurrence)
    montant_sens: bool  # amounts as Montant + Sens instead of Debit + Credit

    def values(self, fields: Sequence[str]) -> dict[str, str]:
        """Canonical column name -> stripped field; a column the file lacks is absent."""
        return {name: fields[position].strip() for name, position in self.positions.items()}


def read_header(text: str, report: Report) -> Columns | None:
    """Read the header line; None when no separator can be found (nothing else can be read)."""
    separator = _header_separator(text, report)
    if separator is None:
        return None
    names = text.split(separator)
    canonical = [_KNOWN_COLUMNS.get(normalize_name(name)) for name in names]
    montant_sens = {"Montant", "Sens"} <= set(canonical) and not {"Debit", "Credit"} & set(canonical)
    expected = [
        {"Debit": "Montant", "Credit": "Sens"}.get(name, name) if montant_sens else name for name in FEC_COLUMNS
    ]
    positions: dict[str, int] = {}
    for index, (name, known) in enumerate(zip(names, canonical, strict=True)):
        if known is None or (known not in expected and known not in OPTIONAL_COLUMNS):
            shown = f"'{name.strip()}'" if name.strip() else _("with no name")
            report(1, name.strip(), ProblemCode.COLUMN_EXTRA, _("column {number} {name} is not an FEC column").format(
                number=index + 1, name=shown))
        elif known in positions:
            report(
                1,
                known,
                ProblemCode.COLUMN_DUPLICATE,
                _("column {column} appears twice (columns {first} and {second})").format(
                    column=known, first=positions[known] + 1, second=index + 1),
            )
        else:
            positions[known] = index
    for name in expected:
        if name not in positions:
            report(1, name, ProblemCode.COLUMN_MISSING,
                   _("the mandatory column {column} is missing from the header").format(column=name))
    found = [name for name in sorted(positions, key=positions.__getitem__) if name in expected]
    if found != [name for name in expected if name in positions]:
        report(
            1,
            "",
            ProblemCode.COLUMN_ORDER,
            _("columns are out of order: found {found}; the order is {expected}").format(
                found=", ".join(found), expected=", ".join(expected)),
        )
    return Columns(separator, len(names), positions, montant_sens)


def _header_separator(text: str, report: Report) -> str | None:
    tabs, pipes = text.count("\t"), text.count("|")
    if tabs and pipes:
        separator = "\t" if tabs >= pipes else "|"
        shown = _("tab") if separator == "\t" else "'|'"
        report(
            1,
            "",
            ProblemCode.SEPARATOR_AMBIGUOUS,
            _("the header holds both tabs and '|': read with {separator}; use one separator only").format(
                separator=shown),
        )
        return separator
    if tabs or pipes:
        return "\t" if tabs else "|"
    if ";" in text:
        report(1, "", ProblemCode.SEPARATOR_UNKNOWN, _("the header has no tab and no '|' separator (';' is a common "
                                                       "cause of rejection)"))
    else:
        report(1, "", ProblemCode.SEPARATOR_UNKNOWN, _("the header has no tab and no '|' separator"))
    return None


# --- values --------------------------------------------------------------------------------------

_AMOUNT = re.compile(r"[+-]?\d+(?:,\d+)?")
_DATE = re.compile(r"\d{8}")


@lru_cache(maxsize=4096)  # a file holds few distinct dates, each on many lines
def parse_fec_date(text: str) -> tuple[date | None, str]:
    """(the date, "") or (None, why not): AAAAMMJJ, a calendar date."""
    if not _DATE.fullmatch(text):
        return None, _("'{text}' is not a date written AAAAMMJJ (8 digits, no separator)").format(text=text)
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:])), ""
    except ValueError:
        return None, _("'{text}' is not a calendar date").format(text=text)


def parse_fec_amount(text: str) -> tuple[Decimal | None, str]:
    """(the amount, "") or (None, why not): digits, one decimal comma, sign first, nothing else."""
    if _AMOUNT.fullmatch(text):
        return Decimal(text.replace(",", ".")), ""
    if any(space in text for space in (" ", "\u00a0", "\u202f")):
        return None, _("'{text}' holds spaces: write amounts without thousands separator (1234,56)").format(text=text)
    if "." in text:
        return None, _("'{text}' holds a '.': amounts take a decimal comma and no thousands separator "
                       "(1234,56)").format(text=text)
    return None, _("'{text}' is not an amount (digits, a decimal comma, the sign first: -1234,56)").format(text=text)
