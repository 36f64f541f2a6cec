"""An entry's client and totals, read from its lines: what the postings table keeps with each entry.

A line's amount counts positive on its usual side and negative on the other: the customer line
(TTC) on the debit side, the revenue lines (HT) and the VAT lines (TVA) on the credit side. An
invoice's totals are then positive and a credit note's (avoir) negative, and HT + TVA = TTC for
every balanced entry. Money stays ``Decimal``, read from and written back as exact text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sagesync.core.model import JournalEntry

# role -> the side it counts positive on
USUAL_SIDE = {"customer": "debit", "revenue": "credit", "vat": "credit"}
ZERO = Decimal("0.00")


def signed(role: str, side: str, amount: Decimal) -> Decimal:
    """``amount`` as it counts in its role's total: negative on the side the role does not usually take."""
    return amount if USUAL_SIDE.get(role, "debit") == side else -amount


@dataclass(frozen=True, slots=True)
class EntryTotals:
    tiers: str
    ht: Decimal
    vat: Decimal
    ttc: Decimal

    def columns(self) -> dict[str, str]:
        """The postings table's columns of these totals."""
        return {"client": self.tiers, "total_ht": str(self.ht), "total_vat": str(self.vat),
                "total_ttc": str(self.ttc)}


def totals_of(lines: Iterable[tuple[str, str, Decimal, str]]) -> EntryTotals:
    """(role, side, amount, tiers) of an entry's lines -> its client (the first customer line's tiers) and totals."""
    tiers = ""
    sums = {"customer": ZERO, "revenue": ZERO, "vat": ZERO}
    for role, side, amount, line_tiers in lines:
        if role == "customer" and not tiers:
            tiers = line_tiers
        if role in sums:
            sums[role] += signed(role, side, amount)
    return EntryTotals(tiers, sums["revenue"], sums["vat"], sums["customer"])


def entry_totals(entry: JournalEntry) -> dict[str, str]:
    """The postings columns of ``entry``: what ``store.record_postings`` keeps with it."""
    return totals_of((line.role.value, line.side.value, line.amount, line.tiers) for line in entry.lines).columns()
