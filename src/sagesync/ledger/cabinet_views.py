"""What the console's cabinet view reads of one company's ledger: a glance, in a handful of indexed selects.

Read only, like ``ledger.views``: every query is a plain select on the read-only connection
``LedgerReaders`` opens, each served by an index whose first column is the company, so reading
200 companies' ledgers stays a matter of milliseconds each, whatever their size:

- the documents per state (``views.state_counts``): posted (in Sage, in an import file or to
  write to one), blocked, changed after posting;
- the payments waiting for their invoice and those to fix (``receipts.payment_counts``);
- the current blocking findings (documents, clients, projects, set-up, payments);
- the last run: the newest runs of the run log read as one batch when they follow each other
  (a « Sync all » records one run per step), with the worst result of the batch.

``LedgersReader`` opens any ledger read-only, as ``views.LedgerReaders`` does, but through one engine
for all of them: SQLAlchemy compiles a select once per engine, and one engine per ledger would compile
the same selects 200 times on a console's first visit (2.3 s instead of 0.6 s for 200 ledgers).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, func, literal_column, select
from sqlalchemy.pool import NullPool

from sagesync.ledger.receipts import payment_counts
from sagesync.ledger.schema import SCHEMA, SEVERITY_RANK, findings, runs
from sagesync.ledger.views import state_counts

# The posting states: a document posted by sagesync, whether Sage holds its piece yet or not.
POSTED_STATES = ("confirmed", "delivered", "pending")
# How many of the newest runs are read to find the last batch (a « Sync all » is at most 7 runs).
RUNS_READ = 12
# Two runs belong to one batch when the second started this soon after the first finished (the ledger keeps
# whole seconds; the steps of a sync follow each other at once).
BATCH_GAP = timedelta(seconds=5)
# The worst result of a batch wins: a failed step makes the batch failed, a blocked one blocked.
_RESULT_RANK = {"failed": 0, "blocked": 1, "ok": 2}


@dataclass(frozen=True, slots=True)
class LastRun:
    """The last batch of runs: from the start of its first run to the end of its last, and its worst result."""

    run_id: int  # the newest run of the batch
    steps: tuple[str, ...]  # oldest first
    started_at: datetime
    finished_at: datetime | None  # None while its newest run is running
    status: str  # running, failed, blocked or ok
    pid: int


@dataclass(frozen=True, slots=True)
class CompanyGlance:
    """One company's books at a glance."""

    documents: dict[str, int]  # state -> count (``views.state_counts``)
    payments: dict[str, int]  # ``receipts.payment_counts``
    blocking_findings: int
    last_run: LastRun | None

    @property
    def posted(self) -> int:
        return sum(self.documents.get(state, 0) for state in POSTED_STATES)

    @property
    def to_import(self) -> int:
        """Posted, but not in Sage yet: written to an import file, or to write to one."""
        return self.documents.get("delivered", 0) + self.documents.get("pending", 0)

    @property
    def blocked(self) -> int:
        return self.documents.get("blocked", 0)

    @property
    def changed(self) -> int:
        return self.documents.get("changed", 0)

    @property
    def to_fix(self) -> int:
        """Documents someone must act on: blocked, or changed on the platform after posting."""
        return self.blocked + self.changed

    @property
    def payments_waiting(self) -> int:
        return self.payments.get("waiting", 0)

    @property
    def payments_to_fix(self) -> int:
        return self.payments.get("to_fix", 0)

    @property
    def payments_pending(self) -> int:
        return self.payments_waiting + self.payments_to_fix


def blocking_count(connection: Connection, company: str) -> int:
    """The current blocking findings: counted from the findings page's index (company, severity rank)."""
    rank = SEVERITY_RANK  # said as well as the severity, so the count seeks to it in the index
    return int(connection.execute(select(func.count()).select_from(findings).where(
        findings.c.company == company, findings.c.severity == "blocking",
        rank == literal_column("0"))).scalar_one())


def last_batch(rows: Sequence[Any]) -> LastRun | None:
    """The batch the newest of ``rows`` (runs, newest first) ends: the runs before it that the same process started
    right after each other."""
    if not rows:
        return None
    batch = [rows[0]]
    for older in rows[1:]:
        newer = batch[-1]
        if older.pid != newer.pid or older.finished_at is None or newer.started_at - older.finished_at > BATCH_GAP:
            break
        batch.append(older)
    newest = batch[0]
    if newest.status == "running":
        status = "running"
    else:
        status = min((str(run.status) for run in batch), key=lambda result: _RESULT_RANK.get(result, 2))
    return LastRun(int(newest.id), tuple(str(run.step) for run in reversed(batch)), batch[-1].started_at,
                   newest.finished_at if status != "running" else None, status, int(newest.pid))


def last_run(connection: Connection, company: str) -> LastRun | None:
    rows = connection.execute(select(runs.c.id, runs.c.step, runs.c.started_at, runs.c.finished_at, runs.c.status,
                                     runs.c.pid).where(runs.c.company == company)
                              .order_by(runs.c.id.desc()).limit(RUNS_READ)).all()
    return last_batch(rows)


def glance(connection: Connection, company: str) -> CompanyGlance:
    return CompanyGlance(state_counts(connection, company), payment_counts(connection, company),
                         blocking_count(connection, company), last_run(connection, company))


class LedgersReader:
    """Read-only connections to any ledger file through one engine (its compiled selects shared by every ledger).

    The engine's connections are not pooled: each ``connect(path)`` opens that file read-only (``mode=ro``, so
    a missing file is an error, never a new ledger) and closes it after, as ``views.LedgerReaders`` does.
    """

    def __init__(self, timeout_seconds: float = 5.0) -> None:
        self._uri: ContextVar[str] = ContextVar("sagesync_ledger_uri")
        self._timeout = timeout_seconds
        self.engine = create_engine("sqlite://", creator=self._open, poolclass=NullPool,
                                    execution_options={"schema_translate_map": {SCHEMA: None}})

    def _open(self) -> sqlite3.Connection:
        return sqlite3.connect(self._uri.get(), uri=True, timeout=self._timeout, check_same_thread=False)

    @contextmanager
    def connect(self, path: Path) -> Iterator[Connection]:
        token = self._uri.set(f"{path.resolve().as_uri()}?mode=ro")
        try:
            with self.engine.connect() as connection:
                yield connection
        finally:
            self._uri.reset(token)

    def dispose(self) -> None:
        self.engine.dispose()
