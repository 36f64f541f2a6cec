"""Learning a Sage installation's file format from one of its own exports.

The documentation gives the names of the fields; only a real export gives the
structure (sage100.md §6.1): how many lines each record kind has at this
installation's ``#VER``, and what Sage itself writes in the fields we leave to
their default. From an export we take:

- ``#VER``;
- for every record kind, its line count: the most common one for fixed
  records; for records with a repeated tail (a tiers' attached accounts, a tax
  code's accounts) the shortest block less its minimum tail;
- for the records we write (``#MECG``, ``#MECA``, ``#MPCT``, ``#MPCA``), the most
  common value at each position (ties: the value seen first).

Field names come from the shipped layout closest to that ``#VER``; a record
whose count differs from it keeps only the names that hold across versions.
Record kinds the export lacks keep the shipped layout, marked as not learned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sagesync.sage.flagfile.layouts import FormatProfile, RecordLayout, built_in_format, with_counts
from sagesync.sage.flagfile.parser import FlagRecord, parse_flag_file

WRITTEN_FLAGS = frozenset({"MECG", "MECA", "MPCT", "MPCA"})


def _line_count(blocks: Sequence[FlagRecord], tail: int | None) -> int:
    lengths = [len(block.fields) for block in blocks]
    if tail is None:
        return Counter(lengths).most_common(1)[0][0]
    return max(min(lengths) - tail, 0)


def _most_common_values(blocks: Sequence[FlagRecord], count: int) -> tuple[str, ...]:
    values: list[str] = []
    for position in range(1, count + 1):
        seen = Counter(block.field(position) for block in blocks if len(block.fields) >= position)
        values.append(seen.most_common(1)[0][0] if seen else "")
    return tuple(values)


def learn_format(export: Path) -> FormatProfile:
    """The format of the installation that wrote ``export`` (a full accounting export)."""
    parsed = parse_flag_file(export)
    base = built_in_format(parsed.version)
    blocks_by_flag: dict[str, list[FlagRecord]] = {}
    for record in parsed.records:
        blocks_by_flag.setdefault(record.flag, []).append(record)
    records: dict[str, RecordLayout] = {flag: layout for flag, layout in base.records.items()}
    for flag, blocks in blocks_by_flag.items():
        shipped = base.records.get(flag)
        count = _line_count(blocks, shipped.tail if shipped else None)
        defaults = _most_common_values(blocks, count) if flag in WRITTEN_FLAGS else ()
        if shipped is not None:
            records[flag] = with_counts(shipped, count, defaults)
        else:
            records[flag] = RecordLayout(flag, count, defaults, learned=True)
    return FormatProfile(parsed.version, records, f"learned from {export.name}")
