"""The receipts report as files: the VAT on receipts per month and rate, and the collections per invoice.

Two tables (``sagesync.ledger.receipts``), each written as .xlsx or CSV:

- ``tva-encaissements-<from>-<to>``: month, rate, tax code, account, VAT made due (the CA3's figures);
- ``encaissements-<from>-<to>``: per payment, its day, invoice, client, amount collected and the VAT
  it carried per rate, one column a rate (the facts of a 212 "Encaissée" status).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sagesync.core.money import ZERO
from sagesync.core.payments import Collected, MonthRate
from sagesync.exports.tables import Column, csv_chunks, xlsx_file
from sagesync.i18n import N_, _

Format = Literal["xlsx", "csv"]

MONTH_COLUMNS = (Column(N_("Month"), width=10), Column(N_("VAT rate (%)"), width=12),
                 Column(N_("Tax code"), width=10), Column(N_("VAT account (due)"), width=16),
                 Column(N_("VAT on receipts made due"), "amount", 20))


@dataclass(frozen=True, slots=True)
class ReceiptsFiles:
    vat_by_month: Path
    collections: Path
    total_vat: Decimal
    total_collected: Decimal
    payments: int


class _LateRow(Sequence[Any]):
    """A totals row read only once the rows before it were written (and summed on the way): flat memory."""

    def __init__(self, make: Callable[[], list[Any]]) -> None:
        self._make = make

    def _row(self) -> list[Any]:
        return self._make()

    def __len__(self) -> int:
        return len(self._row())

    def __getitem__(self, index: Any) -> Any:
        return self._row()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._row())


def rate_title(rate: str) -> str:
    return _("VAT {rate} %").format(rate=rate.replace(".", ",")) if rate else _("VAT (rate unknown)")


def _month_rows(rows: Sequence[MonthRate]) -> Iterator[list[Any]]:
    for row in rows:
        yield [f"{row.month:%m/%Y}", row.rate.replace(".", ","), row.vat_code, row.account_due, row.vat]


def _write(path: Path, sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]],
           totals: Sequence[Any] | None, output_format: Format) -> None:
    part = path.with_name(path.name + ".part")
    if output_format == "xlsx":
        with xlsx_file(sheet, columns, rows, totals) as workbook, part.open("wb") as binary:
            while block := workbook.read(64 * 1024):
                binary.write(block)
    else:
        with part.open("w", encoding="utf-8", newline="") as text:
            for chunk in csv_chunks(columns, itertools.chain(rows, [totals] if totals is not None else [])):
                text.write(chunk)
    part.replace(path)


def write_receipts_report(folder: Path, start: date, end: date, months: Sequence[MonthRate],
                          collections: Iterable[Collected], output_format: Format = "xlsx") -> ReceiptsFiles:
    folder.mkdir(parents=True, exist_ok=True)
    suffix = f"{start:%Y%m%d}-{end:%Y%m%d}.{output_format}"
    total_vat = sum((row.vat for row in months), ZERO)
    month_path = folder / f"tva-encaissements-{suffix}"
    _write(month_path, _("VAT on receipts"), MONTH_COLUMNS, _month_rows(months),
           [_("Total"), "", "", "", total_vat], output_format)
    rates = sorted({row.rate for row in months}, key=lambda rate: -Decimal(rate or "0"))
    columns = [Column(N_("Collected on"), "date", 12), Column(N_("Invoice"), width=16), Column(N_("Client"), width=12),
               Column(N_("Payment"), width=10), Column(N_("Amount collected"), "amount", 16),
               *(Column(rate_title(rate), "amount", 12) for rate in rates), Column(N_("VAT collected"), "amount", 14)]
    sums = {"amount": ZERO, "count": ZERO, **{rate: ZERO for rate in rates}}

    def rows() -> Iterator[list[Any]]:
        for item in collections:
            sums["amount"] += item.amount
            sums["count"] += 1
            for rate in rates:
                sums[rate] += item.vat_by_rate.get(rate, ZERO)
            yield [item.payment_date, item.number, item.client, item.payment_key, item.amount,
                   *(item.vat_by_rate.get(rate, ZERO) for rate in rates), item.vat]

    collections_path = folder / f"encaissements-{suffix}"
    totals = _LateRow(lambda: [None, _("Total"), "", "", sums["amount"], *(sums[rate] for rate in rates),
                               sum((sums[rate] for rate in rates), ZERO)])
    _write(collections_path, _("Collections"), columns, rows(), totals, output_format)
    return ReceiptsFiles(month_path, collections_path, total_vat, sums["amount"], int(sums["count"]))
