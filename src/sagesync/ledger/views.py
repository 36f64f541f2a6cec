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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Float,
    Integer,
    Join,
    Select,
    and_,
    case,
    cast,
    create_engine,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.pool import NullPool

from sagesync.core.delivery import DeliveryState
from sagesync.i18n import N_
from sagesync.ledger.schema import (
    SCHEMA,
    SEVERITY_RANK,
    SEVERITY_RANKS,
    document_states,
    entry_lines,
    findings,
    postings,
    runs,
    synced_records,
)
from sagesync.ledger.store import Ledger
from sagesync.ledger.totals import signed

T = TypeVar("T")

# (state, label): the labels are English, marked for translation where they are shown (``_(label)``).
DOCUMENT_STATES: tuple[tuple[str, str], ...] = (
    ("confirmed", N_("posted in Sage")),
    ("delivered", N_("written to an import file, not imported yet")),
    ("pending", N_("decided, import file not written yet")),
    ("ready", N_("ready (checked, not posted yet)")),
    ("blocked", N_("blocked")),
    ("changed", N_("changed after posting")),
    ("ignored", N_("ignored (before the period start)")),
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
        self._answers: dict[tuple[Any, ...], Any] = {}

    def cached(self, path: Path, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once per version of the ledger file: whole-ledger aggregates (state counts, totals)
        are read again only after a run wrote the ledger (its size or modification time moved), so paging
        through a filtered list does not sum the same 100 000 documents at every page."""
        try:
            stat = path.stat()
        except OSError:
            return compute()
        full = (path, stat.st_mtime_ns, stat.st_size, *key)
        with self._lock:
            if full in self._answers:
                return self._answers[full]  # type: ignore[no-any-return]
        answer = compute()
        with self._lock:
            if len(self._answers) > 256:  # a console's lifetime of filters: keep it bounded
                self._answers.clear()
            self._answers[full] = answer
        return answer

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


def _page(query: Select[Any], count: Select[Any], connection: Connection, limit: int,
          offset: int) -> tuple[list[dict[str, Any]], int]:
    """A page of ``query`` and the total ``count`` (a cheap query: no join, no order) gives."""
    total = int(connection.execute(count).scalar_one())
    rows = [dict(row) for row in connection.execute(query.limit(limit).offset(offset)).mappings()]
    return rows, total


# --- documents --------------------------------------------------------------------------------

CHANGED_VERDICT = "changed_after_posting"
ZERO = Decimal("0.00")


def _sum(texts: str | None) -> Decimal:
    """The exact sum of amounts ``group_concat`` joined with commas (never through SQLite's floats)."""
    return sum(map(Decimal, texts.split(",")), ZERO) if texts else ZERO

_POSTING_STATES = frozenset(state.value for state in DeliveryState)


def _state_expression() -> ColumnElement[str]:
    verdict = document_states.c.verdict
    return case((verdict == CHANGED_VERDICT, literal("changed")),
                (postings.c.id.is_not(None), postings.c.state),
                else_=verdict)


def _state_of(verdict: str, posting_state: str | None) -> str:
    """The state ``_state_expression`` gives, from a document's verdict and its posting's state (None: none)."""
    if verdict == CHANGED_VERDICT:
        return "changed"
    return verdict if posting_state is None else posting_state


def _joined() -> Join:
    return document_states.outerjoin(postings, and_(postings.c.company == document_states.c.company,
                                                    postings.c.source_id == document_states.c.source_id))


def _documents_query(company: str) -> Select[Any]:
    return (select(document_states.c.source_id, document_states.c.number, document_states.c.kind,
                   document_states.c.issue_date, document_states.c.verdict, document_states.c.run_id,
                   document_states.c.seen_at, _state_expression().label("state"), postings.c.id.label("posting_id"),
                   postings.c.piece, postings.c.entry_number, postings.c.entry_date, postings.c.journal,
                   postings.c.client.label("tiers"), postings.c.total_ht, postings.c.total_vat,
                   postings.c.total_ttc)
            .select_from(_joined()).where(document_states.c.company == company))


def _page_order() -> tuple[ColumnElement[Any], ...]:
    return document_states.c.issue_date.desc(), document_states.c.number.desc()


def state_counts(connection: Connection, company: str) -> dict[str, int]:
    """Documents per state: one pass over an index of the states, each joined once to its posting."""
    rows = connection.execute(select(document_states.c.verdict, postings.c.state, func.count())
                              .select_from(_joined()).where(document_states.c.company == company)
                              .group_by(postings.c.state, document_states.c.verdict))
    counts: dict[str, int] = {}
    for verdict, posting_state, count in rows:  # postings.state is NOT NULL: None means no posting
        state = _state_of(str(verdict), None if posting_state is None else str(posting_state))
        counts[state] = counts.get(state, 0) + int(count)
    return counts


def _state_filter(state: str, *, keep_outer_join: bool = False) -> ColumnElement[bool]:
    """``state`` as conditions an index can serve: the same rows as ``_state_expression() == state``.

    Verdicts (``Verdict`` values and "posted"), delivery states and "changed" are three disjoint
    sets of words, so a state names one branch of the expression. ``keep_outer_join`` compares the
    posting's state through ``coalesce``, which keeps the join an outer one, so the documents are
    read in page order (the date index) rather than from the postings and then sorted.
    """
    verdict = document_states.c.verdict
    if state == "changed":
        return verdict == CHANGED_VERDICT
    if state in _POSTING_STATES:
        posting_state = func.coalesce(postings.c.state, "") if keep_outer_join else postings.c.state
        return and_(posting_state == state, verdict != CHANGED_VERDICT)
    if state == CHANGED_VERDICT:
        return false()
    return and_(verdict == state, postings.c.id.is_(None))


def _text_filter(company: str, text: str) -> ColumnElement[bool]:
    """The number, source id or piece contains ``text``.

    Said as two sets of keys (each read once, from an index or the postings alone), so the
    documents that do not match are never joined to their posting.
    """
    pattern = _like(text)
    by_document = select(document_states.c.source_id).where(
        document_states.c.company == company, or_(document_states.c.number.like(pattern, escape="\\"),
                                                  document_states.c.source_id.like(pattern, escape="\\")))
    by_piece = select(postings.c.source_id).where(postings.c.company == company,
                                                  postings.c.piece.like(pattern, escape="\\"))
    return or_(document_states.c.source_id.in_(by_document), document_states.c.source_id.in_(by_piece))


@dataclass(frozen=True, slots=True)
class DocumentFilters:
    """What the documents list is narrowed to: a state, a text (number, source id, piece), a client (its tiers
    code or name, posted documents only: the client is the posted entry's), a kind and a period (issue dates,
    both ends included)."""

    state: str = ""
    text: str = ""
    client: str = ""
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _client_filter(company: str, client: str) -> ColumnElement[bool]:
    """The posted entry's client has a tiers code or a name (as pulled) containing ``client``."""
    pattern = _like(client)
    codes = select(synced_records.c.sage_code).where(
        synced_records.c.company == company, synced_records.c.kind == "customer",
        or_(synced_records.c.name.like(pattern, escape="\\"), synced_records.c.sage_code.like(pattern, escape="\\")))
    by_client = select(postings.c.source_id).where(postings.c.company == company, or_(
        postings.c.client.like(pattern, escape="\\"), postings.c.client.in_(codes)))
    return document_states.c.source_id.in_(by_client)


def _filter_conditions(company: str, filters: DocumentFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.date_from is not None:
        conditions.append(document_states.c.issue_date >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(document_states.c.issue_date <= filters.date_to)
    if filters.kind:
        conditions.append(document_states.c.kind == filters.kind)
    if filters.state:
        conditions.append(_state_filter(filters.state, keep_outer_join=True))
    if filters.text:
        conditions.append(_text_filter(company, filters.text))
    if filters.client:
        conditions.append(_client_filter(company, filters.client))
    return conditions


def filtered_documents(connection: Connection, company: str, filters: DocumentFilters, *, limit: int = 200,
                       offset: int = 0, counts: Mapping[str, int] | None = None) -> tuple[list[dict[str, Any]], int]:
    """A page of the documents ``filters`` keeps, newest first, and how many they are.

    Without a client, kind or period this is ``documents``. A period or a kind alone is read in page order
    from the date index (its range), counted on the same range; a client or a text search reads the keys
    of every match once, as ``documents`` does for a text.
    """
    if not (filters.client or filters.kind or filters.date_from or filters.date_to):
        return documents(connection, company, state=filters.state, text=filters.text, limit=limit, offset=offset,
                         counts=counts)
    query = _documents_query(company)
    conditions = _filter_conditions(company, filters)
    if filters.client or filters.text:
        return _keyed_page(connection, company, query, conditions, limit, offset)
    total = int(connection.execute(select(func.count()).select_from(_joined()).where(
        document_states.c.company == company, *conditions)).scalar_one())
    if total == 0:
        return [], 0
    rows = connection.execute(query.where(*conditions).order_by(*_page_order()).limit(limit).offset(offset))
    return [dict(row) for row in rows.mappings()], total


def iter_documents(connection: Connection, company: str, filters: DocumentFilters) -> Iterator[dict[str, Any]]:
    """Every document ``filters`` keeps, newest first, streamed (the exports): never all in memory at once."""
    query = _documents_query(company).where(*_filter_conditions(company, filters)).order_by(*_page_order())
    for row in connection.execution_options(stream_results=True, yield_per=1000).execute(query).mappings():
        yield dict(row)


@dataclass(frozen=True, slots=True)
class MoneyTotals:
    """The posted amounts of a list of documents (those not posted count nothing)."""

    posted: int
    ht: Decimal
    vat: Decimal
    ttc: Decimal


# Below this, an amount of 2 decimals read as a double and rounded to cents is exact, and a sum of
# cents fits SQLite's 64-bit integers: SQL sums integer cents, exactly and without moving the texts.
_CENTS_EXACT_BELOW = 10**12


def _cents(column: Any) -> ColumnElement[Any]:
    return func.sum(cast(func.round(cast(column, Float) * 100), Integer))


def document_totals(connection: Connection, company: str, filters: DocumentFilters) -> MoneyTotals:
    """HT, TVA and TTC summed over every document ``filters`` keeps (not a page's): exact, from the postings.

    Summed in SQL as integer cents when every amount is small enough for that to be exact (always, for
    a firm's invoices); else the texts are summed as Decimals here.
    """
    where = (document_states.c.company == company, *_filter_conditions(company, filters))
    posted, largest, ht_cents, vat_cents, ttc_cents = connection.execute(
        select(func.count(postings.c.total_ttc),
               func.max(func.max(func.abs(cast(postings.c.total_ht, Float)),
                                 func.abs(cast(postings.c.total_ttc, Float)))),
               _cents(postings.c.total_ht), _cents(postings.c.total_vat), _cents(postings.c.total_ttc))
        .select_from(_joined()).where(*where)).one()
    if largest is None or largest < _CENTS_EXACT_BELOW:
        cents = Decimal("0.01")
        return MoneyTotals(int(posted), Decimal(ht_cents or 0) * cents, Decimal(vat_cents or 0) * cents,
                           Decimal(ttc_cents or 0) * cents)
    posted, ht, vat, ttc = connection.execute(
        select(func.count(postings.c.total_ttc), func.group_concat(postings.c.total_ht),
               func.group_concat(postings.c.total_vat), func.group_concat(postings.c.total_ttc))
        .select_from(_joined()).where(*where)).one()
    return MoneyTotals(int(posted), _sum(ht), _sum(vat), _sum(ttc))


def client_names(connection: Connection, company: str, codes: Iterable[str]) -> dict[str, str]:
    """Tiers code -> the client's name as pulled from the platform, for the codes given (a page's)."""
    wanted = sorted({code for code in codes if code})
    names: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        names.update((str(code), str(name)) for code, name in connection.execute(
            select(synced_records.c.sage_code, synced_records.c.name).where(
                synced_records.c.company == company, synced_records.c.kind == "customer",
                synced_records.c.sage_code.in_(wanted[start:start + 500]))))
    return names


def documents(connection: Connection, company: str, *, state: str = "", text: str = "", limit: int = 200,
              offset: int = 0, counts: Mapping[str, int] | None = None) -> tuple[list[dict[str, Any]], int]:
    """A page of documents, newest first, and how many match; ``counts`` (``state_counts``) saves a count.

    A page is read in index order (the date index, or the verdict index for a verdict's state)
    when its documents are found early on that walk. Otherwise (a delivery state few documents
    are in, a text search) the keys of every match are read once, unordered, from the cheapest
    index: sorted here, they give both the total and the page, whose rows are then read by key.
    """
    query = _documents_query(company)
    if text:
        conditions = [_text_filter(company, text)] + ([_state_filter(state)] if state else [])
        return _keyed_page(connection, company, query, conditions, limit, offset)
    if not state:
        total = sum(counts.values()) if counts is not None else int(connection.execute(
            select(func.count()).select_from(document_states).where(document_states.c.company == company))
            .scalar_one())
        rows = connection.execute(query.order_by(*_page_order()).limit(limit).offset(offset)).mappings()
        return [dict(row) for row in rows], total
    if counts is None:
        counts = state_counts(connection, company)
    total = counts.get(state, 0)
    if total == 0:
        return [], 0
    # Walking the date index reads about (offset + limit) * everyone / total documents to fill the
    # page; reading the keys of the state's documents reads ``total``: take the smaller.
    if state in _POSTING_STATES and total < (offset + limit) * sum(counts.values()) / total:
        return _keyed_page(connection, company, query, [_state_filter(state)], limit, offset)
    query = query.where(_state_filter(state, keep_outer_join=True))
    rows = connection.execute(query.order_by(*_page_order()).limit(limit).offset(offset)).mappings()
    return [dict(row) for row in rows], total


def _keyed_page(connection: Connection, company: str, query: Select[Any], conditions: list[ColumnElement[bool]],
                limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """The page of ``query`` among the documents meeting ``conditions``, from their keys sorted in page order."""
    keys = list(connection.execute(select(document_states.c.source_id, document_states.c.issue_date,
                                          document_states.c.number).select_from(_joined())
                                   .where(document_states.c.company == company, *conditions)))
    # ORDER BY issue_date DESC, number DESC: dates compare as dates, and numbers as SQLite's
    # binary collation does (UTF-8 byte order is code point order).
    keys.sort(key=lambda key: (key.issue_date, key.number), reverse=True)
    wanted = [key.source_id for key in keys[offset:offset + limit]]
    found = {row["source_id"]: dict(row) for row in connection.execute(
        query.where(document_states.c.source_id.in_(wanted))).mappings()} if wanted else {}
    return [found[key] for key in wanted if key in found], len(keys)


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
    """The findings table holds each record's current set (replaced when it is checked again).

    Read in the order of ``ix_findings_page`` (company, severity rank, document, field, then
    the id the index ends with), so a page is read from the index, never sorted.
    """
    return (select(findings.c.id, findings.c.run_id, findings.c.source_id, findings.c.document, findings.c.field,
                   findings.c.code, findings.c.severity, findings.c.message, findings.c.fix, findings.c.kind,
                   runs.c.step)
            .join(runs, runs.c.id == findings.c.run_id, isouter=True)
            .where(findings.c.company == company)
            .order_by(SEVERITY_RANK, findings.c.document, findings.c.field, findings.c.id))


def _conditions(company: str, severity: str, code: str, text: str) -> list[ColumnElement[bool]]:
    conditions = [findings.c.company == company]
    if severity:
        # The rank follows from the severity: saying it lets the page index seek to it.
        rank = SEVERITY_RANK
        conditions += [findings.c.severity == severity, rank == literal_column(str(SEVERITY_RANKS.get(severity, 2)))]
    if code:
        conditions.append(findings.c.code == code)
    if text:
        pattern = _like(text)
        conditions.append(or_(*(column.like(pattern, escape="\\") for column in (
            findings.c.document, findings.c.message, findings.c.fix, findings.c.field, findings.c.code,
            findings.c.source_id))))
    return conditions


def _filtered(company: str, severity: str, code: str, text: str) -> Select[Any]:
    return _current_findings(company).where(*_conditions(company, severity, code, text))


def current_findings(connection: Connection, company: str, *, severity: str = "", code: str = "", text: str = "",
                     limit: int = 500, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    # Each finding joins at most one run (its primary key): the findings alone give the count.
    count = select(func.count()).select_from(findings).where(*_conditions(company, severity, code, text))
    return _page(_filtered(company, severity, code, text), count, connection, limit, offset)


def iter_current_findings(connection: Connection, company: str, *, severity: str = "", code: str = "",
                          text: str = "") -> Iterator[dict[str, Any]]:
    """Every current finding, streamed (the CSV download)."""
    result = connection.execution_options(stream_results=True).execute(_filtered(company, severity, code, text))
    for row in result.mappings():
        yield dict(row)


def finding_codes(connection: Connection, company: str) -> list[tuple[str, int]]:
    rows = connection.execute(select(findings.c.code, func.count()).where(findings.c.company == company)
                              .group_by(findings.c.code).order_by(findings.c.code))
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


# --- the sales journal of a period ------------------------------------------------------------

# The postings' delivery states in the journal's order (the console's words: in Sage, in an import file, to deliver).
JOURNAL_STATES = ("confirmed", "delivered", "pending")


@dataclass(frozen=True, slots=True)
class VatTotal:
    code: str
    base: Decimal  # HT: the revenue lines carrying the code, signed (a credit note's count negative)
    vat: Decimal  # TVA: the VAT lines carrying the code, signed


@dataclass(frozen=True, slots=True)
class AccountTotal:
    account: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


@dataclass(frozen=True, slots=True)
class StateTotal:
    state: str
    count: int
    ht: Decimal
    vat: Decimal
    ttc: Decimal


@dataclass(frozen=True, slots=True)
class Journal:
    """The period's entries summed two ways: the totals kept with each posting, and their entry lines."""

    start: date
    end: date
    by_vat: tuple[VatTotal, ...]
    by_account: tuple[AccountTotal, ...]
    by_state: tuple[StateTotal, ...]
    lines_ht: Decimal  # from the entry lines, by role and side
    lines_vat: Decimal
    lines_ttc: Decimal

    @property
    def count(self) -> int:
        return sum(state.count for state in self.by_state)

    @property
    def total_debit(self) -> Decimal:
        return sum((account.debit for account in self.by_account), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((account.credit for account in self.by_account), ZERO)

    @property
    def postings_ht(self) -> Decimal:
        return sum((state.ht for state in self.by_state), ZERO)

    @property
    def postings_vat(self) -> Decimal:
        return sum((state.vat for state in self.by_state), ZERO)

    @property
    def postings_ttc(self) -> Decimal:
        return sum((state.ttc for state in self.by_state), ZERO)

    @property
    def differences(self) -> dict[str, Decimal]:
        """What does not balance, to the cent: debit - credit, and each total per posting - the same from lines."""
        found = {"debit_credit": self.total_debit - self.total_credit, "ht": self.postings_ht - self.lines_ht,
                 "vat": self.postings_vat - self.lines_vat, "ttc": self.postings_ttc - self.lines_ttc,
                 "ht_vat_ttc": self.lines_ht + self.lines_vat - self.lines_ttc}
        return {name: difference for name, difference in found.items() if difference != 0}

    @property
    def balanced(self) -> bool:
        return not self.differences


def _period(company: str, start: date, end: date) -> list[ColumnElement[bool]]:
    """The sales journal's entries of the period: invoices and credit notes, not the bank's payments."""
    return [postings.c.company == company, postings.c.entry_date >= start, postings.c.entry_date <= end,
            postings.c.kind != literal_column("'payment'")]


def journal(connection: Connection, company: str, start: date, end: date) -> Journal:
    """The sales journal of the entries dated in [start, end]: totals per VAT code, per account and per state.

    Two grouped reads (the period's range of the postings' date index, their lines by key); amounts are
    summed here as Decimals from their exact text.
    """
    lines = connection.execute(
        select(entry_lines.c.role, entry_lines.c.account, entry_lines.c.side, entry_lines.c.vat_code,
               func.group_concat(entry_lines.c.amount))
        .select_from(postings.join(entry_lines, entry_lines.c.posting_id == postings.c.id))
        .where(*_period(company, start, end))
        .group_by(entry_lines.c.role, entry_lines.c.account, entry_lines.c.side, entry_lines.c.vat_code))
    accounts: dict[str, list[Decimal]] = {}
    vat: dict[str, list[Decimal]] = {}
    roles = {"customer": ZERO, "revenue": ZERO, "vat": ZERO}
    for role, account, side, vat_code, amounts in lines:
        total = _sum(amounts)
        sums = accounts.setdefault(str(account), [ZERO, ZERO])
        sums[0 if side == "debit" else 1] += total
        value = signed(str(role), str(side), total)
        if role in roles:
            roles[str(role)] += value
        if role in ("revenue", "vat"):
            per_code = vat.setdefault(str(vat_code), [ZERO, ZERO])
            per_code[0 if role == "revenue" else 1] += value
    states = connection.execute(
        select(postings.c.state, func.count(), func.group_concat(postings.c.total_ht),
               func.group_concat(postings.c.total_vat), func.group_concat(postings.c.total_ttc))
        .where(*_period(company, start, end)).group_by(postings.c.state))
    by_state = {str(state): StateTotal(str(state), int(count), _sum(ht), _sum(tva), _sum(ttc))
                for state, count, ht, tva, ttc in states}
    ordered = [by_state.pop(state) for state in JOURNAL_STATES if state in by_state] + list(by_state.values())
    return Journal(start, end, tuple(VatTotal(code, base, tax) for code, (base, tax) in sorted(vat.items())),
                   tuple(AccountTotal(account, debit, credit) for account, (debit, credit) in sorted(accounts.items())),
                   tuple(ordered), roles["revenue"], roles["vat"], roles["customer"])


def _brouillard_query(company: str, start: date, end: date) -> Select[Any]:
    """The period's entry lines in the brouillard's order: date, then validation order (the date index's own)."""
    return (select(postings.c.id.label("posting_id"), postings.c.journal, postings.c.entry_number, postings.c.piece,
                   postings.c.entry_date, postings.c.number, postings.c.kind, postings.c.state, entry_lines.c.line_no,
                   entry_lines.c.role, entry_lines.c.account, entry_lines.c.tiers, entry_lines.c.label,
                   entry_lines.c.side, entry_lines.c.amount, entry_lines.c.vat_code, entry_lines.c.due_date)
            .select_from(postings.join(entry_lines, entry_lines.c.posting_id == postings.c.id))
            .where(*_period(company, start, end))
            .order_by(postings.c.entry_date, postings.c.id, entry_lines.c.line_no))


def brouillard_entries(connection: Connection, company: str, start: date, end: date, *, limit: int = 200,
                       offset: int = 0) -> tuple[list[Piece], int]:
    """A page of the period's entries (date, then validation order), each with its lines, and how many there are."""
    total = int(connection.execute(select(func.count()).select_from(postings).where(
        *_period(company, start, end))).scalar_one())
    ids = [int(posting_id) for (posting_id,) in connection.execute(
        select(postings.c.id).where(*_period(company, start, end)).order_by(postings.c.entry_date, postings.c.id)
        .limit(limit).offset(offset))]
    pieces = []
    for posting_id in ids:
        found = piece(connection, company, posting_id)
        if found is not None:
            pieces.append(found)
    return pieces, total


def iter_brouillard_lines(connection: Connection, company: str, start: date, end: date) -> Iterator[dict[str, Any]]:
    """Every entry line of the period with its entry's facts, streamed (the exports); the amount as a Decimal."""
    result = connection.execution_options(stream_results=True, yield_per=2000).execute(
        _brouillard_query(company, start, end))
    for row in result.mappings():
        line = dict(row)
        line["amount"] = Decimal(line["amount"])
        yield line
