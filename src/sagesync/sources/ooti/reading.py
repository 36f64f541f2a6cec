"""Reading one wire object's fields without raising: every problem is noted, named by field.

The payload mapping (``payloads``) asks a ``FieldReader`` for ids, text, amounts,
flags and dates; a missing, null or mistyped field becomes a (field, message)
problem, so a record is refused with all its problems at once, never half-read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from sagesync.core.money import AmountError, parse_amount


class FieldReader:
    """Reads one payload's fields, noting each problem instead of raising."""

    def __init__(self, payload: object, prefix: str = "") -> None:
        self.payload: Mapping[str, object] = payload if isinstance(payload, Mapping) else {}
        self.prefix = prefix
        self.problems: list[tuple[str, str]] = []
        if not isinstance(payload, Mapping):
            self.problem("", f"expected an object, got {type(payload).__name__}")

    def problem(self, name: str, message: str) -> None:
        self.problems.append((f"{self.prefix}{name}".rstrip("."), message))

    def lookup(self, aliases: Sequence[str]) -> tuple[str, object, bool]:
        """(name found or first alias, value, present)."""
        for name in aliases:
            if name in self.payload:
                return name, self.payload[name], True
        return aliases[0], None, False

    def required(self, aliases: Sequence[str]) -> tuple[str, object] | None:
        name, value, present = self.lookup(aliases)
        if not present:
            self.problem(name, f"missing (looked for {' / '.join(aliases)})")
            return None
        if value is None:
            self.problem(name, "is null")
            return None
        return name, value

    def identifier(self, aliases: Sequence[str], required: bool = True) -> str:
        if required:
            found = self.required(aliases)
            if found is None:
                return ""
            name, value = found
        else:
            name, value, _ = self.lookup(aliases)
            if value is None or value == "":
                return ""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.problem(name, f"expected an id, got {value!r}")
        return ""

    def text(self, aliases: Sequence[str], required: bool = False) -> str:
        """Free text; null reads as empty. ``required`` = the key must exist."""
        name, value, present = self.lookup(aliases)
        if not present:
            if required:
                self.problem(name, f"missing (looked for {' / '.join(aliases)})")
            return ""
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        self.problem(name, f"expected text, got {type(value).__name__}")
        return ""

    def amount(self, aliases: Sequence[str], required: bool = True) -> Decimal | None:
        name, value, _ = self.lookup(aliases)
        if value is None:
            if required:
                self.required(aliases)
            return None
        try:
            return parse_amount(value)
        except AmountError as error:
            self.problem(name, str(error))
            return None

    def flag(self, aliases: Sequence[str]) -> bool | None:
        name, value, present = self.lookup(aliases)
        if not present or value is None:
            return None
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        self.problem(name, f"expected true or false, got {value!r}")
        return None

    def integer(self, aliases: Sequence[str]) -> int | None:
        found = self.required(aliases)
        if found is None:
            return None
        name, value = found
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        self.problem(name, f"expected a whole number, got {value!r}")
        return None

    def day(self, aliases: Sequence[str], required: bool = True) -> date | None:
        name, value, _ = self.lookup(aliases)
        if value is None or value == "":
            if required and value is None:
                self.required(aliases)
            elif required:
                self.problem(name, "is empty")
            return None
        parsed = parse_wire_date(value)
        if parsed is None:
            self.problem(name, f"expected a date DD-MM-YYYY or YYYY-MM-DD, got {value!r}")
        return parsed

    def instant(self, aliases: Sequence[str]) -> datetime | None:
        name, value, _ = self.lookup(aliases)
        if value is None or value == "":
            return None
        parsed = parse_wire_instant(value)
        if parsed is None:
            self.problem(name, f"expected an ISO 8601 date and time, got {value!r}")
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
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
