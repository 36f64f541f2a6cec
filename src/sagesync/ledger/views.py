"""What people read from the ledger of record (console pages, `sagesync status`): plain Core selects.

The console never writes the ledger: it reads it through a read-only SQLite
connection (``LedgerReaders``), so a page can never take the write lock a
running step needs, nor change what was posted.

Words used by the pages:

- a document's **state** is ``changed`` when it was edited on the platform after
  posting, else its delivery state (``confirmed``: Sage holds the piece;
  ``delivered``: written to an import file, not imported yet; ``pending``: decided,
  its import file not written yet), else the last verdict of a check (``ready``,
  ``blocked``, ``ignored`` before the period start);
- the **current findings** of a record are the set its last check left: the
  ledger replaces them each time the record is checked again.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    and_,
    case,
    create_engine,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.pool import NullPool

from sagesync.ledger.schema import SCHEMA, document_states, entry_lines, findings, postings, runs
from sagesync.ledger.store import Ledger

DOCUMENT_STATES: tuple[tuple[str, str], ...] = (
    ("confirmed", "posted in Sage"),
    ("delivered", "written to an import file, not imported yet"),
    ("pending", "decided, import file not written yet"),
    ("ready", "ready (checked, not posted yet)"),
    ("blocked", "blocked"),
    ("changed", "changed after posting"),
    ("ignored", "ignored (before the period start)"),
)
SEVERITIES = ("blocking", "warning", "info")


class LedgerReaders:
    """One read-only engine per ledger file, kept for the console's lifetime.

    Connections are not pooled: opening SQLite is cheap, and a page then never keeps
    a file open between requests (Windows could not delete or replace it) nor reads
    a ledger that was replaced since.
    """

    def __init__(self) -> None:
        self._engines: dict[Path, Engine] = {}
        self._lock = threading.Lock()

    def _engine(self, path: Path) -> Engine:
        with self._lock:
            engine = self._engines.get(path)
            if engine is None:
                if not path.exists():
                    Ledger(path).dispose()  # an empty ledger: the pages show "nothing yet" rather than fail
                uri = f"{path.resolve().as_uri()}?mode=ro"
                engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(
                    uri, uri=True, timeout=10, check_same_thread=False), poolclass=NullPool,
                    execution_options={"schema_translate_map": {SCHEMA: None}})
                self._engines[path] = engine
            return engine

    @contextmanager
    def connect(self, path: Path) -> Iterator[Connection]:
        with self._engine(path).connect() as connection:
            yield connection

    def dispose(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _page(query: Select[Any], connection: Connection, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    total = int(connection.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one())
    rows = [dict(row) for row in connection.execute(query.limit(limit).offset(offset)).mappings()]
    return rows, total


# --- documents --------------------------------------------------------------------------------


def _state_expression() -> ColumnElement[str]:
    verdict = document_states.c.verdict
    return case((verdict == "changed_after_posting", literal("changed")),
                (postings.c.id.is_not(None), postings.c.state),
                else_=verdict)


def _documents_query(company: str) -> Select[Any]:
    joined = document_states.outerjoin(postings, and_(postings.c.company == document_states.c.company,
                                                      postings.c.source_id == document_states.c.source_id))
    return (select(document_states.c.source_id, document_states.c.number, document_states.c.kind,
                   document_states.c.issue_date, document_states.c.verdict, document_states.c.run_id,
                   document_states.c.seen_at, _state_expression().label("state"), postings.c.id.label("posting_id"),
                   postings.c.piece, postings.c.entry_number, postings.c.entry_date, postings.c.journal)
            .select_from(joined).where(document_states.c.company == company))


def state_counts(connection: Connection, company: str) -> dict[str, int]:
    query = _documents_query(company).subquery()
    rows = connection.execute(select(query.c.state, func.count()).group_by(query.c.state))
    return {str(state): int(count) for state, count in rows}


def documents(connection: Connection, company: str, *, state: str = "", text: str = "", limit: int = 200,
              offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    inner = _documents_query(company).subquery()
    query = select(inner)
    if state:
        query = query.where(inner.c.state == state)
    if text:
        pattern = _like(text)
        query = query.where(or_(inner.c.number.like(pattern, escape="\\"), inner.c.source_id.like(pattern, escape="\\"),
                                inner.c.piece.like(pattern, escape="\\")))
    return _page(query.order_by(inner.c.issue_date.desc(), inner.c.number.desc()), connection, limit, offset)


# --- a piece and its lines ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnalyticShare:
    plan: str
    section: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PieceLine:
    line_no: int
    role: str
    account: str
    tiers: str
    label: str
    debit: Decimal | None
    credit: Decimal | None
    vat_code: str
    due_date: date | None
    currency: str
    currency_amount: Decimal | None
    analytic: tuple[AnalyticShare, ...]


@dataclass(frozen=True, slots=True)
class Piece:
    posting: dict[str, Any]
    lines: tuple[PieceLine, ...]

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines if line.debit is not None), Decimal("0.00"))

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines if line.credit is not None), Decimal("0.00"))

    @property
    def balanced(self) -> bool:
        return self.total_debit == self.total_credit


def _analytic(text: str) -> tuple[AnalyticShare, ...]:
    shares = []
    for part in text.split(";"):
        if part:
            plan, section, amount = part.split("|")
            shares.append(AnalyticShare(plan, section, Decimal(amount)))
    return tuple(shares)


def piece(connection: Connection, company: str, posting_id: int) -> Piece | None:
    posting = connection.execute(select(postings).where(postings.c.company == company,
                                                        postings.c.id == posting_id)).mappings().first()
    if posting is None:
        return None
    lines = []
    for row in connection.execute(select(entry_lines).where(entry_lines.c.posting_id == posting_id)
                                  .order_by(entry_lines.c.line_no)).mappings():
        amount = Decimal(row["amount"])
        lines.append(PieceLine(
            row["line_no"], row["role"], row["account"], row["tiers"], row["label"],
            amount if row["side"] == "debit" else None, amount if row["side"] == "credit" else None,
            row["vat_code"], row["due_date"], row["currency"],
            Decimal(row["currency_amount"]) if row["currency_amount"] else None, _analytic(row["analytic"])))
    return Piece(dict(posting), tuple(lines))


# --- findings ---------------------------------------------------------------------------------


def _current_findings(company: str) -> Select[Any]:
    """The findings table holds each record's current set (replaced when it is checked again)."""
    severity_order = case((findings.c.severity == "blocking", 0), (findings.c.severity == "warning", 1), else_=2)
    return (select(findings.c.id, findings.c.run_id, findings.c.source_id, findings.c.document, findings.c.field,
                   findings.c.code, findings.c.severity, findings.c.message, findings.c.fix, findings.c.kind,
                   runs.c.step)
            .join(runs, runs.c.id == findings.c.run_id, isouter=True)
            .where(findings.c.company == company)
            .order_by(severity_order, findings.c.document, findings.c.field, findings.c.id))


def _filtered(company: str, severity: str, code: str, text: str) -> Select[Any]:
    query = _current_findings(company)
    if severity:
        query = query.where(findings.c.severity == severity)
    if code:
        query = query.where(findings.c.code == code)
    if text:
        pattern = _like(text)
        query = query.where(or_(*(column.like(pattern, escape="\\") for column in (
            findings.c.document, findings.c.message, findings.c.fix, findings.c.field, findings.c.code,
            findings.c.source_id))))
    return query


def current_findings(connection: Connection, company: str, *, severity: str = "", code: str = "", text: str = "",
                     limit: int = 500, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    return _page(_filtered(company, severity, code, text), connection, limit, offset)


def iter_current_findings(connection: Connection, company: str, *, severity: str = "", code: str = "",
                          text: str = "") -> Iterator[dict[str, Any]]:
    """Every current finding, streamed (the CSV download)."""
    result = connection.execution_options(stream_results=True).execute(_filtered(company, severity, code, text))
    for row in result.mappings():
        yield dict(row)


def finding_codes(connection: Connection, company: str) -> list[tuple[str, int]]:
    inner = _current_findings(company).subquery()
    rows = connection.execute(select(inner.c.code, func.count()).group_by(inner.c.code).order_by(inner.c.code))
    return [(str(code), int(count)) for code, count in rows]


def group_by_document(rows: Sequence[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Rows in page order, grouped under their document (first appearance decides the order)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["kind"], row["document"]), []).append(row)
    return [(document, items) for (_kind, document), items in groups.items()]


# --- runs -------------------------------------------------------------------------------------


def run_history(connection: Connection, company: str, limit: int = 100) -> list[dict[str, Any]]:
    rows = connection.execute(select(runs).where(runs.c.company == company).order_by(runs.c.id.desc()).limit(limit))
    history = []
    for row in rows.mappings():
        started: datetime = row["started_at"]
        finished: datetime | None = row["finished_at"]
        history.append({**row, "counts": json.loads(row["counts"] or "{}"),
                        "outputs": json.loads(row["outputs"] or "{}"),
                        "duration_seconds": (finished - started).total_seconds() if finished else None})
    return history


def run_outputs(connection: Connection, company: str) -> list[tuple[int, str, str, str]]:
    """(run id, step, output name, path) of every file a run wrote, newest first."""
    found = []
    for row in connection.execute(select(runs.c.id, runs.c.step, runs.c.outputs).where(runs.c.company == company)
                                  .order_by(runs.c.id.desc())):
        for name, path in json.loads(row.outputs or "{}").items():
            found.append((int(row.id), str(row.step), str(name), str(path)))
    return found
