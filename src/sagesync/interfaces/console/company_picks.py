"""The profile form's pick-lists and checks, read from the Sage company the form points at.

The form's ``sage_location`` is read as typed (the profile may not be valid yet):
an embedded company (``embedded:<path>`` or a ``.sqlite`` file) or a SQL Server
URL is opened and its reference read; a ``.mae`` company or an empty location
gives no lists. A company that cannot be read gives a notice, never a traceback,
and the form then works as before (typed values, checked by the profile alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from sagesync.core.reference import SALES_JOURNAL_TYPE, CompanyReference
from sagesync.errors import SagesyncError
from sagesync.i18n import N_, console_gettext
from sagesync.interfaces.console.profile_form import FormProblems, FormValues
from sagesync.profiles.model import LocationKind, location_kind

Option = tuple[str, str]  # (value, label shown beside it)

REVENUE_FIELDS = ("accounts.revenue.fees", "accounts.revenue.expenses", "accounts.revenue.disbursements")
LISTS = {"sales_journal": "picks-journals", "analytic_plan": "picks-plans", "accounts.collective": "picks-collective",
         **{path: "picks-revenue" for path in REVENUE_FIELDS}}
VAT_LISTS = {"code_debits": "picks-vat-codes", "code_receipts": "picks-vat-codes",
             "account_debits": "picks-vat-accounts", "account_receipts": "picks-vat-accounts"}

NO_JOURNAL = N_("the journal « {value} » does not exist in the company; choose one from the list")
NOT_SALES = N_("the journal « {value} » ({label}) is not a sales journal; choose a sales journal from the list")
NO_PLAN = N_("the analytic plan « {value} » does not exist in the company; choose one from the list")
NO_ACCOUNT = N_("the account « {value} » does not exist in the company (or is not an active detail account); "
                "choose one from the list")
NO_VAT_CODE = N_("the VAT code « {value} » does not exist in the company; choose one from the list")


@dataclass
class CompanyPicks:
    """What the form offers: the lists (empty when the company was not read) and a notice about the reading."""

    reference: CompanyReference | None = None
    notice: str = ""
    failed: bool = False  # the company was to be read and could not be
    lists: dict[str, list[Option]] = field(default_factory=dict)  # datalist id -> options

    @property
    def read(self) -> bool:
        return self.reference is not None


def embedded_path(location: str) -> Path:
    text = location.strip()
    if text.lower().startswith("embedded:"):
        text = text[len("embedded:"):]
    return Path(text).expanduser()


def _rate(rate: Decimal) -> str:
    text = format(rate.normalize(), "f") if rate == rate.to_integral_value() else str(rate)
    return f"{text} %"


def _lists(reference: CompanyReference) -> dict[str, list[Option]]:
    journals = sorted((info for info in reference.journals.values() if not info.dormant),
                      key=lambda info: (info.journal_type != SALES_JOURNAL_TYPE, info.code))
    accounts = sorted(reference.accounts.values(), key=lambda info: info.number)
    return {
        "picks-journals": [(info.code, info.label) for info in journals],
        "picks-plans": [(name, "") for name in reference.analytic_plans],
        "picks-collective": [(info.number, info.label) for info in accounts if info.number.startswith("411")],
        "picks-revenue": [(info.number, info.label) for info in accounts
                          if info.number.startswith(("7", "467"))],
        "picks-vat-codes": [(info.code, _rate(info.rate)) for info in
                            sorted(reference.vat_codes.values(), key=lambda info: info.code)],
        "picks-vat-accounts": [(info.number, info.label) for info in accounts if info.number.startswith("445")],
    }


def read_picks(location: str, *, journal: str = "", plan: str = "") -> CompanyPicks:
    """The company at ``location`` read for the form; blocking (SQLite or SQL Server): call off the event loop."""
    from sagesync.sage.company import open_company
    from sagesync.sage.reader import read_company_reference

    kind = location_kind(location)
    if kind is LocationKind.MAE_FILE:
        return CompanyPicks(notice=console_gettext(
            "A .mae company cannot be read from here: type the codes as Sage shows them."))
    if kind not in (LocationKind.EMBEDDED, LocationKind.SQL_SERVER):
        return CompanyPicks()
    try:
        engine = open_company(str(embedded_path(location)) if kind is LocationKind.EMBEDDED else location.strip())
        try:
            with engine.connect() as connection:
                reference = read_company_reference(connection, journal=journal, plan=plan)
        finally:
            engine.dispose()
    except (SagesyncError, SQLAlchemyError, OSError) as error:
        detail = str(error) if isinstance(error, SagesyncError) else type(error).__name__
        return CompanyPicks(failed=True, notice=console_gettext(
            "The company could not be read, so its lists are not offered and the codes are not checked against "
            "it: {error}").format(error=detail))
    return CompanyPicks(reference=reference, lists=_lists(reference))


def check_against_company(values: FormValues, reference: CompanyReference) -> FormProblems:
    """The form's codes that the company does not hold, each named as typed, next to its field."""
    problems = FormProblems()
    fields = values.fields

    def account(name: str, number: str) -> None:
        if number and number not in reference.accounts:
            problems.add(name, console_gettext(NO_ACCOUNT).format(value=number))

    journal = fields.get("sales_journal", "")
    if journal:
        info = reference.journals.get(journal)
        if info is None:
            problems.add("sales_journal", console_gettext(NO_JOURNAL).format(value=journal))
        elif info.journal_type != SALES_JOURNAL_TYPE:
            problems.add("sales_journal", console_gettext(NOT_SALES).format(value=journal, label=info.label))
    plan = fields.get("analytic_plan", "")
    if plan and plan not in reference.analytic_plans:
        problems.add("analytic_plan", console_gettext(NO_PLAN).format(value=plan))
    account("accounts.collective", fields.get("accounts.collective", ""))
    for path in REVENUE_FIELDS:
        account(path, fields.get(path, ""))
    for _rate_text, number in values.revenue_by_rate:
        account("accounts.revenue_by_rate", number)
    for index, row in enumerate(values.vat):
        for column in ("code_debits", "code_receipts"):
            code = row.get(column, "")
            if code and code not in reference.vat_codes:
                problems.add(f"vat-{index}-{column}", console_gettext(NO_VAT_CODE).format(value=code))
        for column in ("account_debits", "account_receipts"):
            account(f"vat-{index}-{column}", row.get(column, ""))
    return problems
