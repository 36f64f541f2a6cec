"""What people read at scale: `sagesync status` and the console's findings and documents pages.

    .venv/bin/python bench/bench_views.py [--documents 100000] [--repeat 7] [--no-http]

Builds a realistic ledger (the schema from ``sagesync.ledger.store.Ledger``, rows inserted with
plain ``sqlite3`` ``executemany``): N documents of which about 88 % posted (most confirmed in
Sage, some delivered or pending, a few changed after posting), 5 % blocked with 1 to 3 blocking
findings each, 2 % ready, 2 % before the period start, 1 % drafts; 4 entry lines per posting, an
outbox row per posting, a few hundred rebuilt postings with no document state, warnings on 3 %
of the documents, info findings, customer, project and set-up findings, and 300 runs.

Then times each read several times (minimum and median, in seconds) through the read-only
connection the console and `sagesync status` use, and, unless --no-http, the full pages through
FastAPI's TestClient (middleware, templates and all).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

COMPANY = "BENCH"
CUSTOMERS = 400
PROJECTS = 600
RUNS = 300
STEPS = ("customers", "projects", "check", "invoices", "writeback")
BLOCKING_CODES = ("customer_not_synced", "project_not_synced", "vat_rate_unmapped", "totals_inconsistent",
                  "closed_period", "account_missing", "duplicate_number", "vat_inconsistent")
WARNING_CODES = ("text_truncated", "original_invoice_unknown", "truncated")
FIELDS = ("customer", "project", "lines", "total", "issue_date", "number", "vat")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DateTime text


def _state_of(index: int, chance: float) -> str:
    """A document's fate, spread through the dates (not in blocks)."""
    if chance < 0.05:
        return "blocked"
    if chance < 0.07:
        return "ready"
    if chance < 0.09:
        return "ignored"
    if chance < 0.10:
        return "draft"
    if chance < 0.103:
        return "changed"
    if chance < 0.118:
        return "delivered"
    if chance < 0.120:
        return "pending"
    return "confirmed"


def _totals(lines: list[tuple[Any, ...]]) -> tuple[str, str, str, str]:
    """A posting's tiers and totals (HT, TVA, TTC) from its entry lines, as ``record_postings`` keeps them."""
    from decimal import Decimal

    from sagesync.ledger.totals import totals_of

    totals = totals_of((line[2], line[6], Decimal(line[7]), line[4]) for line in lines)
    return totals.tiers, str(totals.ht), str(totals.vat), str(totals.ttc)


def build_ledger(path: Path, count: int, *, seed: int = 7, company: str = COMPANY) -> dict[str, int]:
    """A ledger of ``count`` documents at ``path``; returns the expected state counts (and "findings")."""
    from sagesync.ledger.store import Ledger

    Ledger(path).dispose()  # the tables and indexes as the code declares them
    rng = random.Random(seed)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("BEGIN")
    started = datetime(2025, 1, 6, 8, 0)
    run_rows = []
    for run_id in range(1, RUNS + 1):
        begin = started + timedelta(hours=6 * run_id)
        step = STEPS[(run_id - 1) % len(STEPS)]
        run_rows.append((run_id, company, step, _stamp(begin), _stamp(begin + timedelta(seconds=40)),
                         "blocked" if step in ("check", "invoices") else "ok",
                         json.dumps({"posted": 300, "blocked": 20} if step == "invoices" else {"created": 3}),
                         json.dumps({"report": f"reports/run-{run_id}.html"} if step == "check" else {}), 4242, None))
    connection.executemany("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?)", run_rows)
    document_runs = [row[0] for row in run_rows if row[2] in ("check", "invoices")]
    now = _stamp(started + timedelta(days=75))
    synced = [(company, "customer", str(i), f"C{i:05d}", f"Client {i}", "created", 1, now, "confirmed", "", "")
              for i in range(CUSTOMERS)]
    synced += [(company, "project", str(i), f"PRJ{i:05d}", f"Projet {i}", "created", 2, now, "confirmed", "", "")
               for i in range(PROJECTS)]
    connection.executemany("INSERT INTO synced_records VALUES (?,?,?,?,?,?,?,?,?,?,?)", synced)

    expected: dict[str, int] = {}
    states, posting_rows, line_rows, outbox_rows, finding_rows = [], [], [], [], []
    first = date(2024, 11, 4)
    entry = 0
    for index in range(count):
        state = _state_of(index, rng.random())
        expected[state] = expected.get(state, 0) + 1
        source_id = str(100000 + index)
        kind = "credit_note" if index % 20 == 19 else "invoice"
        number = f"{'AV' if kind == 'credit_note' else 'F'}{index:08d}"
        issued = first + timedelta(days=(index * 7) % 420)
        run_id = rng.choice(document_runs)
        verdict = {"confirmed": "posted", "delivered": "posted", "pending": "posted",
                   "changed": "changed_after_posting"}.get(state, state)
        states.append((company, source_id, number, kind, issued.isoformat(), verdict, f"v{index:x}", run_id, now))
        display = f"{'credit note' if kind == 'credit_note' else 'invoice'} {number}"
        if state in ("confirmed", "delivered", "pending", "changed"):
            entry += 1
            posting_id = entry
            amount = 1000 + index % 9000
            for line_no, (role, account, side, value) in enumerate((
                    ("customer", "41100000", "debit", amount * 1.2), ("revenue", "70610000", "credit", amount * 0.7),
                    ("revenue", "70620000", "credit", amount * 0.3), ("vat", "44571200", "credit", amount * 0.2)),
                    start=1):
                line_rows.append((posting_id, line_no, role, account, f"C{index % CUSTOMERS:05d}" if line_no == 1
                                  else "", f"{display} Client {index % CUSTOMERS}", side, f"{value:.2f}",
                                  "C20" if role != "customer" else "", issued.isoformat() if line_no == 1 else None,
                                  "EUR", "", f"PROJET|PRJ{index % PROJECTS:05d}|{value:.2f}"
                                  if role == "revenue" else ""))
            posting_rows.append((posting_id, company, source_id, f"v{index:x}", None, number, kind, "VTE",
                                 f"VTE{entry:06d}", number[:13], issued.isoformat(), "",
                                 "confirmed" if state == "changed" else state, "embedded",
                                 f"{entry * 4 - 3}-{entry * 4}", f"OO{source_id}", run_id, now,
                                 *_totals(line_rows[-4:])))
            outbox_rows.append((company, source_id, number[:13], now, 1, "", None,
                                now if state == "confirmed" else None, "platform" if state == "confirmed" else ""))
        if state == "blocked":
            for code in rng.sample(BLOCKING_CODES, rng.randint(1, 3)):
                finding_rows.append((run_id, company, "document", source_id, display, rng.choice(FIELDS), code,
                                     "blocking", f"{code.replace('_', ' ')}: client {index % CUSTOMERS} of {number}",
                                     "Fix it on the platform, then check again."))
        elif state == "changed":
            finding_rows.append((run_id, company, "document", source_id, display, "total", "changed_after_posting",
                                 "blocking", f"Sage holds this document's piece with a total of {index}.00",
                                 "A posted document is final: issue a credit note and a new invoice instead."))
        if rng.random() < 0.03:
            code = rng.choice(WARNING_CODES)
            finding_rows.append((run_id, company, "document", source_id, display, "label", code, "warning",
                                 f"the label of {number} was shortened to fit Sage", "Nothing to do."))
        if rng.random() < 0.005:
            finding_rows.append((run_id, company, "document", source_id, display, "label", "text_transliterated",
                                 "info", f"the label of {number} was transliterated", "Nothing to do."))
    for i in range(0, CUSTOMERS, 10):
        code = ("customer_code_empty", "customer_code_duplicate", "customer_code_too_long")[i % 3]
        finding_rows.append((1, company, "customer", f"9{i}", f"client 9{i} Dupont {i}", "code", code,
                             "blocking" if i % 4 else "warning", f"{code.replace('_', ' ')}", "Give it a code."))
    for i in range(0, PROJECTS, 12):
        finding_rows.append((2, company, "project", f"8{i}", f"project 8{i} Villa {i}", "code",
                             "project_code_duplicate", "blocking", "project code duplicate", "Give it a code."))
    for code in ("vat_rate_unmapped", "account_missing"):
        finding_rows.append((3, company, "setup", "", "set-up", "mapping", code, "blocking", code, "Map it."))
    for rebuilt in range(min(500, count // 200)):  # rebuilt from Sage: a posting, no document state
        entry += 1
        posting_rows.append((entry, company, f"R{rebuilt}", "rebuilt:100.00", None, f"OLD{rebuilt:05d}", "invoice",
                             "VTE", f"VTE{entry:06d}", f"OLD{rebuilt:05d}", "2024-10-01", "", "confirmed", "embedded",
                             "", f"OOR{rebuilt}", 1, now, None, None, None, None))
    connection.executemany("INSERT INTO document_states VALUES (?,?,?,?,?,?,?,?,?)", states)
    connection.executemany("INSERT INTO postings VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", posting_rows)
    connection.executemany("INSERT INTO entry_lines (posting_id, line_no, role, account, tiers, label, side, amount, "
                           "vat_code, due_date, currency, currency_amount, analytic) "
                           "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", line_rows)
    connection.executemany("INSERT INTO outbox (company, source_id, piece, posted_at, attempts, last_error, "
                           "failed_run_id, acknowledged_at, acknowledged_by) VALUES (?,?,?,?,?,?,?,?,?)", outbox_rows)
    connection.executemany("INSERT INTO findings (run_id, company, kind, source_id, document, field, code, severity, "
                           "message, fix) VALUES (?,?,?,?,?,?,?,?,?,?)", finding_rows)
    connection.execute("INSERT INTO journal_sequences VALUES (?, 'VTE', ?)", (company, entry))
    connection.execute("COMMIT")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.execute("PRAGMA journal_mode = DELETE")
    connection.close()
    expected["findings"] = len(finding_rows)
    return expected


def timed(action: Callable[[], Any], repeat: int) -> tuple[float, float]:
    action()  # warm the page cache and SQLAlchemy's statement cache, as a second visit would
    seconds = []
    for _ in range(repeat):
        begin = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - begin)
    return min(seconds), statistics.median(seconds)


def measure(ledger: Path, repeat: int) -> list[tuple[str, float, float]]:
    from sagesync.ledger import views

    readers = views.LedgerReaders()
    figures: list[tuple[str, float, float]] = []

    def read(label: str, action: Callable[[Any], Any]) -> None:
        def once() -> Any:
            with readers.connect(ledger) as connection:
                return action(connection)
        figures.append((label, *timed(once, repeat)))

    read("status: state_counts + blocking count + run_history(5)", lambda c: (
        views.state_counts(c, COMPANY), views.current_findings(c, COMPANY, severity="blocking", limit=1),
        views.run_history(c, COMPANY, limit=5)))
    read("findings: first page (200) + total", lambda c: views.current_findings(c, COMPANY, limit=200))
    read("findings: page 20 (offset 3 800) + total", lambda c: views.current_findings(
        c, COMPANY, limit=200, offset=3800))
    read("findings: severity=warning", lambda c: views.current_findings(c, COMPANY, severity="warning", limit=200))
    read("findings: code=closed_period", lambda c: views.current_findings(c, COMPANY, code="closed_period",
                                                                          limit=200))
    read("findings: text 'F0009' (rare)", lambda c: views.current_findings(c, COMPANY, text="F0009", limit=200))
    read("findings: finding_codes", lambda c: views.finding_codes(c, COMPANY))
    read("documents: state_counts (the page's state tabs)", lambda c: views.state_counts(c, COMPANY))

    def page(**filters: Any) -> Callable[[Any], Any]:
        # What the documents page reads: the state counts, then the page and its total.
        return lambda c: views.documents(c, COMPANY, limit=200, counts=views.state_counts(c, COMPANY), **filters)

    read("documents page reads: first page (200) + total", page())
    read("documents page reads: page 100 (offset 19 800)", page(offset=19800))
    for state in ("confirmed", "blocked", "changed", "pending"):
        read(f"documents page reads: state={state}", page(state=state))
    read("documents page reads: text 'F0004321' (one match)", page(text="F0004321"))
    read("documents page reads: text '12' (many matches)", page(text="12"))
    read("documents alone, no counts given: state=pending", lambda c: views.documents(c, COMPANY, state="pending"))
    read("documents alone, no counts given: text 'F0004321'", lambda c: views.documents(c, COMPANY, text="F0004321"))

    from datetime import date as day

    def filtered(**filters: Any) -> Callable[[Any], Any]:
        # The money columns' page: the page and its total, then the totals of every document kept.
        kept = views.DocumentFilters(**filters)
        return lambda c: (views.filtered_documents(c, COMPANY, kept, limit=200, counts=views.state_counts(c, COMPANY)),
                          views.document_totals(c, COMPANY, kept))
    read("money: documents page + totals of all", filtered())
    read("money: documents, a month (period)", filtered(date_from=day(2025, 3, 1), date_to=day(2025, 3, 31)))
    read("money: documents, credit notes", filtered(kind="credit_note"))
    read("money: documents, a client (code)", filtered(client="C00042"))
    read("money: documents, a month of confirmed invoices", filtered(
        state="confirmed", kind="invoice", date_from=day(2025, 3, 1), date_to=day(2025, 3, 31)))
    read("money: sales journal, a month", lambda c: views.journal(c, COMPANY, day(2025, 3, 1), day(2025, 3, 31)))
    read("money: sales journal, the whole period", lambda c: views.journal(c, COMPANY, day(2024, 1, 1),
                                                                            day(2026, 12, 31)))
    read("money: brouillard, first page (100 entries)", lambda c: views.brouillard_entries(
        c, COMPANY, day(2024, 1, 1), day(2026, 12, 31), limit=100))
    read("money: every document streamed (the export's reads)", lambda c: sum(
        1 for _ in views.iter_documents(c, COMPANY, views.DocumentFilters())))
    readers.dispose()
    return figures


def measure_http(data: Path, repeat: int) -> list[tuple[str, float, float]]:
    from fastapi.testclient import TestClient

    from sagesync.interfaces.console import create_app
    from sagesync.profiles.model import Profile, defaults_table
    from sagesync.profiles.store import ProfileStore

    table = defaults_table()
    table.update({"sage_company": COMPANY, "sage_location": f"embedded:{data / 'company.sqlite'}",
                  "sage_target": "embedded", "period_start": "2025-01-01"})
    table["platform"] = {"email": "compta@bench.fr", "base_url": "http://127.0.0.1:9/api/"}
    ProfileStore().add(Profile.from_table("bench", table))
    token = "bench-console-key-" + "k" * 32
    app = create_app(token=token)
    figures: list[tuple[str, float, float]] = []
    with TestClient(app, base_url="http://127.0.0.1") as client:
        response = client.get(f"/login?token={token}", follow_redirects=False)
        client.cookies.set("sagesync_console", response.cookies["sagesync_console"])
        for label, url in (("HTTP findings page", "/company/bench/findings"),
                           ("HTTP findings page, severity=blocking&q=client 1", "/company/bench/findings?"
                            "severity=blocking&q=client+1"),
                           ("HTTP documents page", "/company/bench/documents"),
                           ("HTTP documents page, state=blocked", "/company/bench/documents?state=blocked"),
                           ("HTTP documents page, q=F0004321", "/company/bench/documents?q=F0004321"),
                           ("HTTP company page", "/company/bench"),
                           ("HTTP documents page, a month", "/company/bench/documents?from=2025-03-01&to=2025-03-31"),
                           ("HTTP sales journal, a month", "/company/bench/journal?from=2025-03-01&to=2025-03-31"),
                           ("HTTP brouillard, first page", "/company/bench/brouillard?from=2025-03-01&to=2025-03-31"),
                           ("HTTP documents.csv, a month", "/company/bench/documents.csv?from=2025-03-01&"
                            "to=2025-03-31"),
                           ("HTTP documents.xlsx, a month", "/company/bench/documents.xlsx?from=2025-03-01&"
                            "to=2025-03-31")):
            def get(url: str = url) -> None:
                answer = client.get(url)
                assert answer.status_code == 200, (url, answer.status_code, answer.text[:500])
            figures.append((label, *timed(get, repeat)))
    return figures


def measure_cli(repeat: int) -> list[tuple[str, float, float]]:
    import subprocess

    command = [sys.executable, "-c", "import sys; from sagesync.interfaces.cli.app import main; "
               "sys.argv = ['sagesync', 'status', '--profile', 'bench', '--json']; main()"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

    def run() -> None:
        subprocess.run(command, check=True, capture_output=True, env=environment)
    def imports() -> None:
        subprocess.run([sys.executable, "-c", "import sagesync.interfaces.cli.app"], check=True, env=environment)
    return [("`sagesync status --profile bench --json` (whole process)", *timed(run, max(3, repeat // 2))),
            ("  of which Python start-up and imports of the CLI", *timed(imports, max(3, repeat // 2)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-http", action="store_true", help="only the ledger reads, not the console pages")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        os.environ["SAGESYNC_CONFIG_DIR"] = str(folder / "config")
        os.environ["SAGESYNC_DATA_DIR"] = str(folder / "data")
        from sagesync.profiles.paths import profile_paths

        ledger = profile_paths("bench").ledger
        begin = time.perf_counter()
        expected = build_ledger(ledger, arguments.documents)
        print(f"ledger of {arguments.documents:,} documents built in {time.perf_counter() - begin:.1f} s "
              f"({ledger.stat().st_size / 2**20:.0f} MiB): {expected}")
        figures = measure(ledger, arguments.repeat)
        if not arguments.no_http:
            figures += measure_http(folder, arguments.repeat)
            figures += measure_cli(arguments.repeat)
    width = max(len(label) for label, _, _ in figures)
    print(f"{'what':<{width}}  {'min s':>7}  {'median s':>8}")
    for label, low, middle in figures:
        flag = "" if middle < 0.3 else "  > 0.3 s"
        print(f"{label:<{width}}  {low:7.3f}  {middle:8.3f}{flag}")


if __name__ == "__main__":
    main()
