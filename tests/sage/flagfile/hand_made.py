"""Hand-made Sage exports: each record written field by field, positions as in sage100.md §2."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def record(flag: str, count: int, values: Mapping[int, str], tail: Sequence[str] = ()) -> list[str]:
    """``#flag`` then ``count`` fields (empty unless given by position), then the repeated tail."""
    fields = [""] * count
    for position, value in values.items():
        fields[position - 1] = value
    return [f"#{flag}", *fields, *tail]


def slots(count: int, size: int, values: Mapping[int, Mapping[int, str]]) -> dict[int, str]:
    """Positions of a settings table of ``count`` slots of ``size`` fields (32 currencies, 11 plans)."""
    flat: dict[int, str] = {}
    for slot, fields in values.items():
        assert 1 <= slot <= count
        for position, value in fields.items():
            flat[(slot - 1) * size + position] = value
    return flat


def export_file(*records: list[str], version: int = 31, header: Sequence[str] | None = None) -> bytes:
    lines = list(header) if header is not None else ["#FLG 000", f"#VER {version}", "#DEV EUR"]
    for block in records:
        lines.extend(block)
    lines.append("#FIN")
    return ("\r\n".join(lines) + "\r\n").encode("cp850")


def entry_line(journal: str, day: str, piece: str, account: str, side: str, amount: str, *, count: int = 39,
               tiers: str = "", vat_code: str = "", extra: Mapping[int, str] | None = None) -> list[str]:
    """A #MECG as Sage exports it: fields 1-18 and 26, plus what ``extra`` sets (e.g. 27 norme)."""
    values = {1: journal, 2: day, 3: day, 4: piece, 5: piece, 7: account, 9: tiers, 11: f"Pièce {piece}",
              12: "0", 14: "0,000000", 15: "0,00", 16: "0", 17: side, 18: amount, 22: "0", 23: "0", 24: "0",
              26: vat_code, 27: "0", 28: "0", 29: "0", 34: "0", 35: "0,00"}
    if count >= 38:
        values[38] = "0"
    values.update(extra or {})
    return record("MECG", count, {position: value for position, value in values.items() if position <= count})
