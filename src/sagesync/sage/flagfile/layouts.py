"""Record layouts of the Sage 100 flag format, per ``#VER`` (sage100.md §2).

A flag record is the flag line followed by one field per line, and the *number*
of lines depends on the format version: omit one and every later field shifts.
So the layout of each record kind is data, not code: a ``FormatProfile`` holds,
per flag, the number of lines, the default value of every position and the
positions of the fields we fill or read, by name.

Two layouts ship, both from public sources only:

- ``#VER 31`` (Sage 100 v12.25, S1): ``#MECG`` 39, ``#MECA`` 4, ``#MPCT`` 133 +
  attached accounts, ``#MPCA`` 22, and the settings read by the export reader
  (``#MPLG`` 23, ``#MTAX`` 15 + accounts, ``#MDEV`` 32 x 20, ``#MANA`` 11 x 23,
  ``#MCJR`` 16). Defaults are the values a real export of Sage's demo company
  shows at each position, except free text and company names (left empty).
- ``#VER 14`` (S3's writer): ``#MECG`` 37 (v12.25 without the last two),
  ``#MPCT`` 96 + attached accounts (three EDI codes where v12.25 has one, so
  positions after 43 move by two). Its ``#MPCA`` and settings layouts are the
  v12.25 ones: no source shows them at ``#VER 14`` [inf].

Neither is a substitute for ``sagesync sage learn-format`` on an export of the
user's own installation (``learn.py``), whose result is stored in the profile
through ``FormatProfile.to_dict()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sagesync.errors import ConfigurationError
from sagesync.i18n import _


@dataclass(frozen=True, slots=True)
class RecordLayout:
    """The lines of one record kind after its flag.

    ``tail`` is ``None`` for a fixed record; otherwise the record carries, after
    its ``field_count`` fixed fields, a list of repeated lines (a tiers' attached
    accounts, a tax code's revenue accounts) of at least ``tail`` entries.
    ``slot_size`` is set on settings tables that repeat one group of fields
    (32 currencies, 11 analytic plans): named positions are then within a slot.
    A layout without named fields is only a count seen in an export; the parser
    does not hold records to it (some kinds vary in length).
    """

    flag: str
    field_count: int
    defaults: tuple[str, ...] = ()  # shorter than field_count: the rest is empty
    fields: Mapping[str, int] = field(default_factory=dict)  # name -> 1-based position
    limits: Mapping[str, int] = field(default_factory=dict)  # name -> maximum length
    tail: int | None = None
    slot_size: int | None = None
    learned: bool = False  # counts and defaults come from a real export
    _blank: tuple[str, ...] = field(init=False, repr=False, compare=False)  # every line at its default

    def __post_init__(self) -> None:
        # Trailing empty defaults carry nothing: trimmed, two equal layouts compare equal after a TOML trip.
        defaults = list(self.defaults)
        while defaults and defaults[-1] == "":
            defaults.pop()
        object.__setattr__(self, "defaults", tuple(defaults))
        padding = ("",) * max(self.field_count - len(defaults), 0)
        object.__setattr__(self, "_blank", (tuple(defaults) + padding)[:self.field_count])

    def position(self, name: str) -> int:
        try:
            return self.fields[name]
        except KeyError:
            raise ConfigurationError(
                _("the Sage #{flag} layout has no field '{name}'; learn the format again from an export of a company "
                  "with at least one such record (sagesync sage learn-format)").format(flag=self.flag, name=name)
            ) from None

    def has(self, name: str) -> bool:
        return name in self.fields

    def limit(self, name: str, fallback: int) -> int:
        return self.limits.get(name, fallback)

    def default(self, position: int) -> str:
        return self.defaults[position - 1] if position <= len(self.defaults) else ""

    def render(self, values: Mapping[str, str]) -> list[str]:
        """The ``field_count`` fixed lines: defaults, overridden by ``values`` (by name).

        A name this layout lacks is skipped: older versions simply have no such
        field (a closing date at #VER 14). Callers check the fields they need
        with ``position`` first.
        """
        lines = list(self._blank)
        for name, value in values.items():
            position = self.fields.get(name)
            if position is not None:
                lines[position - 1] = value
        return lines

    def to_dict(self) -> dict[str, Any]:
        """Plain, TOML-safe data (no None): the profile stores it as is."""
        data: dict[str, Any] = {
            "lines": self.field_count,
            "defaults": list(self.defaults),
            "fields": dict(self.fields),
            "limits": dict(self.limits),
            "learned": self.learned,
        }
        if self.tail is not None:
            data["tail"] = self.tail
        if self.slot_size is not None:
            data["slot_size"] = self.slot_size
        return data

    @classmethod
    def from_dict(cls, flag: str, data: Mapping[str, Any]) -> RecordLayout:
        try:
            count = int(data["lines"])
            defaults = tuple(str(value) for value in data.get("defaults", ()))
            fields = {str(name): int(position) for name, position in dict(data.get("fields", {})).items()}
            limits = {str(name): int(length) for name, length in dict(data.get("limits", {})).items()}
            tail = int(data["tail"]) if "tail" in data else None
            slot_size = int(data["slot_size"]) if "slot_size" in data else None
        except (KeyError, TypeError, ValueError) as error:
            raise ConfigurationError(
                _("the stored Sage format for #{flag} is unreadable ({error}); run sagesync sage learn-format "
                  "again").format(flag=flag, error=error)
            ) from None
        if count < 0 or len(defaults) > count or any(not 1 <= position <= count for position in fields.values()):
            raise ConfigurationError(
                _("the stored Sage format for #{flag} is inconsistent (field positions beyond its {count} lines); "
                  "run sagesync sage learn-format again").format(flag=flag, count=count)
            )
        return cls(flag, count, defaults, fields, limits, tail, slot_size, bool(data.get("learned", False)))


@dataclass(frozen=True, slots=True)
class FormatProfile:
    """One Sage installation's file format: ``#VER`` and a layout per flag."""

    version: int
    records: Mapping[str, RecordLayout]
    source: str = "built-in"  # "built-in #VER 31" or "learned from <file name>"

    def layout(self, flag: str) -> RecordLayout:
        try:
            return self.records[flag]
        except KeyError:
            raise ConfigurationError(
                _("the Sage format #VER {version} ({source}) has no #{flag} layout; learn it from an export that "
                  "contains such records (sagesync sage learn-format)").format(
                    version=self.version, source=self.source, flag=flag)
            ) from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "source": self.source,
            "records": {flag: layout.to_dict() for flag, layout in sorted(self.records.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FormatProfile:
        try:
            version = int(data["version"])
            records_data = dict(data["records"])
        except (KeyError, TypeError, ValueError) as error:
            raise ConfigurationError(
                _("the stored Sage format is unreadable ({error}); run sagesync sage learn-format again").format(
                    error=error)
            ) from None
        records = {str(flag): RecordLayout.from_dict(str(flag), layout) for flag, layout in records_data.items()}
        return cls(version, records, str(data.get("source", "stored")))


def _defaults(count: int, values: Mapping[int, str]) -> tuple[str, ...]:
    """Defaults written sparsely: position -> value, every other position empty."""
    lines = [""] * count
    for position, value in values.items():
        lines[position - 1] = value
    return tuple(lines)


def _same(value: str, first: int, last: int) -> dict[int, str]:
    return dict.fromkeys(range(first, last + 1), value)


# --- #MECG: one entry line (sage100.md §2.2) ---------------------------------------------------

_ENTRY_LINE_FIELDS = {
    "journal": 1, "date": 2, "typing_date": 3, "piece": 4, "invoice_number": 5, "treasury_piece": 6,
    "account": 7, "counter_account": 8, "tiers": 9, "counter_tiers": 10, "label": 11, "payment_method": 12,
    "due_date": 13, "parity": 14, "quantity": 15, "currency_number": 16, "side": 17, "amount": 18,
    "letter": 19, "letter_quantity": 20, "pointing": 21, "reminder_count": 22, "opening_type": 23,
    "revision_type": 24, "currency_amount": 25, "vat_code": 26, "standard": 27, "provenance": 28,
    "penalty_type": 29, "penalty_date": 30, "reminder_date": 31, "reconciliation_date": 32, "reference": 33,
    "settlement_status": 34, "settled_amount": 35, "last_settlement_date": 36, "operation_date": 37,
    "reconciliation_export": 38, "closing_date": 39,
}
_ENTRY_LINE_LIMITS = {"journal": 6, "piece": 13, "invoice_number": 17, "account": 13, "tiers": 17, "label": 69,
                      "vat_code": 5, "reference": 17}
_ENTRY_LINE_DEFAULTS = {12: "0", 14: "0,000000", 15: "0,00", 16: "0", 22: "0", 23: "0", 24: "0", 27: "0", 28: "0",
                        29: "0", 34: "0"}

MECG_V31 = RecordLayout("MECG", 39, _defaults(39, {**_ENTRY_LINE_DEFAULTS, 35: "0,00", 38: "0"}),
                        _ENTRY_LINE_FIELDS, _ENTRY_LINE_LIMITS)
# S3 (#VER 14) writes 37 lines ending at "date opération"; it leaves "montant réglé" empty.
MECG_V14 = RecordLayout("MECG", 37, _defaults(37, _ENTRY_LINE_DEFAULTS),
                        {name: position for name, position in _ENTRY_LINE_FIELDS.items() if position <= 37},
                        {**_ENTRY_LINE_LIMITS, "label": 35})

# --- #MECA: analytic split of the preceding #MECG (§2.3) -----------------------------------------

MECA = RecordLayout("MECA", 4, _defaults(4, {4: "0,00"}),
                    {"plan_number": 1, "section": 2, "amount": 3, "quantity": 4}, {"section": 13})

# --- #MPCT: tiers (§2.4); positions 1-43 are common to every version -------------------------------

_TIERS_COMMON_FIELDS = {
    "number": 1, "name": 2, "type": 3, "collective_account": 4, "quality": 5, "short_name": 6, "contact": 7,
    "address": 8, "address_complement": 9, "postal_code": 10, "city": 11, "region": 12, "country": 13,
    "shortcut": 14, "currency_number": 15, "ape": 16, "vat_number": 17, "siret": 18, "comment": 29, "payer": 32,
}
_TIERS_COMMON_LIMITS = {"number": 17, "name": 69, "collective_account": 13, "short_name": 17, "address": 35,
                        "address_complement": 35, "postal_code": 9, "city": 35, "region": 25, "country": 35,
                        "vat_number": 25, "payer": 17, "email": 69}
_TIERS_COMMON_DEFAULTS = {3: "0", 15: "0", 30: "0,00", 31: "0,00", 33: "1", 34: "1", **_same("0,0000", 35, 38),
                          39: "1", 40: "1", 41: "1", 42: "0", 43: "0"}

MPCT_V31 = RecordLayout(
    "MPCT", 133,
    _defaults(133, {
        **_TIERS_COMMON_DEFAULTS, **_same("1", 45, 48), 49: "0", 50: "0", 51: "0", 53: "0", 54: "0", 61: "0",
        65: "0,0000", 66: "0,0000", 67: "0", 69: "0", 75: "0", 76: "0", 78: "0", 79: "0", 81: "0", 85: "0",
        91: "0", 92: "0", 95: "0", 98: "0", 99: "0", 101: "0", 102: "1", 104: "0", 105: "0", 106: "0", 108: "1",
        111: "0", **_same("1", 112, 116), 117: "0", 118: "0", **_same("1", 119, 123), 124: "0", 125: "0",
        127: "0", 128: "0", 130: "0", 131: "0", 132: "0",
    }),
    {**_TIERS_COMMON_FIELDS, "dormant": 50, "creation_date": 52, "analytic_plan": 54, "analytic_section": 55,
     "phone": 56, "fax": 57, "email": 58, "website": 59},
    _TIERS_COMMON_LIMITS, tail=1,
)
MPCT_V14 = RecordLayout(
    "MPCT", 96,
    _defaults(96, {
        **_TIERS_COMMON_DEFAULTS, **_same("1", 47, 50), 51: "0", 52: "0", 53: "0", 55: "0", 56: "0", 63: "0",
        67: "0,0000", 68: "0,0000", 69: "0", 71: "0", 77: "0", 78: "0", 80: "0", 81: "0", 83: "0", 87: "0",
        93: "0", 94: "0",
    }),
    # v12.25's positions 44+ moved by the two extra EDI codes [inf: S2's note and S3's values agree].
    {**_TIERS_COMMON_FIELDS, "dormant": 52, "creation_date": 54},
    {**_TIERS_COMMON_LIMITS, "name": 35}, tail=1,
)

# --- #MPCA: analytic section (§2.5) --------------------------------------------------------------

MPCA = RecordLayout(
    "MPCA", 22,
    _defaults(22, {4: "0", 7: "1", 8: "1", 9: "1", 10: "0", 12: "0", 13: "0,00", 14: "0,00", 17: "0", 22: "0"}),
    {"plan_number": 1, "section": 2, "name": 3, "type": 4, "short_name": 5, "shortcut": 6, "carry_forward": 7,
     "analysis_level": 8, "line_skip": 9, "dormant": 10, "creation_date": 11, "domain": 12, "status": 17,
     "deal_creation_date": 18, "acceptance_date": 19, "start_date": 20, "end_date": 21, "billing_mode": 22},
    {"section": 13, "name": 35, "short_name": 17},
)

# --- company settings, read only (§2.5; positions of S1's v12.25 field list) ---------------------

MPLG = RecordLayout("MPLG", 23, (), {
    "number": 1, "type": 2, "name": 3, "short_name": 4, "nature": 5, "analytic": 11, "tiers_option": 15,
    "currency_option": 18, "currency_number": 19, "vat_code": 20, "dormant": 21,
})
MTAX = RecordLayout("MTAX", 15, (), {
    "name": 1, "rate_kind": 2, "rate": 3, "type": 4, "account": 5, "code": 6, "direction": 8,
}, tail=0)
MDEV = RecordLayout("MDEV", 640, (), {"name": 1, "iso_code": 7}, slot_size=20)  # 32 currencies
MANA = RecordLayout("MANA", 253, (), {"name": 1, "waiting_section": 2}, slot_size=23)  # 11 plans
MCJR = RecordLayout("MCJR", 16, (), {"code": 1, "name": 2, "treasury_account": 3, "type": 4, "dormant": 9})

_SETTINGS = {layout.flag: layout for layout in (MPLG, MTAX, MDEV, MANA, MCJR)}

FORMAT_V31 = FormatProfile(31, {"MECG": MECG_V31, "MECA": MECA, "MPCT": MPCT_V31, "MPCA": MPCA, **_SETTINGS},
                           "built-in #VER 31 (Sage 100 v12.25)")
FORMAT_V14 = FormatProfile(14, {"MECG": MECG_V14, "MECA": MECA, "MPCT": MPCT_V14, "MPCA": MPCA, **_SETTINGS},
                           "built-in #VER 14")
BUILT_IN_FORMATS: Mapping[int, FormatProfile] = {31: FORMAT_V31, 14: FORMAT_V14}

# Up to these positions a record's field names hold across versions (§2.2: 1-18 in all five
# sources, 25/26 at #VER 14 and 31; §2.4: 1-43). Past them a layout of another line count
# keeps its counts and defaults but loses its names.
STABLE_POSITIONS: Mapping[str, int] = {"MECG": 26, "MPCT": 43}


def built_in_format(version: int) -> FormatProfile:
    """The shipped layout closest to ``version``: the same, else the nearest older, else v12.25."""
    if version in BUILT_IN_FORMATS:
        return BUILT_IN_FORMATS[version]
    older = [known for known in BUILT_IN_FORMATS if known < version]
    return BUILT_IN_FORMATS[max(older)] if older else FORMAT_V31


def with_counts(layout: RecordLayout, field_count: int, defaults: tuple[str, ...]) -> RecordLayout:
    """``layout`` resized to a learned line count, keeping only the names that still hold."""
    if field_count == layout.field_count:
        fields = dict(layout.fields)
    else:
        stable = min(STABLE_POSITIONS.get(layout.flag, field_count), field_count)
        fields = {name: position for name, position in layout.fields.items() if position <= stable}
    return replace(layout, field_count=field_count, defaults=defaults[:field_count], fields=fields, learned=True)
