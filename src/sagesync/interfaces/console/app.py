"""The console's web application: ``create_app(token=...)`` gives the FastAPI app ``sagesync console`` serves.

Pages are rendered on the server (Jinja templates); htmx, shipped in
``static/``, makes the buttons and the live progress work without a JavaScript
build. Every request first takes its language (``LanguageMiddleware``: the FR / EN
switch's cookie, else the console's default), then goes through ``SessionGuard``
(key, cookie, CSRF). Every text of the pages is translated (``console`` gettext
domain, see ``catalog``); what the core says (findings, errors) comes translated
from the ``sagesync`` domain.
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
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import Response

from sagesync.errors import ConfigurationError, LockHeldError, SagesyncError, UnreachableError
from sagesync.i18n import LANGUAGES, console_gettext, console_ngettext, current_language
from sagesync.interfaces.console import cabinet as cabinet_words
from sagesync.interfaces.console import formatting
from sagesync.interfaces.console import language as language_module
from sagesync.interfaces.console.routes import books, cabinet, company, downloads, money, profiles, receipts
from sagesync.interfaces.console.runner import SourceFactory, StepRunner, step_title
from sagesync.interfaces.console.security import SessionGuard, Sessions
from sagesync.interfaces.console.state import ConsoleState, ProfileUnavailable, console_state
from sagesync.ledger.views import LedgerReaders

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def _page_context(request: Request) -> dict[str, Any]:
    """Given to every template: the session's CSRF token (forms and htmx), the language and the page's address
    (the FR / EN switch comes back to it)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return {"csrf_token": getattr(request.state, "csrf_token", ""), "language": current_language(),
            "languages": LANGUAGES, "here": here}


def environment() -> Environment:
    """The templates' Jinja environment: autoescaped, with gettext (``{% trans %}``, ``_()``) on the console domain.

    ``trimmed``: a ``{% trans %}`` block's message is its text with the line breaks and indents folded, so the
    template can be laid out freely. ``newstyle``: ``_("... %(name)s", name=value)`` formats and escapes itself.
    """
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(),
                      extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(console_gettext, console_ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def _status(request: Request, error: SagesyncError) -> int:
    if isinstance(error, LockHeldError):
        return 409
    if isinstance(error, UnreachableError):
        return 502
    if isinstance(error, ConfigurationError):
        return 404 if _unknown_profile(request) else 400
    return 500


def _unknown_profile(request: Request) -> bool:
    """The page is about a profile the profiles file does not hold (read from the store: the error's text is
    translated, so it cannot be matched)."""
    name = request.path_params.get("name")
    if not name:
        return False
    try:
        return str(name) not in console_state(request).profiles().names()
    except SagesyncError:
        return False


async def _error_page(request: Request, error: Exception) -> Response:
    assert isinstance(error, SagesyncError)
    name = error.name if isinstance(error, ProfileUnavailable) else ""
    templates = console_state(request).templates
    return templates.TemplateResponse(request, "error.html", {"message": str(error), "name": name,
                                                              "profile_problem": bool(name)},
                                      status_code=_status(request, error))


def create_app(*, token: str, source_factory: SourceFactory | None = None,
               profiles_file: Path | None = None, language: str | None = None) -> FastAPI:
    """The console app. ``token`` is the key of ``/login?token=...``; ``source_factory`` replaces the
    platform client (a ``FileSource`` in tests); ``profiles_file`` replaces the user's profiles file;
    ``language`` (``fr``, ``en``) is the pages' language until a browser picks one with the FR / EN switch
    (None: the process's, ``sagesync --lang`` or ``SAGESYNC_LANG``, French by default)."""
    templates = Jinja2Templates(env=environment(), context_processors=[_page_context])
    formatting.install(templates.env)
    templates.env.filters["cabinet_state"] = cabinet_words.state_word
    templates.env.globals["step_title"] = step_title
    state = ConsoleState(templates=templates, runner=StepRunner(source_factory), readers=LedgerReaders(),
                         profile_store_path=profiles_file)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        state.closing.set()
        state.runner.close()
        state.readers.dispose()
        state.cabinet.dispose()

    app = FastAPI(title="sagesync console", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.console = state
    app.add_middleware(SessionGuard, sessions=Sessions(token))
    app.add_middleware(language_module.LanguageMiddleware, default=language)  # outermost: the guard's pages too
    app.add_exception_handler(SagesyncError, _error_page)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in (profiles, cabinet, company, books, money, receipts, downloads, language_module):
        app.include_router(module.router)
    return app


def close(app: FastAPI) -> None:
    """Wake the pages' event streams so a server can stop now (they would otherwise wait for a keep-alive)."""
    state: ConsoleState = app.state.console
    state.closing.set()
    state.runner.close(wait_seconds=0)
