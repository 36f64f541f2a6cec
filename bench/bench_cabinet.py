"""The console's cabinet view at the size of a firm: 200 companies on one page.

    .venv/bin/python bench/bench_cabinet.py [--companies 200] [--documents 500] [--repeat 7]

Builds a profiles file of N profiles (a third with a daily schedule, a third with a cron one) and,
for each, a ledger like ``bench_views.build_ledger`` makes (documents posted, blocked, changed, with
their findings, 300 runs, 400 clients, 600 projects); a few profiles have no ledger yet (never run),
one a damaged ledger, some an unattended state file. Then times, through FastAPI's TestClient
(middleware, templates and all):

- the page the first time (every ledger read: what a console just started does);
- the page again (no ledger changed: each is only ``stat``-ed);
- the page after one ledger changed (that one read again);
- the page filtered (state=to_fix) and searched (q=...);
- one row (what « Run now » and the row's polling read);

and the ledger reads alone: one company's glance (``ledger.cabinet_views.glance``), and all of them.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

TOKEN = "bench-console-key-" + "k" * 32


def company_name(index: int) -> str:
    return f"CABINET {index:03d} SARL"


def build_firm(folder: Path, companies: int, documents: int) -> dict[str, int]:
    import tomli_w

    from bench_views import build_ledger
    from sagesync.profiles.model import Profile, defaults_table
    from sagesync.profiles.paths import profile_paths, profiles_file
    from sagesync.unattended.outcome import Outcome
    from sagesync.unattended.state import ProfileState, StateStore

    tables = {}
    kinds = {"ledger": 0, "never": 0, "damaged": 0}
    template: Path | None = None
    for index in range(companies):
        name = f"c{index:03d}"
        table = defaults_table()
        table.update({"sage_company": company_name(index), "sage_location": f"embedded:{folder / 'sage.sqlite'}",
                      "sage_target": "embedded", "period_start": "2025-01-01"})
        table["platform"] = {"email": "compta@bench.fr", "base_url": "http://127.0.0.1:9/api/"}
        if index % 3 == 1:
            table["schedule"] = {"every": "daily", "at": "02:00", "weekdays": ["mon", "tue", "wed", "thu", "fri"]}
        elif index % 3 == 2:
            table["schedule"] = {"cron": "15 1 * * *"}
        tables[name] = Profile.from_table(name, table).to_table()
        ledger = profile_paths(name).ledger
        if index % 40 == 39:
            kinds["never"] += 1
            continue
        ledger.parent.mkdir(parents=True, exist_ok=True)
        if index == companies // 2:
            ledger.write_bytes(b"not a ledger" * 1000)
            kinds["damaged"] += 1
            continue
        # Every ledger is its own file, of its own company; building one and copying it with the company renamed
        # keeps the set-up short (the reads are the same: the company is the first column of every index).
        if template is None:
            template = folder / "template.sqlite"
            build_ledger(template, documents, company="TEMPLATE")
        ledger.write_bytes(template.read_bytes())
        with sqlite3.connect(ledger) as db:
            for table_name in ("runs", "synced_records", "document_states", "postings", "outbox", "findings",
                               "journal_sequences"):
                db.execute(f"UPDATE {table_name} SET company = ?", (company_name(index),))
        kinds["ledger"] += 1
        if index % 5 == 0:
            now = datetime.now(UTC)
            StateStore().save(name, ProfileState().with_outcome(Outcome(
                name, company_name(index), now - timedelta(hours=3), now - timedelta(hours=3, seconds=-40), "ok",
                posted=12, trigger="schedule")))
    path = profiles_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps({"profiles": tables}), encoding="utf-8")
    return kinds


def timed(action: Callable[[], Any], repeat: int, *, warm: bool = True) -> tuple[float, float]:
    if warm:
        action()
    seconds = []
    for _ in range(repeat):
        begin = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - begin)
    return min(seconds), statistics.median(seconds)


def measure(companies: int, repeat: int) -> list[tuple[str, float, float]]:
    from fastapi.testclient import TestClient

    from sagesync.interfaces.console import create_app
    from sagesync.ledger import cabinet_views
    from sagesync.ledger.views import LedgerReaders
    from sagesync.profiles.paths import profile_paths

    figures: list[tuple[str, float, float]] = []
    ledgers = [(profile_paths(f"c{index:03d}").ledger, company_name(index)) for index in range(companies)]
    ledgers = [(path, company) for path, company in ledgers if path.exists() and path.stat().st_size > 20_000]

    for label, readers in (("one engine (cabinet_views.LedgersReader)", cabinet_views.LedgersReader()),
                           ("an engine per ledger (views.LedgerReaders)", LedgerReaders())):
        def one(readers: Any = readers) -> None:
            with readers.connect(ledgers[0][0]) as connection:
                cabinet_views.glance(connection, ledgers[0][1])

        def every(readers: Any = readers) -> None:
            for path, company in ledgers:
                with readers.connect(path) as connection:
                    cabinet_views.glance(connection, company)

        begin = time.perf_counter()
        every()
        first = time.perf_counter() - begin
        figures.append((f"ledger, {label}: all {len(ledgers)} glances, the first time", first, first))
        figures.append((f"ledger, {label}: all {len(ledgers)} glances, again", *timed(every, repeat, warm=False)))
        figures.append((f"ledger, {label}: one company's glance", *timed(one, repeat * 5)))
        readers.dispose()

    def client_for() -> TestClient:
        client = TestClient(create_app(token=TOKEN), base_url="http://127.0.0.1")
        client.__enter__()
        answer = client.get(f"/login?token={TOKEN}", follow_redirects=False)
        client.cookies.set("sagesync_console", answer.cookies["sagesync_console"])
        return client

    def get(client: TestClient, url: str) -> str:
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])
        return answer.text

    # The first visit of a console just started: a new app each time, every ledger read.
    cold = []
    for _ in range(max(3, repeat // 2)):
        client = client_for()
        begin = time.perf_counter()
        page = get(client, "/cabinet")
        cold.append(time.perf_counter() - begin)
        client.__exit__(None, None, None)
    assert page.count('class="company-row') == companies, "every company has its row"
    figures.append((f"HTTP /cabinet, {companies} companies, first visit (every ledger read)", min(cold),
                    statistics.median(cold)))
    client = client_for()
    figures.append((f"HTTP /cabinet, {companies} companies, again (no ledger changed)",
                    *timed(lambda: get(client, "/cabinet"), repeat)))
    changed_path = ledgers[1][0]

    def after_a_run() -> None:
        with sqlite3.connect(changed_path) as db:
            db.execute("UPDATE runs SET status = status WHERE id = (SELECT max(id) FROM runs)")
            db.execute("INSERT INTO ledger_info VALUES (?, 'x') ON CONFLICT (key) DO UPDATE SET value = "
                       "value || 'x'", ("bench",))
        get(client, "/cabinet")

    figures.append(("HTTP /cabinet after one ledger changed (a write + the page)", *timed(after_a_run, repeat)))
    figures.append(("HTTP /cabinet?state=to_fix", *timed(lambda: get(client, "/cabinet?state=to_fix"), repeat)))
    figures.append(("HTTP /cabinet?q=cabinet 12", *timed(lambda: get(client, "/cabinet?q=cabinet+12"), repeat)))
    figures.append(("HTTP /cabinet/row/c001 (a row drawn again)", *timed(lambda: get(client, "/cabinet/row/c001"),
                                                                          repeat * 3)))
    client.__exit__(None, None, None)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=7)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        os.environ["SAGESYNC_CONFIG_DIR"] = str(folder / "config")
        os.environ["SAGESYNC_DATA_DIR"] = str(folder / "data")
        os.environ.setdefault("SAGESYNC_LANG", "fr")
        begin = time.perf_counter()
        kinds = build_firm(folder, arguments.companies, arguments.documents)
        print(f"{arguments.companies} profiles built in {time.perf_counter() - begin:.1f} s: {kinds['ledger']} "
              f"ledgers of {arguments.documents} documents, {kinds['never']} never run, {kinds['damaged']} damaged")
        figures = measure(arguments.companies, arguments.repeat)
    width = max(len(label) for label, _, _ in figures)
    print(f"{'what':<{width}}  {'min s':>7}  {'median s':>8}")
    for label, low, middle in figures:
        print(f"{label:<{width}}  {low:7.3f}  {middle:8.3f}")


if __name__ == "__main__":
    main()
