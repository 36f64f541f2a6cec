"""Real servers on loopback for the unattended tests: an SMTP server (aiosmtpd), an HTTP receiver for
webhooks (http.server in a thread), the sandbox platform, and a throwaway PostgreSQL cluster."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sagesync.sandbox.server import SandboxHandle, start_sandbox


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox() as handle:
        yield handle


# --- SMTP -------------------------------------------------------------------------------------


@dataclass
class SmtpServer:
    host: str
    port: int
    user: str
    password: str
    messages: list[Any] = field(default_factory=list)  # email.message.EmailMessage, as received
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    server = SmtpServer("127.0.0.1", free_port(), "alerts@cabinet.test", "smtp-Pa55word-never-shown")

    class Handler:
        async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
            server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            server.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 Message accepted for delivery"

    def authenticator(smtp: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            server.logins.append(user)
            if (user, password) == (server.user, server.password):
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    controller = Controller(Handler(), hostname=server.host, port=server.port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


# --- webhook receiver -------------------------------------------------------------------------


@dataclass
class Receiver:
    url: str
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers to give, in order; then 204


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.requests.append(({key.lower(): value for key, value in self.headers.items()}, body))
            status = state.statuses.pop(0) if state.statuses else 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/sagesync"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster for the session: its URL. Skipped only when no server binaries exist."""
    from tests.unattended.pgcluster import PgCluster, server_binaries

    if server_binaries() is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine: apt-get install postgresql "
                    "(.ci/run does)")
    cluster = PgCluster.start()
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def queue_database(postgres: str, request: pytest.FixtureRequest) -> str:
    """A database of its own in the session's cluster, for one test's queue."""
    import re

    import psycopg

    name = "q_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:50]
    admin = postgres.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return postgres.rsplit("/", 1)[0] + f"/{name}"
