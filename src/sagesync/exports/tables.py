"""Tables as files a French accountant opens: Excel workbooks (.xlsx) and CSV, for the console and the CLI.

- **xlsx** (openpyxl, write-only: rows go to disk as they come, so 100 000 rows never sit in
  memory): a header row, the panes frozen under it, column widths; amounts are numbers (Decimal,
  never floats) shown ``#,##0.00`` (Excel puts the reader's separators: ``1 234,56`` in French),
  dates are dates shown ``DD/MM/YYYY``.
- **CSV**: UTF-8 with a BOM, ``;`` between fields, a decimal comma, dates ``25/11/2025``: what a
  French Excel opens by a double click.

Both take the same columns and the same rows (an iterator: streamed from the ledger).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.utils import get_column_letter

from sagesync.i18n import _

AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "DD/MM/YYYY"
CHUNK = 64 * 1024

Kind = Literal["text", "amount", "date", "number"]


@dataclass(frozen=True, slots=True)
class Column:
    title: str  # English, marked with N_ where declared: translated when written
    kind: Kind = "text"
    width: int = 14


def csv_value(value: Any, kind: Kind) -> str:
    if value is None or value == "":
        return ""
    if kind == "amount":
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        return format(number, "f").replace(".", ",")
    if kind == "date" and isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y")
    return str(value)


def csv_chunks(columns: Sequence[Column], rows: Iterable[Sequence[Any]],
               translate: Callable[[str], str] = _) -> Iterator[str]:
    """The CSV text, a few hundred rows a chunk; ``translate`` gives the column titles in the reader's language."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([translate(column.title) for column in columns])
    for count, row in enumerate(rows, start=1):
        writer.writerow([csv_value(value, column.kind) for value, column in zip(row, columns, strict=True)])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cell_value(value: Any, kind: Kind) -> Any:
    if value is None or value == "":
        return None
    if kind == "amount":
        return value if isinstance(value, Decimal) else Decimal(str(value))
    if kind == "date" and isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def xlsx_file(sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]],
              totals: Sequence[Any] | None = None,
              translate: Callable[[str], str] = _) -> tempfile.SpooledTemporaryFile[bytes]:
    """The workbook of one sheet, in a temporary file (in memory while small), rewound. ``totals``: a last row."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = column.width
    worksheet.append([translate(column.title) for column in columns])

    # One styled cell per formatted column, reused row after row (a write-only sheet writes a cell's value and
    # style as it is appended): text and counts go in as plain values, the cheap way.
    styled: dict[int, Cell] = {}
    for index, column in enumerate(columns):
        if column.kind in ("amount", "date"):
            cell = WriteOnlyCell(worksheet)
            cell.number_format = AMOUNT_FORMAT if column.kind == "amount" else DATE_FORMAT
            styled[index] = cell

    def cells(row: Sequence[Any]) -> list[Any]:
        out: list[Any] = []
        for index, (value, column) in enumerate(zip(row, columns, strict=True)):
            converted = _cell_value(value, column.kind)
            cell = styled.get(index)
            if cell is None or converted is None:
                out.append(converted)
            else:
                cell.value = converted
                out.append(cell)
        return out

    for row in rows:
        worksheet.append(cells(row))
    if totals is not None:
        worksheet.append(cells(totals))
    target: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115 (returned open)
        max_size=8 * 1024 * 1024)
    workbook.save(target)
    target.seek(0)
    return target
