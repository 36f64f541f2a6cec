"""The embedded defaults: the chart and VAT codes of the embedded Sage company.

Used by `sagesync demo` and as the starting point of `profile new`. A real
company's accounts are padded to its own length and its tax codes are its own:
`sagesync profile check` says which of these it lacks.
"""

from __future__ import annotations

from decimal import Decimal

from sagesync.core.mapping import AccountMapping, VatRateMapping, VatRegime, rate_key
from sagesync.core.model import RevenueKind

# (rate, code on debits, account on debits, code on receipts, account on receipts)
DEFAULT_VAT_RATES: tuple[tuple[str, str, str, str, str], ...] = (
    ("20", "C20", "445712", "E20", "445742"),
    ("10", "C10", "445711", "E10", "445741"),
    ("5.5", "C055", "445715", "E055", "445745"),
    ("2.1", "C021", "445713", "E021", "445743"),
    ("0", "EXO", "", "EXO", ""),
)

DEFAULT_REVENUE_ACCOUNTS: dict[RevenueKind, str] = {
    RevenueKind.FEES: "706000",
    RevenueKind.EXPENSES: "708500",
    RevenueKind.DISBURSEMENTS: "467000",
}


def default_mapping(regime: VatRegime = VatRegime.RECEIPTS) -> AccountMapping:
    vat_rates = {
        rate_key(Decimal(rate)): VatRateMapping(Decimal(rate), code_d, code_r, account_d, account_r)
        for rate, code_d, account_d, code_r, account_r in DEFAULT_VAT_RATES
    }
    return AccountMapping(
        journal="VTE",
        analytic_plan="PROJET",
        collective_account="411000",
        revenue_accounts=dict(DEFAULT_REVENUE_ACCOUNTS),
        vat_rates=vat_rates,
        vat_regime=regime,
        revenue_account_by_rate={rate_key(Decimal(0)): "706300"},  # exports and EU B2B kept apart for the CA3
    )


# The old connector's form, pre-filled (seed help article): Sage user, analytic level and
# platform address a new profile starts from; `profile new` writes them into the file.
DEFAULT_SAGE_USER = "<Administrateur>"
DEFAULT_ANALYTIC_LEVEL = "Production cost"
DEFAULT_PLATFORM_BASE_URL = "https://app.ooti.co/api/"
