"""What the Sage company already holds: a read-only snapshot for the checks.

Filled by a reader (SQL on the embedded or SQL Server company, or a Sage
export file); the checks only ever see this snapshot, so they stay pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

SALES_JOURNAL_TYPE = 1  # F_JOURNAUX.JO_Type / #MCJR: 0 achat, 1 vente, 2 trésorerie, 3 général


@dataclass(frozen=True, slots=True)
class AccountInfo:
    number: str
    label: str
    analytic: bool = False  # CG_Analytique: the account takes analytic splits
    currency_entry: bool = False  # CG_Devise: amounts in a foreign currency may be entered
    currency: str = ""  # N_Devise as ISO code; empty = any currency when currency_entry


@dataclass(frozen=True, slots=True)
class VatCodeInfo:
    code: str
    rate: Decimal
    account: str


@dataclass(frozen=True, slots=True)
class JournalInfo:
    code: str
    label: str
    journal_type: int
    dormant: bool = False


@dataclass(frozen=True, slots=True)
class CompanyReference:
    accounts: Mapping[str, AccountInfo] = field(default_factory=dict)
    vat_codes: Mapping[str, VatCodeInfo] = field(default_factory=dict)
    currencies: tuple[str, ...] = ()  # foreign currencies (ISO) in P_DEVISE order: position i+1 is N_Devise
    journals: Mapping[str, JournalInfo] = field(default_factory=dict)
    analytic_plans: Mapping[str, int] = field(default_factory=dict)  # name -> N_Analytique
    closed_months: frozenset[tuple[str, date]] = frozenset()  # (journal, first day of month)
    tiers: frozenset[str] = frozenset()
    sections: frozenset[tuple[int, str]] = frozenset()  # (plan number, section code)

    def currency_number(self, iso_code: str) -> int:
        """Sage's N_Devise for a currency: its position in P_DEVISE, 0 when absent."""
        try:
            return self.currencies.index(iso_code) + 1
        except ValueError:
            return 0

    def is_closed(self, journal: str, day: date) -> bool:
        return (journal, day.replace(day=1)) in self.closed_months
