"""What a step needs: the profile's settings and the adapters, behind small interfaces."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection

from sagesync.core.mapping import AccountMapping
from sagesync.core.model import Customer, JournalEntry, Project
from sagesync.core.reference import CompanyReference
from sagesync.ledger.store import Ledger
from sagesync.sources.base import Source
from sagesync.steps.events import EventSink, no_events


class Target(Protocol):
    """Where entries go: the embedded company, or an import file for Sage."""

    name: str  # embedded | file
    posted_state: str  # the ledger state of a document once the target has it: posted | written

    def transaction(self) -> AbstractContextManager[Connection]:
        """A transaction in which both the target's writes and the ledger tables are reachable."""
        ...

    def reference(self, connection: Connection) -> CompanyReference: ...

    def create_tiers(self, connection: Connection, customers: Sequence[Customer]) -> None: ...

    def create_sections(self, connection: Connection, projects: Sequence[Project], plan_number: int) -> None: ...

    def post_entries(self, connection: Connection, entries: Sequence[JournalEntry],
                     reference: CompanyReference) -> list[str]:
        """Write the entries; return one target reference per entry (EC_No range, file name)."""
        ...

    def start_run(self, run_id: int) -> dict[str, Path]:
        """Before a run: finish what a run that died left behind; return files written."""
        ...

    def finish_run(self, run_id: int) -> dict[str, Path]:
        """After a run: close what it opened (an import file); return the outputs to show."""
        ...

    def dispose(self) -> None:
        """Release connections when the job ends."""
        ...


class WritebackAction(Protocol):
    name: str

    def send(self, document_source_id: str, piece: str, posted_at: datetime | None = None) -> None:
        """Tell the platform; raise to have the outbox retry later."""
        ...


class LedgerOnlyWriteback:
    """Write-back off (the default): the synchronized status lives in the ledger."""

    name = "ledger"

    def send(self, document_source_id: str, piece: str, posted_at: datetime | None = None) -> None:
        return None


@dataclass
class StepContext:
    company: str  # the Sage company name: the ledger key
    mapping: AccountMapping
    period_start: date
    source: Source
    ledger: Ledger
    target: Target
    reports_dir: Path
    writeback: WritebackAction = field(default_factory=LedgerOnlyWriteback)
    events: EventSink = no_events
    batch_size: int = 1000
