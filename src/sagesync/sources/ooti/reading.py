"""Reading one wire object's fields without raising: every problem is noted, named by field.

The payload mapping (``payloads``) asks a ``FieldReader`` for ids, text, amounts,
flags and dates; a missing, null or mistyped field becomes a (field, message)
problem, so a record is refused with all its problems at once, never half-read.

A value Sage cannot hold is such a problem too, never an exception later: an
amount beyond NUMERIC(24, 6) (18 integer digits, 6 decimals), a date outside
Sage's dates (1900 to 2079), an id or a text absurdly long. Values are shown in
messages cut short and without recursion (``shown``), whatever their depth or size.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from sagesync.core.money import AmountError, amount_problem, parse_amount
from sagesync.i18n import _

TEXT_LIMIT = 10_000  # characters: far beyond any field Sage holds (69 at most), short of a runaway payload
ID_LIMIT = 100  # characters of a text id
ID_DIGITS = 18  # digits of a numeric id or a whole number (a 64-bit integer holds 18 safely)
FIRST_DAY = date(1900, 1, 1)  # Sage's dates (smalldatetime): 01/01/1900 ...
LAST_DAY = date(2079, 6, 6)  # ... to 06/06/2079

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlong = 2, 40, 40, 40


def shown(value: object) -> str:
    """``repr(value)`` for a message: cut short, safe on deep nesting, huge numbers and odd objects."""
    try:
        return _REPR.repr(value)
    except Exception:  # a 5000-digit int, a __repr__ that fails...
        return f"a {type(value).__name__} that cannot be shown"


class FieldReader:
    """Reads one payload's fields, noting each problem instead of raising."""

    def __init__(self, payload: object, prefix: str = "") -> None:
        self.payload: Mapping[str, object] = payload if isinstance(payload, Mapping) else {}
        self.prefix = prefix
        self.problems: list[tuple[str, str]] = []
        self.fixes: dict[str, str] = {}  # field -> its own fix, when the generic one does not fit
        if not isinstance(payload, Mapping):
            self.problem("", f"expected an object, got {type(payload).__name__}")

    def problem(self, name: str, message: str, fix: str = "") -> None:
        field = f"{self.prefix}{name}".rstrip(".")
        self.problems.append((field, message))
        if fix:
            self.fixes[field] = fix

    def lookup(self, aliases: Sequence[str]) -> tuple[str, object, bool]:
        """(name found or first alias, value, present)."""
        for name in aliases:
            if name in self.payload:
                return name, self.payload[name], True
        return aliases[0], None, False

    def required(self, aliases: Sequence[str]) -> tuple[str, object] | None:
        name, value, present = self.lookup(aliases)
        if not present:
            self.problem(name, _("missing (looked for {names})").format(names=" / ".join(aliases)))
            return None
        if value is None:
            self.problem(name, _("is null"))
            return None
        return name, value

    def identifier(self, aliases: Sequence[str], required: bool = True) -> str:
        if required:
            found = self.required(aliases)
            if found is None:
                return ""
            name, value = found
        else:
            name, value, _present = self.lookup(aliases)
            if value is None or value == "":
                return ""
        if isinstance(value, int) and not isinstance(value, bool):
            if abs(value) < 10**ID_DIGITS:
                return str(value)
            self.problem(name, _("is a number of more than {digits} digits, not an id").format(digits=ID_DIGITS))
            return ""
        if isinstance(value, str) and value.strip():
            if len(value.strip()) <= ID_LIMIT:
                return value.strip()
            self.problem(name, _("is {length} characters long, not an id (at most {limit})").format(
                length=len(value.strip()), limit=ID_LIMIT))
            return ""
        self.problem(name, _("expected an id, got {value}").format(value=shown(value)))
        return ""

    def text(self, aliases: Sequence[str], required: bool = False) -> str:
        """Free text; null reads as empty. ``required`` = the key must exist."""
        name, value, present = self.lookup(aliases)
        if not present:
            if required:
                self.problem(name, _("missing (looked for {names})").format(names=" / ".join(aliases)))
            return ""
        if value is None:
            return ""
        if isinstance(value, str):
            if len(value) > TEXT_LIMIT:
                self.problem(name, _("is {length} characters long; no Sage field holds more than a few dozen and "
                                     "sagesync reads at most {limit}").format(length=len(value), limit=TEXT_LIMIT),
                             _("Shorten the text on the platform (it was probably pasted by mistake)."))
                return ""
            return value.strip()
        if isinstance(value, int) and not isinstance(value, bool):
            if abs(value) < 10**ID_DIGITS:
                return str(value)
            self.problem(name, _("is a number of more than {digits} digits, expected text").format(digits=ID_DIGITS))
            return ""
        self.problem(name, _("expected text, got {kind}").format(kind=type(value).__name__))
        return ""

    def amount(self, aliases: Sequence[str], required: bool = True) -> Decimal | None:
        name, value, _present = self.lookup(aliases)
        if value is None:
            if required:
                self.required(aliases)
            return None
        try:
            amount = parse_amount(value)
        except AmountError as error:
            self.problem(name, str(error) if len(str(error)) <= 200 else _("{value} is not a number").format(
                value=shown(value)))
            return None
        problem = amount_problem(amount)
        if problem:
            self.problem(name, _("is {value}: {problem}").format(value=shown(value), problem=problem),
                         _("Correct the amount on the platform (a typing mistake?); Sage cannot hold it."))
            return None
        return amount

    def flag(self, aliases: Sequence[str]) -> bool | None:
        name, value, present = self.lookup(aliases)
        if not present or value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        self.problem(name, _("expected true or false, got {value}").format(value=shown(value)))
        return None

    def integer(self, aliases: Sequence[str]) -> int | None:
        found = self.required(aliases)
        if found is None:
            return None
        name, value = found
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**ID_DIGITS:
            return value
        text = value.strip() if isinstance(value, str) else ""
        if text.isascii() and text.isdigit() and len(text) <= ID_DIGITS:
            return int(text)
        self.problem(name, _("expected a whole number, got {value}").format(value=shown(value)))
        return None

    def day(self, aliases: Sequence[str], required: bool = True) -> date | None:
        name, value, _present = self.lookup(aliases)
        if value is None or value == "":
            if required and value is None:
                self.required(aliases)
            elif required:
                self.problem(name, _("is empty"))
            return None
        parsed = parse_wire_date(value)
        if parsed is None:
            self.problem(name, _("expected a date DD-MM-YYYY or YYYY-MM-DD, got {value}").format(value=shown(value)))
        elif not FIRST_DAY <= parsed <= LAST_DAY:
            self.problem(name, _("is {date}, outside the dates Sage holds ({first} to {last})").format(
                date=f"{parsed:%d/%m/%Y}", first=f"{FIRST_DAY:%d/%m/%Y}", last=f"{LAST_DAY:%d/%m/%Y}"),
                _("Correct the date on the platform (a typing mistake in the year?)."))
            return None
        return parsed

    def instant(self, aliases: Sequence[str]) -> datetime | None:
        name, value, _present = self.lookup(aliases)
        if value is None or value == "":
            return None
        parsed = parse_wire_instant(value)
        if parsed is None:
            self.problem(name, _("expected an ISO 8601 date and time, got {value}").format(value=shown(value)))
        return parsed


def parse_wire_date(value: object) -> date | None:
    """``DD-MM-YYYY`` (what OOTI takes as input) or ISO ``YYYY-MM-DD``; None when neither."""
    # Sliced by hand: strptime costs more than the rest of an invoice's mapping.
    if not isinstance(value, str) or len(value) != 10 or not value.isascii():
        return None
    if value[2] == "-" and value[5] == "-":
        day, month, year = value[:2], value[3:5], value[6:]
    elif value[4] == "-" and value[7] == "-":
        year, month, day = value[:4], value[5:7], value[8:]
    else:
        return None
    if not (day.isdigit() and month.isdigit() and year.isdigit()):
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:  # 31-02-2025
        return None


def parse_wire_instant(value: object) -> datetime | None:
    """An ISO 8601 instant, always returned in UTC (a naive one is read as UTC)."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00+05:00 is before year 1 in UTC
        return None
