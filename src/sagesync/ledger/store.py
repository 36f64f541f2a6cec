"""Reads and writes of the ledger of record.

Every function takes a SQLAlchemy ``Connection``: either the ledger's own
(``Ledger.connect()``) or the embedded company's with the ledger attached
(``Ledger.attached_to()``), so posting and its record share one transaction.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, delete, func, literal, or_, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from sagesync.bulk import bulk_insert
from sagesync.core.delivery import DeliveryState, ItemKind, Receipt, source_reference
from sagesync.core.findings import Finding, FindingCode, Severity
from sagesync.core.model import AnalyticSplit, Document, DocumentKind, EntryLine, JournalEntry, LineRole, Side
from sagesync.errors import ConfigurationError
from sagesync.i18n import _
from sagesync.ledger import postgres
from sagesync.ledger.migrations import migrate
from sagesync.ledger.numbering import format_entry_number
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
from sagesync.ledger.totals import entry_totals
from sagesync.sqlite import sqlite_engine
from sagesync.storage_errors import LEDGER_HINT, guard_storage, ledger_hint


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


class Ledger:
    """The ledger of one profile: a SQLite file (the default), or its own schema in a PostgreSQL database."""

    def __init__(self, path: Path, *, profile: str = "", url: str | None = None) -> None:
        """``profile`` names the profile in the fix a damaged file's message gives (the rebuild command).

        ``url`` (``postgresql://user@host/db``, checked by ``postgres.ledger_url_problem``): the ledger is the
        schema ``sagesync_<profile>`` of that database instead of the file ``path``.
        """
        self.path = path
        self.url = url
        self.schema = postgres.schema_for(profile) if url else ""
        if url:
            self.engine = postgres.postgres_engine(url, self.schema)
            try:
                self._open_postgres()
            except DBAPIError as error:
                self.engine.dispose()
                if isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated:
                    raise postgres.unreachable(url, self.schema, error) from None
                raise
            except BaseException:
                self.engine.dispose()
                raise
            return
        hint = ledger_hint(profile) if profile else LEDGER_HINT
        with guard_storage(path, "ledger", hint=hint, tables=[table.name for table in metadata.sorted_tables]):
            path.parent.mkdir(parents=True, exist_ok=True)
            self.engine = sqlite_engine(path, execution_options={"schema_translate_map": {SCHEMA: None}})
            try:
                self._open()
            except BaseException:
                self.engine.dispose()
                raise

    @property
    def is_postgres(self) -> bool:
        return self.url is not None

    @property
    def location(self) -> str:
        """Where the ledger is, for a person: its file, or its PostgreSQL database and schema (no password)."""
        return postgres.describe(self.url, self.schema) if self.url else str(self.path)

    def _open(self) -> None:
        """Create or migrate the tables; a ledger written by a newer sagesync is never touched."""
        with self.engine.begin() as connection:
            tables = {name for (name,) in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            found = self._version(connection, tables)
            if found is not None and found < SCHEMA_VERSION:
                migrate(connection, found)
            metadata.create_all(connection)
            existing = {name for (name,) in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index'")}
            _create_missing_indexes(connection, existing)
            _store_version(connection, found)

    def _open_postgres(self) -> None:
        """The profile's schema: created when missing, with the tables at the current version (no migrations)."""
        with self.engine.begin() as connection:
            postgres.lock_schema(connection, self.schema)
            found = self._version(connection, postgres.table_names(connection, self.schema))
            if found is not None and found < SCHEMA_VERSION:
                raise ConfigurationError(_("the ledger {path} has schema {found}, and a PostgreSQL ledger is upgraded "
                                           "by no migration: run the sagesync that wrote it, or rebuild the ledger "
                                           "in a new schema").format(path=self.location, found=found))
            metadata.create_all(connection)
            _create_missing_indexes(connection, postgres.index_names(connection, self.schema))
            _store_version(connection, found)

    def _version(self, connection: Connection, tables: set[str]) -> int | None:
        """The schema version the ledger was written with (None: a new ledger); refuse a foreign or newer one."""
        found = None
        if "ledger_info" in tables:
            found = connection.execute(select(ledger_info.c.value).where(
                ledger_info.c.key == "schema_version")).scalar()
        elif tables:
            raise ConfigurationError(
                _("{path} is a SQLite file but not a sagesync ledger (it holds {tables}): move it away, or "
                  "point SAGESYNC_DATA_DIR elsewhere; `sagesync ledger rebuild` makes a new ledger from the "
                  "company").format(path=self.path, tables=", ".join(sorted(tables)[:5])) if not self.url else
                _("the PostgreSQL schema of the ledger, {path}, holds other tables ({tables}): give the profile "
                  "another database, or move those tables away").format(
                    path=self.location, tables=", ".join(sorted(tables)[:5])))
        if found is not None and int(found) > SCHEMA_VERSION:
            raise ConfigurationError(_("the ledger {path} was written by a newer sagesync (schema {found}, this "
                                       "one knows {known}): upgrade sagesync before using it").format(
                path=self.location, found=found, known=SCHEMA_VERSION))
        return None if found is None else int(found)

    def connect(self) -> Connection:
        return self.engine.connect()

    def dispose(self) -> None:
        self.engine.dispose()


def _store_version(connection: Connection, found: int | None) -> None:
    if found is None:
        connection.execute(ledger_info.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
    elif found < SCHEMA_VERSION:
        connection.execute(update(ledger_info).where(ledger_info.c.key == "schema_version").values(
            value=str(SCHEMA_VERSION)))


def _create_missing_indexes(connection: Connection, existing: set[str]) -> None:
    """Indexes added since the ledger was made: ``create_all`` creates a table's indexes only with the table.

    ``existing`` is read from the database's catalog: SQLAlchemy's check cannot see an index on an expression.
    """
    for table in metadata.sorted_tables:
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            if index.name not in existing:
                index.create(connection)


# --- which company this ledger is the book of -------------------------------------------------


def info(connection: Connection, key: str) -> str | None:
    value = connection.execute(select(ledger_info.c.value).where(ledger_info.c.key == key)).scalar()
    return None if value is None else str(value)


def set_info(connection: Connection, key: str, value: str) -> None:
    if connection.execute(update(ledger_info).where(ledger_info.c.key == key).values(value=value)).rowcount == 0:
        connection.execute(ledger_info.insert().values(key=key, value=value))


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
    """Source id -> Sage code of every customer or project decided (pending, delivered or confirmed)."""
    rows = connection.execute(select(synced_records.c.source_id, synced_records.c.sage_code).where(
        synced_records.c.company == company, synced_records.c.kind == kind))
    return {row.source_id: row.sage_code for row in rows}


@dataclass(frozen=True, slots=True)
class SyncedRecord:
    source_id: str
    code: str
    name: str
    how: str  # created (by sagesync) | existing (found in Sage, untouched)
    state: DeliveryState
    where: str = ""
    payload: str = ""  # the record as decided (JSON), kept while it is pending


def record_synced(connection: Connection, company: str, kind: str, run_id: int,
                  records: Sequence[SyncedRecord]) -> None:
    if records:
        now = _now()
        connection.execute(synced_records.insert(), [
            {"company": company, "kind": kind, "source_id": record.source_id, "sage_code": record.code,
             "name": record.name[:120], "how": record.how, "run_id": run_id, "synced_at": now,
             "state": record.state.value, "delivered_to": record.where, "payload": record.payload}
            for record in records])


def pending_records(connection: Connection, company: str, kind: str) -> list[tuple[int, str]]:
    """(run id, payload) of the customers or projects decided but not delivered yet, in decision order."""
    rows = connection.execute(select(synced_records.c.run_id, synced_records.c.payload).where(
        synced_records.c.company == company, synced_records.c.kind == kind,
        synced_records.c.state == DeliveryState.PENDING.value).order_by(synced_records.c.run_id,
                                                                         synced_records.c.sage_code))
    return [(int(run_id), str(payload)) for run_id, payload in rows]


def delivered_records(connection: Connection, company: str, kind: str) -> dict[str, str]:
    """Sage code -> source id of the customers or projects handed over but not confirmed in Sage yet."""
    rows = connection.execute(select(synced_records.c.sage_code, synced_records.c.source_id).where(
        synced_records.c.company == company, synced_records.c.kind == kind,
        synced_records.c.state == DeliveryState.DELIVERED.value))
    return {code: source_id for code, source_id in rows}


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


class PostingSubject(Protocol):
    """What a posting is recorded from: a platform document, or a payment (``ledger.cash``)."""

    @property
    def source_id(self) -> str: ...
    @property
    def number(self) -> str: ...
    @property
    def kind(self) -> DocumentKind: ...
    @property
    def original_source_id(self) -> str: ...
    @property
    def updated_at(self) -> datetime | None: ...


def record_postings(connection: Connection, company: str, run_id: int,
                    posted: Sequence[tuple[PostingSubject, str, JournalEntry, str]], *, target: str,
                    states: Mapping[str, DeliveryState] | DeliveryState, validated_at: datetime | None = None,
                    outbox_rows: bool = True) -> int:
    """Record decided entries; (document, version, entry, where) each, in their delivery state. Returns the count.

    EcritureNum is assigned here, continuous per journal in validation order, in
    the same transaction as the entry itself: a number is never reused or skipped.
    ``validated_at`` is the run's validation time (one per run: ValidDate never goes back
    when the run's numbers are put in date order); now when not given.
    """
    if not posted:
        return 0
    now = validated_at.replace(microsecond=0) if validated_at is not None else _now()
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
            "entry_date": entry.entry_date, "original_source_id": document.original_source_id,
            "state": (states if isinstance(states, DeliveryState) else states[document.source_id]).value,
            "target": target, "target_ref": target_ref, "reference": source_reference(document.source_id),
            "run_id": run_id, "validated_at": now, **entry_totals(entry)})
    bulk_insert(connection, postings, posting_rows)
    for journal, last in by_journal.items():
        _store_entry_number(connection, company, journal, last)
    ids = dict(connection.execute(select(postings.c.source_id, postings.c.id).where(
        postings.c.company == company, postings.c.run_id == run_id,
        postings.c.source_id.in_([row["source_id"] for row in posting_rows]))).all())
    line_rows: list[dict[str, Any]] = []
    to_send: list[dict[str, Any]] = []
    for document, _version, entry, _ref in posted:
        posting_id = ids[document.source_id]
        for line_no, line in enumerate(entry.lines, start=1):
            line_rows.append({
                "posting_id": posting_id, "line_no": line_no, "role": line.role.value, "account": line.account,
                "tiers": line.tiers, "label": line.label, "side": line.side.value, "amount": str(line.amount),
                "vat_code": line.vat_code, "due_date": line.due_date, "currency": line.currency,
                "currency_amount": "" if line.currency_amount is None else str(line.currency_amount),
                "analytic": _analytic_text(line), "letter": line.letter, "letter_date": line.letter_date})
        if outbox_rows:  # the platform is told a document is in the books (write-back); payments are not
            to_send.append({"company": company, "source_id": document.source_id, "piece": entry.piece,
                            "posted_at": now, "attempts": 0, "last_error": "", "acknowledged_by": ""})
    bulk_insert(connection, entry_lines, line_rows)
    bulk_insert(connection, outbox, to_send)
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


_RANK = {DeliveryState.PENDING: 0, DeliveryState.DELIVERED: 1, DeliveryState.CONFIRMED: 2}


def mark(connection: Connection, company: str, receipts: Iterable[Receipt]) -> int:
    """Move items to the state their receipt gives (pending -> delivered -> confirmed), never back."""
    groups: dict[tuple[ItemKind, DeliveryState], list[dict[str, Any]]] = {}
    for receipt in receipts:
        groups.setdefault((receipt.kind, receipt.state), []).append(
            {"b_key": receipt.key, "b_where": receipt.where})
    total = 0
    for (kind, state), rows in groups.items():
        lower = [other.value for other, rank in _RANK.items() if rank < _RANK[state]]
        if not lower:
            continue
        if kind is ItemKind.ENTRY:
            statement: Any = (update(postings).where(
                postings.c.company == company, postings.c.source_id == bindparam("b_key"),
                or_(*(postings.c.state == value for value in lower)))
                .values(state=state.value, target_ref=bindparam("b_where")))
        else:
            statement = (update(synced_records).where(
                synced_records.c.company == company, synced_records.c.kind == kind.value,
                synced_records.c.source_id == bindparam("b_key"),
                or_(*(synced_records.c.state == value for value in lower)))
                .values(state=state.value, delivered_to=bindparam("b_where"), payload=""))
        total += int(connection.execute(statement, rows).rowcount or 0)
    return total


def references(connection: Connection, company: str) -> set[str]:
    """The source reference of every entry the ledger decided (any state)."""
    return {str(reference) for (reference,) in connection.execute(
        select(postings.c.reference).where(postings.c.company == company))}


def delivery_places(connection: Connection, company: str) -> set[str]:
    """Where the ledger's entries went (EC_No ranges, import file names): what it accounts for."""
    return {str(place) for (place,) in connection.execute(
        select(postings.c.target_ref).where(postings.c.company == company).distinct()) if place}


def record_findings_of(connection: Connection, company: str, kind: str) -> list[Finding]:
    """The current findings of the customers or projects, as the Pull step left them."""
    rows = connection.execute(select(findings).where(findings.c.company == company, findings.c.kind == kind))
    return [Finding(row.document, row.source_id, row.field, FindingCode(row.code), row.message, row.fix,
                    Severity(row.severity)) for row in rows if row.code in _KNOWN_CODES]


_KNOWN_CODES = frozenset(code.value for code in FindingCode)


def unsettled_documents(connection: Connection, company: str, verdicts: Sequence[str]) -> set[str]:
    """Documents whose last verdict is one of ``verdicts``, and those the platform sent unreadable."""
    found = {str(source_id) for (source_id,) in connection.execute(select(document_states.c.source_id).where(
        document_states.c.company == company, document_states.c.verdict.in_(list(verdicts))))}
    found |= {str(source_id) for (source_id,) in connection.execute(select(findings.c.source_id).where(
        findings.c.company == company, findings.c.kind == "document", findings.c.code == "source_field_invalid",
        findings.c.source_id != "").distinct())}
    return found


def steps_run(connection: Connection, company: str) -> set[str]:
    """The steps that have finished at least once for the company (ok or with blocked records)."""
    return {str(step) for (step,) in connection.execute(select(runs.c.step).where(
        runs.c.company == company, runs.c.status.in_(("ok", "blocked"))).distinct())}


def number_in_date_order(connection: Connection, company: str, run_id: int) -> None:
    """Give a run's entries their numbers in order of date, then invoice number, per journal.

    The run took a block of numbers in the order the platform listed the documents; the same
    block is handed out again in date order, so numbering stays continuous and a run's numbers
    follow its dates. The run's entries share one validation time (its latest), so ValidDate
    never goes back as the numbers grow.
    """
    rows = connection.execute(select(postings.c.id, postings.c.journal, postings.c.entry_number,
                                     postings.c.entry_date, postings.c.number, postings.c.validated_at)
                              .where(postings.c.company == company, postings.c.run_id == run_id)).all()
    if not rows:
        return
    validated = max(row.validated_at for row in rows)
    by_journal: dict[str, list[Any]] = {}
    for row in rows:
        by_journal.setdefault(row.journal, []).append(row)
    updates: list[dict[str, Any]] = []
    for journal_rows in by_journal.values():
        block = sorted((row.entry_number for row in journal_rows), key=lambda text: (len(text), text))
        ordered = sorted(journal_rows, key=lambda row: (row.entry_date, row.number, row.id))
        updates += [{"b_id": row.id, "b_number": number, "b_validated": validated}
                    for row, number in zip(ordered, block, strict=True) if row.entry_number != number
                    or row.validated_at != validated]
    if updates:
        # Through a temporary value first: (journal, entry_number) is unique at every step.
        connection.execute(update(postings).where(postings.c.id == bindparam("b_id")).values(
            entry_number=literal("~") + bindparam("b_number")), updates)
        connection.execute(update(postings).where(postings.c.id == bindparam("b_id")).values(
            entry_number=bindparam("b_number"), validated_at=bindparam("b_validated")), updates)


def postings_in(connection: Connection, company: str, state: DeliveryState,
                run_id: int | None = None) -> list[dict[str, Any]]:
    query = select(postings.c.run_id, postings.c.source_id, postings.c.reference, postings.c.number).where(
        postings.c.company == company, postings.c.state == state.value)
    if run_id is not None:
        query = query.where(postings.c.run_id == run_id)
    return [dict(row) for row in connection.execute(query.order_by(postings.c.id)).mappings()]


def numbers_in_use(connection: Connection, company: str) -> dict[str, str]:
    """Invoice number -> source id of every entry the ledger decided: a number is used once."""
    return {str(number): str(source_id) for number, source_id in connection.execute(
        select(postings.c.number, postings.c.source_id).where(postings.c.company == company))}



PostedEntry = tuple[JournalEntry, str, datetime]  # entry, EcritureNum, validated at


ALL_STATES: tuple[DeliveryState, ...] = tuple(DeliveryState)


def posted_entries(connection: Connection, company: str, start: date, end: date,
                   states: Iterable[DeliveryState] = ALL_STATES,
                   run_id: int | None = None) -> Iterator[PostedEntry]:
    """Posted entries dated in [start, end] (of one run if given), in journal and EcritureNum order, streamed."""
    query = (select(postings, entry_lines).join(entry_lines, entry_lines.c.posting_id == postings.c.id)
             .where(postings.c.company == company, postings.c.entry_date >= start, postings.c.entry_date <= end,
                    postings.c.state.in_([state.value for state in states]))
             # EcritureNum order, which is validation order: a run's numbers are handed out again in date order
             # (number_in_date_order), so the ids of one run are not. Shorter numbers first: the numbers' own
             # text order breaks past 999 999 (VTE1000000 < VTE999999 as text).
             .order_by(postings.c.journal, func.length(postings.c.entry_number), postings.c.entry_number,
                       entry_lines.c.line_no))
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
                     analytic=analytic, letter=row.get("letter") or "", letter_date=row.get("letter_date"))


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



def record_findings(connection: Connection, company: str, run_id: int, found: Iterable[Finding], *,
                    kind: str = "document", checked: Collection[str] = ()) -> int:
    """Replace the current findings of the records checked (``checked`` and those found) with ``found``.

    A record has one current set of findings: checking it again replaces them, so the
    table holds the books' problems, not every run's copy of them. Setup findings
    (source id "") are replaced as a whole by each run that checks the set-up.
    """
    rows = [{"run_id": run_id, "company": company, "kind": kind, "source_id": f.source_id,
             "document": f.document[:120], "field": f.field, "code": f.code.value, "severity": f.severity.value,
             "message": f.message, "fix": f.fix} for f in found]
    replaced = list({*checked, *(row["source_id"] for row in rows)})
    for start in range(0, len(replaced), 500):
        connection.execute(delete(findings).where(findings.c.company == company, findings.c.kind == kind,
                                                  findings.c.source_id.in_(replaced[start:start + 500])))
    if rows:
        bulk_insert(connection, findings, rows)
    return len(rows)


# A document written to an import file is told to the platform only once Sage has it.
WRITEBACK_STATES = (DeliveryState.CONFIRMED.value,)


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


def outbox_waiting(connection: Connection, company: str) -> int:
    """How many documents Sage holds that the platform has not been told of."""
    return int(connection.execute(select(func.count()).select_from(outbox).join(
        postings, (postings.c.company == outbox.c.company) & (postings.c.source_id == outbox.c.source_id))
        .where(outbox.c.company == company, outbox.c.acknowledged_at.is_(None),
               postings.c.state.in_(WRITEBACK_STATES))).scalar_one())


def outbox_settle(connection: Connection, acknowledged: Sequence[int], by: str, failed: Sequence[tuple[int, str]],
                  run_id: int, now: datetime) -> None:
    """Record one page of the platform's answers in one statement each: acknowledged rows, failed rows."""
    if acknowledged:
        connection.execute(update(outbox).where(outbox.c.id == bindparam("b_id")).values(
            acknowledged_at=now, acknowledged_by=by, attempts=outbox.c.attempts + 1, last_error=""),
            [{"b_id": outbox_id} for outbox_id in acknowledged])
    if failed:
        connection.execute(update(outbox).where(outbox.c.id == bindparam("b_id")).values(
            attempts=outbox.c.attempts + 1, last_error=bindparam("b_error"), failed_run_id=run_id),
            [{"b_id": outbox_id, "b_error": error[:500]} for outbox_id, error in failed])


def adopt_versions(connection: Connection, company: str, versions: Mapping[str, str]) -> None:
    """Give rebuilt postings (version ``rebuilt:<amount>``) the version of the record Sage was found to hold."""
    if versions:
        connection.execute(update(postings).where(
            postings.c.company == company, postings.c.source_id == bindparam("b_source")).values(
            version=bindparam("b_version")), [{"b_source": key, "b_version": version}
                                              for key, version in versions.items()])
