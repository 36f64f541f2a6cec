"""What a step needs: the profile's settings and the adapters, behind small interfaces."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from sagesync.core.cash import CashSettings
from sagesync.core.mapping import AccountMapping
from sagesync.core.payments import Settlement
from sagesync.ledger.delivery import DeliveryDesk
from sagesync.ledger.store import Ledger
from sagesync.sources.base import Source
from sagesync.steps.events import EventSink, no_events


class WritebackAction(Protocol):
    name: str

    def send(self, document_source_id: str, piece: str, posted_at: datetime | None = None) -> None:
        """Tell the platform; raise to have the outbox retry later."""
        ...


class SettlementSent(Protocol):
    @property
    def payment_id(self) -> str:
        """The platform's payment."""
        ...

    @property
    def created(self) -> bool:
        """False: the platform had it already (same document, date and amount)."""
        ...


class SettlementSender(Protocol):
    name: str

    def send(self, settlement: Settlement) -> SettlementSent:
        """Create the payment on the platform (or find the one it has); raise to retry later."""
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
    desk: DeliveryDesk  # the ledger and the way into Sage: every write goes through it
    reports_dir: Path
    writeback: WritebackAction = field(default_factory=LedgerOnlyWriteback)
    events: EventSink = no_events
    batch_size: int = 1000
    # A full pass over the platform's documents this often (a safety net under the change stamps);
    # in between, a posting pass reads only what changed and what was not settled. None: always full.
    full_pass_every: timedelta | None = timedelta(days=7)
    # Posting from a preview: only these documents, in exactly these versions (source id -> version).
    preview: dict[str, str] | None = None
    # The cash side ([payments] of the profile); None: payments are left alone.
    cash: CashSettings | None = None
    # Settlements matched in Sage sent to the platform as payments (payments.direction to_platform / both).
    settlement_sender: SettlementSender | None = None

    @property
    def ledger(self) -> Ledger:
        return self.desk.ledger
