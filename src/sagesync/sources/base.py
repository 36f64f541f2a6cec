"""The source interface: where customers, projects, documents and payments come from.

A source yields domain records page by page (never a whole list in memory).
A record the adapter cannot read is yielded as ``Rejected`` with findings that
name the field: one bad document never stops the others, and is never posted
from a partial read.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sagesync.core.findings import Finding
from sagesync.core.model import Customer, Document, Project
from sagesync.core.payments import Payment


@dataclass(frozen=True, slots=True)
class Rejected:
    """A platform record that could not be turned into a domain record."""

    kind: str  # "customer", "project", "document", "payment"
    source_id: str
    label: str  # what a person recognises ("invoice F2025-014")
    findings: tuple[Finding, ...]


class Source(Protocol):
    def customers(self) -> Iterator[Customer | Rejected]: ...

    def projects(self) -> Iterator[Project | Rejected]: ...

    def documents(self, since: datetime | None = None,
                  include: Collection[str] = ()) -> Iterator[Document | Rejected]:
        """Invoices and credit notes; with ``since``, only those changed after that instant, plus the
        ``include`` ids whatever their change stamp (documents that were blocked: their cause may be
        fixed elsewhere, in Sage or in the profile)."""
        ...

    def payment_records(self, since: datetime | None = None) -> Iterator[Payment | Rejected]:
        """Payments recorded on the platform (of the profile's team); with ``since``, only those changed
        after that instant (a payment without a change stamp always comes: the ledger decides)."""
        ...

    def empty_scope_hint(self) -> str | None:
        """When a full pass found no document: what else the platform holds (another team), or None."""
        ...

    def close(self) -> None: ...
