"""The console's language: French by default, English on request, chosen per browser and translated per request.

The language of a request is, in order: the ``sagesync_lang`` cookie the FR / EN switch sets (``POST
/language``, with the session's CSRF token like every change), the console's default (``create_app(
language=...)``), then the process's (``sagesync --lang``, ``SAGESYNC_LANG``, French). ``LanguageMiddleware``
runs every request inside ``sagesync.i18n.language(code)``: a context variable, so it holds for that request
only, in its asyncio task and in the worker thread that runs its route, and every ``console_gettext`` and
every template (``{% trans %}``, ``_()``) of the request speaks it.

The step runner's threads outlive the click that started them and are watched by pages in either
language: what they say is kept as ``LazyText`` and translated when a page draws it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from starlette.datastructures import Headers
from starlette.responses import RedirectResponse, Response

from sagesync.i18n import LANGUAGES, console_gettext, current_language, language

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LANGUAGE_COOKIE = "sagesync_lang"
LANGUAGE_PATH = "/language"
COOKIE_MAX_AGE = 400 * 24 * 3600  # a preference: kept across browser restarts (browsers cap cookies at 400 days)
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}

router = APIRouter()


def chosen_language(value: str | None) -> str | None:
    """``value`` when it names a console language, else None."""
    code = (value or "").strip().lower()
    return code if code in LANGUAGES else None


def cookie_language(headers: Headers) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header: no choice made
        return None
    morsel = jar.get(LANGUAGE_COOKIE)
    return chosen_language(morsel.value) if morsel is not None else None


class LanguageMiddleware:
    """ASGI middleware, outermost: every request (the session guard's refusals included) in its language."""

    def __init__(self, app: ASGIApp, default: str | None = None) -> None:
        self.app = app
        self.default = chosen_language(default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        code = cookie_language(Headers(scope=scope)) or self.default
        with language(code):  # None: the process's language, read now (SAGESYNC_LANG may change between requests)
            scope.setdefault("state", {})["language"] = current_language()
            await self.app(scope, receive, send)


def _local(path: str) -> str:
    """``path`` when it is an address of this console (never another site's), else the home page."""
    parts = urlsplit(path)
    if path.startswith("/") and not path.startswith("//") and not parts.scheme and not parts.netloc and (
            "\\" not in path):
        return path
    return "/profiles"


@router.post(LANGUAGE_PATH)
async def switch_language(request: Request) -> Response:
    """The FR / EN switch: remember the language in a cookie, then show the same page again."""
    form = await request.form()
    code = chosen_language(str(form.get("lang", "")))
    response = RedirectResponse(_local(str(form.get("next", ""))), status_code=303)
    if code is not None:
        # SameSite=Strict and HttpOnly, like the session cookie; no Secure flag: plain http on loopback.
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=COOKIE_MAX_AGE, httponly=True, samesite="strict",
                            path="/")
    return response


def console_lazy(message: str, **fields: object) -> LazyText:
    """A message translated only when shown (``str()``), in the language of the page showing it."""
    return LazyText(message, tuple(fields.items()))


@dataclass(frozen=True, slots=True)
class LazyText:
    message: str  # the English msgid, with {named} fields
    fields: tuple[tuple[str, object], ...] = ()

    def __str__(self) -> str:
        return console_gettext(self.message).format(**{name: str(value) for name, value in self.fields})

    def __bool__(self) -> bool:
        return bool(self.message)
