"""FEC writer: the legal "fichier des écritures comptables" (art. A47 A-1 LPF).

accounting-fr.md §10 is binding; the choices it leaves open are made here, once:

- 18 columns in the order of the arrêté, with the header line; records end with CRLF
  (the norm allows CR and/or LF; CRLF is what Windows tools and the DGFiP tester expect).
- Separator tab (default) or ``|``; labels are stripped of both, and of CR / LF and control
  characters, so a field never holds a separator.
- ISO-8859-15 (default) or UTF-8 without BOM. In ISO-8859-15, characters it lacks are
  transliterated: typographic quotes and dashes to their ASCII forms, accented letters it
  lacks to their base letter, anything else (emoji...) to ``?`` so the loss stays visible.
- Amounts: decimal comma, no thousands separator, two decimals, sign first when negative.
  Debit / Credit are euros, one side per line, never 0/0: a zero line is left out (it says
  nothing), a negative amount is written positive on the other side.
- Montantdevise / Idevise only on foreign-currency lines. Convention: **Montantdevise is
  unsigned**; its side is the side of the line (Debit or Credit), like the euro amount.
- CompAuxNum / CompAuxLib only on customer lines (tiers code and name).
- PieceRef is the full invoice number; PieceDate the entry date; EcritureLib the line label
  (the entry label when the line has none); ValidDate the validation date; EcritureLet / DateLet
  the matching (lettrage) of a customer line once its invoice, credit notes and payments balance.
- EcritureNum is decided by the ledger of record, not here: see ``assign_numbers``.

The writer streams: it formats one entry at a time, so memory stays flat as the file grows.
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, Literal, Protocol, cast

from sagesync.core.model import EURO, EntryLine, JournalEntry, LineRole, Side
from sagesync.core.money import ZERO, to_cents
from sagesync.core.siren import compact_siren, siren_problem
from sagesync.errors import ConfigurationError
from sagesync.i18n import _
from sagesync.ledger.numbering import format_entry_number
from sagesync.storage_errors import guard_storage

FEC_COLUMNS: tuple[str, ...] = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
LINE_END = "\r\n"
Separator = Literal["\t", "|"]
Encoding = Literal["iso-8859-15", "utf-8"]
ISO_8859_15: Encoding = "iso-8859-15"
UTF_8: Encoding = "utf-8"



@dataclass(frozen=True, slots=True)
class FecEntry:
    """One journal entry as the FEC needs it: the posted entry plus what the ledger decided."""

    entry: JournalEntry
    number: str  # EcritureNum, from the ledger's per-journal counter (see format_entry_number)
    validated_on: date  # ValidDate
    journal_label: str  # JournalLib


@dataclass(frozen=True, slots=True)
class FecOptions:
    separator: Separator = "\t"
    encoding: Encoding = ISO_8859_15

    def __post_init__(self) -> None:
        if self.separator not in ("\t", "|"):
            raise ConfigurationError(_("FEC separator {separator} is not allowed: use a tab or '|'").format(
                separator=repr(self.separator)))
        if self.encoding not in (ISO_8859_15, UTF_8):
            raise ConfigurationError(_("FEC encoding {encoding} is not allowed: use iso-8859-15 or utf-8").format(
                encoding=repr(self.encoding)))


@dataclass(frozen=True, slots=True)
class FecSummary:
    lines: int  # data lines, header excluded
    entries: int
    total_debit: Decimal
    total_credit: Decimal
    zero_lines_skipped: int = 0
    # Accounts and tiers written with their number as label because none was given: worth a look.
    accounts_without_label: frozenset[str] = field(default_factory=frozenset)
    tiers_without_name: frozenset[str] = field(default_factory=frozenset)


class FecEntrySource(Protocol):
    """Where the entries of an FEC come from: the ledger of record, the embedded company..."""

    @property
    def siren(self) -> str:
        """The company's SIREN for the file name; "" when the source does not know it."""
        ...

    def fec_entries(self, start: date, end: date) -> Iterator[FecEntry]:
        """Entries dated in [start, end], streamed, each journal in EcritureNum order."""
        ...

    def account_labels(self) -> Mapping[str, str]:
        """General account number -> label (CompteLib)."""
        ...

    def tiers_names(self) -> Mapping[str, str]:
        """Tiers code -> name (CompAuxLib)."""
        ...

    def close(self) -> None:
        """Release the database handles (Windows keeps an open SQLite file locked)."""
        ...


# --- text -------------------------------------------------------------------------------------------

# What ISO-8859-15 lacks but French text is full of: word processors' quotes, dashes, ellipsis.
_ASCII_FORMS = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
        "\u2026": "...", "\u2022": "-", "\u00b7": ".",
        "\u2009": " ", "\u202f": " ", "\u2007": " ", "\u200b": "",
        "\u2122": "TM", "\u2030": "o/oo",
        "\u0142": "l", "\u0141": "L", "\u0111": "d", "\u0110": "D", "\u0131": "i",  # no NFKD base letter
    }
)  # fmt: skip
_SEPARATORS_AND_CONTROLS = re.compile(r"[\t|\x00-\x1f\x7f-\x9f]+")
_SPACES = re.compile(r" {2,}")


def fec_text(text: str, encoding: Encoding = ISO_8859_15) -> str:
    """A label as the FEC may hold it: no separator, no line break, encodable in ``encoding``."""
    cleaned = _SEPARATORS_AND_CONTROLS.sub(" ", text)
    if encoding != UTF_8 and not cleaned.isascii():
        cleaned = cleaned.translate(_ASCII_FORMS)
        try:
            cleaned.encode(ISO_8859_15)
        except UnicodeEncodeError:  # rare: only then look at each character
            cleaned = "".join(_iso_8859_15_char(char) for char in cleaned)
    # Spaces last: a transliteration may leave one (a lone cedilla is a space and a combining mark).
    return _SPACES.sub(" ", cleaned).strip()


def _iso_8859_15_char(char: str) -> str:
    try:
        char.encode(ISO_8859_15)
        return char
    except UnicodeEncodeError:
        pass
    # Letters with an accent 8859-15 lacks (ā, ő, ț) keep their base letter.
    base = "".join(part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part))
    try:
        base.encode(ISO_8859_15)
        return base or "?"
    except UnicodeEncodeError:
        return "?"


def fec_amount(amount: Decimal) -> str:
    """``1234.5`` -> ``1234,50``: decimal comma, no thousands separator, sign first."""
    return f"{amount:.2f}".replace(".", ",")


def fec_currency_amount(amount: Decimal) -> str:
    """Like ``fec_amount`` but keeps a third decimal when the currency has one (KWD, TND).

    Trailing zeros are dropped first: Sage stores amounts with 6 decimals (100.000000).
    """
    exponent = amount.normalize().as_tuple().exponent
    text = f"{amount.normalize():f}" if isinstance(exponent, int) and exponent < -2 else f"{amount:.2f}"
    return text.replace(".", ",")


def fec_date(day: date) -> str:
    """AAAAMMJJ, no separator."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


# --- names and numbers --------------------------------------------------------------------------------


def fec_file_name(siren: str, closing_date: date) -> str:
    """``<SIREN>FEC<AAAAMMJJ>.txt``, the closing date being the financial year's last day."""
    problem = siren_problem(siren)  # the same rule as the profile's (sagesync.core.siren)
    if problem:
        raise ConfigurationError(f"SIREN {problem}")
    return f"{compact_siren(siren)}FEC{fec_date(closing_date)}.txt"


def assign_numbers(
    validated: Iterable[tuple[JournalEntry, date]],
    last_sequences: Mapping[str, int],
    journal_labels: Mapping[str, str],
) -> tuple[list[FecEntry], dict[str, int]]:
    """Number the entries one run validated, continuing the ledger's per-journal counters.

    ``validated`` holds (entry, validation date) pairs; they are numbered in validation order
    (ties: entry date, then the given order). ``last_sequences`` is the last number used per
    journal (absent: none yet). Returns the numbered entries and the counters to store, in the
    same transaction as the entries, for the next run.
    """
    ordered = sorted(validated, key=lambda pair: (pair[1], pair[0].entry_date))
    counters = dict(last_sequences)
    numbered: list[FecEntry] = []
    for entry, validated_on in ordered:
        sequence = counters.get(entry.journal, 0) + 1
        counters[entry.journal] = sequence
        label = journal_labels.get(entry.journal, entry.journal)
        numbered.append(FecEntry(entry, format_entry_number(entry.journal, sequence), validated_on, label))
    return numbered, counters


# --- writer ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Totals:
    lines: int = 0
    entries: int = 0
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    zero_lines: int = 0
    accounts_without_label: set[str] = field(default_factory=set)
    tiers_without_name: set[str] = field(default_factory=set)


class _EntryFormatter:
    """Turns one FecEntry into its text lines; holds only the label look-ups."""

    def __init__(self, account_labels: Mapping[str, str], tiers_names: Mapping[str, str], options: FecOptions) -> None:
        self.account_labels = account_labels
        self.tiers_names = tiers_names
        self.options = options
        self._known: dict[str, str] = {}

    def text(self, value: str) -> str:
        return fec_text(value, self.options.encoding)

    def known(self, value: str) -> str:
        """``text`` for codes and labels that repeat on every line (journals, accounts, tiers).

        Memoized in a dict as large as the caller's label mappings, never as the file:
        per-entry texts (numbers, labels) go through ``text``.
        """
        formatted = self._known.get(value)
        if formatted is None:
            formatted = self._known[value] = self.text(value)
        return formatted

    def lines(self, item: FecEntry, totals: _Totals) -> list[str]:
        entry = item.entry
        journal = self.known(entry.journal)
        head = [
            journal,
            self.known(item.journal_label) or journal,
            self.text(item.number),
            fec_date(entry.entry_date),
        ]
        piece_ref = self.text(entry.invoice_number) or self.text(entry.piece)
        piece_date = fec_date(entry.entry_date)
        valid_date = fec_date(item.validated_on)
        entry_label = self.text(entry.label)  # lines mostly repeat it: formatted once per entry
        fallback_label = entry_label or piece_ref
        rows: list[str] = []
        for line in entry.lines:
            amount = to_cents(line.amount)
            if amount != line.amount:
                raise ValueError(f"entry {item.number} ({piece_ref}): amount {line.amount} is not in cents")
            if amount == 0:
                totals.zero_lines += 1  # a 0/0 line is an FEC alert and says nothing
                continue
            on_debit = line.side is Side.DEBIT
            if amount < 0:  # never a negative amount: the other side, positive
                on_debit, amount = not on_debit, -amount
            debit, credit = (amount, ZERO) if on_debit else (ZERO, amount)
            totals.debit += debit
            totals.credit += credit
            auxiliary_number, auxiliary_name = self._auxiliary(line, totals)
            foreign_amount, currency = self._currency(line)
            fields = [
                *head,
                self.known(line.account),
                self._account_label(line.account, totals),
                auxiliary_number,
                auxiliary_name,
                piece_ref,
                piece_date,
                (entry_label if line.label == entry.label else self.text(line.label)) or fallback_label,
                fec_amount(debit),
                fec_amount(credit),
                self.known(line.letter) if line.letter else "",
                fec_date(line.letter_date) if line.letter and line.letter_date else "",
                valid_date,
                foreign_amount,
                currency,
            ]
            rows.append(self.options.separator.join(fields))
        totals.lines += len(rows)
        totals.entries += 1
        return rows

    def _account_label(self, account: str, totals: _Totals) -> str:
        label = self.known(self.account_labels.get(account, ""))
        if not label:
            totals.accounts_without_label.add(account)
            return self.known(account)
        return label

    def _auxiliary(self, line: EntryLine, totals: _Totals) -> tuple[str, str]:
        if line.role is not LineRole.CUSTOMER or not line.tiers:
            return "", ""
        name = self.known(self.tiers_names.get(line.tiers, ""))
        if not name:
            totals.tiers_without_name.add(line.tiers)
        return self.known(line.tiers), name or self.known(line.tiers)

    @staticmethod
    def _currency(line: EntryLine) -> tuple[str, str]:
        if not line.currency or line.currency == EURO or line.currency_amount is None:
            return "", ""
        return fec_currency_amount(abs(line.currency_amount)), line.currency


def write_fec(
    entries: Iterable[FecEntry],
    target: BinaryIO | Path,
    *,
    account_labels: Mapping[str, str],
    tiers_names: Mapping[str, str],
    options: FecOptions | None = None,
) -> FecSummary:
    """Write the FEC of ``entries`` (in the order given: validation order) to ``target``.

    A path is written through a ``.part`` file renamed at the end, so an interrupted export
    never leaves a truncated FEC under the legal name.
    """
    options = options or FecOptions()
    if isinstance(target, Path):
        partial = target.with_name(target.name + ".part")
        try:
            with guard_storage(target, "FEC file"):
                stream = partial.open("wb")
            with stream:  # only the file's own failures are the FEC file's: not the entries' source
                summary = _write(entries, cast(BinaryIO, _GuardedWriter(stream, target)), account_labels,
                                 tiers_names, options)
            with guard_storage(target, "FEC file"):
                os.replace(partial, target)
        finally:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
        return summary
    return _write(entries, target, account_labels, tiers_names, options)


class _GuardedWriter:
    """A stream whose write failures (disk full, share gone) name the FEC file and the fix."""

    def __init__(self, stream: BinaryIO, target: Path) -> None:
        self.stream, self.target = stream, target

    def write(self, data: bytes) -> int:
        with guard_storage(self.target, "FEC file"):
            return self.stream.write(data)


def _write(
    entries: Iterable[FecEntry],
    stream: BinaryIO,
    account_labels: Mapping[str, str],
    tiers_names: Mapping[str, str],
    options: FecOptions,
) -> FecSummary:
    formatter = _EntryFormatter(account_labels, tiers_names, options)
    totals = _Totals()
    encoding = options.encoding
    stream.write((options.separator.join(FEC_COLUMNS) + LINE_END).encode(encoding))
    for item in entries:
        rows = formatter.lines(item, totals)
        if rows:
            # fec_text made every field encodable: strict encoding catches a bug, not user data.
            stream.write((LINE_END.join(rows) + LINE_END).encode(encoding))
    return FecSummary(
        lines=totals.lines,
        entries=totals.entries,
        total_debit=totals.debit,
        total_credit=totals.credit,
        zero_lines_skipped=totals.zero_lines,
        accounts_without_label=frozenset(totals.accounts_without_label),
        tiers_without_name=frozenset(totals.tiers_without_name),
    )
