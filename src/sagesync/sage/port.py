"""The port every way into a Sage company implements: pending items in, receipts out.

Like httpx's transports: the ledger (``sagesync.ledger.delivery``) drives any
adapter the same way, and an adapter knows nothing of the ledger. Two adapters
ship: the embedded company (``embedded_port``), which can share the ledger's
transaction, and the Sage import file (``file_port``), which cannot.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection

from sagesync.core.cash import LetteredGroups
from sagesync.core.delivery import Delivery, DeliveryReport, HeldPiece
from sagesync.core.reference import CompanyReference


class SagePort(Protocol):
    """A way into one Sage company. Small on purpose: an Objets Métiers agent would fit it too."""

    name: str  # embedded | file
    # True only where Sage's rows and the ledger's can commit in one transaction (the embedded company).
    shares_ledger_transaction: bool

    def transaction(self, ledger_path: Path) -> AbstractContextManager[Connection]:
        """One transaction over the company with the ledger file attached as ``ledger`` (sharing ports only)."""
        ...

    def reference(self, connection: Connection | None = None) -> CompanyReference:
        """The company's reference data (accounts, VAT codes, journals, tiers, sections...)."""
        ...

    def held(self, references: Collection[str], connection: Connection | None = None) -> set[str] | None:
        """Which of these source references the company holds; None when the company cannot be read."""
        ...

    def numbers_held(self, journal: str, numbers: Collection[str],
                     connection: Connection | None = None) -> dict[str, str] | None:
        """Which invoice numbers (EC_RefPiece) the journal already holds -> the source reference of the piece
        holding each ("" for one typed in Sage); None when the company cannot be read."""
        ...

    def sagesync_references(self, known_places: Collection[str] = ()) -> set[str] | None:
        """Every source reference sagesync left in the company, and in what the port handed over that Sage
        may take (import files), skipping the places (file names) the ledger already accounts for;
        None when there is nothing to read them from."""
        ...

    def held_pieces(self) -> Iterator[HeldPiece] | None:
        """Every piece carrying a sagesync reference, with its lines; None when the company cannot be read."""
        ...

    def lettered_receipts(self, connection: Connection | None = None) -> LetteredGroups | None:
        """Receipts typed and matched in Sage against invoices sagesync posted, per (account, tiers, letter);
        None when the company cannot be read from here."""
        ...

    def letters_in_use(self, tiers: Collection[str], connection: Connection | None = None
                       ) -> dict[str, list[str]] | None:
        """The matching letters the company's lines of these tiers carry; None when it cannot be read."""
        ...

    def deliver(self, delivery: Delivery, connection: Connection | None = None) -> DeliveryReport:
        """Hand the items over and say, per item, what became of it. Raises when nothing was delivered.

        Matchings are applied where the port can change lines already in the company (the embedded
        company); an import file cannot letter a line imported before it, so it leaves them to the ledger."""
        ...

    def close(self) -> None: ...
