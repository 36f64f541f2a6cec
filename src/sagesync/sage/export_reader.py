"""The company's reference data from a Sage export file, for companies without SQL access.

A proprietary (``.mae``) company cannot be queried; its user exports it from
Sage (format Sage, flags ``#M…``) and we read the same snapshot the SQL reader
gives: general accounts (``#MPLG``), tax codes (``#MTAX``), currencies
(``#MDEV``), analytic plans (``#MANA``), journals (``#MCJR``), tiers (``#MPCT``)
and sections (``#MPCA``).

Field positions come from the format profile (sage100.md §2.5, S1's v12.25
field list), so an installation whose layout differs is fixed by learning its
format, not by editing code. Positions beyond the reference's own statements
(currency option and number on ``#MPLG``, ``#MDEV`` slot layout, ``#MANA`` slot
layout) are S1's alone and flagged as such in the layouts.

An export holds no period closings: ``closed_months`` stays empty, and the
closed-period check only runs on SQL companies.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sagesync.core.reference import AccountInfo, CompanyReference, JournalInfo, VatCodeInfo
from sagesync.sage.flagfile.layouts import FormatProfile, RecordLayout, built_in_format
from sagesync.sage.flagfile.parser import FlagFileError, FlagRecord, ParsedFile, parse_flag_file

DETAIL_ACCOUNT = 0  # #MPLG type: 0 détail, 1 total


class _Fields:
    """Named, bounds-checked access to a record (or to one slot of a settings table)."""

    def __init__(self, record: FlagRecord, layout: RecordLayout, source: str, offset: int = 0) -> None:
        self.record, self.layout, self.source, self.offset = record, layout, source, offset

    def text(self, name: str) -> str:
        position = self.offset + self.layout.position(name)
        if position > len(self.record.fields):
            raise FlagFileError(self.record.line, f"#{self.record.flag} has {len(self.record.fields)} field lines; "
                                f"its field '{name}' is expected on line {position} after the flag", self.source)
        return self.record.field(position).strip()

    def flag(self, name: str) -> bool:
        return self.text(name) == "1"

    def integer(self, name: str) -> int:
        text = self.text(name) or "0"
        if not text.lstrip("-").isdigit() or len(text) > 6:
            raise self._fail(name, f"{text!r} is not a number")
        return int(text)

    def decimal(self, name: str) -> Decimal:
        text = self.text(name).replace(",", ".") or "0"
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise self._fail(name, f"{self.text(name)!r} is not a number") from None
        if not value.is_finite():
            raise self._fail(name, f"{self.text(name)!r} is not a number")
        return value

    def _fail(self, name: str, message: str) -> FlagFileError:
        line = self.record.line + self.offset + self.layout.position(name)
        return FlagFileError(line, f"#{self.record.flag} field '{name}': {message}", self.source)


def _slots(record: FlagRecord, layout: RecordLayout, source: str) -> Iterator[tuple[int, _Fields]]:
    """(1-based slot number, fields of that slot) over a table of repeated slots."""
    size = layout.slot_size or layout.field_count
    for index in range(len(record.fields) // size if size else 0):
        yield index + 1, _Fields(record, layout, source, index * size)


def _currencies(parsed: ParsedFile, fmt: FormatProfile, source: str) -> tuple[str, ...]:
    """ISO codes by position in the currency table; an unused slot in between stays ''."""
    layout = fmt.layout("MDEV")
    positions: list[str] = []
    for record in parsed.of("MDEV"):
        for _, slot in _slots(record, layout, source):
            positions.append(slot.text("iso_code").upper() if slot.text("name") or slot.text("iso_code") else "")
    while positions and not positions[-1]:
        positions.pop()
    return tuple(positions)


def _accounts(parsed: ParsedFile, fmt: FormatProfile, currencies: tuple[str, ...], source: str
              ) -> dict[str, AccountInfo]:
    accounts: dict[str, AccountInfo] = {}
    layout = fmt.layout("MPLG")
    for record in parsed.of("MPLG"):
        fields = _Fields(record, layout, source)
        if fields.integer("type") != DETAIL_ACCOUNT or fields.flag("dormant"):
            continue  # a total or dormant account takes no entry: as the SQL reader, leave it out
        number = fields.text("number").upper()
        position = fields.integer("currency_number")
        currency = ""  # N_Devise 0: any currency
        if position:
            # A slot that holds no currency matches no document, so the check refuses the account.
            known = currencies[position - 1] if position <= len(currencies) else ""
            currency = known or f"N_Devise {position}"
        accounts[number] = AccountInfo(number, fields.text("name"), analytic=fields.flag("analytic"),
                                       currency_entry=fields.flag("currency_option"), currency=currency)
    return accounts


def _vat_codes(parsed: ParsedFile, fmt: FormatProfile, source: str) -> dict[str, VatCodeInfo]:
    vat_codes: dict[str, VatCodeInfo] = {}
    for record in parsed.of("MTAX"):
        fields = _Fields(record, fmt.layout("MTAX"), source)
        code = fields.text("code").upper()
        vat_codes[code] = VatCodeInfo(code, fields.decimal("rate"), fields.text("account").upper())
    return vat_codes


def _plans(parsed: ParsedFile, fmt: FormatProfile, source: str) -> dict[str, int]:
    plans: dict[str, int] = {}
    for record in parsed.of("MANA"):
        for slot_number, slot in _slots(record, fmt.layout("MANA"), source):
            if slot.text("name"):  # as Sage spells it, like P_ANALYTIQUE.A_Intitule; first slot wins
                plans.setdefault(slot.text("name"), slot_number)
    return plans


def _journals(parsed: ParsedFile, fmt: FormatProfile, source: str) -> dict[str, JournalInfo]:
    journals: dict[str, JournalInfo] = {}
    for record in parsed.of("MCJR"):
        fields = _Fields(record, fmt.layout("MCJR"), source)
        code = fields.text("code").upper()
        journals[code] = JournalInfo(code, fields.text("name"), fields.integer("type"), dormant=fields.flag("dormant"))
    return journals


def read_export_reference(path: Path, *, journal: str, plan: str, fmt: FormatProfile | None = None
                          ) -> CompanyReference:
    """The company snapshot held in a Sage export, with the sections of ``plan`` only (none if it is missing).

    ``journal`` is accepted for parity with the SQL reader, whose closed months
    are per journal; an export carries none.
    """
    source = str(path)
    parsed = parse_flag_file(path)
    profile = fmt or built_in_format(parsed.version)
    currencies = _currencies(parsed, profile, source)
    plans = _plans(parsed, profile, source)
    tiers = frozenset(_Fields(record, profile.layout("MPCT"), source).text("number").upper()
                      for record in parsed.of("MPCT"))
    plan_number = next((number for name, number in plans.items() if name.upper() == plan.upper()), None)
    sections = frozenset(
        (fields.integer("plan_number"), fields.text("section").upper())
        for fields in (_Fields(record, profile.layout("MPCA"), source) for record in parsed.of("MPCA"))
        if fields.integer("plan_number") == plan_number
    )
    return CompanyReference(accounts=_accounts(parsed, profile, currencies, source),
                            vat_codes=_vat_codes(parsed, profile, source), currencies=currencies,
                            journals=_journals(parsed, profile, source), analytic_plans=plans, tiers=tiers,
                            sections=sections)
