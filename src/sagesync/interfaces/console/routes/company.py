"""The company page: the step buttons, live progress by server-sent events, and the books at a glance.

The buttons are the old connector's (Pull customers, Pull projects, Check
invoices, Pull invoices) plus Write back and Sync all. A click starts the step
in the background (``StepRunner``) and answers with the progress panel; every
page open on the company then follows the run through ``/events``, which sends
the panel again each time the run moves, and ``finished`` when it is over (the
page then reloads its counts and recent runs).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sagesync.errors import SagesyncError
from sagesync.i18n import console_gettext
from sagesync.interfaces.console.runner import STEP_BUTTONS, STEP_NAMES
from sagesync.interfaces.console.state import ConsoleState, console_state, load_profile, render
from sagesync.ledger import views as ledger_views
from sagesync.profiles.model import LocationKind, Profile

router = APIRouter()

KEEPALIVE_SECONDS = 10.0


def _panel_context(state: ConsoleState, profile: Profile) -> dict[str, Any]:
    snapshot = state.runner.channel(profile.name).snapshot()
    import_files = [path for report in snapshot.reports for name, path in report.outputs if "import file" in name]
    return {"profile": profile, "name": profile.name, "snapshot": snapshot, "buttons": STEP_BUTTONS,
            "import_files": import_files, "mae": profile.location_kind is LocationKind.MAE_FILE}


def _summary_context(state: ConsoleState, profile: Profile) -> dict[str, Any]:
    with state.readers.connect(state.ledger_path(profile.name)) as connection:
        counts = ledger_views.state_counts(connection, profile.sage_company)
        recent = ledger_views.run_history(connection, profile.sage_company, limit=6)
        codes = ledger_views.finding_codes(connection, profile.sage_company)
    return {"profile": profile, "name": profile.name, "counts": counts, "states": ledger_views.DOCUMENT_STATES,
            "recent": recent, "finding_total": sum(count for _code, count in codes)}


@router.get("/company/{name}")
def company_page(request: Request, name: str) -> Response:
    state = console_state(request)
    profile = load_profile(request, name)
    return render(request, "company.html", {**_panel_context(state, profile), **_summary_context(state, profile),
                                            "section": "company"})


@router.get("/company/{name}/summary")
def company_summary(request: Request, name: str) -> Response:
    state = console_state(request)
    return render(request, "_summary.html", _summary_context(state, load_profile(request, name)))


@router.post("/company/{name}/confirm")
async def confirm_import(request: Request, name: str) -> Response:
    """« Confirm the import »: the pieces of the import files that Sage now holds are marked as in Sage
    (`sagesync sage confirm`); the page's counts are reloaded after."""
    from sagesync import jobs

    profile = load_profile(request, name)
    confirmed = waiting = 0
    error = ""
    try:
        # The company lock, the ledger and Sage (or its export) are read: never on the event loop.
        confirmed, waiting = await run_in_threadpool(jobs.confirm_written, profile)
    except SagesyncError as failure:
        error = str(failure)
    response = render(request, "_confirmed.html", {"profile": profile, "name": name, "confirmed": confirmed,
                                                   "waiting": waiting, "error": error,
                                                   "mae": profile.location_kind is LocationKind.MAE_FILE})
    response.headers["HX-Trigger"] = "confirmed"
    return response


@router.post("/company/{name}/run/{step}")
def run_step(request: Request, name: str, step: str) -> Response:
    state = console_state(request)
    profile = load_profile(request, name)
    if step not in STEP_NAMES:
        message = console_gettext("There is no step {step}.").format(step=repr(step))
        return render(request, "error.html", {"message": message}, status_code=404)
    state.runner.start(profile, step)
    response = render(request, "_panel.html", _panel_context(state, profile))
    response.headers["HX-Trigger"] = "run-started"  # the cabinet view draws the company's row again
    return response


def _event(kind: str, html: str) -> str:
    """One server-sent event; every line of the HTML gets its own ``data:`` field."""
    data = "\n".join(f"data: {line}" for line in (html.splitlines() or [""]))
    return f"event: {kind}\n{data}\n\n"


@router.get("/company/{name}/events")
async def company_events(request: Request, name: str) -> Response:
    state = console_state(request)
    profile = load_profile(request, name)
    channel = state.runner.channel(name)
    panel = state.templates.get_template("_panel.html")
    subscription = channel.subscribe(asyncio.get_running_loop())

    def render_panel() -> str:
        return panel.render(_panel_context(state, profile))

    async def stream() -> AsyncIterator[str]:
        try:
            yield _event("progress", render_panel())
            while not state.closing.is_set():
                try:
                    kinds = {await asyncio.wait_for(subscription.queue.get(), KEEPALIVE_SECONDS)}
                except TimeoutError:
                    yield ": still here\n\n"  # a comment: keeps proxies and the browser from timing out
                    continue
                while not subscription.queue.empty():  # a burst of events is one redraw
                    kinds.add(subscription.queue.get_nowait())
                if "closing" in kinds:
                    break
                yield _event("progress", render_panel())
                if "finished" in kinds:
                    yield _event("finished", "done")
        finally:
            channel.unsubscribe(subscription)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})
