"""The console's lists as files: Excel workbooks and CSV (``sagesync.exports.tables``), streamed as responses.

Column titles are the console's words (its own catalog), in the request's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from starlette.responses import StreamingResponse

from sagesync.exports import tables
from sagesync.exports.tables import AMOUNT_FORMAT, DATE_FORMAT, Column, Kind, csv_value
from sagesync.i18n import console_gettext, current_language, language

CHUNK = 64 * 1024
__all__ = ["AMOUNT_FORMAT", "DATE_FORMAT", "XLSX_TYPE", "Column", "Kind", "csv_chunks", "csv_response", "csv_value",
           "xlsx_file", "xlsx_response"]


def csv_chunks(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    return tables.csv_chunks(columns, rows, console_gettext)


def xlsx_file(sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]],
              totals: Sequence[Any] | None = None) -> Any:
    return tables.xlsx_file(sheet, columns, rows, totals, console_gettext)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def csv_response(filename: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> StreamingResponse:
    """The CSV, streamed as the rows are read; in the request's language wherever the chunks are made."""
    code = current_language()

    def chunks() -> Iterator[str]:
        # Each chunk may be made in another worker thread and context: the language is set around each one.
        inner = csv_chunks(columns, rows)
        while True:
            with language(code):
                chunk = next(inner, None)
            if chunk is None:
                return
            yield chunk

    return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8", headers=_attachment(filename))


def xlsx_response(filename: str, sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]],
                  totals: Sequence[Any] | None = None) -> StreamingResponse:
    """The workbook, written when the download starts (the rows read then, streamed), sent in chunks."""

    code = current_language()

    def chunks() -> Iterator[bytes]:
        with language(code):  # the whole workbook is written in this first step, in one context
            workbook = xlsx_file(sheet, columns, rows, totals)
        with workbook:
            while chunk := workbook.read(CHUNK):
                yield chunk

    return StreamingResponse(chunks(), media_type=XLSX_TYPE, headers=_attachment(filename))
