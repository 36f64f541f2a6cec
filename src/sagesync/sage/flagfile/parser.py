"""Reading flag files: ours (round trips) and the exports of the user's Sage.

The file is split on flag lines (``^#[A-Z0-9]{3,12}$``), never on a fixed step:
a settings record may be followed by sub-records, and some flags are longer
than four characters (sage100.md §2.1). Each record remembers its parent
(``#MECA`` belongs to the ``#MECG`` before it, ``#MRLT`` to its ``#MPCT``...).

Every problem is a ``FlagFileError`` carrying the physical line number, header
included, as Sage counts them: junk in, one clear error out, never another
exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from sagesync.core.model import Side
from sagesync.errors import ConfigurationError
from sagesync.i18n import _
from sagesync.sage.flagfile.encoding import ENCODING
from sagesync.sage.flagfile.layouts import FormatProfile, RecordLayout, built_in_format
from sagesync.storage_errors import storage_error

FLAG_LINE = re.compile(r"^#[A-Z0-9]{3,12}$")
_FLG = re.compile(r"^#FLG\s+(\S+)\s*$")
_VER = re.compile(r"^#VER\s+(\d{1,4})\s*$")
_DEV = re.compile(r"^#DEV(?:\s+(\S*))?\s*$")
_AMOUNT = re.compile(r"^-?\d+(?:,\d+)?$")
_DATE = re.compile(r"^\d{6}$")
END_FLAG = "FIN"

# Accounting flags (S1's catalogue of v12.25, exported or documented) and commercial ones.
_ACCOUNTING_FLAGS = """MANA MBAP MBQE MBQT MBUD MCAC MCAL MCDL MCIB MCJA MCJR MCLN MCOL MCTB MCTD MCTT MDEV MDOS MECA
MECE MECG MENA MEXT MFIS MINF MIVA MLET MLIB MMDA MMDG MMDR MMEX MMOL MMRE MNAT MNIC MPAB MPAY MPCA MPCT MPIA MPIC
MPIE MPLB MPLJ MRAP MRCO MREG MREJ MRES MRGI MRGL MRGT MRIS MRJS MRLT MRSO MSBQ MSCT MSTT MSTV MTAX MTCO MTTI CMOTIF
MCNB MCTA MCVB MEDN MEIN MFAR MFRT MHIT MPCR MPGA MPGB MPLG MRAN MRFC MRGR MCIC"""
_COMMERCIAL_FLAGS = """CABO CACL CACO CACP CAEN CAFR CAGE CAGL CALI CANA CANO CAOP CAPE CAPR CARG CARR CART CARTRES CAST
CASTGAM CATG CATQ CBQT CBTNACT CCAF CCATAL CCCL CCCO CCDL CCLA CCLI CCOL CCOM CCON CCPT CDEC CDEE CDEP CDEV CDGA CDOS
CEAG CECH CEIN CENA CEXP CFAC CFAM CFCL CFFR CFOU CFRC CGAG CGAM CGEN CGLO CHEN CHLI CHRE CINF CIVA CNIC COLO COLR CORG
CORGINT CPAI CPER CPROJFAB CPROJHISTO CPROJLIG CPROJPLAN CRAB CRABF CRAC CREF CREG CREP CRES CRESART CRESPROD CRIS
CRLT CSAV CSBQ CSOL CSOLF CSTA CSTT CSTV CTAA CTAR CTRE CTTI CUA1 CUAV CAFC CAFF CAMO CATC CBIL CCAI CDUS CEXPGRI CFMO
CFTQ CHGRI CINC CIVL CLIA CMOD CREC CRGA CRGT CTIA"""
KNOWN_FLAGS = frozenset((_ACCOUNTING_FLAGS + " " + _COMMERCIAL_FLAGS).split()) | {END_FLAG}

# A sub-record belongs to the record before it, which must be one of these.
PARENTS: Mapping[str, frozenset[str]] = {
    child: frozenset(parents.split())
    for child, parents in {
        "MECA": "MECG", "MRGT": "MECG",
        "MRLT": "MPCT", "MBQT": "MPCT", "MCDL": "MPCT", "MCTT": "MPCT CCLI CFOU",
        "MIVA": "MPCT MPLG MPCA MECG", "MPGA": "MPLG", "MPGB": "MPLG", "MPAB": "MPCA",
        "MPIC": "MPIE", "MPIA": "MPIE", "MCJA": "MCJR", "MCTB": "MBQE",
        "CFAC": "CFAM", "CFFR": "CFAM", "CFCL": "CFAM", "CFRC": "CFAM",
        "CACP": "CART", "CACL": "CART", "CAFR": "CART", "CAST": "CART", "CANO": "CART", "CAGL": "CART",
        "CIVA": "CART", "CBQT": "CCLI CFOU", "CRLT": "CCLI CFOU", "CCDL": "CCLI CFOU",
        "CHLI": "CHEN", "CHRE": "CHEN", "CAEN": "CABO", "CALI": "CABO", "CAPE": "CABO", "CARG": "CABO",
    }.items()
}


class FlagFileError(ConfigurationError):
    """A flag file that cannot be read; ``line`` is the physical line (1 = ``#FLG``)."""

    def __init__(self, line: int, message: str, source: str = "") -> None:
        self.line = line
        self.message = message
        self.source = source
        where = _("{source}, line {line}").format(source=source, line=line) if source else _("line {line}").format(
            line=line)
        super().__init__(_("{where}: {message}").format(where=where, message=message))


@dataclass(frozen=True, slots=True)
class FlagRecord:
    flag: str  # without '#': "MECG"
    line: int  # physical line of the flag; field n is on line + n
    fields: tuple[str, ...]
    parent: int | None = None  # index of the parent record in ParsedFile.records

    def field(self, position: int) -> str:
        return self.fields[position - 1] if 0 < position <= len(self.fields) else ""


@dataclass(frozen=True, slots=True)
class ParsedFile:
    flg: str
    version: int
    currency: str | None  # None when the file has no #DEV line (commercial-module files)
    records: tuple[FlagRecord, ...]

    def of(self, flag: str) -> Iterator[FlagRecord]:
        return (record for record in self.records if record.flag == flag)

    def children(self, index: int) -> list[FlagRecord]:
        """The sub-records of record ``index``: they follow it immediately."""
        found: list[FlagRecord] = []
        for record in self.records[index + 1:]:
            if record.parent != index:
                break
            found.append(record)
        return found


def _read(source: bytes | Path) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source, ""
    try:
        return source.read_bytes(), str(source)
    except OSError as error:
        classified = storage_error(error, None, "Sage file")
        raise FlagFileError(0, _("cannot read it: {reason}").format(reason=_without_subject(str(classified))),
                            str(source)) from None
    except MemoryError:
        raise FlagFileError(0, _("the file is too large to be read into memory: export fewer records from Sage "
                              "(the settings only)"), str(source)) from None


def _without_subject(message: str) -> str:
    """The fix part of a storage error's message (after "...: "), the file being named already."""
    return message.split(": ", 1)[-1]


_FLAG_IN_TEXT = re.compile(r"^#[A-Z0-9]{3,12}\r?$", re.MULTILINE)


def _lines(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").split("\n")  # CRLF as Sage writes; a bare LF from a copy is accepted
    if lines and lines[-1] == "":
        lines.pop()  # the line end of the last line
    elif lines and lines[-1].endswith("\r"):
        lines[-1] = lines[-1][:-1]
    return lines


def _header(lines: list[str], source: str) -> tuple[str, int, str | None, int]:
    """(#FLG value, #VER, #DEV currency or None, index of the first record line)."""
    if not lines or all(not line.strip() for line in lines):
        raise FlagFileError(1, _("the file is empty; a Sage file starts with #FLG 000"), source)
    flg = _FLG.match(lines[0])
    if flg is None:
        raise FlagFileError(1, _("expected '#FLG 000', found {found}: this is not a Sage flag file").format(
            found=repr(lines[0][:40])), source)
    ver = _VER.match(lines[1]) if len(lines) > 1 else None
    if ver is None:
        found = repr(lines[1][:40]) if len(lines) > 1 else _("the end of the file")
        raise FlagFileError(2, _("expected '#VER <number>' after #FLG, found {found}").format(found=found), source)
    dev = _DEV.match(lines[2]) if len(lines) > 2 else None
    if dev is None:
        return flg.group(1), int(ver.group(1)), None, 2
    return flg.group(1), int(ver.group(1)), (dev.group(1) or ""), 3


def _check_count(record: FlagRecord, layout: RecordLayout, version: int, source: str) -> None:
    count = len(record.fields)
    if layout.tail is None and count != layout.field_count:
        expected = f"{layout.field_count}"
    elif layout.tail is not None and count < layout.field_count + layout.tail:
        expected = _("at least {count}").format(count=layout.field_count + layout.tail)
    else:
        return
    raise FlagFileError(record.line, _("#{flag} has {count} field lines; #VER {version} expects {expected} (a field "
                                       "missing or a line break inside a value?)").format(
        flag=record.flag, count=count, version=version, expected=expected), source)


def _flag_lines(text: str, first: int) -> Iterator[tuple[int, str]]:
    """(0-based line index, flag) of every flag line from line ``first`` on.

    A regex over the whole text and a newline count between matches: C speed, where a
    Python loop over each line of a company's full export would take a minute.
    """
    index = position = 0
    for match in _FLAG_IN_TEXT.finditer(text):
        index += text.count("\n", position, match.start())
        position = match.start()
        if index >= first:
            yield index, match.group().rstrip("\r")[1:]


def _parent(flag: str, line: int, records: list[FlagRecord], parent_index: int | None, source: str) -> int | None:
    """The index of ``flag``'s parent record, or None for a top-level record; refuses an orphan."""
    parents = PARENTS.get(flag)
    if parents is None:
        return None
    if parent_index is None or records[parent_index].flag not in parents:
        after = f"#{records[parent_index].flag}" if parent_index is not None else _("the header")
        raise FlagFileError(line, _("#{flag} must follow its {parents}, not {after}").format(
            flag=flag, parents=_(" or ").join(f"#{parent}" for parent in sorted(parents)), after=after), source)
    return parent_index


def parse_flag_file(source: bytes | Path, fmt: FormatProfile | None = None) -> ParsedFile:
    """Split a flag file into records; with ``fmt``, also check the line count of the kinds it names."""
    data, name = _read(source)
    text = data.decode(ENCODING)  # every byte is a CP850 character: decoding never fails
    lines = _lines(text)
    flg, version, currency, start = _header(lines, name)
    if fmt is not None and fmt.version != version:
        raise FlagFileError(2, f"the file is #VER {version} but the format given is #VER {fmt.version}", name)
    known = KNOWN_FLAGS | frozenset(fmt.records if fmt else ())
    flags: list[tuple[int, str]] = []
    for index, flag in _flag_lines(text, start):
        if not flags and index > start:
            break  # text between the header and the first flag: reported just below
        if flag not in known:
            raise FlagFileError(index + 1, f"unknown flag #{flag}", name)
        flags.append((index, flag))
        if flag == END_FLAG:
            break
    if start < len(lines) and (not flags or flags[0][0] > start):
        raise FlagFileError(start + 1, f"expected a flag line (#MECG, #MPCT...), found {lines[start][:40]!r}", name)
    if not flags or flags[-1][1] != END_FLAG:
        raise FlagFileError(len(lines), "the file ends without #FIN: it was cut short", name)
    records: list[FlagRecord] = []
    parent_index: int | None = None  # the last record that is not a sub-record
    for (index, flag), (next_index, _next_flag) in pairwise(flags):
        parent = _parent(flag, index + 1, records, parent_index, name)
        record = FlagRecord(flag, index + 1, tuple(lines[index + 1:next_index]), parent)
        layout = fmt.records.get(flag) if fmt is not None else None
        if layout is not None and layout.fields:  # a kind we only counted may vary (#MBQE 192...237)
            _check_count(record, layout, version, name)
        records.append(record)
        if flag not in PARENTS:
            parent_index = len(records) - 1
    for index in range(flags[-1][0] + 1, len(lines)):
        if lines[index].strip():
            raise FlagFileError(index + 1, f"text after #FIN: {lines[index][:40]!r}", name)
    return ParsedFile(flg, version, currency, tuple(records))


# --- pieces: #MECG / #MECA regrouped, for round trips and for reading entries back --------------


@dataclass(frozen=True, slots=True)
class ParsedAnalytic:
    plan_number: int
    section: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ParsedLine:
    line: int  # physical line of its #MECG
    account: str
    tiers: str
    label: str
    side: Side
    amount: Decimal
    vat_code: str
    due_date: date | None
    currency_number: int
    currency_amount: Decimal | None
    analytics: tuple[ParsedAnalytic, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedPiece:
    journal: str
    entry_date: date
    piece: str
    invoice_number: str
    lines: tuple[ParsedLine, ...]
    reference: str = ""  # EC_Reference: the source identity sagesync writes

    @property
    def total_debit(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.side is Side.DEBIT), Decimal("0.00"))

    @property
    def total_credit(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.side is Side.CREDIT), Decimal("0.00"))

    @property
    def is_balanced(self) -> bool:
        return self.total_debit == self.total_credit


_ENTRY_FIELDS = ("journal", "date", "piece", "invoice_number", "account", "tiers", "label", "due_date",
                 "currency_number", "side", "amount", "currency_amount", "vat_code")
_ANALYTIC_FIELDS = ("plan_number", "section", "amount")


class _FieldReader:
    """Typed access to a record's named fields; errors point at the field's own line."""

    def __init__(self, record: FlagRecord, layout: RecordLayout, needed: int, source: str) -> None:
        self.record, self.layout, self.source = record, layout, source
        if len(record.fields) < needed:
            raise FlagFileError(record.line, f"#{record.flag} has {len(record.fields)} field lines, fewer than the "
                                f"{needed} the #VER layout needs", source)

    def _fail(self, name: str, message: str) -> FlagFileError:
        position = self.layout.position(name)
        return FlagFileError(self.record.line + position, f"#{self.record.flag} field {position} ({name}): {message}",
                             self.source)

    def text(self, name: str) -> str:
        return self.record.field(self.layout.position(name))

    def optional_amount(self, name: str) -> Decimal | None:
        return self.amount(name) if self.text(name).strip() else None

    def amount(self, name: str) -> Decimal:
        text = self.text(name).strip()
        if not _AMOUNT.match(text):
            raise self._fail(name, f"{text!r} is not an amount (expected digits and a decimal comma)")
        return Decimal(text.replace(",", "."))

    def integer(self, name: str) -> int:
        text = self.text(name).strip() or "0"
        if not text.isdigit() or len(text) > 4:
            raise self._fail(name, f"{text!r} is not a number")
        return int(text)

    def optional_day(self, name: str) -> date | None:
        return self.day(name) if self.text(name).strip() else None

    def day(self, name: str) -> date:
        text = self.text(name).strip()
        try:
            if not _DATE.match(text):
                raise ValueError(text)
            year = int(text[4:6])
            # the two-digit year as strptime's %y reads it: 69-99 -> 19xx, 00-68 -> 20xx
            return date(year + (1900 if year >= 69 else 2000), int(text[2:4]), int(text[0:2]))
        except ValueError:
            raise self._fail(name, f"{text!r} is not a JJMMAA date") from None

    def side(self, name: str) -> Side:
        text = self.text(name).strip()
        if text not in ("0", "1"):
            raise self._fail(name, f"{text!r} is not a sens (0 debit, 1 credit)")
        return Side.DEBIT if text == "0" else Side.CREDIT


def _entry_line(reader: _FieldReader) -> ParsedLine:
    return ParsedLine(reader.record.line, reader.text("account"), reader.text("tiers"), reader.text("label"),
                      reader.side("side"), reader.amount("amount"), reader.text("vat_code"),
                      reader.optional_day("due_date"), reader.integer("currency_number"),
                      reader.optional_amount("currency_amount"))


def pieces(parsed: ParsedFile, fmt: FormatProfile | None = None, source: str = "") -> list[ParsedPiece]:
    """The file's ``#MECG`` lines grouped into pieces (consecutive lines of one journal, date, piece and reference)."""
    profile = fmt or built_in_format(parsed.version)
    entry_layout, analytic_layout = profile.layout("MECG"), profile.layout("MECA")
    entry_needs = max(entry_layout.position(name) for name in _ENTRY_FIELDS)
    analytic_needs = max(analytic_layout.position(name) for name in _ANALYTIC_FIELDS)
    result: list[ParsedPiece] = []
    key: tuple[str, date, str, str] | None = None
    invoice_number = ""
    has_reference = "reference" in entry_layout.fields
    lines: list[ParsedLine] = []
    analytics: list[ParsedAnalytic] = []

    def flush_line() -> None:
        if lines and analytics:
            lines[-1] = _with_analytics(lines[-1], analytics)
        analytics.clear()

    def flush_piece() -> None:
        flush_line()
        if key is not None and lines:
            result.append(ParsedPiece(key[0], key[1], key[2], invoice_number, tuple(lines), key[3]))
        lines.clear()

    for record in parsed.records:
        if record.flag == "MECG":
            reader = _FieldReader(record, entry_layout, entry_needs, source)
            record_key = (reader.text("journal"), reader.day("date"), reader.text("piece"),
                          reader.text("reference") if has_reference else "")
            if record_key != key:
                flush_piece()
                key, invoice_number = record_key, reader.text("invoice_number")
            else:
                flush_line()
            lines.append(_entry_line(reader))
        elif record.flag == "MECA":
            reader = _FieldReader(record, analytic_layout, analytic_needs, source)
            analytics.append(ParsedAnalytic(reader.integer("plan_number"), reader.text("section"),
                                            reader.amount("amount")))
    flush_piece()
    return result


def _with_analytics(line: ParsedLine, analytics: list[ParsedAnalytic]) -> ParsedLine:
    return ParsedLine(line.line, line.account, line.tiers, line.label, line.side, line.amount, line.vat_code,
                      line.due_date, line.currency_number, line.currency_amount, tuple(analytics))
