"""The profile form: the old connector's fields, to and from a ``[profiles.<name>]`` table.

The form edits the table as written in the file, so a setting the form does not
show (a learned ``sage_format``) is kept as it was. Validation is the profile's
own (``Profile.from_table``): its problems, each named by TOML path, are put
back next to the field they are about (in the core's words, translated by the
core). Labels, help and choices are English msgids of the console catalog,
translated when the form is drawn (``|t``). Passwords are not part of the table:
the form's two password fields go to the keyring and are never shown back.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic_core import PydanticUndefined

from sagesync.i18n import N_, console_gettext
from sagesync.profiles.model import LocationKind, PaymentSettings, defaults_table, location_kind

FieldSpec = tuple[str, str, str]  # (TOML path, label, help): the label and help in English, translated when shown

SECTIONS: tuple[tuple[str, tuple[FieldSpec, ...]], ...] = (
    (N_("Sage"), (
        ("sage_company", N_("Sage company"), N_("The company's name as Sage shows it.")),
        ("period_start", N_("Period start"), N_("Documents dated before it are ignored, not errors.")),
        ("sage_user", N_("Sage user"), N_("The Sage user sagesync logs in as, e.g. <Administrateur>.")),
        ("sage_location", N_("Company location"), N_("The .mae file (C:\\Sage\\ACME.mae), an mssql+pyodbc:// URL, "
                                                     "or embedded:<path> for the embedded company.")),
        ("sage_export", N_("Sage export of the company"),
         N_("A .mae company only: sagesync cannot read it from here, so it reads a Sage export of its settings, a "
            "text file with #MPLG (accounts), #MTAX (VAT codes), #MCJR (journals) records. In Sage: Fichier > "
            "Exporter > Format Sage, with the chart of accounts, tax codes, journals, analytic plans, tiers and "
            "sections; export it again after each import, with the entries, for « Confirm the import ».")),
        ("sage_target", N_("Posting to"), N_("Automatic: the embedded company is posted to directly; "
                                             "a .mae or SQL Server company gets an import file.")),
        ("sales_journal", N_("Sales journal"), N_("The sales journal code in Sage, e.g. VTE.")),
        ("analytic_plan", N_("Project analytic plan"),
         N_("The analytic plan projects become sections of, e.g. PROJET.")),
        ("analytic_level", N_("Analytic level"), N_("The level of that plan, e.g. Production cost.")),
        ("siren", N_("SIREN"), N_("Optional: 9 digits, used in the FEC file name.")),
    )),
    (N_("Platform"), (
        ("platform.base_url", N_("Platform address"),
         N_("The platform's API address, e.g. https://app.ooti.co/api/.")),
        ("platform.email", N_("Platform e-mail"), N_("The login e-mail.")),
        ("platform.organization_id", N_("Organization id"), N_("ORG ID: your name > settings > info.")),
        ("platform.team_id", N_("Team id"), N_("TEAM ID: your name > settings > entities.")),
        ("platform.line_kind_when_missing", N_("Lines without a kind are"),
         N_("The platform's lines carry no fees / expenses / débours kind: how to post them. Empty: refused.")),
    )),
    (N_("Accounts"), (
        ("accounts.collective", N_("Clients collective account"),
         N_("The account clients' tiers hang on, e.g. 411000.")),
        ("accounts.vat_regime", N_("VAT due on"), N_("Receipts (encaissements) is the rule for services.")),
        ("accounts.revenue.fees", N_("Fees (honoraires)"), N_("e.g. 706000")),
        ("accounts.revenue.expenses", N_("Re-billed expenses (frais)"), N_("e.g. 708500 (inside the VAT base)")),
        ("accounts.revenue.disbursements", N_("Disbursements (débours)"), N_("e.g. 467000 (outside the VAT base)")),
    )),
    (N_("Write back"), (
        ("writeback.mode", N_("Tell the platform"), N_("Off: the ledger alone records what was posted.")),
        ("writeback.field", N_("Platform field"),
         N_("The invoice field set to the Sage piece number (patch field).")),
    )),
    (N_("Payments"), (
        ("payments.direction", N_("Direction"),
         N_("Which way payments go. Off: sagesync leaves payments alone.")),
        ("payments.bank_journal", N_("Bank journal"),
         N_("The treasury journal payments are posted in, e.g. BQ1.")),
        ("payments.bank_account", N_("Bank account"),
         N_("The bank account (512…) debited by a payment whose method has no account of its own below.")),
        ("payments.vat_transfer", N_("VAT on receipts made due"),
         N_("Moved from 44574x to 44571x in each payment's entry, or in one entry per month.")),
        ("payments.transfer_journal", N_("Journal of the month-end VAT entries"),
         N_("Used when the VAT is made due at month end, e.g. OD.")),
        ("payments.exchange_loss", N_("Exchange loss account"),
         N_("For payments in a foreign currency, e.g. 656000 (pertes de change).")),
        ("payments.exchange_gain", N_("Exchange gain account"),
         N_("For payments in a foreign currency, e.g. 756000 (gains de change).")),
        ("payments.closed_until", N_("Closed until"),
         N_("Last day of a closed period: a payment dated on or before it is not posted (a finding). Empty: "
            "none.")),
    )),
)
PAYMENT_FIELDS = tuple(path for title, specs in SECTIONS if title == "Payments" for path, _label, _help in specs)
FIELD_NAMES = frozenset(path for _title, specs in SECTIONS for path, _label, _help in specs)
CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "sage_target": (("auto", N_("automatic (from the location)")), ("embedded", N_("embedded company")),
                    ("file", N_("import file for Sage"))),
    "accounts.vat_regime": (("receipts", N_("receipts (TVA sur les encaissements)")),
                            ("debits", N_("debits (TVA sur les débits)"))),
    "writeback.mode": (("off", N_("off")), ("patch_field", N_("set a platform field (patch field)"))),
    "platform.line_kind_when_missing": (("", N_("refused (a finding)")), ("fees", N_("fees (honoraires)")),
                                        ("expenses", N_("expenses (frais)")),
                                        ("disbursements", N_("disbursements (débours)"))),
    "payments.direction": (("to_sage", N_("Payments from the platform into Sage")),
                           ("to_platform", N_("Settlements matched in Sage to the platform")),
                           ("both", N_("Both")), ("off", N_("Off"))),
    "payments.vat_transfer": (("in_payment", N_("in each payment's entry")),
                              ("month_end", N_("in one entry per month (month end)"))),
}
OPTIONAL = frozenset({"siren", "sage_export", "platform.organization_id", "platform.team_id",
                      "platform.line_kind_when_missing", "writeback.field", "payments.closed_until"})
VAT_COLUMNS = ("rate", "code_debits", "account_debits", "code_receipts", "account_receipts")
VAT_TITLES = {"rate": N_("rate %"), "code_debits": N_("code on debits"), "account_debits": N_("account on debits"),
              "code_receipts": N_("code on receipts"), "account_receipts": N_("account on receipts")}
SECRET_FIELDS = {"sage": "secret-sage", "platform": "secret-platform"}


@dataclass
class FormValues:
    """What the form shows: text only, as typed or as read from the file."""

    fields: dict[str, str] = field(default_factory=dict)
    vat: list[dict[str, str]] = field(default_factory=list)
    revenue_by_rate: list[tuple[str, str]] = field(default_factory=list)
    bank_accounts: list[tuple[str, str]] = field(default_factory=list)  # payment method -> bank account


@dataclass
class FormProblems:
    by_field: dict[str, str] = field(default_factory=dict)  # form field name -> what is wrong
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)

    def add(self, name: str, text: str) -> None:
        self.by_field[name] = f"{self.by_field[name]}; {text}" if name in self.by_field else text


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _get(table: Mapping[str, Any], path: str) -> object:
    node: object = table
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _target_of(location: str) -> str:
    return "embedded" if location_kind(location) is LocationKind.EMBEDDED else "file"


def values_from_table(table: Mapping[str, Any]) -> FormValues:
    values = FormValues({path: _text(_get(table, path)) for path in FIELD_NAMES})
    target = values.fields["sage_target"]
    if not target or target == _target_of(values.fields["sage_location"]):
        values.fields["sage_target"] = "auto"
    values.fields["accounts.vat_regime"] = values.fields["accounts.vat_regime"] or "receipts"
    values.fields["writeback.mode"] = values.fields["writeback.mode"] or "off"
    entries = table.get("vat")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping):
            values.vat.append({column: _text(entry.get(column)) for column in VAT_COLUMNS})
    by_rate = _get(table, "accounts.revenue_by_rate")
    if isinstance(by_rate, Mapping):
        values.revenue_by_rate = [(_text(rate), _text(account)) for rate, account in by_rate.items()]
    _payment_values(values, table.get("payments"))
    return values


def _payment_values(values: FormValues, payments: object) -> None:
    """The ``[payments]`` table's fields, each setting the table leaves out shown with its default; without a table,
    direction off and the new profile's settings, ready to be switched on."""
    if not isinstance(payments, Mapping):
        payments = {**defaults_table()["payments"], "direction": "off"}
    for path in PAYMENT_FIELDS:
        key = path.split(".", 1)[1]
        default = PaymentSettings.model_fields[key].default
        value = payments.get(key, None if default is PydanticUndefined else default)
        values.fields[path] = _text(value)
    by_method = payments.get("bank_accounts")
    if isinstance(by_method, Mapping):
        values.bank_accounts = [(_text(method), _text(account)) for method, account in by_method.items()]


def values_from_form(get: Callable[[str], str], names: list[str]) -> FormValues:
    """Read a submitted form (``get(name)`` gives "" when absent); blank table rows are dropped."""
    values = FormValues({path: get(path).strip() for path in FIELD_NAMES})
    for row in _rows(names, "vat"):
        entry = {column: get(f"vat-{row}-{column}").strip() for column in VAT_COLUMNS}
        if any(entry.values()):
            values.vat.append(entry)
    for row in _rows(names, "rbr"):
        rate, account = get(f"rbr-{row}-rate").strip(), get(f"rbr-{row}-account").strip()
        if rate or account:
            values.revenue_by_rate.append((rate, account))
    for row in _rows(names, "bank"):
        method, account = get(f"bank-{row}-method").strip(), get(f"bank-{row}-account").strip()
        if method or account:
            values.bank_accounts.append((method, account))
    return values


def _rows(names: list[str], prefix: str) -> list[int]:
    """The row numbers of a form table's fields (``<prefix>-<row>-<column>``), in order."""
    return sorted({int(name.split("-")[1]) for name in names if name.startswith(f"{prefix}-") and name.count("-") == 2
                   and name.split("-")[1].isdigit()})


def _set(table: dict[str, Any], path: str, value: str | None) -> None:
    parts = path.split(".")
    node = table
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


def table_from_values(base: Mapping[str, Any], values: FormValues) -> dict[str, Any]:
    """``base`` (the table in the file, or the defaults) with the form's values applied."""
    table = copy.deepcopy(dict(base))
    for path in FIELD_NAMES:
        text = values.fields.get(path, "")
        if path in PAYMENT_FIELDS:
            continue  # below, as one table
        if path == "sage_target":
            _set(table, path, None if text in ("", "auto") else text)
        elif path in OPTIONAL and not text:
            _set(table, path, None)
        else:
            _set(table, path, text)  # an empty required field is left for validation to name
    table["vat"] = [{"rate": row["rate"], **{column: row[column] for column in VAT_COLUMNS[1:] if row[column]}}
                    for row in values.vat]
    by_rate = {rate: account for rate, account in values.revenue_by_rate}
    if by_rate:
        _set_table(table, "accounts", "revenue_by_rate", by_rate)
    else:
        accounts = table.get("accounts")
        if isinstance(accounts, dict):
            accounts.pop("revenue_by_rate", None)
    _apply_payments(table, values)
    return table


def _apply_payments(table: dict[str, Any], values: FormValues) -> None:
    """The form's payments fields onto the ``[payments]`` table.

    A form without them (no direction sent) leaves the table as it was. Off keeps a table the file has (its
    settings stay, for the day it is switched on again), and adds none to a profile that has none.
    """
    direction = values.fields.get("payments.direction", "")
    if not direction:
        return
    if direction == "off" and not isinstance(table.get("payments"), dict):
        table.pop("payments", None)
        return
    payments = table.get("payments")
    if not isinstance(payments, dict):
        payments = table["payments"] = {}
    for path in PAYMENT_FIELDS:
        key, text = path.split(".", 1)[1], values.fields.get(path, "")
        if path in OPTIONAL and not text:
            payments.pop(key, None)
        else:
            payments[key] = text  # an empty setting is left for validation to name
    by_method = {method: account for method, account in values.bank_accounts}
    if by_method:
        payments["bank_accounts"] = by_method
    else:
        payments.pop("bank_accounts", None)


def _set_table(table: dict[str, Any], parent: str, key: str, value: dict[str, str]) -> None:
    child = table.get(parent)
    if not isinstance(child, dict):
        child = table[parent] = {}
    child[key] = value


def _form_name(path: str) -> str | None:
    """The form field a TOML path (below the profile) is shown next to."""
    if path.startswith("vat["):
        index, _, rest = path[len("vat["):].partition("]")
        column = rest.lstrip(".")
        if index.isdigit():
            return f"vat-{index}-{column}" if column in VAT_COLUMNS else f"vat-{index}-rate"
    if path == "vat":
        return "vat"
    if path.startswith("accounts.revenue_by_rate"):
        return "accounts.revenue_by_rate"
    if path.startswith("payments.bank_accounts"):
        return "payments.bank_accounts"
    while path:
        if path in FIELD_NAMES:
            return path
        path = path.rpartition(".")[0]
    return None


def typed_value(values: FormValues, name: str) -> str:
    """What was typed in the form field ``name`` ("" for a table, a password or a field not in the form)."""
    if name in values.fields:
        return values.fields[name]
    parts = name.split("-")
    if len(parts) == 3 and parts[0] == "vat" and parts[1].isdigit() and int(parts[1]) < len(values.vat):
        return values.vat[int(parts[1])].get(parts[2], "")
    return ""


def naming_typed_values(problems: FormProblems, values: FormValues) -> FormProblems:
    """Each problem names the value typed: one whose text does not gets it in front, « value »: problem."""
    for name, text in problems.by_field.items():
        typed = typed_value(values, name)
        if typed and typed.casefold() not in text.casefold():
            problems.by_field[name] = console_gettext("« {value} »: {problem}").format(value=typed, problem=text)
    return problems


def problems_from_error(message: str, profile_name: str, values: FormValues | None = None) -> FormProblems:
    """Spread a profile's ConfigurationError (one "  - profiles.<name>.<path>: text" line each) over the form;
    with the form's ``values``, each problem names the value typed."""
    problems = FormProblems()
    prefix = f"profiles.{profile_name}."
    lines = [line[len("  - "):] for line in message.splitlines() if line.startswith("  - ")]
    if not lines:
        problems.general.append(message)
        return problems
    for line in lines:
        path, _, text = line.partition(": ")
        name = _form_name(path[len(prefix):]) if path.startswith(prefix) else None
        if name is None:
            problems.general.append(line)
        else:
            problems.add(name, text)
    return naming_typed_values(problems, values) if values is not None else problems
