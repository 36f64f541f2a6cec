"""The console's and `sagesync status`'s reads on a generated ledger of 5 000 documents.

Each page is compared with the same rows worked out in Python from the plain definition (every
document with its CASE state; every finding in page order), and each first-page query must be
served by an index: EXPLAIN QUERY PLAN shows no full scan of findings or document_states, and
no sort of the whole table for a page read in SQL order.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bench.bench_views import COMPANY, build_ledger
from sqlalchemy import Connection, event

from sagesync.ledger import views
from sagesync.ledger.store import Ledger

DOCUMENTS = 5000


@pytest.fixture(scope="module")
def ledger_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scale") / "ledger.sqlite"
    build_ledger(path, DOCUMENTS)
    # A few documents checked "ready" whose piece the ledger holds (as a rebuild records it): their
    # state is the posting's, not the verdict's.
    connection = sqlite3.connect(path)
    ready = [row[0] for row in connection.execute(
        "SELECT source_id FROM document_states WHERE verdict = 'ready' ORDER BY source_id LIMIT 3")]
    last = connection.execute("SELECT max(id) FROM postings").fetchone()[0]
    connection.executemany(
        "INSERT INTO postings (id, company, source_id, version, number, kind, journal, entry_number, piece, "
        "entry_date, original_source_id, state, target, target_ref, reference, run_id, validated_at) "
        "VALUES (?, ?, ?, 'rebuilt:1', 'X', 'invoice', 'VTE', ?, ?, '2025-01-02', '', 'delivered', 'file', '', "
        "'', 1, '2025-03-01 00:00:00.000000')",
        [(last + n, COMPANY, source_id, f"RB{n}", f"PIECE{source_id}") for n, source_id in enumerate(ready, 1)])
    connection.commit()
    connection.close()
    return path


@pytest.fixture
def connection(ledger_path: Path) -> Iterator[Connection]:
    readers = views.LedgerReaders()
    with readers.connect(ledger_path) as opened:
        yield opened
    readers.dispose()


def all_documents(connection: Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(views._documents_query(COMPANY)).mappings()]


def contains(value: Any, text: str) -> bool:
    return value is not None and text.lower() in str(value).lower()  # LIKE: ASCII case-insensitive


def expected_documents(rows: list[dict[str, Any]], state: str, text: str) -> list[dict[str, Any]]:
    chosen = [row for row in rows if (not state or row["state"] == state) and (
        not text or any(contains(row[key], text) for key in ("number", "source_id", "piece")))]
    return sorted(chosen, key=lambda row: (row["issue_date"], row["number"]), reverse=True)


def test_state_counts_are_the_states_of_every_document(connection: Connection) -> None:
    rows = all_documents(connection)
    counts = views.state_counts(connection, COMPANY)
    assert counts == dict(Counter(row["state"] for row in rows))
    assert sum(counts.values()) == DOCUMENTS
    assert counts["delivered"] > 3 and counts["pending"] > 0 and counts["changed"] > 0 and counts["blocked"] > 100


@pytest.mark.parametrize(("state", "text", "offset"), [
    ("", "", 0), ("", "", 1000), ("confirmed", "", 0), ("confirmed", "", 3000), ("delivered", "", 0),
    ("delivered", "", 40), ("pending", "", 0), ("blocked", "", 0), ("blocked", "", 200), ("ready", "", 0),
    ("changed", "", 0), ("ignored", "", 0), ("changed_after_posting", "", 0), ("", "F0000123", 0),
    ("", "12", 0), ("", "12", 200), ("blocked", "1", 0), ("delivered", "piece", 0), ("", "av000", 0),
    ("", "100_1%", 0), ("", "nothing like it", 0)])
def test_document_pages_are_the_documents_in_page_order(connection: Connection, state: str, text: str,
                                                        offset: int) -> None:
    expected = expected_documents(all_documents(connection), state, text)
    for counts in (None, views.state_counts(connection, COMPANY)):
        rows, total = views.documents(connection, COMPANY, state=state, text=text, limit=200, offset=offset,
                                      counts=counts)
        assert total == len(expected)
        assert rows == expected[offset:offset + 200]


@pytest.mark.parametrize("filters", [
    {"date_from": date(2025, 3, 1), "date_to": date(2025, 3, 31)}, {"kind": "credit_note"},
    {"client": "C0004"}, {"client": "C00042", "state": "confirmed"},
    {"kind": "invoice", "state": "blocked", "date_from": date(2025, 1, 1)},
    {"date_to": date(2025, 2, 1), "text": "F0000"}])
def test_filtered_document_pages_and_totals_are_the_plain_definition(connection: Connection,
                                                                      filters: dict[str, Any]) -> None:
    chosen = views.DocumentFilters(**filters)
    rows = all_documents(connection)
    expected = [row for row in expected_documents(rows, chosen.state, chosen.text)
                if (chosen.date_from is None or row["issue_date"] >= chosen.date_from)
                and (chosen.date_to is None or row["issue_date"] <= chosen.date_to)
                and (not chosen.kind or row["kind"] == chosen.kind)
                and (not chosen.client or contains(row["tiers"], chosen.client))]
    assert expected
    for offset in (0, 200):
        page, total = views.filtered_documents(connection, COMPANY, chosen, limit=200, offset=offset)
        assert total == len(expected) and page == expected[offset:offset + 200]
    assert list(views.iter_documents(connection, COMPANY, chosen)) == expected
    totals = views.document_totals(connection, COMPANY, chosen)
    posted = [row for row in expected if row["total_ttc"] is not None]
    assert totals.posted == len(posted)
    assert totals.ttc == sum((Decimal(row["total_ttc"]) for row in posted), Decimal(0))
    assert totals.ht + totals.vat == totals.ttc


def test_the_journal_of_a_period_is_its_entry_lines(connection: Connection) -> None:
    start, end = date(2025, 2, 1), date(2025, 4, 30)
    journal = views.journal(connection, COMPANY, start, end)
    lines = list(views.iter_brouillard_lines(connection, COMPANY, start, end))
    assert lines and journal.balanced
    assert journal.total_debit == sum((line["amount"] for line in lines if line["side"] == "debit"), Decimal(0))
    assert journal.count == len({line["posting_id"] for line in lines})
    pieces, total = views.brouillard_entries(connection, COMPANY, start, end, limit=50)
    assert total == journal.count and len(pieces) == 50
    assert [line["posting_id"] for line in lines][:len(pieces[0].lines)] == [pieces[0].posting["id"]] * len(
        pieces[0].lines)


def finding_order(row: dict[str, Any]) -> tuple[Any, ...]:
    return ({"blocking": 0, "warning": 1}.get(row["severity"], 2), row["document"], row["field"], row["id"])


@pytest.mark.parametrize(("severity", "code", "text", "offset"), [
    ("", "", "", 0), ("", "", "", 400), ("blocking", "", "", 0), ("warning", "", "", 0), ("info", "", "", 0),
    ("", "closed_period", "", 0), ("blocking", "account_missing", "", 0), ("", "", "client 1", 0),
    ("warning", "", "F0000", 0), ("", "", "set-up", 0)])
def test_finding_pages_are_the_findings_in_page_order(connection: Connection, severity: str, code: str, text: str,
                                                      offset: int) -> None:
    everything = [dict(row) for row in connection.execute(views._current_findings(COMPANY)).mappings()]
    expected = sorted((row for row in everything if (not severity or row["severity"] == severity)
                       and (not code or row["code"] == code) and (not text or any(contains(row[key], text) for key in (
                           "document", "message", "fix", "field", "code", "source_id")))), key=finding_order)
    rows, total = views.current_findings(connection, COMPANY, severity=severity, code=code, text=text, limit=200,
                                         offset=offset)
    assert total == len(expected) and expected
    assert rows == expected[offset:offset + 200]
    assert views.finding_codes(connection, COMPANY) == sorted(Counter(row["code"] for row in everything).items())


# --- every page read from an index -------------------------------------------------------------

FULL_SCAN = re.compile(r"\bSCAN (main\.)?(findings|document_states)\b")


def plans(connection: Connection, read: Callable[[Connection], object]) -> list[tuple[str, list[str]]]:
    """(statement, its query plan lines) of each SELECT ``read`` runs."""
    statements: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", grab)
    try:
        read(connection)
    finally:
        event.remove(connection, "before_cursor_execute", grab)
    return [(statement, [str(row[3]) for row in connection.exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, parameters)]) for statement, parameters in statements]


def problems(connection: Connection, read: Callable[[Connection], object]) -> list[str]:
    found = []
    for statement, lines in plans(connection, read):
        for line in lines:
            if FULL_SCAN.search(line):
                found.append(f"full scan: {line} in {statement}")
            if "ORDER BY" in statement and "LIMIT" in statement and "TEMP B-TREE FOR ORDER BY" in line:
                found.append(f"a page sorted, not read in index order: {statement}")
    return found


FIRST_PAGES: dict[str, Callable[[Connection], object]] = {
    "status": lambda c: (views.state_counts(c, COMPANY), views.current_findings(c, COMPANY, severity="blocking",
                                                                               limit=1),
                         views.run_history(c, COMPANY, limit=5)),
    "findings": lambda c: views.current_findings(c, COMPANY, limit=200),
    "findings, blocking": lambda c: views.current_findings(c, COMPANY, severity="blocking", limit=200),
    "findings, warning": lambda c: views.current_findings(c, COMPANY, severity="warning", limit=200),
    "findings, a code": lambda c: views.current_findings(c, COMPANY, code="closed_period", limit=200),
    "findings, text": lambda c: views.current_findings(c, COMPANY, text="client", limit=200),
    "finding codes": lambda c: views.finding_codes(c, COMPANY),
    "documents": lambda c: views.documents(c, COMPANY, limit=200),
    "documents, confirmed": lambda c: views.documents(c, COMPANY, state="confirmed", limit=200),
    "documents, pending": lambda c: views.documents(c, COMPANY, state="pending", limit=200),
    "documents, blocked": lambda c: views.documents(c, COMPANY, state="blocked", limit=200),
    "documents, changed": lambda c: views.documents(c, COMPANY, state="changed", limit=200),
    "documents, text": lambda c: views.documents(c, COMPANY, text="F0000123", limit=200),
    "documents, blocked and text": lambda c: views.documents(c, COMPANY, state="blocked", text="1", limit=200),
    "documents, a month": lambda c: views.filtered_documents(c, COMPANY, views.DocumentFilters(
        date_from=date(2025, 3, 1), date_to=date(2025, 3, 31)), limit=200),
    "documents, a client": lambda c: views.filtered_documents(c, COMPANY, views.DocumentFilters(client="C00042"),
                                                              limit=200),
    "sales journal, a month": lambda c: views.journal(c, COMPANY, date(2025, 3, 1), date(2025, 3, 31)),
    "brouillard, a month": lambda c: views.brouillard_entries(c, COMPANY, date(2025, 3, 1), date(2025, 3, 31)),
}


@pytest.mark.parametrize("page", list(FIRST_PAGES))
def test_each_first_page_is_read_from_an_index(connection: Connection, page: str) -> None:
    assert problems(connection, FIRST_PAGES[page]) == []


def test_the_plan_check_sees_a_missing_index(tmp_path: Path) -> None:
    """Without the page index, the findings page sorts every finding: the check above says so."""
    path = tmp_path / "ledger.sqlite"
    build_ledger(path, 300)
    with sqlite3.connect(path) as raw:
        raw.execute("DROP INDEX ix_findings_page")
    readers = views.LedgerReaders()
    with readers.connect(path) as connection:
        assert problems(connection, FIRST_PAGES["findings"])
    readers.dispose()


def test_opening_an_older_ledger_adds_the_missing_indexes(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    Ledger(path).dispose()
    added = ("ix_findings_page", "ix_findings_code", "ix_document_states_verdict", "ix_document_states_source",
             "ix_runs_company")
    with sqlite3.connect(path) as raw:
        for name in added:
            raw.execute(f"DROP INDEX {name}")
    Ledger(path).dispose()
    Ledger(path).dispose()  # and again: nothing to add, nothing fails
    with sqlite3.connect(path) as raw:
        names = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert set(added) <= names


def test_whole_ledger_answers_are_kept_until_a_run_writes_the_ledger(tmp_path: Path) -> None:
    import os

    from sagesync.ledger.views import LedgerReaders

    path = tmp_path / "ledger.sqlite"
    path.write_bytes(b"one version")
    readers = LedgerReaders()
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert readers.cached(path, ("totals",), compute) == 1
    assert readers.cached(path, ("totals",), compute) == 1  # same version of the file: not computed again
    assert readers.cached(path, ("other",), compute) == 2  # another question
    path.write_bytes(b"a run wrote here")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert readers.cached(path, ("totals",), compute) == 3
