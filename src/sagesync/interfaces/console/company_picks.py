"""The profile form's pick-lists and checks, read from the Sage company the form points at.

The form's ``sage_location`` is read as typed (the profile may not be valid yet):
an embedded company (``embedded:<path>`` or a ``.sqlite`` file) or a SQL Server
URL is opened and its reference read, a ``.mae`` company through its Sage export
(``sage_export``, ``sagesync.interfaces.setup_reading``); a ``.mae`` company
without one, or an empty location, gives no lists. A company that cannot be read
gives a notice, never a traceback, and the form then works as before (typed
values, checked by the profile alone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sagesync.core.reference import SALES_JOURNAL_TYPE, CompanyReference
from sagesync.i18n import N_, console_gettext
from sagesync.interfaces import setup_reading
from sagesync.interfaces.console.profile_form import FormProblems, FormValues
from sagesync.profiles.model import LocationKind, location_kind

Option = tuple[str, str]  # (value, label shown beside it)

TREASURY_JOURNAL_TYPE = 2  # F_JOURNAUX.JO_Type: trésorerie (the bank journals)
REVENUE_FIELDS = ("accounts.revenue.fees", "accounts.revenue.expenses", "accounts.revenue.disbursements")
PAYMENT_ACCOUNT_FIELDS = ("payments.bank_account", "payments.exchange_loss", "payments.exchange_gain")
LISTS = {"sales_journal": "picks-journals", "analytic_plan": "picks-plans", "accounts.collective": "picks-collective",
         **{path: "picks-revenue" for path in REVENUE_FIELDS},
         "payments.bank_journal": "picks-bank-journals", "payments.transfer_journal": "picks-journals",
         "payments.bank_account": "picks-bank-accounts", "payments.exchange_loss": "picks-exchange-loss",
         "payments.exchange_gain": "picks-exchange-gain"}
VAT_LISTS = {"code_debits": "picks-vat-codes", "code_receipts": "picks-vat-codes",
             "account_debits": "picks-vat-accounts", "account_receipts": "picks-vat-accounts"}

NO_JOURNAL = N_("the journal « {value} » does not exist in the company; choose one from the list")
NOT_SALES = N_("the journal « {value} » ({label}) is not a sales journal; choose a sales journal from the list")
NO_PLAN = N_("the analytic plan « {value} » does not exist in the company; choose one from the list")
NO_ACCOUNT = N_("the account « {value} » does not exist in the company (or is not an active detail account); "
                "choose one from the list")
NO_VAT_CODE = N_("the VAT code « {value} » does not exist in the company; choose one from the list")
NOT_TREASURY = N_("the journal « {value} » ({label}) is not a treasury journal; choose a bank journal from the list")


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


def _lists(reference: CompanyReference) -> dict[str, list[Option]]:
    """The company's codes by datalist id (``picks-journals``, ``picks-vat-codes``...)."""
    lists = {"picks-" + kind.replace("_", "-"): options
             for kind, options in setup_reading.company_lists(reference).items()}
    accounts = sorted(reference.accounts.values(), key=lambda info: info.number)
    lists["picks-bank-journals"] = [(info.code, info.label) for info in sorted(
        reference.journals.values(), key=lambda info: info.code)
        if info.journal_type == TREASURY_JOURNAL_TYPE and not info.dormant]
    lists["picks-bank-accounts"] = [(info.number, info.label) for info in accounts if info.number.startswith("51")]
    lists["picks-exchange-loss"] = [(info.number, info.label) for info in accounts if info.number.startswith("6")]
    lists["picks-exchange-gain"] = [(info.number, info.label) for info in accounts if info.number.startswith("7")]
    return lists


def read_picks(location: str, *, sage_export: str = "", journal: str = "", plan: str = "") -> CompanyPicks:
    """The company at ``location`` (a .mae one through its Sage export) read for the form; blocking (SQLite, SQL
    Server, a file): call off the event loop."""
    kind = location_kind(location)
    if kind is LocationKind.MAE_FILE and not sage_export.strip():
        return CompanyPicks(notice=console_gettext(
            "A .mae company cannot be read from here: name its Sage export below to get its lists, or type the "
            "codes as Sage shows them."))
    try:
        reference = setup_reading.company_reference_at(location, sage_export=sage_export, journal=journal, plan=plan)
    except setup_reading.SetupReadError as error:
        return CompanyPicks(failed=True, notice=console_gettext(
            "The company could not be read, so its lists are not offered and the codes are not checked against "
            "it: {error}").format(error=error))
    if reference is None:
        return CompanyPicks()
    notice = (console_gettext("Read from the Sage export {path}.").format(path=sage_export.strip())
              if kind is LocationKind.MAE_FILE else "")
    return CompanyPicks(reference=reference, lists=_lists(reference), notice=notice)


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
    if fields.get("payments.direction") in ("to_sage", "both"):  # what posting the payments needs
        _check_payments(values, reference, problems, account)
    return problems


def _check_payments(values: FormValues, reference: CompanyReference, problems: FormProblems,
                    account: Callable[[str, str], None]) -> None:
    fields = values.fields
    journal = fields.get("payments.bank_journal", "")
    if journal:
        info = reference.journals.get(journal.upper())
        if info is None:
            problems.add("payments.bank_journal", console_gettext(NO_JOURNAL).format(value=journal))
        elif info.journal_type != TREASURY_JOURNAL_TYPE:
            problems.add("payments.bank_journal", console_gettext(NOT_TREASURY).format(value=journal,
                                                                                      label=info.label))
    transfer = fields.get("payments.transfer_journal", "")
    if fields.get("payments.vat_transfer") == "month_end" and transfer and transfer.upper() not in reference.journals:
        problems.add("payments.transfer_journal", console_gettext(NO_JOURNAL).format(value=transfer))
    for path in PAYMENT_ACCOUNT_FIELDS:
        account(path, fields.get(path, ""))
    for _method, number in values.bank_accounts:
        account("payments.bank_accounts", number)
