"""The ledger owns delivery: what was decided reaches Sage exactly once, and Sage confirms it.

``DeliveryDesk`` is the one place that moves items through their states
(``sagesync.core.delivery``). Steps decide; the desk records and delivers:

- a port that shares the ledger's transaction (the embedded company) is handed
  a batch's items inside that transaction, and the ledger records them
  confirmed in the same commit: both or neither;
- any other port (an import file) gets the items once they are recorded
  pending; ``flush`` delivers them and records the receipts. A run that dies in
  between leaves them pending, and the next run's ``recover`` delivers them
  before anything else, from the ledger alone (nothing was kept in memory).

Before a run writes anything, ``verify`` cross-checks the ledger with the
company: a ledger made for another company, or one that does not know pieces
sagesync left in the company (an empty, lost or restored-from-backup ledger),
stops the run; ``sagesync ledger rebuild`` reconstructs it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection

from sagesync.core.cash import PaymentPosting
from sagesync.core.delivery import Delivery, DeliveryReport, DeliveryState, ItemKind, Matching, Receipt
from sagesync.core.model import Customer, JournalEntry, Project
from sagesync.core.reference import CompanyReference
from sagesync.errors import ConfigurationError
from sagesync.i18n import _, ngettext
from sagesync.ledger import cash, store
from sagesync.ledger.store import Ledger, PostingSubject, SyncedRecord
from sagesync.sage.port import SagePort

COMPANY_KEY = "company_key"
COMPANY_LABEL = "company_label"


class LedgerMismatchError(ConfigurationError):
    """The ledger is not the book of this company, or is behind it: nothing was written."""


@dataclass(frozen=True, slots=True)
class Decided:
    """A customer or project decided by a Pull step: created in Sage by sagesync, or linked to an existing code."""

    record: Customer | Project
    code: str
    name: str
    how: str  # created | existing


def shared_transaction_refused(setting: str) -> ConfigurationError:
    """An embedded company posts in the ledger's own SQLite transaction (ATTACH): never with a PostgreSQL ledger."""
    return ConfigurationError(_("{setting}: an embedded company keeps its ledger in SQLite (the company and the "
                                "ledger commit in one transaction); a PostgreSQL ledger (ledger_url or "
                                "SAGESYNC_LEDGER_URL) is for companies reached through import files or SQL Server: "
                                "remove the ledger URL for this profile, or set sage_target = \"file\"").format(
        setting=setting))


class DeliveryDesk:
    def __init__(self, ledger: Ledger, port: SagePort, company: str, *, analytic_plan: str = "",
                 company_key: str = "", company_label: str = "") -> None:
        if ledger.is_postgres and port.shares_ledger_transaction:
            raise shared_transaction_refused(company_label or company)
        self.ledger = ledger
        self.analytic_plan = analytic_plan
        self.port = port
        self.company = company
        self.company_key = company_key
        self.company_label = company_label or company
        self._reference: CompanyReference | None = None

    # --- transactions and reading the company -------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[Connection]:
        """One transaction: over the company and the ledger together where the port can, else the ledger's."""
        if self.port.shares_ledger_transaction:
            with self.port.transaction(self.ledger.path) as connection:
                yield connection
        else:
            with self.ledger.engine.begin() as connection:
                yield connection

    def reference(self, connection: Connection | None = None, *, fresh: bool = False) -> CompanyReference:
        """The company's reference data; read again when ``fresh`` (a step that creates tiers changes it)."""
        if self._reference is None or fresh:
            self._reference = self.port.reference(connection if self.port.shares_ledger_transaction else None)
        return self._reference

    def held(self, references: Collection[str], connection: Connection) -> set[str] | None:
        """Which source references the company already holds (None: it cannot be read from here)."""
        if not references:
            return set()
        return self.port.held(references, connection if self.port.shares_ledger_transaction else None)

    def numbers_held(self, journal: str, numbers: Collection[str], connection: Connection) -> dict[str, str]:
        """Invoice numbers the company's journal already holds -> the source reference holding each."""
        if not numbers:
            return {}
        found = self.port.numbers_held(journal, numbers, connection if self.port.shares_ledger_transaction else None)
        return found or {}

    # --- customers and projects ---------------------------------------------------------------

    def submit_records(self, connection: Connection, kind: ItemKind, run_id: int, decided: Sequence[Decided]) -> None:
        """Record the decisions; new records go to Sage now (shared transaction) or stay pending until ``flush``."""
        new = [item for item in decided if item.how == "created"]
        receipts: dict[str, Receipt] = {}
        if new and self.port.shares_ledger_transaction:
            delivery = (Delivery(tiers=[item.record for item in new if isinstance(item.record, Customer)])
                        if kind is ItemKind.TIERS else
                        Delivery(sections=[item.record for item in new if isinstance(item.record, Project)]))
            receipts = {receipt.key: receipt for receipt in self.port.deliver(delivery, connection).receipts}
        rows = []
        for item in decided:
            source_id = item.record.source_id
            if item.how == "existing":
                rows.append(SyncedRecord(source_id, item.code, item.name, item.how, DeliveryState.CONFIRMED,
                                         "already in Sage"))
            elif source_id in receipts:
                receipt = receipts[source_id]
                rows.append(SyncedRecord(source_id, item.code, item.name, item.how, receipt.state, receipt.where))
            else:
                rows.append(SyncedRecord(source_id, item.code, item.name, item.how, DeliveryState.PENDING,
                                         payload=json.dumps(asdict(item.record), ensure_ascii=False)))
        store.record_synced(connection, self.company, kind.value, run_id, rows)

    # --- entries ------------------------------------------------------------------------------

    def submit_entries(self, connection: Connection, run_id: int,
                       decided: Sequence[tuple[PostingSubject, str, JournalEntry]], *,
                       validated_at: datetime | None = None, outbox_rows: bool = True) -> None:
        """Record the entries with their numbers; delivered now (shared transaction) or pending until ``flush``."""
        if not decided:
            return
        where: dict[str, str] = {}
        states: dict[str, DeliveryState] | DeliveryState = DeliveryState.PENDING
        if self.port.shares_ledger_transaction:
            report = self.port.deliver(Delivery(entries=[entry for _, _, entry in decided]), connection)
            states = {receipt.key: receipt.state for receipt in report.receipts}
            where = {receipt.key: receipt.where for receipt in report.receipts}
            missing = [document.source_id for document, _, _ in decided if document.source_id not in states]
            if missing:  # an adapter that says nothing of an item has not delivered it: roll the batch back
                raise RuntimeError(f"the {self.port.name} port gave no receipt for documents {missing[:5]}")
        store.record_postings(connection, self.company, run_id,
                              [(document, version, entry, where.get(document.source_id, ""))
                               for document, version, entry in decided],
                              target=self.port.name, states=states, validated_at=validated_at,
                              outbox_rows=outbox_rows)

    # --- payments ------------------------------------------------------------------------------

    def letters_in_use(self, tiers: Collection[str], connection: Connection) -> dict[str, list[str]]:
        """The letters the company's lines of these tiers carry ({} when it cannot be read)."""
        if not tiers:
            return {}
        found = self.port.letters_in_use(tiers, connection if self.port.shares_ledger_transaction else None)
        return found or {}

    def submit_payments(self, connection: Connection, run_id: int, decided: Sequence[PaymentPosting],
                        versions: Mapping[str, str], matchings: Sequence[Matching], *,
                        validated_at: datetime | None = None, transfers_in_entry: bool = True) -> None:
        """Record the payments' bank entries and their letters; delivered now (shared transaction) or pending.

        An import file cannot letter lines Sage already holds: there the letters stay in the ledger (and the
        FEC), and Sage's own automatic matching (lettrage automatique) letters the company.
        """
        if not decided and not matchings:
            return
        where: dict[str, str] = {}
        states: dict[str, DeliveryState] | DeliveryState = DeliveryState.PENDING
        if self.port.shares_ledger_transaction:
            report = self.port.deliver(Delivery(entries=[posting.entry for posting in decided],
                                                matchings=matchings), connection)
            states = {receipt.key: receipt.state for receipt in report.receipts}
            where = {receipt.key: receipt.where for receipt in report.receipts}
            missing = [posting.payment.key for posting in decided if posting.payment.key not in states]
            if missing:
                raise RuntimeError(f"the {self.port.name} port gave no receipt for payments {missing[:5]}")
        cash.record_payments(connection, self.company, run_id, decided, versions, target=self.port.name,
                             states=states, where=where, validated_at=validated_at,
                             transfers_in_entry=transfers_in_entry)
        cash.apply_letters(connection, self.company, matchings)

    # --- delivering what is pending -------------------------------------------------------------

    def flush(self, run_id: int) -> dict[str, Path]:
        """Deliver this run's pending items (ports that do not share the ledger's transaction)."""
        if self.port.shares_ledger_transaction:
            return {}
        return self._deliver_pending(only_run=run_id)

    def recover(self, run_id: int) -> dict[str, Path]:
        """Before a run: deliver what runs that died left pending, from the ledger alone."""
        if self.port.shares_ledger_transaction:
            return {}
        return {f"recovered ({name})": value for name, value in self._deliver_pending(skip_run=run_id).items()}

    def _deliver_pending(self, *, only_run: int | None = None, skip_run: int | None = None
                         ) -> dict[str, Path]:
        with self.ledger.connect() as connection:
            tiers = store.pending_records(connection, self.company, ItemKind.TIERS.value)
            sections = store.pending_records(connection, self.company, ItemKind.SECTION.value)
            entry_runs = {row["run_id"] for row in store.postings_in(connection, self.company, DeliveryState.PENDING)}
        runs = sorted({run for run, _ in tiers} | {run for run, _ in sections} | entry_runs)
        outputs: dict[str, Path] = {}
        for run in runs:
            if (only_run is not None and run != only_run) or (skip_run is not None and run == skip_run):
                continue
            report = self._deliver_run(run, [Customer(**json.loads(payload)) for r, payload in tiers if r == run],
                                       [Project(**json.loads(payload)) for r, payload in sections if r == run])
            outputs.update({f"{name} (run {run})" if skip_run is not None else name: Path(value)
                            for name, value in report.outputs.items()})
        return outputs

    def _deliver_run(self, run: int, tiers: list[Customer], sections: list[Project]) -> DeliveryReport:
        with self.ledger.connect() as connection:
            entries = (entry for entry, _number, _validated in store.posted_entries(
                connection, self.company, date.min, date.max, states=(DeliveryState.PENDING,), run_id=run))
            report = self.port.deliver(Delivery(tiers=tiers, sections=sections, entries=entries, batch=str(run)))
        with self.ledger.engine.begin() as connection:
            store.mark(connection, self.company, report.receipts)
        return report

    def redeliver(self, run_id: int) -> DeliveryReport:
        """Hand a run's delivered entries over again (an import file lost before Sage imported it)."""
        with self.ledger.connect() as connection:
            entries = (entry for entry, _number, _validated in store.posted_entries(
                connection, self.company, date.min, date.max, states=(DeliveryState.DELIVERED,), run_id=run_id))
            return self.port.deliver(Delivery(entries=entries, batch=str(run_id)))

    # --- Sage confirms ----------------------------------------------------------------------------

    def confirm(self) -> tuple[int, int] | None:
        """Mark delivered items that the company now holds as confirmed: (confirmed, still waiting).

        None when the company cannot be read from here (a .mae without SQL access).
        """
        with self.ledger.connect() as connection:
            waiting = store.postings_in(connection, self.company, DeliveryState.DELIVERED)
            tiers = store.delivered_records(connection, self.company, ItemKind.TIERS.value)
            sections = store.delivered_records(connection, self.company, ItemKind.SECTION.value)
        if not waiting and not tiers and not sections:
            return 0, 0
        held = self.port.held([row["reference"] for row in waiting])
        if held is None:
            return None
        receipts = [Receipt(ItemKind.ENTRY, row["source_id"], DeliveryState.CONFIRMED, "in Sage")
                    for row in waiting if row["reference"] in held]
        if tiers or sections:
            reference = self.reference(fresh=True)
            plan = reference.analytic_plans.get(self.analytic_plan, 0)
            receipts += [Receipt(ItemKind.TIERS, source_id, DeliveryState.CONFIRMED, "in Sage")
                         for code, source_id in tiers.items() if code in reference.tiers]
            receipts += [Receipt(ItemKind.SECTION, source_id, DeliveryState.CONFIRMED, "in Sage")
                         for code, source_id in sections.items() if (plan, code) in reference.sections]
        with self.ledger.engine.begin() as connection:
            store.mark(connection, self.company, receipts)
        confirmed = sum(1 for receipt in receipts if receipt.kind is ItemKind.ENTRY)
        return confirmed, len(waiting) - confirmed

    # --- the ledger is the book of this company, and not behind it ---------------------------------

    def verify(self) -> None:
        """Stop before anything is written when the ledger cannot be trusted with this company."""
        with self.ledger.connect() as connection:
            bound = store.info(connection, COMPANY_KEY)
            label = store.info(connection, COMPANY_LABEL) or bound
            known = store.references(connection, self.company)
            places = store.delivery_places(connection, self.company)
        if bound and self.company_key and bound != self.company_key:
            raise LedgerMismatchError(
                _("the ledger {path} is the book of another company ({other}), not of {company}: nothing was "
                  "written. Point the profile at the right company, or run `sagesync ledger rebuild` to make this "
                  "company's ledger (the other one is kept aside)").format(
                    path=self.ledger.location, other=label, company=self.company_label))
        held = self.port.sagesync_references(places)
        if held is not None:
            unknown = sorted(held - known)
            if unknown:
                shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
                raise LedgerMismatchError(
                    ngettext("the company {company} holds {count} piece posted by sagesync that the ledger {path} "
                             "does not know ({shown}): the ledger is empty, lost or older than the company (restored "
                             "from a backup?). Nothing was written, so nothing is posted twice. Run `sagesync ledger "
                             "rebuild` to reconstruct it from the company, then sync again",
                             "the company {company} holds {count} pieces posted by sagesync that the ledger {path} "
                             "does not know ({shown}): the ledger is empty, lost or older than the company (restored "
                             "from a backup?). Nothing was written, so nothing is posted twice. Run `sagesync ledger "
                             "rebuild` to reconstruct it from the company, then sync again", len(unknown)).format(
                        company=self.company_label, count=len(unknown), path=self.ledger.location, shown=shown))
        if self.company_key and not bound:
            with self.ledger.engine.begin() as connection:
                store.set_info(connection, COMPANY_KEY, self.company_key)
                store.set_info(connection, COMPANY_LABEL, self.company_label)
