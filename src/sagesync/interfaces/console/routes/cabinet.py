"""« Cabinet »: every company the firm runs, the ones needing someone first, each with « Run now ».

The page reads (``cabinet``): the profiles file, each ledger read-only (kept until it changes), the
unattended side's memory and the schedules. A state filter and a search on the company's name are
GET parameters, so a filtered view can be bookmarked.

« Run now » is the company page's own « Sync all » (``POST /company/<name>/run/sync``, with the CSRF
header htmx sends): the click answers once the run holds the company, then its row is drawn again
(``GET /cabinet/row/<name>``), every two seconds while it runs, until it shows the run's outcome.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from sagesync.errors import ConfigurationError
from sagesync.i18n import console_gettext
from sagesync.interfaces.console import cabinet
from sagesync.interfaces.console.state import ConsoleState, console_state, render
from sagesync.profiles.store import ProfileListing
from sagesync.unattended.state import StateStore

router = APIRouter()

# How often a running company's row is drawn again (htmx ``every``).
POLL = "2s"


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _console_runs(state: ConsoleState) -> dict[str, cabinet.ConsoleRun]:
    """What this console's step runner knows: the companies it is syncing, and the last run's failure of the others."""
    running = set(state.runner.running())
    found = {}
    for name, snapshot in state.runner.snapshots().items():
        started = _moment(snapshot.running.started_at) if snapshot.running is not None else None
        if name in running:
            found[name] = cabinet.ConsoleRun(True, started)
        elif snapshot.error:
            found[name] = cabinet.ConsoleRun(False, failed_at=_moment(snapshot.finished_at), error=str(snapshot.error))
    return found


def _rows(state: ConsoleState, listing: list[ProfileListing]) -> list[cabinet.CabinetRow]:
    return cabinet.build_rows(listing, cache=state.cabinet, states=StateStore(), console=_console_runs(state))


@router.get("/cabinet")
def cabinet_page(request: Request, state: str = "", q: str = "") -> Response:
    console = console_state(request)
    try:
        listing, problem = console.cabinet.listing(console.profiles()), ""
    except ConfigurationError as error:
        listing, problem = [], str(error)
    chosen = state if state in cabinet.STATE_WORDS else ""
    text = q.strip()
    found = [row for row in _rows(console, listing) if row.matches(text)]
    shown = [row for row in found if not chosen or row.state == chosen]
    return render(request, "cabinet.html", {
        "section": "cabinet", "rows": shown, "counts": cabinet.state_counts(found), "states": cabinet.STATES,
        "chosen": chosen, "q": text, "problem": problem, "total": len(listing), "poll": POLL})


@router.get("/cabinet/row/{name}")
def cabinet_row(request: Request, name: str, was: str = "") -> Response:
    """One company's row, drawn again after « Run now » and while its run goes on; ``was``: the state the page
    shows (when it changed, the page draws its counts per state again)."""
    console = console_state(request)
    listing = [item for item in console.cabinet.listing(console.profiles()) if item.name == name]
    if not listing:
        message = console_gettext("There is no profile {name}.").format(name=repr(name))
        return render(request, "error.html", {"message": message}, status_code=404)
    row = _rows(console, listing)[0]
    response = render(request, "_cabinet_row.html", {"row": row, "poll": POLL})
    if was and was != row.state:
        response.headers["HX-Trigger"] = "cabinet-changed"
    return response
