"""Who may talk to the console: the person who opened the address `sagesync console` printed.

The console drives the books of a company, so a page that any local program or
any web site could reach would be a hole. Three rules, enforced here for every
request before any route sees it:

- **A key in the address, exchanged for a cookie.** The command makes a random key
  (``secrets.token_urlsafe``) and opens ``/login?token=KEY``. That request gets a
  session cookie (HttpOnly: scripts cannot read it; SameSite=Strict: another site
  cannot make the browser send it) and is redirected, so the key leaves the
  address bar and the history's last page.
- **No cookie, no page.** Every other request without a live session cookie is
  refused with 403, static files included.
- **CSRF token on every change.** Every unsafe request (POST, PUT, PATCH, DELETE)
  carries the session's CSRF token: the ``X-CSRF-Token`` header (htmx sends it,
  set once on ``<body>``) or a ``csrf_token`` form field (plain forms). The body is
  read here, checked, then replayed to the app unchanged.

Every answer also carries headers that keep the pages out of frames, caches and
referrers. Neither the key nor a token is ever logged or put in an error. The
refusals are in the request's language (``LanguageMiddleware`` runs first).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers, QueryParams
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from sagesync.i18n import N_, console_gettext

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOGIN_PATH = "/login"
HOME_PATH = "/profiles"
COOKIE_NAME = "sagesync_console"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BODY_BYTES = 1024 * 1024  # the console's forms are a few kilobytes

SECURITY_HEADERS = {
    # htmx runs from /static; no inline script or style anywhere (htmx's own indicator style is turned off).
    "content-security-policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
}

NO_SESSION = N_("Forbidden: this console only answers the browser that opened the address `sagesync console` "
                "printed (it holds this console's key). Open that address again, or restart `sagesync console`.")
BAD_KEY = N_("Forbidden: this key is not the key of this console. Use the address `sagesync console` printed last.")
BAD_CSRF = N_("Forbidden: the form is missing its CSRF token or holds another session's (a stale page, or a "
              "request from another site). Reload the page and try again.")
TOO_LARGE = N_("Request too large for the console.")


class Sessions:
    """The console's key and the browser sessions it opened, in memory: a restart logs everyone out."""

    def __init__(self, token: str) -> None:
        if len(token) < 16:
            raise ValueError("the console key must be at least 16 characters (use secrets.token_urlsafe())")
        self._token = token
        self._csrf_by_session: dict[str, str] = {}
        self._lock = threading.Lock()

    def key_matches(self, given: str) -> bool:
        return secrets.compare_digest(given.encode("utf-8"), self._token.encode("utf-8"))

    def open(self) -> str:
        """A new session id; its CSRF token is made with it."""
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            self._csrf_by_session[session_id] = secrets.token_urlsafe(32)
        return session_id

    def csrf_token(self, session_id: str | None) -> str | None:
        """The session's CSRF token, or None when the cookie names no live session."""
        if not session_id:
            return None
        with self._lock:
            return self._csrf_by_session.get(session_id)


def _cookie(headers: Headers) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is a request without a session
        return None
    morsel = jar.get(COOKIE_NAME)
    return morsel.value if morsel is not None else None


def _csrf_from_body(headers: Headers, body: bytes) -> str:
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return ""  # multipart and JSON requests must send the header (the console's own forms are urlencoded)
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    values = fields.get(CSRF_FIELD) or [""]
    return values[0]


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when it is larger than the console ever needs."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # then wait for the disconnect, as the server would

    return replay


class SessionGuard:
    """ASGI middleware: the key exchange, the session check and the CSRF check, in that order."""

    def __init__(self, app: ASGIApp, sessions: Sessions) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets here
            return
        send = self._with_security_headers(send)
        headers = Headers(scope=scope)
        method = scope["method"].upper()
        if scope["path"] == LOGIN_PATH and method == "GET":
            await self._login(scope, receive, send)
            return
        csrf = self.sessions.csrf_token(_cookie(headers))
        if csrf is None:
            await PlainTextResponse(console_gettext(NO_SESSION), status_code=403)(scope, receive, send)
            return
        scope.setdefault("state", {})["csrf_token"] = csrf
        if method not in SAFE_METHODS:
            body = await _read_body(receive)
            if body is None:
                await PlainTextResponse(console_gettext(TOO_LARGE), status_code=413)(scope, receive, send)
                return
            given = headers.get(CSRF_HEADER) or _csrf_from_body(headers, body)
            if not given or not secrets.compare_digest(given.encode("utf-8"), csrf.encode("utf-8")):
                await PlainTextResponse(console_gettext(BAD_CSRF), status_code=403)(scope, receive, send)
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = QueryParams(scope.get("query_string", b"").decode("latin-1")).get("token", "")
        if not given or not self.sessions.key_matches(given):
            await PlainTextResponse(console_gettext(BAD_KEY), status_code=403)(scope, receive, send)
            return
        response: Response = RedirectResponse(HOME_PATH, status_code=303)
        # No max_age: a browser-session cookie, gone when the browser closes; no Secure flag: plain http on loopback.
        response.set_cookie(COOKIE_NAME, self.sessions.open(), httponly=True, samesite="strict", path="/")
        await response(scope, receive, send)

    @staticmethod
    def _with_security_headers(send: Send) -> Send:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name.encode("latin-1"), value.encode("latin-1"))
                         for name, value in SECURITY_HEADERS.items() if name.encode("latin-1") not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        return send_with_headers
