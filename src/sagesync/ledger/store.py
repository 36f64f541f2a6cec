"""Reads and writes of the ledger of record.

Every function takes a SQLAlchemy ``Connection``: either the ledger's own
(``Ledger.connect()``) or the embedded company's with the ledger attached
(``Ledger.attached_to()``), so posting and its record share one transaction.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select, update
from sqlalchemy.engine import make_url

from sagesync.bulk import bulk_insert
from sagesync.core.findings import Finding
from sagesync.core.model import AnalyticSplit, Document, DocumentKind, EntryLine, JournalEntry, LineRole, Side
from sagesync.errors import ConfigurationError
from sagesync.exports.fec import format_entry_number
from sagesync.ledger.schema import (
    SCHEMA,
    SCHEMA_VERSION,
    document_states,
    entry_lines,
    findings,
    journal_sequences,
    ledger_info,
    metadata,
    outbox,
    postings,
    runs,
    synced_records,
)


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _sqlite_engine(path: Path, **options: Any) -> Engine:
    # isolation_level=None + explicit BEGIN IMMEDIATE: pysqlite's implicit transactions
    # would start only at the first write; we want the write lock before we read
    # sequence numbers, on every attached database at once.
    engine = create_engine(make_url("sqlite://").set(database=str(path)),
                           connect_args={"isolation_level": None}, **options)

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Ledger:
    """The SQLite ledger of one profile."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = _sqlite_engine(path, execution_options={"schema_translate_map": {SCHEMA: None}})
        metadata.create_all(self.engine)
        self._check_version()

    def _check_version(self) -> None:
        """A ledger written by a newer sagesync is never touched by an older one."""
        with self.engine.begin() as connection:
            found = connection.execute(select(ledger_info.c.value).where(ledger_info.c.key == "schema_version")
                                       ).scalar()
            if found is None:
                connection.execute(ledger_info.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
            elif int(found) > SCHEMA_VERSION:
                raise ConfigurationError(f"the ledger {self.path} was written by a newer sagesync (schema {found}, "
                                         f"this one knows {SCHEMA_VERSION}): upgrade sagesync before using it")

    def connect(self) -> Connection:
        return self.engine.connect()

    def attached_to(self, company_path: Path) -> Engine:
        """An engine on the embedded company with this ledger ATTACHed as ``ledger``."""
        engine = _sqlite_engine(company_path)
        ledger_path = str(self.path)

        @event.listens_for(engine, "connect")
        def _attach(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("ATTACH DATABASE ? AS ledger", (ledger_path,))
            cursor.close()

        return engine

    def dispose(self) -> None:
        self.engine.dispose()


# --- runs -------------------------------------------------------------------------------------


def start_run(connection: Connection, company: str, step: str) -> int:
    result = connection.execute(runs.insert().values(
        company=company, step=step, started_at=_now(), status="running", counts="{}", outputs="{}", pid=os.getpid()))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def finish_run(connection: Connection, run_id: int, status: str, counts: Mapping[str, int],
               outputs: Mapping[str, str], error: str | None = None) -> None:
    connection.execute(update(runs).where(runs.c.id == run_id).values(
        finished_at=_now(), status=status, counts=json.dumps(dict(counts)), outputs=json.dumps(dict(outputs)),
        error=error))



# --- customers and projects -----------------------------------------------------------------


def synced_codes(connection: Connection, company: str, kind: str) -> dict[str, str]:
    rows = connection.execute(select(synced_records.c.source_id, synced_records.c.sage_code).where(
        synced_records.c.company == company, synced_records.c.kind == kind))
    return {row.source_id: row.sage_code for row in rows}


def record_synced(connection: Connection, company: str, kind: str, run_id: int,
                  records: Sequence[tuple[str, str, str, str]]) -> None:
    """records: (source id, Sage code, name, how) with how = created | existing."""
    if records:
        now = _now()
        connection.execute(synced_records.insert(), [
            {"company": company, "kind": kind, "source_id": source_id, "sage_code": code, "name": name[:120],
             "how": how, "run_id": run_id, "synced_at": now}
            for source_id, code, name, how in records])


# --- postings ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostedInfo:
    version: str
    updated_at: str
    number: str
    kind: str
    state: str


def posted_index(connection: Connection, company: str) -> dict[str, PostedInfo]:
    """Every posted document of the company, read once per run.

    One sequential read is far cheaper than a look-up per batch (a re-sync of
    100 000 unchanged documents is then a dictionary walk); about 150 bytes a
    document, so a million postings stay well under the memory budget.
    """
    rows = connection.execute(select(postings.c.source_id, postings.c.version, postings.c.updated_at,
                                     postings.c.number, postings.c.kind, postings.c.state)
                              .where(postings.c.company == company))
    return {row[0]: PostedInfo(row[1], row[2] or "", row[3], row[4], row[5]) for row in rows}


def _analytic_text(line: EntryLine) -> str:
    return ";".join(f"{split.plan}|{split.section}|{split.amount}" for split in line.analytic)


def record_postings(connection: Connection, company: str, run_id: int,
                    posted: Sequence[tuple[Document, str, JournalEntry, str]], *, target: str, state: str) -> int:
    """Record posted entries; (document, version, entry, target ref) each. Returns the count.

    EcritureNum is assigned here, continuous per journal in validation order, in
    the same transaction as the entry itself: a number is never reused or skipped.
    """
    if not posted:
        return 0
    now = _now()
    by_journal: dict[str, int] = {}
    posting_rows: list[dict[str, Any]] = []
    for document, version, entry, target_ref in posted:
        sequence = by_journal.get(entry.journal)
        if sequence is None:
            sequence = _last_entry_number(connection, company, entry.journal)
        sequence += 1
        by_journal[entry.journal] = sequence
        posting_rows.append({
            "company": company, "source_id": document.source_id, "version": version,
            "updated_at": document.updated_at.isoformat() if document.updated_at else None,
            "number": document.number, "kind": document.kind.value, "journal": entry.journal,
            "entry_number": format_entry_number(entry.journal, sequence), "piece": entry.piece,
            "entry_date": entry.entry_date, "original_source_id": document.original_source_id, "state": state,
            "target": target, "target_ref": target_ref, "run_id": run_id, "validated_at": now})
    bulk_insert(connection, postings, posting_rows)
    for journal, last in by_journal.items():
        _store_entry_number(connection, company, journal, last)
    ids = dict(connection.execute(select(postings.c.source_id, postings.c.id).where(
        postings.c.company == company, postings.c.run_id == run_id,
        postings.c.source_id.in_([row["source_id"] for row in posting_rows]))).all())
    line_rows: list[dict[str, Any]] = []
    outbox_rows: list[dict[str, Any]] = []
    for document, _version, entry, _ref in posted:
        posting_id = ids[document.source_id]
        for line_no, line in enumerate(entry.lines, start=1):
            line_rows.append({
                "posting_id": posting_id, "line_no": line_no, "role": line.role.value, "account": line.account,
                "tiers": line.tiers, "label": line.label, "side": line.side.value, "amount": str(line.amount),
                "vat_code": line.vat_code, "due_date": line.due_date, "currency": line.currency,
                "currency_amount": "" if line.currency_amount is None else str(line.currency_amount),
                "analytic": _analytic_text(line)})
        outbox_rows.append({"company": company, "source_id": document.source_id, "piece": entry.piece,
                            "posted_at": now, "attempts": 0, "last_error": "", "acknowledged_by": ""})
    bulk_insert(connection, entry_lines, line_rows)
    bulk_insert(connection, outbox, outbox_rows)
    return len(posting_rows)


def _last_entry_number(connection: Connection, company: str, journal: str) -> int:
    value = connection.execute(select(journal_sequences.c.last_number).where(
        journal_sequences.c.company == company, journal_sequences.c.journal == journal)).scalar()
    return int(value or 0)


def _store_entry_number(connection: Connection, company: str, journal: str, last: int) -> None:
    result = connection.execute(update(journal_sequences).where(
        journal_sequences.c.company == company, journal_sequences.c.journal == journal).values(last_number=last))
    if result.rowcount == 0:
        connection.execute(journal_sequences.insert().values(company=company, journal=journal, last_number=last))


def set_state(connection: Connection, company: str, source_ids: Sequence[str], state: str) -> int:
    """Move postings to a later state (written -> in_sage)."""
    total = 0
    for start in range(0, len(source_ids), 500):
        result = connection.execute(update(postings).where(
            postings.c.company == company, postings.c.source_id.in_(source_ids[start:start + 500])).values(
            state=state))
        total += result.rowcount
    return total



PostedEntry = tuple[JournalEntry, str, datetime]  # entry, EcritureNum, validated at


def posted_entries(connection: Connection, company: str, start: date, end: date,
                   states: Iterable[str] = ("posted", "written", "in_sage"),
                   run_id: int | None = None) -> Iterator[PostedEntry]:
    """Posted entries dated in [start, end] (of one run if given), in journal and EcritureNum order, streamed."""
    query = (select(postings, entry_lines).join(entry_lines, entry_lines.c.posting_id == postings.c.id)
             .where(postings.c.company == company, postings.c.entry_date >= start, postings.c.entry_date <= end,
                    postings.c.state.in_(list(states)))
             # id order is validation order: the numbers' own text order breaks past 999 999
             .order_by(postings.c.journal, postings.c.id, entry_lines.c.line_no))
    if run_id is not None:
        query = query.where(postings.c.run_id == run_id)
    current: dict[str, Any] | None = None
    lines: list[EntryLine] = []
    for row in connection.execution_options(stream_results=True).execute(query).mappings():
        if current is not None and row["id"] != current["id"]:
            yield _entry(current, lines), current["entry_number"], current["validated_at"]
            lines = []
        current = dict(row)
        lines.append(_line(current))
    if current is not None:
        yield _entry(current, lines), current["entry_number"], current["validated_at"]


def _line(row: Mapping[str, Any]) -> EntryLine:
    analytic = tuple(AnalyticSplit(plan, section, Decimal(amount))
                     for plan, section, amount in (part.split("|") for part in row["analytic"].split(";") if part))
    return EntryLine(role=LineRole(row["role"]), account=row["account"], side=Side(row["side"]),
                     amount=Decimal(row["amount"]), label=row["label"], tiers=row["tiers"], vat_code=row["vat_code"],
                     due_date=row["due_date"], currency=row["currency"],
                     currency_amount=Decimal(row["currency_amount"]) if row["currency_amount"] else None,
                     analytic=analytic)


def _entry(row: Mapping[str, Any], lines: list[EntryLine]) -> JournalEntry:
    return JournalEntry(journal=row["journal"], entry_date=row["entry_date"], piece=row["piece"],
                        invoice_number=row["number"], label=lines[0].label if lines else "",
                        source_id=row["source_id"], kind=DocumentKind(row["kind"]), lines=tuple(lines))


# --- states, findings, outbox -----------------------------------------------------------------


def record_states(connection: Connection, company: str, run_id: int,
                  states: Sequence[tuple[Document, str, str]]) -> None:
    """(document, version, verdict) of each document seen by a run; last one wins."""
    if not states:
        return
    now = _now()
    ids = [document.source_id for document, _, _ in states]
    for start in range(0, len(ids), 500):
        connection.execute(document_states.delete().where(
            document_states.c.company == company, document_states.c.source_id.in_(ids[start:start + 500])))
    bulk_insert(connection, document_states, [
        {"company": company, "source_id": document.source_id, "number": document.number,
         "kind": document.kind.value, "issue_date": document.issue_date, "verdict": verdict, "version": version,
         "run_id": run_id, "seen_at": now} for document, version, verdict in states])



def record_findings(connection: Connection, company: str, run_id: int, found: Iterable[Finding]) -> int:
    rows = [{"run_id": run_id, "company": company, "source_id": f.source_id, "document": f.document[:120],
             "field": f.field, "code": f.code.value, "severity": f.severity.value, "message": f.message, "fix": f.fix}
            for f in found]
    if rows:
        bulk_insert(connection, findings, rows)
    return len(rows)


# A document written to an import file is told to the platform only once Sage has it.
WRITEBACK_STATES = ("posted", "in_sage")


def outbox_pending(connection: Connection, company: str, limit: int = 1000,
                   skip_failed_in_run: int | None = None) -> list[dict[str, Any]]:
    query = (select(outbox).join(postings, (postings.c.company == outbox.c.company)
                                 & (postings.c.source_id == outbox.c.source_id))
             .where(outbox.c.company == company, outbox.c.acknowledged_at.is_(None),
                    postings.c.state.in_(WRITEBACK_STATES)))
    if skip_failed_in_run is not None:
        query = query.where((outbox.c.failed_run_id.is_(None)) | (outbox.c.failed_run_id != skip_failed_in_run))
    rows = connection.execute(query.order_by(outbox.c.id).limit(limit))
    return [row._asdict() for row in rows]


def outbox_acknowledge(connection: Connection, outbox_id: int, by: str) -> None:
    connection.execute(update(outbox).where(outbox.c.id == outbox_id).values(
        acknowledged_at=_now(), acknowledged_by=by, attempts=outbox.c.attempts + 1, last_error=""))


def outbox_failed(connection: Connection, outbox_id: int, error: str, run_id: int) -> None:
    connection.execute(update(outbox).where(outbox.c.id == outbox_id).values(
        attempts=outbox.c.attempts + 1, last_error=error[:500], failed_run_id=run_id))
