"""Account mapping: which Sage accounts and codes a document's lines go to.

Pure data handed to the posting rules. The profile (user-edited TOML) is
validated into one of these; nothing here has a default for an account that
matters: the embedded defaults live in ``sagesync.profiles.defaults``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from sagesync.core.model import RevenueKind


class VatRegime(StrEnum):
    DEBITS = "debits"  # TVA sur les débits: 44571x at invoice time
    RECEIPTS = "receipts"  # TVA sur les encaissements: 44574x until paid (default for services)


@dataclass(frozen=True, slots=True)
class VatRateMapping:
    """Sage tax codes and VAT accounts for one rate, per regime.

    A zero rate (export, reverse charge, exemption) has codes but no account:
    it produces no VAT line (accounting-fr.md §2).
    """

    rate: Decimal
    code_debits: str
    code_receipts: str
    account_debits: str = ""
    account_receipts: str = ""

    def code(self, regime: VatRegime) -> str:
        return self.code_debits if regime is VatRegime.DEBITS else self.code_receipts

    def account(self, regime: VatRegime) -> str:
        return self.account_debits if regime is VatRegime.DEBITS else self.account_receipts


def rate_key(rate: Decimal) -> Decimal:
    """Normalise a percent so 20, 20.0 and 20.00 are the same mapping key."""
    return rate.normalize() if rate != 0 else Decimal(0)


@dataclass(frozen=True, slots=True)
class AccountMapping:
    journal: str
    analytic_plan: str
    collective_account: str  # 411xxx
    revenue_accounts: Mapping[RevenueKind, str]
    vat_rates: Mapping[Decimal, VatRateMapping]  # keyed by rate_key(rate)
    vat_regime: VatRegime
    # Optional revenue account per VAT rate (export, EU...): overrides the kind's account
    # for fees and expenses so the CA3 / DES totals stay separate.
    revenue_account_by_rate: Mapping[Decimal, str] = field(default_factory=dict)

    def vat_for(self, rate: Decimal) -> VatRateMapping | None:
        return self.vat_rates.get(rate_key(rate))

    def revenue_account(self, kind: RevenueKind, rate: Decimal | None) -> str:
        if kind is not RevenueKind.DISBURSEMENTS and rate is not None:
            override = self.revenue_account_by_rate.get(rate_key(rate))
            if override:
                return override
        return self.revenue_accounts.get(kind, "")

    def accounts_in_use(self) -> list[str]:
        """Every general account the mapping may post to (for `profile check`)."""
        accounts = [self.collective_account, *self.revenue_accounts.values()]
        accounts += list(self.revenue_account_by_rate.values())
        for vat in self.vat_rates.values():
            accounts += [vat.account(self.vat_regime)]
        return [account for account in dict.fromkeys(accounts) if account]
