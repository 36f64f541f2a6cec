"""The ledger of record as an FEC source: the entries sagesync posted for one profile.

Entry numbers (EcritureNum) and validation dates are the ones the ledger gave
when each entry was posted, so numbering stays continuous per journal across
runs and exports, and a re-export gives the same file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date

from sqlalchemy import select

from sagesync.core.reference import CompanyReference
from sagesync.fec.writer import FecEntry
from sagesync.ledger import store
from sagesync.ledger.schema import synced_records
from sagesync.ledger.store import Ledger


class LedgerFecSource:
    def __init__(self, ledger: Ledger, company: str, reference: CompanyReference, siren: str = "") -> None:
        self.ledger = ledger
        self.company = company
        self.reference = reference
        self._siren = siren

    @property
    def siren(self) -> str:
        return self._siren

    def fec_entries(self, start: date, end: date) -> Iterator[FecEntry]:
        with self.ledger.connect() as connection:
            for entry, number, validated_at in store.posted_entries(connection, self.company, start, end):
                journal = self.reference.journals.get(entry.journal)
                yield FecEntry(entry, number, validated_at.date(), journal.label if journal else entry.journal)

    def close(self) -> None:
        self.ledger.dispose()

    def account_labels(self) -> Mapping[str, str]:
        return {number: account.label for number, account in self.reference.accounts.items()}

    def tiers_names(self) -> Mapping[str, str]:
        with self.ledger.connect() as connection:
            rows = connection.execute(select(synced_records.c.sage_code, synced_records.c.name).where(
                synced_records.c.company == self.company, synced_records.c.kind == "customer"))
            return {row.sage_code: row.name for row in rows}
