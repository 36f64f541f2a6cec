"""The sandbox platform: a real HTTP server speaking the OOTI wire format (ooti-api.md §10, §12).

Serves a firm file (default: the bundled sample firm) on loopback: JWT login
(form or JSON), token refresh, profile, membership, teams, currencies, clients,
projects, invoices with the confirmed filters (``team``, ``type``, ``is_sent``,
``is_valid``, ``q``, ``page``, ``page_size`` capped at 500), invoice items,
payments (filters ``team`` and ``invoice``), PATCH of invoices (recorded in
``patches``), and payments created, allocated and changed (``POST
v1/payments/list/{org}/?team=``, ``PATCH v1/payments/invoice/{pk}/`` and
``v1/payments/{pk}/``, recorded in ``created_payments``, ``allocations`` and
``payment_patches``; faults apply to them as to reads). Every API route but
the login answers 401 without ``Authorization: JWT <token>``. Invoice list rows
omit ``items`` unless ``items_in_list`` (§12: the client then fetches them).
``latency`` delays every answer, as a network round trip would (benchmarks).

``GET /accounts/login/`` sets a ``csrftoken`` cookie, for the vendor SDK's CSRF step.
Fault injection (``Faults``, see ``faults.py``) plays 5xx with or without Retry-After,
429 (drawn, or from a requests-per-second token bucket), bodies cut in both forms,
connection resets, slow answers and access tokens that expire after N seconds or N
requests. ``api_token`` makes the sandbox also accept a long-lived API token, sent
as ``Authorization: <api_token_scheme> <token>`` (OOTI Settings > Integrations).

    with start_sandbox() as sandbox:          # port 0: any free port
        client = OotiClient(sandbox.base_url, *sandbox.credentials, None, None)
"""

from __future__ import annotations

import hmac
import json
import math
import secrets
import socket
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlencode, urlsplit

from sagesync.sandbox.faults import Decision, Fault, FaultPlan, Faults
from sagesync.sandbox.routes import NOT_FOUND, ROUTES, Answer
from sagesync.sandbox.samplefirm import sample_firm_path
from sagesync.sandbox.store import FirmStore, Wire

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50

NO_FAULT = Decision(Fault.NONE, slow=False)



class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: FirmStore, faults: Faults | None,
                 items_in_list: bool, token_lifetime: float, latency: float = 0.0, api_token: str | None = None,
                 api_token_scheme: str = "Bearer") -> None:
        super().__init__(address, SandboxHandler)
        self.store = store
        self.faults = FaultPlan(faults or Faults())
        self.items_in_list = items_in_list
        self.latency = latency
        self.token_lifetime = faults.token_seconds if faults and faults.token_seconds is not None else token_lifetime
        self.token_requests = faults.token_requests if faults else None
        self.api_token, self.api_token_scheme = api_token, api_token_scheme
        self.access_tokens: dict[str, tuple[float, int | None]] = {}  # token -> (expiry (monotonic), uses left)
        self.refresh_tokens: set[str] = set()
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()

    def issue(self) -> tuple[str, str]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        with self.lock:
            self.access_tokens[access] = (time.monotonic() + self.token_lifetime, self.token_requests)
            self.refresh_tokens.add(refresh)
        return access, refresh

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (timeout, fault test) is not news; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def token_valid(self, token: str, use: bool = False) -> bool:
        """Whether the access token still works; ``use`` counts one request against it."""
        with self.lock:
            expiry, uses = self.access_tokens.get(token, (0.0, None))
            if expiry <= time.monotonic() or uses == 0:
                return False
            if use and uses is not None:
                self.access_tokens[token] = (expiry, uses - 1)
            return True

    def api_token_valid(self, scheme: str, token: str) -> bool:
        return (self.api_token is not None and scheme == self.api_token_scheme
                and hmac.compare_digest(token.encode(), self.api_token.encode()))


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real API server
    disable_nagle_algorithm = True  # headers and body are two writes: without this each answer waits ~40 ms
    server: SandboxServer
    request_body: bytes = b""

    def log_message(self, format: str, *args: Any) -> None:
        return None  # quiet: tests and benchmarks would drown; headers (tokens) are never logged

    # --- plumbing ----------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, text: str, extra: Mapping[str, str] | None = None, truncate: bool = False,
              cut: bool = False) -> None:
        payload = text.encode("utf-8")
        if cut:  # a proxy that lost the end of the body but counted right: only a JSON parser notices
            payload = payload[: len(payload) // 2]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if truncate:
            self.send_header("Connection", "close")
        self.end_headers()
        if truncate:  # a proxy or network cut: half the promised bytes, then the connection goes
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(payload)

    def _reset(self) -> None:
        """Drop the connection with an RST before answering (SO_LINGER 0), as a crashed proxy does."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _retry_after(self, seconds: int | None) -> dict[str, str]:
        if seconds is None:
            return {}
        if self.server.faults.faults.retry_after_as_date:  # an HTTP date, rounded up to the next second
            return {"Retry-After": formatdate(math.ceil(time.time()) + seconds, usegmt=True)}
        return {"Retry-After": str(seconds)}

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        body = self._body()
        if method == "GET" and parts.path == "/accounts/login/":
            self._send(200, "{}", {"Set-Cookie": f"csrftoken={secrets.token_hex(16)}; Path=/"})
            return
        for pattern, name, route_method, handler in ROUTES:
            match = pattern.fullmatch(parts.path)
            if match is None or route_method != method:
                continue
            self.server.hits[name] += 1
            is_login = name in ("token-auth", "token-refresh", "token-verify")
            plan = self.server.faults
            spared = not plan.faults.active or (is_login and plan.faults.spare_login)
            decision = NO_FAULT if spared else plan.decide(method, self.path)
            if self.server.latency:
                time.sleep(self.server.latency)
            if decision.slow:
                time.sleep(self.server.faults.faults.slow_seconds)
            if decision.fault is Fault.RESET:
                self._reset()
                return
            if decision.fault is Fault.SERVER_ERROR:
                self._send(plan.faults.error_status, '{"detail":"Service temporarily unavailable (sandbox fault)."}',
                           self._retry_after(decision.retry_after))
                return
            if decision.fault is Fault.RATE_LIMIT:
                self._send(429, '{"detail":"Request was throttled (sandbox fault)."}',
                           self._retry_after(decision.retry_after))
                return
            if not is_login and not self._authorized():
                self._send(401, '{"detail":"Authentication credentials were not provided or have expired."}')
                return
            self.request_body = body
            status, text = handler(self, match, query)
            self._send(status, text, truncate=decision.fault is Fault.TRUNCATE, cut=decision.fault is Fault.CUT_BODY)
            return
        self._send(*NOT_FOUND)

    def _authorized(self) -> bool:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme == "JWT" and self.server.token_valid(token.strip(), use=True):
            return True
        return self.server.api_token_valid(scheme, token.strip())

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    # --- helpers for routes ------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://{self.headers.get('Host') or '127.0.0.1'}"

    def form(self) -> dict[str, Any]:
        """A JSON or form-encoded body (the SDK posts forms, other clients JSON)."""
        raw = self.request_body
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                value = json.loads(raw or b"{}")
            except ValueError:
                return {}
            return value if isinstance(value, dict) else {}
        return {key: values[-1] for key, values in parse_qs(raw.decode("utf-8", "replace")).items()}

    def page(self, rows: list[Any], query: dict[str, str], text: Callable[[Any], str]) -> Answer:
        try:
            size = min(MAX_PAGE_SIZE, max(1, int(query.get("page_size") or DEFAULT_PAGE_SIZE)))
            number = int(query.get("page") or 1)
        except ValueError:
            return 404, '{"detail":"Invalid page."}'
        last = max(1, -(-len(rows) // size))
        if number < 1 or number > last:
            return 404, '{"detail":"Invalid page."}'

        def link(to: int) -> str:
            return json.dumps(f"{self.base}{urlsplit(self.path).path}?{urlencode({**query, 'page': to})}")

        chunk = ",".join(text(row) for row in rows[(number - 1) * size: number * size])
        return 200, (f'{{"count":{len(rows)},"next":{link(number + 1) if number < last else "null"},'
                     f'"previous":{link(number - 1) if number > 1 else "null"},"results":[{chunk}]}}')


class SandboxHandle:
    """A running sandbox: ``base_url``, ``credentials``, what it recorded; ``stop()`` or use as a context."""

    def __init__(self, server: SandboxServer, thread: threading.Thread) -> None:
        self._server, self._thread = server, thread
        host, port = server.server_address[:2]
        self.port = int(port)
        self.base_url = f"http://{host!s}:{self.port}/api/"
        self.store = server.store

    @property
    def credentials(self) -> tuple[str, str]:
        """(e-mail, password) the sandbox accepts; the sample firm's is a public demo password."""
        credentials = self.store.firm["credentials"]
        return str(credentials["username"]), str(credentials["password"])

    @property
    def patches(self) -> list[Wire]:
        return self.store.patches

    @property
    def created_payments(self) -> list[Wire]:
        return self.store.created_payments

    @property
    def hits(self) -> Counter[str]:
        return self._server.hits

    @property
    def faults_played(self) -> Counter[Fault]:
        return self._server.faults.played

    def expire_tokens(self) -> None:
        """Forget every access token, as if they all expired (refresh tokens stay valid)."""
        with self._server.lock:
            self._server.access_tokens.clear()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()


def start_sandbox(data: Path | Mapping[str, Any] | None = None, port: int = 0, faults: Faults | None = None, *,
                  host: str = "127.0.0.1", items_in_list: bool = False,
                  token_lifetime: float = 1800.0, latency: float = 0.0, api_token: str | None = None,
                  api_token_scheme: str = "Bearer") -> SandboxHandle:
    """Serve ``data`` (a firm file or dict; default the sample firm) in a background thread.

    ``faults.token_seconds``, when set, wins over ``token_lifetime`` (seconds an access token lives).
    """
    store = FirmStore(data if data is not None else sample_firm_path())
    server = SandboxServer((host, port), store, faults, items_in_list, token_lifetime, latency, api_token,
                           api_token_scheme)
    thread = threading.Thread(target=server.serve_forever, name=f"sandbox:{server.server_address[1]}", daemon=True)
    thread.start()
    return SandboxHandle(server, thread)
