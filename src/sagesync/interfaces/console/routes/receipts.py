"""The cash side: receipts (« Encaissements ») and payments (« Règlements »), read from the ledger.

- **Receipts**: for a period (the current year by default), the VAT on receipts the payments made
  due per month and rate (44574x -> 44571x: the figures of the VAT return, CA3), and the
  collections per payment (invoice, client, amount collected, the VAT it carried per rate: the
  facts of a 212 « Encaissée » status), a page at a time with the period's totals; both tables as
  .xlsx and CSV. The figures are the receipts report's (``ledger.receipts``), as
  ``sagesync export receipts`` writes them.
- **Payments**: what a finance admin checks and fixes: the payments waiting for their invoice or
  refused, with their fix (the findings of Pull payments), the payments posted in the bank journal
  with their piece, the VAT they moved and their matching letter, and the receipts matched in Sage
  sent back to the platform.

Every page only reads (``ledger.payment_views``, ``ledger.receipts``); filters are GET parameters.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection
from starlette.responses import Response

from sagesync.core.mapping import VatRegime
from sagesync.core.money import ZERO
from sagesync.core.payments import Collected, MonthRate
from sagesync.i18n import N_, console_gettext
from sagesync.interfaces.console import exports
from sagesync.interfaces.console.exports import Column
from sagesync.interfaces.console.routes.money import journal_state_word, parse_day
from sagesync.interfaces.console.state import ConsoleState, console_state, load_profile, render
from sagesync.ledger import payment_views, receipts
from sagesync.ledger import views as ledger_views
from sagesync.profiles.model import Profile

router = APIRouter()

PAGE_SIZE = 200  # rows a page of each list
FINDINGS_SHOWN = ("waiting", "refused", "ignored")


def receipts_period(date_from: str, date_to: str, today: date | None = None) -> tuple[date, date]:
    """The period asked for; by default the current year (1 January to 31 December)."""
    today = today or date.today()
    start = parse_day(date_from) or date(today.year, 1, 1)
    end = parse_day(date_to) or date(today.year, 12, 31)
    return (start, end) if start <= end else (end, start)


def rate_text(rate: str) -> str:
    """``5.5`` -> ``5,5 %``; an unknown rate (a payment read back by a ledger rebuild) in words."""
    return f"{rate.replace('.', ',')} %" if rate else console_gettext("rate unknown")


def rate_title(rate: str) -> str:
    return console_gettext("VAT {rate}").format(rate=rate_text(rate))


def _page_count(total: int) -> int:
    return max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)


def _query(**values: object) -> str:
    return urlencode({key: value for key, value in values.items() if value not in ("", None, 1)})


@dataclass(frozen=True, slots=True)
class MonthGroup:
    month: date
    rows: tuple[MonthRate, ...]

    @property
    def vat(self) -> Decimal:
        return sum((row.vat for row in self.rows), ZERO)


@dataclass(frozen=True, slots=True)
class VatByMonth:
    """The VAT on receipts made due in a period, per month and rate, with its totals per rate."""

    months: tuple[MonthGroup, ...]
    by_rate: tuple[tuple[str, Decimal], ...]

    @property
    def total(self) -> Decimal:
        return sum((vat for _rate, vat in self.by_rate), ZERO)


def vat_by_month(rows: Sequence[MonthRate]) -> VatByMonth:
    months: dict[date, list[MonthRate]] = {}
    rates: dict[str, Decimal] = {}
    for row in rows:
        months.setdefault(row.month, []).append(row)
        rates[row.rate] = rates.get(row.rate, ZERO) + row.vat
    return VatByMonth(tuple(MonthGroup(month, tuple(items)) for month, items in months.items()),
                      tuple(sorted(rates.items(), key=lambda item: payment_views.rate_order(item[0]))))


def _setup_notice(profile: Profile) -> str:
    """What the profile's settings say about these figures, when they are not the usual ones."""
    payments = profile.payments
    if payments is None or payments.direction == "off":
        return console_gettext("This profile leaves payments alone (no payments settings, or direction off): "
                               "set them in the profile settings to post the platform's payments.")
    if profile.accounts.vat_regime is VatRegime.DEBITS:
        return console_gettext("This firm is on VAT on debits: its VAT is due when invoiced, so payments make "
                               "none due; the VAT return reads the sales journal.")
    if not payments.to_sage:
        return console_gettext("This profile sends the settlements matched in Sage to the platform but does not "
                               "post the platform's payments: only payments posted by sagesync are counted here.")
    return ""


# --- Encaissements ------------------------------------------------------------------------------------------


@router.get("/company/{name}/receipts")
def receipts_page(request: Request, name: str, date_from: str = Query("", alias="from"),
                  date_to: str = Query("", alias="to"), page: int = 1) -> Response:
    console = console_state(request)
    profile = load_profile(request, name)
    start, end = receipts_period(date_from, date_to)
    page = max(page, 1)
    path, company = console.ledger_path(name), profile.sage_company
    with console.readers.connect(path) as connection:
        months = vat_by_month(receipts.vat_by_month(connection, company, start, end))
        rows, total = payment_views.collected_page(connection, company, start, end, limit=PAGE_SIZE,
                                                   offset=(page - 1) * PAGE_SIZE)
        totals = console.readers.cached(path, ("collected_totals", company, start, end),
                                        lambda: payment_views.collected_totals(connection, company, start, end))
        names = ledger_views.client_names(connection, company, (row.client for row in rows))
    period = _query(**{"from": start.isoformat(), "to": end.isoformat()})
    return render(request, "receipts.html", {
        "profile": profile, "name": name, "section": "receipts", "start": start, "end": end, "period": period,
        "months": months, "rows": rows, "total": total, "totals": totals, "names": names, "page": page,
        "pages": _page_count(total), "rate_text": rate_text, "notice": _setup_notice(profile)})


VAT_COLUMNS = (Column(N_("Month"), width=10), Column(N_("VAT rate"), width=10), Column(N_("Tax code"), width=10),
               Column(N_("VAT account (due)"), width=16), Column(N_("VAT on receipts made due"), "amount", 22))


def _vat_rows(months: VatByMonth) -> Iterator[list[Any]]:
    for group in months.months:
        for row in group.rows:
            yield [f"{row.month:%m/%Y}", rate_text(row.rate), row.vat_code, row.account_due, row.vat]


def _export(request: Request, extension: str, stem: str, sheet: str, columns: Sequence[Column],
            rows: Callable[[], Iterator[list[Any]]], totals: Callable[[], list[Any]]) -> Response:
    """The table as .xlsx or .csv with its totals as the last row; the reads start with the download."""
    if extension == "xlsx":
        return exports.xlsx_response(f"{stem}.xlsx", sheet, columns, rows(), _Late(totals))
    if extension == "csv":
        return exports.csv_response(f"{stem}.csv", columns, itertools.chain(rows(), _LateRows(totals)))
    message = console_gettext("No such export: .{extension} (the lists export to .xlsx and .csv).").format(
        extension=extension)
    return render(request, "error.html", {"message": message}, status_code=404)


class _Late(Sequence[Any]):
    """A totals row made only when it is written, after the rows (their reads happen with the download)."""

    def __init__(self, make: Callable[[], list[Any]]) -> None:
        self._make = make
        self._row: list[Any] | None = None

    def _get(self) -> list[Any]:
        if self._row is None:
            self._row = self._make()
        return self._row

    def __len__(self) -> int:
        return len(self._get())

    def __getitem__(self, index: Any) -> Any:
        return self._get()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._get())


class _LateRows(Iterable[list[Any]]):
    def __init__(self, make: Callable[[], list[Any]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[list[Any]]:
        yield self._make()


@router.get("/company/{name}/receipts/vat.{extension}")
def vat_export(request: Request, name: str, extension: str, date_from: str = Query("", alias="from"),
               date_to: str = Query("", alias="to")) -> Response:
    """The VAT on receipts made due per month and rate (the VAT return's figures), with its total."""
    console = console_state(request)
    profile = load_profile(request, name)
    start, end = receipts_period(date_from, date_to)
    with console.readers.connect(console.ledger_path(name)) as connection:
        months = vat_by_month(receipts.vat_by_month(connection, profile.sage_company, start, end))
    return _export(request, extension, f"tva-encaissements-{name}-{start:%Y%m%d}-{end:%Y%m%d}",
                   console_gettext("VAT on receipts"), VAT_COLUMNS, lambda: _vat_rows(months),
                   lambda: [console_gettext("Total"), "", "", "", months.total])


def _named(connection: Connection, company: str, items: Iterable[Any], row: Callable[[Any, str], list[Any]],
           client: Callable[[Any], str]) -> Iterator[list[Any]]:
    """Rows with their client's name, looked up a thousand items at a time."""
    batch: list[Any] = []

    def flush() -> Iterator[list[Any]]:
        names = ledger_views.client_names(connection, company, (client(item) for item in batch))
        for item in batch:
            yield row(item, names.get(client(item), ""))

    for item in items:
        batch.append(item)
        if len(batch) == 1000:
            yield from flush()
            batch = []
    yield from flush()


def _collection_rows(console: ConsoleState, name: str, company: str, start: date, end: date,
                     rates: Sequence[str]) -> Iterator[list[Any]]:
    def row(item: Collected, client_name: str) -> list[Any]:
        return [item.payment_date, item.number, item.client, client_name, payment_views.platform_id(item.payment_key),
                item.amount,
                *(item.vat_by_rate.get(rate, ZERO) for rate in rates), item.vat]

    with console.readers.connect(console.ledger_path(name)) as connection:
        yield from _named(connection, company, receipts.collected(connection, company, start, end), row,
                          lambda item: item.client)


@router.get("/company/{name}/receipts/collections.{extension}")
def collections_export(request: Request, name: str, extension: str, date_from: str = Query("", alias="from"),
                       date_to: str = Query("", alias="to")) -> Response:
    """Every payment of the period with the VAT it carried per rate (no page), with the period's totals."""
    console = console_state(request)
    profile = load_profile(request, name)
    start, end = receipts_period(date_from, date_to)
    company = profile.sage_company
    with console.readers.connect(console.ledger_path(name)) as connection:
        totals = payment_views.collected_totals(connection, company, start, end)
    rates = totals.rates
    columns = (Column(N_("Collected on"), "date", 12), Column(N_("Invoice"), width=16), Column(N_("Client"), width=12),
               Column(N_("Client name"), width=28), Column(N_("Payment"), width=10),
               Column(N_("Amount collected"), "amount", 16),
               *(Column(rate_title(rate), "amount", 12) for rate in rates), Column(N_("VAT collected"), "amount", 14))
    return _export(request, extension, f"encaissements-{name}-{start:%Y%m%d}-{end:%Y%m%d}",
                   console_gettext("Collections"), columns,
                   lambda: _collection_rows(console, name, company, start, end, rates),
                   lambda: [None, console_gettext("Total"), "", "", "", totals.amount,
                            *(totals.vat_by_rate[rate] for rate in rates), totals.vat])


# --- Règlements ---------------------------------------------------------------------------------------------


@router.get("/company/{name}/payments")
def payments_page(request: Request, name: str, date_from: str = Query("", alias="from"),
                  date_to: str = Query("", alias="to"), page: int = 1, show: str = "", fpage: int = 1,
                  spage: int = 1) -> Response:
    console = console_state(request)
    profile = load_profile(request, name)
    start, end = receipts_period(date_from, date_to)
    page, fpage, spage = max(page, 1), max(fpage, 1), max(spage, 1)
    show = show if show in FINDINGS_SHOWN else ""
    path, company = console.ledger_path(name), profile.sage_company
    with console.readers.connect(path) as connection:
        rows, total = payment_views.payments_page(connection, company, start, end, limit=PAGE_SIZE,
                                                  offset=(page - 1) * PAGE_SIZE)
        totals = console.readers.cached(path, ("collected_totals", company, start, end),
                                        lambda: payment_views.collected_totals(connection, company, start, end))
        counts = payment_views.payment_finding_counts(connection, company)
        problems, problem_total = payment_views.payment_findings(connection, company, show=show, limit=PAGE_SIZE,
                                                                 offset=(fpage - 1) * PAGE_SIZE)
        settlement_counts = payment_views.settlement_counts(connection, company)
        settlements, settlement_total = payment_views.settlements_page(connection, company, limit=PAGE_SIZE,
                                                                       offset=(spage - 1) * PAGE_SIZE)
        names = ledger_views.client_names(connection, company, (row.client for row in rows))
    period = {"from": start.isoformat(), "to": end.isoformat()}
    return render(request, "payments.html", {
        "profile": profile, "name": name, "section": "payments", "start": start, "end": end,
        "period": _query(**period), "rows": rows, "total": total, "totals": totals, "names": names, "page": page,
        "pages": _page_count(total), "counts": counts, "problems": problems, "problem_total": problem_total,
        "show": show, "fpage": fpage, "fpages": _page_count(problem_total), "settlement_counts": settlement_counts,
        "settlements": settlements, "settlement_total": settlement_total, "spage": spage,
        "spages": _page_count(settlement_total), "state_word": journal_state_word,
        "settlement_word": settlement_word, "notice": _setup_notice(profile),
        "links": {"page": lambda number: "?" + _query(**period, show=show, fpage=fpage, spage=spage, page=number),
                  "fpage": lambda number: "?" + _query(**period, show=show, page=page, spage=spage, fpage=number),
                  "spage": lambda number: "?" + _query(**period, show=show, page=page, fpage=fpage, spage=number),
                  "show": lambda which: "?" + _query(**period, page=page, spage=spage, show=which)}})


SETTLEMENT_WORDS = {"pending": N_("to send"), "sent": N_("sent to the platform"),
                    "on_platform": N_("already on the platform")}


def settlement_word(state: str) -> str:
    return console_gettext(SETTLEMENT_WORDS[state]) if state in SETTLEMENT_WORDS else state


PAYMENT_COLUMNS = (
    Column(N_("Date"), "date", 12), Column(N_("Payment"), width=10), Column(N_("Piece"), width=12),
    Column(N_("Journal"), width=8), Column(N_("Entry no."), width=12), Column(N_("Invoice"), width=16),
    Column(N_("Client"), width=12), Column(N_("Client name"), width=28), Column(N_("Amount"), "amount", 14),
    Column(N_("VAT moved"), "amount", 13), Column(N_("Letter"), width=7), Column(N_("State"), width=26))


def _payment_rows(console: ConsoleState, name: str, company: str, start: date, end: date) -> Iterator[list[Any]]:
    def row(item: payment_views.PostedPayment, client_name: str) -> list[Any]:
        return [item.payment_date, item.platform_id, item.piece, item.journal, item.entry_number, item.number,
                item.client, client_name, item.amount, item.vat, item.letter, journal_state_word(item.state)]

    with console.readers.connect(console.ledger_path(name)) as connection:
        yield from _named(connection, company, payment_views.iter_payments(connection, company, start, end), row,
                          lambda item: item.client)


@router.get("/company/{name}/payments.{extension}")
def payments_export(request: Request, name: str, extension: str, date_from: str = Query("", alias="from"),
                    date_to: str = Query("", alias="to")) -> Response:
    """Every payment posted in the period (no page), with the period's totals."""
    console = console_state(request)
    profile = load_profile(request, name)
    start, end = receipts_period(date_from, date_to)
    company = profile.sage_company
    with console.readers.connect(console.ledger_path(name)) as connection:
        totals = payment_views.collected_totals(connection, company, start, end)
    return _export(request, extension, f"reglements-{name}-{start:%Y%m%d}-{end:%Y%m%d}",
                   console_gettext("Payments"), PAYMENT_COLUMNS,
                   lambda: _payment_rows(console, name, company, start, end),
                   lambda: [None, console_gettext("Total"), "", "", "", "", "", "", totals.amount, totals.vat, "", ""])
