"""The profile: one company's settings, as the user keeps them in ``profiles.toml``.

A profile holds every field of the old connector's form (Sage company, period
start, Sage user and location, journal, analytic plan and level, platform
address, e-mail, organization and team) plus the account mapping, and never a
password (``sagesync.profiles.secrets``). In the file::

    [profiles.acme]
    sage_company = "ACME"
    period_start = 2025-01-01
    sage_location = 'C:\\Sage\\ACME.mae'
    [profiles.acme.platform]
    email = "compta@acme.fr"
    [profiles.acme.accounts]
    collective = "411000"
    vat_regime = "receipts"
    revenue = { fees = "706000", expenses = "708500", disbursements = "467000" }
    [[profiles.acme.vat]]
    rate = "20"
    code_debits = "C20"
    ...

Rates are written as strings: a TOML number with a decimal point is a binary
float, and a float is refused wherever it appears. Validation lists every
problem at once, each named by its TOML path (``profiles.acme.accounts.collective``)
with the form expected (``sagesync.profiles.validation``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sagesync.core.mapping import AccountMapping, VatRateMapping, VatRegime, rate_key
from sagesync.core.model import RevenueKind
from sagesync.profiles import defaults, validation
from sagesync.profiles.paths import validate_profile_name
from sagesync.profiles.unattended import AlertSettings, ScheduleSettings

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class LocationKind(StrEnum):
    MAE_FILE = "mae_file"  # a proprietary (or SQL pointer) company file, C:\Sage\ACME.mae
    SQL_SERVER = "sql_server"  # mssql+pyodbc://server/database?driver=...
    EMBEDDED = "embedded"  # the SQLite company sagesync creates (embedded:<path> or a .sqlite path)


def location_kind(location: str) -> LocationKind | None:
    text = location.strip()
    lowered = text.lower()
    if lowered.startswith("embedded:") or lowered.endswith((".sqlite", ".sqlite3")):
        return LocationKind.EMBEDDED
    if lowered.startswith("mssql+pyodbc://"):
        return LocationKind.SQL_SERVER
    if lowered.endswith(".mae"):
        return LocationKind.MAE_FILE
    return None


class PlatformSettings(BaseModel):
    model_config = _FROZEN

    kind: Literal["ooti"] = "ooti"
    base_url: str = defaults.DEFAULT_PLATFORM_BASE_URL
    email: str
    organization_id: int | None = None  # ORG ID (settings > info)
    team_id: int | None = None  # TEAM ID (settings > entities)
    # OOTI items carry no fees / expenses / débours kind: what a line without one is posted as.
    # Unset, such a line is refused (a finding): choosing an account is the user's call.
    line_kind_when_missing: RevenueKind | None = None
    # Wire field names, where the platform calls a fact differently from ooti-api.md §12 (not certain:
    # the live API's JSON is not public). Each fact takes a list of names, first present wins, e.g.
    # fields = { invoice_number = ["legal_number"], total_incl_vat = ["total_ttc"] }.
    fields: dict[str, list[str]] = Field(default_factory=dict)
    # How long one request may keep trying (retries, Retry-After waits) before the run stops:
    # long enough to ride out a platform restart or a throttled minute.
    request_budget_seconds: int = 300
    # Word before an API token (secret "platform_token") in the Authorization header. OOTI does
    # not document it (ooti-api.md §11 q. 2): a setting, so the live answer needs no new release.
    api_token_scheme: str = "Bearer"

    _base_url = field_validator("base_url", mode="before")(validation.base_url)
    _email = field_validator("email", mode="before")(validation.email)
    _ids = field_validator("organization_id", "team_id", mode="before")(validation.optional_whole_number)
    _fields = field_validator("fields", mode="before")(validation.field_names)
    _budget = field_validator("request_budget_seconds", mode="before")(validation.seconds)
    _scheme = field_validator("api_token_scheme", mode="before")(validation.auth_scheme)

    def to_table(self) -> dict[str, Any]:
        """The table as written; the two transport settings only when changed, so files stay as they were."""
        table = self.model_dump(exclude_none=True)
        for name in ("request_budget_seconds", "api_token_scheme"):
            if table.get(name) == PlatformSettings.model_fields[name].default:
                del table[name]
        if not table.get("fields"):
            table.pop("fields", None)
        return table


class RevenueAccounts(BaseModel):
    model_config = _FROZEN

    fees: str  # honoraires, 706
    expenses: str  # frais refacturés, 7085
    disbursements: str  # débours, 467

    _accounts = field_validator("fees", "expenses", "disbursements", mode="before")(validation.account)


class AccountSettings(BaseModel):
    model_config = _FROZEN

    collective: str  # the clients' collective account the tiers hang on (411...)
    revenue: RevenueAccounts
    # Revenue account per VAT rate (exports, EU services): kept apart for the CA3 return.
    revenue_by_rate: dict[Decimal, str] = Field(default_factory=dict)
    vat_regime: VatRegime

    _collective = field_validator("collective", mode="before")(validation.collective_account)
    _by_rate = field_validator("revenue_by_rate", mode="before")(validation.revenue_by_rate)


class VatRate(BaseModel):
    model_config = _FROZEN

    rate: Decimal  # percent, e.g. 20 or 5.5
    code_debits: str = ""
    account_debits: str = ""
    code_receipts: str = ""
    account_receipts: str = ""

    _rate = field_validator("rate", mode="before")(validation.rate)
    _codes = field_validator("code_debits", "code_receipts", mode="before")(validation.optional_tax_code)
    _accounts = field_validator("account_debits", "account_receipts", mode="before")(validation.optional_account)

    def code(self, regime: VatRegime) -> str:
        return self.code_debits if regime is VatRegime.DEBITS else self.code_receipts

    def account(self, regime: VatRegime) -> str:
        return self.account_debits if regime is VatRegime.DEBITS else self.account_receipts


class WritebackSettings(BaseModel):
    model_config = _FROZEN

    mode: Literal["off", "patch_field"] = "off"  # off: the ledger alone knows what was posted
    field: str = ""  # the platform invoice field set to the Sage piece number

    _field = field_validator("field", mode="before")(validation.field_name)


class PaymentSettings(BaseModel):
    """``[profiles.<name>.payments]``: the cash side. Absent: sagesync leaves payments alone."""

    model_config = _FROZEN

    # to_sage: platform payments posted in the bank journal; to_platform: settlements matched in Sage sent
    # to the platform; both; off.
    direction: Literal["to_sage", "to_platform", "both", "off"] = "to_sage"
    bank_journal: str = "BQ1"  # a treasury journal (JO_Type 2)
    bank_account: str  # 512...: payments of any method without its own account
    # Payment method code of the platform -> its bank account (OOTI's codes are not documented, [?]:
    # ooti-api.md §5.5), e.g. { V = "512100", C = "512200" }.
    bank_accounts: dict[str, str] = Field(default_factory=dict)
    # VAT on receipts made due: in each payment's entry, or one entry per month in transfer_journal.
    vat_transfer: Literal["in_payment", "month_end"] = "in_payment"
    transfer_journal: str = "OD"
    exchange_loss: str = "656000"  # pertes de change sur créances commerciales
    exchange_gain: str = "756000"  # gains de change sur créances commerciales
    closed_until: date | None = None  # last day of a closed period: no payment is posted on or before it

    _journals = field_validator("bank_journal", "transfer_journal", mode="before")(validation.journal_code)
    _accounts = field_validator("bank_account", "exchange_loss", "exchange_gain",
                                mode="before")(validation.account)
    _by_method = field_validator("bank_accounts", mode="before")(validation.accounts_by_key)
    _closed = field_validator("closed_until", mode="before")(validation.optional_day)

    @property
    def to_sage(self) -> bool:
        return self.direction in ("to_sage", "both")

    @property
    def to_platform(self) -> bool:
        return self.direction in ("to_platform", "both")

    def to_table(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class Profile(BaseModel):
    """One company: where its Sage company and platform account are, and how to post."""

    model_config = _FROZEN

    name: str  # the table key in profiles.toml
    sage_company: str
    period_start: date  # documents dated before it are ignored, not errors
    sage_user: str = defaults.DEFAULT_SAGE_USER
    sage_location: str
    sage_target: Literal["embedded", "file"] | None = None  # None: from the location
    # A Sage export (#MPLG, #MTAX, #MCJR...) of a company sagesync cannot read by SQL (a .mae file):
    # what the checks read instead of the company itself.
    sage_export: str | None = None
    sales_journal: str = "VTE"
    analytic_plan: str = "PROJET"
    analytic_level: str = defaults.DEFAULT_ANALYTIC_LEVEL
    platform: PlatformSettings
    accounts: AccountSettings
    vat: tuple[VatRate, ...] = Field(min_length=1)
    writeback: WritebackSettings = WritebackSettings()
    siren: str | None = None  # for the FEC file name
    sage_format: dict[str, Any] | None = None  # the Sage file format learned from an export
    payments: PaymentSettings | None = None  # the cash side; absent: payments are left alone
    schedule: ScheduleSettings | None = None  # unattended runs (sagesync serve, sagesync worker)
    alerts: AlertSettings | None = None  # e-mail and webhook after a run that needs someone
    # The ledger in PostgreSQL (postgresql://user@host:5432/dbname, no password: PGPASSWORD or ~/.pgpass),
    # in the schema sagesync_<name>; absent: SAGESYNC_LEDGER_URL, else the SQLite file of the profile.
    ledger_url: str | None = None

    _name = field_validator("name", mode="before")(validation.profile_name)
    _texts = field_validator("sage_company", "sage_user", "analytic_plan", "analytic_level",
                             mode="before")(validation.text)
    _date = field_validator("period_start", mode="before")(validation.day)
    _location = field_validator("sage_location", mode="before")(validation.sage_location)
    _journal = field_validator("sales_journal", mode="before")(validation.journal_code)
    _siren = field_validator("siren", mode="before")(validation.siren)
    _format = field_validator("sage_format", mode="before")(validation.no_floats_inside)
    _ledger_url = field_validator("ledger_url", mode="before")(validation.ledger_url)

    # --- reading and writing the TOML table ------------------------------------------------

    @classmethod
    def from_table(cls, name: str, table: Mapping[str, Any]) -> Profile:
        """Validate one ``[profiles.<name>]`` table; every problem is listed in one ConfigurationError."""
        validate_profile_name(name)
        prefix = ("profiles", name)
        try:
            profile = cls.model_validate({**table, "name": name})
        except ValidationError as error:
            raise validation.configuration_error(name, validation.problems_from(error, prefix)) from None
        problems = profile._consistency_problems()
        if problems:
            lines = [validation.problem(prefix + loc, text) for loc, text in problems]
            raise validation.configuration_error(name, lines)
        if profile.sage_target is None:
            profile = profile.model_copy(update={"sage_target": profile.target})
        return profile

    def to_table(self) -> dict[str, Any]:
        """The ``[profiles.<name>]`` table as written to the file: strings for rates, no empty values."""
        table: dict[str, Any] = {
            "sage_company": self.sage_company,
            "period_start": self.period_start,
            "sage_user": self.sage_user,
            "sage_location": self.sage_location,
            "sage_target": self.target,
            "sales_journal": self.sales_journal,
            "analytic_plan": self.analytic_plan,
            "analytic_level": self.analytic_level,
        }
        if self.siren:
            table["siren"] = self.siren
        if self.sage_export:
            table["sage_export"] = self.sage_export
        if self.ledger_url:
            table["ledger_url"] = self.ledger_url
        table["platform"] = self.platform.to_table()
        accounts: dict[str, Any] = {
            "collective": self.accounts.collective,
            "vat_regime": self.accounts.vat_regime.value,
            "revenue": self.accounts.revenue.model_dump(),
        }
        if self.accounts.revenue_by_rate:
            accounts["revenue_by_rate"] = {
                validation.rate_text(rate): account for rate, account in self.accounts.revenue_by_rate.items()
            }
        table["accounts"] = accounts
        table["vat"] = [{**vat.model_dump(), "rate": validation.rate_text(vat.rate)} for vat in self.vat]
        writeback = self.writeback.model_dump()
        table["writeback"] = writeback if writeback["field"] else {"mode": writeback["mode"]}
        if self.sage_format is not None:
            table["sage_format"] = self.sage_format
        if self.payments is not None:
            table["payments"] = self.payments.to_table()
        if self.schedule is not None:
            table["schedule"] = self.schedule.to_table()
        if self.alerts is not None:
            table["alerts"] = self.alerts.to_table()
        return table

    # --- what the rest of sagesync reads -------------------------------------------------------

    @property
    def target(self) -> Literal["embedded", "file"]:
        if self.sage_target is not None:
            return self.sage_target
        return "embedded" if self.location_kind is LocationKind.EMBEDDED else "file"

    @property
    def location_kind(self) -> LocationKind:
        kind = location_kind(self.sage_location)
        assert kind is not None, "validated on load"
        return kind

    def embedded_company_path(self, base: Path | None = None) -> Path | None:
        """The SQLite file of an embedded company; a relative path is taken from ``base``."""
        if self.location_kind is not LocationKind.EMBEDDED:
            return None
        text = self.sage_location.strip()
        if text.lower().startswith("embedded:"):
            text = text[len("embedded:"):]
        path = Path(text).expanduser()
        return base / path if base is not None and not path.is_absolute() else path

    def mapping(self) -> AccountMapping:
        """The account mapping the checks and posting rules read."""
        revenue = self.accounts.revenue
        return AccountMapping(
            journal=self.sales_journal,
            analytic_plan=self.analytic_plan,
            collective_account=self.accounts.collective,
            revenue_accounts={RevenueKind.FEES: revenue.fees, RevenueKind.EXPENSES: revenue.expenses,
                              RevenueKind.DISBURSEMENTS: revenue.disbursements},
            vat_rates={rate_key(vat.rate): VatRateMapping(vat.rate, vat.code_debits, vat.code_receipts,
                                                          vat.account_debits, vat.account_receipts)
                       for vat in self.vat},
            vat_regime=self.accounts.vat_regime,
            revenue_account_by_rate={rate_key(rate): account
                                     for rate, account in self.accounts.revenue_by_rate.items()},
        )

    # --- rules across fields -----------------------------------------------------------------

    def _consistency_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.sage_target == "embedded" and self.location_kind is not LocationKind.EMBEDDED:
            problems.append((("sage_target",), 'is "embedded" but sage_location is not an embedded company '
                             '(expected "file" for a .mae or SQL Server company, or an embedded:<path> location)'))
        regime = self.accounts.vat_regime
        seen: dict[Decimal, int] = {}
        for index, vat in enumerate(self.vat):
            key = rate_key(vat.rate)
            if key in seen:
                problems.append((("vat", index, "rate"), f"rate {validation.rate_text(vat.rate)} % is mapped twice "
                                 f"(also vat[{seen[key]}]); keep one entry per rate"))
            seen.setdefault(key, index)
            if not vat.code(regime):
                problems.append((("vat", index, f"code_{regime.value}"), f"is empty: the profile posts VAT on "
                                 f"{regime.value}, so rate {validation.rate_text(vat.rate)} % needs its Sage tax code "
                                 "(expected e.g. C20)"))
            if vat.rate != 0 and not vat.account(regime):
                problems.append((("vat", index, f"account_{regime.value}"), f"is empty: rate "
                                 f"{validation.rate_text(vat.rate)} % needs the VAT account it posts to "
                                 "(expected e.g. 445712 on debits, 445742 on receipts)"))
        if self.writeback.mode == "patch_field" and not self.writeback.field:
            problems.append((("writeback", "field"), 'is empty: mode "patch_field" needs the name of the '
                             "platform invoice field to set (expected e.g. accounting_reference)"))
        return problems


def defaults_table(regime: VatRegime = VatRegime.RECEIPTS) -> dict[str, Any]:
    """The fields a new profile starts from (the embedded company's chart): everything but
    the company name, period start, Sage location and platform e-mail."""
    mapping = defaults.default_mapping(regime)
    return {
        "sage_user": defaults.DEFAULT_SAGE_USER,
        "sales_journal": mapping.journal,
        "analytic_plan": mapping.analytic_plan,
        "analytic_level": defaults.DEFAULT_ANALYTIC_LEVEL,
        # Written out in every new profile, so the choice is visible and the user can change it.
        "platform": {"kind": "ooti", "base_url": defaults.DEFAULT_PLATFORM_BASE_URL, "line_kind_when_missing": "fees"},
        "accounts": {
            "collective": mapping.collective_account,
            "vat_regime": mapping.vat_regime.value,
            "revenue": {kind.value: account for kind, account in mapping.revenue_accounts.items()},
            "revenue_by_rate": {validation.rate_text(rate): account
                                for rate, account in mapping.revenue_account_by_rate.items()},
        },
        "vat": [{"rate": validation.rate_text(vat.rate), "code_debits": vat.code_debits,
                 "account_debits": vat.account_debits, "code_receipts": vat.code_receipts,
                 "account_receipts": vat.account_receipts} for vat in mapping.vat_rates.values()],
        "writeback": {"mode": "off"},
        # The embedded company's bank journal and account; payments are posted as soon as a sync runs.
        "payments": {"direction": "to_sage", "bank_journal": "BQ1", "bank_account": "512000",
                     "vat_transfer": "in_payment", "transfer_journal": "OD",
                     "exchange_loss": "656000", "exchange_gain": "756000"},
    }
