"""The console's web application: ``create_app(token=...)`` gives the FastAPI app ``sagesync console`` serves.

Pages are rendered on the server (Jinja templates); htmx, shipped in
``static/``, makes the buttons and the live progress work without a JavaScript
build. Every request first goes through ``SessionGuard`` (key, cookie, CSRF).
No route holds business logic: steps run through ``sagesync.jobs``, profiles
through ``sagesync.profiles``, pages read the ledger through ``ledger_views``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from sagesync.errors import ConfigurationError, LockHeldError, SagesyncError, UnreachableError
from sagesync.interfaces.console import formatting
from sagesync.interfaces.console.routes import books, company, downloads, profiles
from sagesync.interfaces.console.runner import SourceFactory, StepRunner, step_title
from sagesync.interfaces.console.security import SessionGuard, Sessions
from sagesync.interfaces.console.state import ConsoleState, ProfileUnavailable, console_state
from sagesync.ledger.views import LedgerReaders

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def _page_context(request: Request) -> dict[str, Any]:
    """Given to every template: the session's CSRF token, for forms and htmx."""
    return {"csrf_token": getattr(request.state, "csrf_token", "")}


def _status(error: SagesyncError) -> int:
    if isinstance(error, LockHeldError):
        return 409
    if isinstance(error, UnreachableError):
        return 502
    if isinstance(error, ConfigurationError):
        return 404 if "no profile named" in str(error) else 400
    return 500


async def _error_page(request: Request, error: Exception) -> Response:
    assert isinstance(error, SagesyncError)
    name = error.name if isinstance(error, ProfileUnavailable) else ""
    templates = console_state(request).templates
    return templates.TemplateResponse(request, "error.html", {"message": str(error), "name": name,
                                                              "profile_problem": bool(name)},
                                      status_code=_status(error))


def create_app(*, token: str, source_factory: SourceFactory | None = None,
               profiles_file: Path | None = None) -> FastAPI:
    """The console app. ``token`` is the key of ``/login?token=...``; ``source_factory`` replaces the
    platform client (a ``FileSource`` in tests); ``profiles_file`` replaces the user's profiles file."""
    templates = Jinja2Templates(directory=str(TEMPLATES), context_processors=[_page_context])
    formatting.install(templates.env)
    templates.env.globals["step_title"] = step_title
    state = ConsoleState(templates=templates, runner=StepRunner(source_factory), readers=LedgerReaders(),
                         profile_store_path=profiles_file)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        state.closing.set()
        state.runner.close()
        state.readers.dispose()

    app = FastAPI(title="sagesync console", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.console = state
    app.add_middleware(SessionGuard, sessions=Sessions(token))
    app.add_exception_handler(SagesyncError, _error_page)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in (profiles, company, books, downloads):
        app.include_router(module.router)
    return app


def close(app: FastAPI) -> None:
    """Wake the pages' event streams so a server can stop now (they would otherwise wait for a keep-alive)."""
    state: ConsoleState = app.state.console
    state.closing.set()
    state.runner.close(wait_seconds=0)
