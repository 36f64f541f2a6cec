"""What the ledger of record says: findings, documents and their state, a piece's lines, the run history.

Every page here only reads (``ledger_views``); filters are plain GET parameters,
so a filtered page can be bookmarked or sent to a colleague on the same machine.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.responses import Response

from sagesync.i18n import console_gettext
from sagesync.interfaces.console.routes import money
from sagesync.interfaces.console.state import console_state, load_profile, render
from sagesync.ledger import views as ledger_views

router = APIRouter()

PAGE_SIZE = 200
CSV_COLUMNS = ("document", "source_id", "severity", "code", "field", "message", "fix", "run")


def _page_number(page: int) -> int:
    return max(page, 1)


@router.get("/company/{name}/findings")
def findings_page(request: Request, name: str, severity: str = "", code: str = "", q: str = "",
                  page: int = 1) -> Response:
    state = console_state(request)
    profile = load_profile(request, name)
    severity = severity if severity in ledger_views.SEVERITIES else ""
    page = _page_number(page)
    with state.readers.connect(state.ledger_path(name)) as connection:
        rows, total = ledger_views.current_findings(connection, profile.sage_company, severity=severity, code=code,
                                                    text=q.strip(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        codes = ledger_views.finding_codes(connection, profile.sage_company)
    return render(request, "findings.html", {
        "profile": profile, "name": name, "section": "findings", "groups": ledger_views.group_by_document(rows),
        "total": total, "shown": len(rows), "codes": codes, "severities": ledger_views.SEVERITIES,
        "filters": {"severity": severity, "code": code, "q": q}, "page": page,
        "pages": max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)})


@router.get("/company/{name}/findings.csv")
def findings_csv(request: Request, name: str, severity: str = "", code: str = "", q: str = "") -> Response:
    """The current findings as the check report's CSV: UTF-8 with a BOM and ';', what a French Excel opens."""
    state = console_state(request)
    profile = load_profile(request, name)
    path = state.ledger_path(name)

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        buffer.write("\ufeff")
        writer.writerow(CSV_COLUMNS)
        with state.readers.connect(path) as connection:
            for count, row in enumerate(ledger_views.iter_current_findings(
                    connection, profile.sage_company, severity=severity, code=code, text=q.strip()), start=1):
                writer.writerow((row["document"], row["source_id"], row["severity"], row["code"], row["field"],
                                 row["message"], row["fix"], row["run_id"]))
                if count % 500 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    filename = f"findings-{name}-{date.today():%Y%m%d}.csv"
    return StreamingResponse(rows(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/company/{name}/documents")
def documents_page(request: Request, name: str, state: str = "", q: str = "", client: str = "", kind: str = "",
                   date_from: str = Query("", alias="from"), date_to: str = Query("", alias="to"),
                   page: int = 1) -> Response:
    """Every document, a page at a time (no cap: the pager goes through them all), with its client and amounts;
    narrowed by state, period, client, kind and a text; the totals are those of every document kept."""
    console = console_state(request)
    profile = load_profile(request, name)
    filters = money.document_filters(state, q, client, kind, date_from, date_to)
    page = _page_number(page)
    path, company = console.ledger_path(name), profile.sage_company
    with console.readers.connect(path) as connection:
        counts = console.readers.cached(path, ("state_counts", company),
                                        lambda: ledger_views.state_counts(connection, company))
        rows, total = ledger_views.filtered_documents(connection, company, filters, limit=PAGE_SIZE,
                                                      offset=(page - 1) * PAGE_SIZE, counts=counts)
        names = ledger_views.client_names(connection, company, (row["tiers"] or "" for row in rows))
        totals = console.readers.cached(path, ("document_totals", company, filters),
                                        lambda: ledger_views.document_totals(connection, company, filters))
    query = money.filters_query(filters)
    return render(request, "documents.html", {
        "profile": profile, "name": name, "section": "documents", "rows": rows, "total": total, "counts": counts,
        "states": ledger_views.DOCUMENT_STATES, "page": page, "names": names, "totals": totals,
        "filters": {"state": filters.state, "q": q, "client": client, "kind": filters.kind,
                    "from": filters.date_from.isoformat() if filters.date_from else "",
                    "to": filters.date_to.isoformat() if filters.date_to else ""},
        "query": query, "and_query": f"{query}&" if query else "",
        "pages": max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)})


@router.get("/company/{name}/pieces/{posting_id}")
def piece_page(request: Request, name: str, posting_id: int) -> Response:
    state = console_state(request)
    profile = load_profile(request, name)
    with state.readers.connect(state.ledger_path(name)) as connection:
        piece = ledger_views.piece(connection, profile.sage_company, posting_id)
    if piece is None:
        message = console_gettext("No piece {posting_id} in the books of {company}.").format(
            posting_id=posting_id, company=profile.sage_company)
        return render(request, "error.html", {"message": message, "name": name}, status_code=404)
    return render(request, "piece.html", {"profile": profile, "name": name, "section": "documents", "piece": piece})


@router.get("/company/{name}/runs")
def runs_page(request: Request, name: str) -> Response:
    state = console_state(request)
    profile = load_profile(request, name)
    with state.readers.connect(state.ledger_path(name)) as connection:
        history = ledger_views.run_history(connection, profile.sage_company, limit=200)
    return render(request, "runs.html", {"profile": profile, "name": name, "section": "runs", "history": history})
