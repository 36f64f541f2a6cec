"""Money: the documents list's exports, the sales journal of a period ("Journal des ventes") and its brouillard.

What an accountant reconciles with the platform's sales figures: every amount comes from the
ledger's entries (the totals kept with each posting, and the entry lines they are checked
against), read only. Each list has its .xlsx and CSV export, with the same filters as the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from sagesync.i18n import N_, console_gettext
from sagesync.interfaces.console import exports
from sagesync.interfaces.console.exports import Column
from sagesync.interfaces.console.formatting import state_word
from sagesync.interfaces.console.state import ConsoleState, console_state, load_profile, render
from sagesync.ledger import views as ledger_views
from sagesync.profiles.model import Profile

router = APIRouter()

KINDS = ("invoice", "credit_note")
BROUILLARD_PAGE = 100  # entries a page of the brouillard (each with its lines)


def parse_day(text: str) -> date | None:
    """``2025-03-31`` (what a date field sends) -> a date; anything else -> None (the filter is left out)."""
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def document_filters(state: str = "", q: str = "", client: str = "", kind: str = "", date_from: str = "",
                     date_to: str = "") -> ledger_views.DocumentFilters:
    return ledger_views.DocumentFilters(
        state=state if state in dict(ledger_views.DOCUMENT_STATES) else "", text=q.strip(), client=client.strip(),
        kind=kind if kind in KINDS else "", date_from=parse_day(date_from), date_to=parse_day(date_to))


def filters_query(filters: ledger_views.DocumentFilters) -> str:
    """The filters as the documents page's query string (its pager and export links keep them)."""
    values = {"state": filters.state, "q": filters.text, "client": filters.client, "kind": filters.kind,
              "from": filters.date_from.isoformat() if filters.date_from else "",
              "to": filters.date_to.isoformat() if filters.date_to else ""}
    return urlencode({key: value for key, value in values.items() if value})


def kind_word(kind: str) -> str:
    return console_gettext(N_("credit note (avoir)")) if kind == "credit_note" else console_gettext(N_("invoice"))


def _amount(text: Any) -> Decimal | None:
    return None if text is None or text == "" else Decimal(str(text))


# --- the documents list ------------------------------------------------------------------------

DOCUMENT_COLUMNS = (
    Column(N_("Client"), width=12), Column(N_("Client name"), width=28), Column(N_("Date"), "date", 12),
    Column(N_("Number"), width=16), Column(N_("Kind"), width=18), Column(N_("Excl. VAT (HT)"), "amount", 14),
    Column(N_("VAT (TVA)"), "amount", 13), Column(N_("Incl. VAT (TTC)"), "amount", 14),
    Column(N_("State"), width=30), Column(N_("Piece"), width=14), Column(N_("Journal"), width=8),
    Column(N_("Entry no."), width=12), Column(N_("Entry date"), "date", 12), Column(N_("Platform id"), width=12))


def _document_rows(state: ConsoleState, name: str, company: str,
                   filters: ledger_views.DocumentFilters) -> Iterator[list[Any]]:
    """The export's rows, read in pages of the stream: the clients' names looked up a thousand rows at a time."""
    with state.readers.connect(state.ledger_path(name)) as connection:
        batch: list[dict[str, Any]] = []

        def flush() -> Iterator[list[Any]]:
            names = ledger_views.client_names(connection, company, (row["tiers"] or "" for row in batch))
            for row in batch:
                yield [row["tiers"] or "", names.get(row["tiers"] or "", ""), row["issue_date"], row["number"],
                       kind_word(row["kind"]), _amount(row["total_ht"]), _amount(row["total_vat"]),
                       _amount(row["total_ttc"]), state_word(row["state"]), row["piece"] or "", row["journal"] or "",
                       row["entry_number"] or "", row["entry_date"], row["source_id"]]

        for row in ledger_views.iter_documents(connection, company, filters):
            batch.append(row)
            if len(batch) == 1000:
                yield from flush()
                batch = []
        yield from flush()


@router.get("/company/{name}/documents.{extension}")
def documents_export(request: Request, name: str, extension: str, state: str = "", q: str = "", client: str = "",
                     kind: str = "", date_from: str = Query("", alias="from"),
                     date_to: str = Query("", alias="to")) -> Response:
    """The documents list with the page's filters, every row (no page), as .xlsx or CSV."""
    console = console_state(request)
    profile = load_profile(request, name)
    filters = document_filters(state, q, client, kind, date_from, date_to)
    return _export(request, extension, f"documents-{name}-{date.today():%Y%m%d}", console_gettext("Documents"),
                   DOCUMENT_COLUMNS, lambda: _document_rows(console, name, profile.sage_company, filters))


def _export(request: Request, extension: str, stem: str, sheet: str, columns: tuple[Column, ...],
            rows: Callable[[], Iterator[list[Any]]]) -> Response:
    """The list as .xlsx or .csv; ``rows`` is called once the format is known (its reads start with the download)."""
    if extension == "xlsx":
        return exports.xlsx_response(f"{stem}.xlsx", sheet, columns, rows())
    if extension == "csv":
        return exports.csv_response(f"{stem}.csv", columns, rows())
    message = console_gettext("No such export: .{extension} (the lists export to .xlsx and .csv).").format(
        extension=extension)
    return render(request, "error.html", {"message": message}, status_code=404)


# --- the sales journal of a period -------------------------------------------------------------


def period(profile: Profile, date_from: str, date_to: str) -> tuple[date, date]:
    """The period asked for; by default from the profile's period start to today."""
    start = parse_day(date_from) or profile.period_start
    end = parse_day(date_to) or max(date.today(), start)
    return (start, end) if start <= end else (end, start)


JOURNAL_STATE_WORDS = {"confirmed": N_("posted in Sage"), "delivered": N_("in an import file, not imported yet"),
                       "pending": N_("to deliver (import file not written yet)")}


def journal_state_word(state: str) -> str:
    return console_gettext(JOURNAL_STATE_WORDS[state]) if state in JOURNAL_STATE_WORDS else state_word(state)


def vat_rates(profile: Profile) -> dict[str, Decimal]:
    """Sage VAT code -> its rate (%), from the profile's VAT mapping."""
    rates: dict[str, Decimal] = {}
    for vat in profile.vat:
        for code in (vat.code_debits, vat.code_receipts):
            if code:
                rates[code] = Decimal(str(vat.rate))
    return rates


def _journal(request: Request, name: str, date_from: str, date_to: str
             ) -> tuple[Profile, date, date, ledger_views.Journal]:
    """The profile, the period asked (the profile's start to today by default) and its journal."""
    console = console_state(request)
    profile = load_profile(request, name)
    start, end = period(profile, date_from, date_to)
    with console.readers.connect(console.ledger_path(name)) as connection:
        return profile, start, end, ledger_views.journal(connection, profile.sage_company, start, end)


@router.get("/company/{name}/journal")
def journal_page(request: Request, name: str, date_from: str = Query("", alias="from"),
                 date_to: str = Query("", alias="to")) -> Response:
    profile, start, end, journal = _journal(request, name, date_from, date_to)
    return render(request, "journal.html", {
        "profile": profile, "name": name, "section": "journal", "journal": journal, "rates": vat_rates(profile),
        "state_word": journal_state_word, "period": urlencode({"from": start.isoformat(), "to": end.isoformat()})})


JOURNAL_COLUMNS = (
    Column(N_("Table"), width=22), Column(N_("Code"), width=28), Column(N_("Rate (%)"), width=9),
    Column(N_("Documents"), "number", 11), Column(N_("Excl. VAT (HT)"), "amount", 15),
    Column(N_("VAT (TVA)"), "amount", 14), Column(N_("Incl. VAT (TTC)"), "amount", 15),
    Column(N_("Debit"), "amount", 15), Column(N_("Credit"), "amount", 15))


def journal_rows(journal: ledger_views.Journal, rates: dict[str, Decimal]) -> Iterator[list[Any]]:
    """The journal view's totals as one table: per VAT code, per account, per state, then the checks."""
    per_vat, per_account, per_state = (console_gettext("per VAT code"), console_gettext("per account"),
                                       console_gettext("per state"))
    for vat in journal.by_vat:
        rate = rates.get(vat.code)
        yield [per_vat, vat.code or console_gettext("(no code)"), "" if rate is None else str(rate), None,
               vat.base, vat.vat, vat.base + vat.vat, None, None]
    for account in journal.by_account:
        yield [per_account, account.account, "", None, None, None, None, account.debit, account.credit]
    for state in journal.by_state:
        yield [per_state, journal_state_word(state.state), "", state.count, state.ht, state.vat, state.ttc, None,
               None]
    total = console_gettext("total")
    yield [total, console_gettext("per posting"), "", journal.count, journal.postings_ht, journal.postings_vat,
           journal.postings_ttc, None, None]
    yield [total, console_gettext("from the entry lines"), "", None, journal.lines_ht, journal.lines_vat,
           journal.lines_ttc, journal.total_debit, journal.total_credit]
    check = console_gettext("in balance") if journal.balanced else console_gettext("out of balance")
    yield [console_gettext("check"), check, "", None, journal.postings_ht - journal.lines_ht,
           journal.postings_vat - journal.lines_vat, journal.postings_ttc - journal.lines_ttc,
           journal.total_debit - journal.total_credit, None]


@router.get("/company/{name}/journal.{extension}")
def journal_export(request: Request, name: str, extension: str, date_from: str = Query("", alias="from"),
                   date_to: str = Query("", alias="to")) -> Response:
    profile, start, end, journal = _journal(request, name, date_from, date_to)
    return _export(request, extension, f"journal-{name}-{start:%Y%m%d}-{end:%Y%m%d}",
                   console_gettext("Sales journal"), JOURNAL_COLUMNS, lambda: journal_rows(journal, vat_rates(profile)))


# --- the brouillard ----------------------------------------------------------------------------


@router.get("/company/{name}/brouillard")
def brouillard_page(request: Request, name: str, date_from: str = Query("", alias="from"),
                    date_to: str = Query("", alias="to"), page: int = 1) -> Response:
    console = console_state(request)
    profile = load_profile(request, name)
    start, end = period(profile, date_from, date_to)
    page = max(page, 1)
    with console.readers.connect(console.ledger_path(name)) as connection:
        pieces, total = ledger_views.brouillard_entries(connection, profile.sage_company, start, end,
                                                        limit=BROUILLARD_PAGE, offset=(page - 1) * BROUILLARD_PAGE)
    return render(request, "brouillard.html", {
        "profile": profile, "name": name, "section": "journal", "pieces": pieces, "total": total, "page": page,
        "pages": max((total + BROUILLARD_PAGE - 1) // BROUILLARD_PAGE, 1), "start": start, "end": end,
        "state_word": journal_state_word, "period": urlencode({"from": start.isoformat(), "to": end.isoformat()}),
        "page_debit": sum((piece.total_debit for piece in pieces), Decimal("0.00")),
        "page_credit": sum((piece.total_credit for piece in pieces), Decimal("0.00"))})


BROUILLARD_COLUMNS = (
    Column(N_("Date"), "date", 12), Column(N_("Journal"), width=8), Column(N_("Entry no."), width=12),
    Column(N_("Piece"), width=14), Column(N_("Number"), width=16), Column(N_("State"), width=26),
    Column(N_("Line"), "number", 6), Column(N_("Account"), width=12), Column(N_("Tiers"), width=12),
    Column(N_("Label"), width=40), Column(N_("Debit"), "amount", 14), Column(N_("Credit"), "amount", 14),
    Column(N_("VAT code"), width=9), Column(N_("Due"), "date", 12))


def _brouillard_rows(console: ConsoleState, name: str, company: str, start: date, end: date) -> Iterator[list[Any]]:
    with console.readers.connect(console.ledger_path(name)) as connection:
        for line in ledger_views.iter_brouillard_lines(connection, company, start, end):
            debit = line["amount"] if line["side"] == "debit" else None
            credit = line["amount"] if line["side"] == "credit" else None
            yield [line["entry_date"], line["journal"], line["entry_number"], line["piece"], line["number"],
                   journal_state_word(line["state"]), line["line_no"], line["account"], line["tiers"], line["label"],
                   debit, credit, line["vat_code"], line["due_date"]]


@router.get("/company/{name}/brouillard.{extension}")
def brouillard_export(request: Request, name: str, extension: str, date_from: str = Query("", alias="from"),
                      date_to: str = Query("", alias="to")) -> Response:
    console = console_state(request)
    profile = load_profile(request, name)
    start, end = period(profile, date_from, date_to)
    return _export(request, extension, f"brouillard-{name}-{start:%Y%m%d}-{end:%Y%m%d}",
                   console_gettext("Brouillard"), BROUILLARD_COLUMNS,
                   lambda: _brouillard_rows(console, name, profile.sage_company, start, end))
