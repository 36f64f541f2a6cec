"""The console on real parts: the real app and middleware, a real embedded company, a real ledger.

The platform is the bundled sample firm read by ``FileSource`` (no HTTP), the
profiles file and data folders are temporary, and the keyring is an in-memory
``keyring`` backend, so a test never touches the user's own profiles or passwords.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import sagesync
from sagesync.interfaces.console import create_app
from sagesync.interfaces.console.runner import SourceFactory
from sagesync.profiles.model import Profile, defaults_table
from sagesync.profiles.paths import profile_paths
from sagesync.sage.company import init_company
from sagesync.sources.files import FileSource

TOKEN = "test-console-key-" + "k" * 32
SAMPLE_FIRM = Path(sagesync.__file__).parent / "sandbox" / "data" / "sample_firm.json"
COMPANY = "ATELIER DEMO"


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The console tests read the English texts (the msgids); a French test sets SAGESYNC_LANG=fr itself, or uses
    the FR / EN switch."""
    monkeypatch.setenv("SAGESYNC_LANG", "en")


@pytest.fixture
def company_path(tmp_path: Path) -> Path:
    path = tmp_path / "atelier-demo.sqlite"
    init_company(path, COMPANY, closed_months=[("VTE", date(2025, 1, 1))]).dispose()
    return path


def sample_firm() -> dict[str, Any]:
    firm: dict[str, Any] = json.loads(SAMPLE_FIRM.read_text(encoding="utf-8"))
    return firm


def file_source(_profile: Profile) -> FileSource:
    return FileSource(SAMPLE_FIRM)


def demo_form(company_path: Path, **changes: str) -> dict[str, str]:
    """What a person types into the new-profile form for the demo company (the defaults left as shown)."""
    table = defaults_table()
    form = {"name": "demo", "sage_company": COMPANY, "period_start": "2025-01-01",
            "sage_location": f"embedded:{company_path}", "sage_target": "auto", "sage_user": table["sage_user"],
            "sales_journal": table["sales_journal"], "analytic_plan": table["analytic_plan"],
            "analytic_level": table["analytic_level"], "siren": "", "platform.base_url": table["platform"]["base_url"],
            "platform.email": "demo@sagesync.test", "platform.organization_id": "1207", "platform.team_id": "3418",
            "accounts.collective": table["accounts"]["collective"], "accounts.vat_regime": "receipts",
            "writeback.mode": "off", "writeback.field": ""}
    for kind, account in table["accounts"]["revenue"].items():
        form[f"accounts.revenue.{kind}"] = account
    for index, (rate, account) in enumerate(table["accounts"]["revenue_by_rate"].items()):
        form[f"rbr-{index}-rate"], form[f"rbr-{index}-account"] = rate, account
    for index, row in enumerate(table["vat"]):
        for column, value in row.items():
            form[f"vat-{index}-{column}"] = value
    form.update(changes)
    return form


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_HEADER = re.compile(r'hx-headers=\'\{"X-CSRF-Token": "([^"]+)"\}\'')


@dataclass
class Console:
    """A logged-in browser session on the console app."""

    app: FastAPI
    client: TestClient
    csrf: str

    def post(self, path: str, data: dict[str, str] | None = None, **options: Any) -> Any:
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **options)

    def create_profile(self, company_path: Path, **changes: str) -> Any:
        return self.post("/profiles", demo_form(company_path, **changes), follow_redirects=False)

    def run(self, step: str, name: str = "demo") -> Any:
        """Click a step button, then wait for the run to end (as the page would, by its event stream)."""
        response = self.client.post(f"/company/{name}/run/{step}", headers={"X-CSRF-Token": self.csrf})
        thread = self.app.state.console.runner.channel(name).thread
        if thread is not None:
            thread.join(60)
            assert not thread.is_alive(), f"{step} did not finish in 60 s"
        return response


def log_in(client: TestClient) -> str:
    response = client.get(f"/login?token={TOKEN}", follow_redirects=False)
    assert response.status_code == 303
    client.cookies.set("sagesync_console", response.cookies["sagesync_console"])
    page = client.get("/profiles")
    match = CSRF_HEADER.search(page.text)
    assert match, "every page carries the CSRF token for htmx"
    return match.group(1)


MakeConsole = Callable[..., Console]  # (source_factory=file_source) -> a logged-in console


@pytest.fixture
def make_console() -> Iterator[MakeConsole]:
    clients: list[TestClient] = []

    def make(source_factory: SourceFactory = file_source) -> Console:
        app = create_app(token=TOKEN, source_factory=source_factory)
        client = TestClient(app, base_url="http://127.0.0.1")
        client.__enter__()
        clients.append(client)
        return Console(app, client, log_in(client))

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def console(make_console: MakeConsole) -> Console:
    return make_console()


@pytest.fixture
def demo(console: Console, company_path: Path) -> Console:
    """The console with the demo profile created through the form."""
    response = console.create_profile(company_path)
    assert response.status_code == 303, response.text
    return console


@dataclass
class LiveConsole:
    """The console served by uvicorn on 127.0.0.1, as `sagesync console` serves it."""

    app: FastAPI
    base_url: str
    login_url: str


@contextmanager
def served(app: FastAPI) -> Iterator[LiveConsole]:
    """``app`` served by uvicorn on a free loopback port, as `sagesync console` serves it."""
    import threading
    import time

    import uvicorn

    from sagesync.interfaces.cli.console_command import bind, console_url
    from sagesync.interfaces.console.app import close

    listener = bind("127.0.0.1", 0)
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the console server did not start"
        time.sleep(0.02)
    try:
        yield LiveConsole(app, f"http://127.0.0.1:{port}", console_url("127.0.0.1", port, TOKEN))
    finally:
        close(app)
        server.should_exit = True
        thread.join(15)
        listener.close()


@pytest.fixture
def live_console() -> Iterator[LiveConsole]:
    with served(create_app(token=TOKEN, source_factory=file_source)) as live:
        yield live


@pytest.fixture
def synced(demo: Console) -> Console:
    """The demo company after a whole sync from the console."""
    demo.run("sync")
    return demo


@pytest.fixture
def ledger(synced: Console) -> Iterator[sqlite3.Connection]:
    """The synced demo's ledger, read with plain SQL: the independent side of the pages' figures."""
    connection = sqlite3.connect(profile_paths("demo").ledger)
    yield connection
    connection.close()
