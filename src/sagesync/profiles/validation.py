"""Field rules of the profile, and problems phrased for the person editing ``profiles.toml``.

Each rule is a pydantic "before" validator: it reads what TOML or the command
line gave (a string, an int, a date), returns the normalised value, or refuses
with a message that says what was expected. ``problems_from`` turns pydantic's
errors into lines named by their TOML path::

    profiles.acme.accounts.collective: '4110A' is not an account number (expected ...)

A float is refused wherever it appears: ``20.0`` in TOML is a binary float,
and sagesync never lets a float near an amount or a rate.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn
from urllib.parse import urlsplit

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from sagesync.core.siren import EXAMPLE_SIREN, compact_siren, siren_problem
from sagesync.errors import ConfigurationError
from sagesync.i18n import N_, _, ngettext
from sagesync.profiles.paths import PROFILES_FILE_NAME

FLOAT_REFUSED = N_("is a TOML number with a decimal point, which is a binary float and may not keep its digits: "
                   'write it as a string, e.g. "5.5"')

# The form each setting takes, by TOML path below [profiles.<name>] ("[]" = any list index).
assert EXAMPLE_SIREN == "732829320"  # the example of EXPECTED["siren"]
EXPECTED: dict[str, str] = {
    "sage_company": N_("the company's name as Sage shows it, e.g. ACME"),
    "period_start": N_("a date such as 2025-01-01 or 01/01/2025"),
    "sage_user": N_("a Sage user name, e.g. <Administrateur>"),
    "sage_location": N_("a .mae file path, an mssql+pyodbc:// URL, embedded:<path> or a .sqlite path"),
    "sage_target": N_('"embedded" or "file"'),
    "sales_journal": N_("a Sage journal code of 1 to 6 capitals or digits, e.g. VTE"),
    "analytic_plan": N_("the name of a Sage analytic plan, e.g. PROJET"),
    "analytic_level": N_('an analytic level of that plan, e.g. "Production cost"'),
    "siren": N_("the 9 digits of the company's SIREN, e.g. 732829320"),  # EXAMPLE_SIREN
    "sage_format": N_("a table written by `sagesync sage learn-format`"),
    "platform": N_("a table [profiles.<name>.platform] with at least email"),
    "platform.kind": N_('"ooti"'),
    "platform.base_url": N_("an http(s) address such as https://app.ooti.co/api/"),
    "platform.email": N_("the platform login e-mail, e.g. compta@agence.fr"),
    "platform.organization_id": N_("a whole number, the ORG ID (platform: your name > settings > info), e.g. 1234"),
    "platform.team_id": N_("a whole number, the TEAM ID (platform: your name > settings > entities), e.g. 5678"),
    "platform.request_budget_seconds": N_("a whole number of seconds one platform request may take, retries "
                                       "included, e.g. 300"),
    "platform.api_token_scheme": N_("the word sent before an API token in the Authorization header, e.g. Bearer"),
    "accounts": N_("a table [profiles.<name>.accounts] with collective, revenue and vat_regime"),
    "accounts.collective": N_("a client collective account of class 41, e.g. 411000"),
    "accounts.revenue": N_("a table with fees, expenses and disbursements accounts"),
    "accounts.revenue.fees": N_("a Sage account number of up to 13 digits or capitals, e.g. 706000"),
    "accounts.revenue.expenses": N_("a Sage account number of up to 13 digits or capitals, e.g. 708500"),
    "accounts.revenue.disbursements": N_("a Sage account number of up to 13 digits or capitals, e.g. 467000"),
    "accounts.revenue_by_rate": N_('a table of "rate" = "account", e.g. { "0" = "706300" }'),
    "accounts.vat_regime": N_('"debits" (TVA sur les débits) or "receipts" (TVA sur les encaissements)'),
    "vat": N_("at least one [[profiles.<name>.vat]] table, one per VAT rate"),
    "vat[]": N_("a table with rate, code_debits, account_debits, code_receipts, account_receipts"),
    "vat[].rate": N_('a VAT rate in percent written as a string, e.g. "20" or "5.5"'),
    "vat[].code_debits": N_("a Sage tax code of 1 to 5 capitals or digits, e.g. C20"),
    "vat[].code_receipts": N_("a Sage tax code of 1 to 5 capitals or digits, e.g. E20"),
    "vat[].account_debits": N_("a Sage VAT account, e.g. 445712 (empty for a 0 % rate)"),
    "vat[].account_receipts": N_("a Sage VAT account, e.g. 445742 (empty for a 0 % rate)"),
    "writeback": N_('a table with mode = "off" or "patch_field"'),
    "writeback.mode": N_('"off" (the ledger alone records what was posted) or "patch_field"'),
    "writeback.field": N_("the platform invoice field to set, e.g. accounting_reference"),
}

_ACCOUNT = re.compile(r"[0-9A-Z]{1,13}")  # F_COMPTEG.CG_Num
_JOURNAL = re.compile(r"[0-9A-Z]{1,6}")  # F_JOURNAUX.JO_Num
_TAX_CODE = re.compile(r"[0-9A-Z]{1,5}")  # F_TAXE.TA_Code
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_AUTH_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")  # not "-x": it would read as an option


def _refuse(message: str) -> NoReturn:
    # No context dict: the message is shown as written, braces and all.
    raise PydanticCustomError("sagesync", message)


def _scalar_text(value: object, expected: str) -> str:
    """TOML gives strings, ints (an account written without quotes) or worse."""
    if isinstance(value, float):
        _refuse(_(FLOAT_REFUSED))
    if isinstance(value, bool) or not isinstance(value, str | int):
        _refuse(_("is not text (expected {expected})").format(expected=expected))
    return str(value).strip()


def text(value: object) -> str:
    result = _scalar_text(value, _("some text"))
    if not result:
        _refuse(_("is empty (expected some text)"))
    return result


def profile_name(value: object) -> str:
    result = _scalar_text(value, _("a profile name"))
    if not _NAME.fullmatch(result):
        _refuse(_("expected 1 to 40 lower-case letters, digits, '-' or '_', starting with a letter or digit"))
    return result


def day(value: object) -> date:
    if isinstance(value, datetime):
        _refuse(_("has a time of day (expected {expected})").format(expected=_(EXPECTED["period_start"])))
    if isinstance(value, date):
        return value
    raw = _scalar_text(value, EXPECTED["period_start"])
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    _refuse(_("{value} is not a date (expected {expected})").format(
        value=repr(raw), expected=_(EXPECTED["period_start"])))


def sage_location(value: object) -> str:
    # Local import: model.py imports this module for its rules.
    from sagesync.profiles.model import LocationKind, location_kind

    raw = _scalar_text(value, EXPECTED["sage_location"])
    kind = location_kind(raw)
    if kind is None:
        # The value is not echoed: a mistyped URL may hold credentials.
        _refuse(_("is not a Sage company location sagesync knows (expected {expected})").format(
            expected=_(EXPECTED["sage_location"])))
    if kind is LocationKind.SQL_SERVER:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(raw)
        except ArgumentError:
            _refuse(_("is not a readable SQL Server URL (expected mssql+pyodbc://SERVER/DATABASE?driver=...)"))
        if url.password is not None:
            _refuse(_("holds a password: remove it from the URL; the Sage password comes from the keyring "
                      "or the environment (sagesync profile set-secret NAME sage)"))
    if kind is LocationKind.EMBEDDED and raw.lower() == "embedded:":
        _refuse(_("names no file (expected embedded:<path to the .sqlite company>)"))
    return raw


_LEDGER_DRIVERS = ("postgresql", "postgres", "postgresql+psycopg")


def ledger_url_problem(raw: str) -> str | None:
    """What is wrong with a ledger URL (translated, without echoing it), or None when it is usable."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(raw)
    except ArgumentError:
        return _("is not a readable PostgreSQL URL (expected postgresql://USER@HOST:5432/DATABASE)")
    if url.drivername not in _LEDGER_DRIVERS:
        return _("is not a PostgreSQL URL (expected postgresql://USER@HOST:5432/DATABASE)")
    if url.password is not None:
        return _("holds a password: remove it from the URL; the ledger's database password comes from PGPASSWORD "
                 "or ~/.pgpass")
    if not url.database:
        return _("names no database (expected postgresql://USER@HOST:5432/DATABASE)")
    return None


def ledger_url(value: object) -> str | None:
    """The profile's ``ledger_url``: a PostgreSQL URL without a password (absent or empty: the SQLite file)."""
    if value is None:
        return None
    raw = _scalar_text(value, _("a PostgreSQL URL such as postgresql://USER@HOST:5432/DATABASE"))
    if not raw:
        return None
    problem = ledger_url_problem(raw)
    if problem is not None:
        _refuse(problem)  # the value is not echoed: a mistyped URL may hold credentials
    return raw


def journal_code(value: object) -> str:
    result = _scalar_text(value, EXPECTED["sales_journal"]).upper()
    if not _JOURNAL.fullmatch(result):
        _refuse(_("{value} is not a journal code (expected {expected})").format(
            value=repr(result), expected=_(EXPECTED["sales_journal"])))
    return result


def optional_account(value: object) -> str:
    result = _scalar_text(value, _("a Sage account number")).upper()
    if result and not _ACCOUNT.fullmatch(result):
        _refuse(_("{value} is not an account number (expected up to 13 digits or capitals, no spaces)").format(
            value=repr(result)))
    return result


def account(value: object) -> str:
    result = optional_account(value)
    if not result:
        _refuse(_("is empty (expected a Sage account number, e.g. 706000)"))
    return result


def collective_account(value: object) -> str:
    result = account(value)
    if not result.startswith("41"):
        _refuse(_("{value} is not a client account (expected {expected})").format(
            value=repr(result), expected=_(EXPECTED["accounts.collective"])))
    return result


def optional_tax_code(value: object) -> str:
    result = _scalar_text(value, _("a Sage tax code")).upper()
    if result and not _TAX_CODE.fullmatch(result):
        _refuse(_("{value} is not a tax code (expected 1 to 5 capitals or digits, e.g. C20)").format(
            value=repr(result)))
    return result


def rate(value: object) -> Decimal:
    if isinstance(value, float):
        _refuse(_(FLOAT_REFUSED))
    if isinstance(value, Decimal):
        result = value
    else:
        raw = _scalar_text(value, EXPECTED["vat[].rate"])
        try:
            result = Decimal(raw.replace(",", ".").removesuffix("%").strip())
        except InvalidOperation:
            _refuse(_("{value} is not a rate (expected {expected})").format(
                value=repr(raw), expected=_(EXPECTED["vat[].rate"])))
    if not result.is_finite() or not Decimal(0) <= result < Decimal(100):
        _refuse(_("{value} is not a VAT rate between 0 and 100 (expected {expected})").format(
            value=result, expected=_(EXPECTED["vat[].rate"])))
    return result


def rate_text(value: Decimal) -> str:
    """20 -> "20", 5.50 -> "5.5": how a rate is written back to the file."""
    return format(value.normalize(), "f") if value != 0 else "0"


def revenue_by_rate(value: object) -> dict[Decimal, str]:
    if not isinstance(value, Mapping):
        _refuse(_("is not a table (expected {expected})").format(expected=_(EXPECTED["accounts.revenue_by_rate"])))
    result: dict[Decimal, str] = {}
    problems: list[str] = []
    for key, number in value.items():
        try:
            result[rate(key)] = account(number)
        except PydanticCustomError as error:
            problems.append(_("key {key}: {problem}").format(key=repr(key), problem=error.message()))
    if problems:
        _refuse("; ".join(problems))
    return result


def accounts_by_key(value: object) -> dict[str, str]:
    """A table of code -> account number (payments.bank_accounts: payment method -> 512xxx)."""
    if not isinstance(value, Mapping):
        _refuse(_("is not a table (expected e.g. {{ V = \"512100\" }}: payment method code -> bank account)"))
    result: dict[str, str] = {}
    problems: list[str] = []
    for key, number in value.items():
        try:
            result[str(key).strip()] = account(number)
        except PydanticCustomError as error:
            problems.append(_("key {key}: {problem}").format(key=repr(key), problem=error.message()))
    if problems:
        _refuse("; ".join(problems))
    return result


def optional_day(value: object) -> date | None:
    if value is None or value == "":
        return None
    return day(value)


def base_url(value: object) -> str:
    raw = _scalar_text(value, EXPECTED["platform.base_url"])
    if "://" not in raw:
        # The old connector asked for "app.ooti.co": read it as the API root of that host.
        host, _slash, path = raw.partition("/")
        raw = f"https://{host}/{path or 'api/'}"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        _refuse(_("is not a web address (expected {expected})").format(expected=_(EXPECTED["platform.base_url"])))
    if parts.username or parts.password:
        _refuse(_("holds a login: remove it; the e-mail goes in platform.email, the password in the keyring"))
    return raw if raw.endswith("/") else raw + "/"


def email(value: object) -> str:
    result = _scalar_text(value, EXPECTED["platform.email"])
    if not _EMAIL.fullmatch(result):
        _refuse(_("{value} is not an e-mail address (expected {expected})").format(
            value=repr(result), expected=_(EXPECTED["platform.email"])))
    return result


def optional_whole_number(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        _refuse(_("is a float (a number with a decimal point): expected a whole number, e.g. 1234"))
    raw = _scalar_text(value, _("a whole number"))
    if not raw.isdigit() or int(raw) == 0:
        _refuse(_("{value} is not a positive whole number (expected e.g. 1234)").format(value=repr(raw)))
    return int(raw)


def seconds(value: object) -> int:
    if isinstance(value, float):
        _refuse(_("is a float: expected {expected}").format(expected=_(EXPECTED["platform.request_budget_seconds"])))
    raw = _scalar_text(value, _("a whole number of seconds"))
    if not raw.isdigit() or int(raw) == 0:
        _refuse(_("{value} is not a positive whole number (expected {expected})").format(
            value=repr(raw), expected=_(EXPECTED["platform.request_budget_seconds"])))
    return int(raw)


def auth_scheme(value: object) -> str:
    result = _scalar_text(value, EXPECTED["platform.api_token_scheme"])
    if not _AUTH_SCHEME.fullmatch(result):
        _refuse(_("{value} is not an authorization scheme (expected {expected})").format(
            value=repr(result), expected=_(EXPECTED["platform.api_token_scheme"])))
    return result


def field_name(value: object) -> str:
    result = _scalar_text(value, EXPECTED["writeback.field"])
    if result and not _FIELD_NAME.fullmatch(result):
        _refuse(_("{value} is not a field name (expected {expected})").format(
            value=repr(result), expected=_(EXPECTED["writeback.field"])))
    return result


def siren(value: object) -> str | None:
    if value is None:
        return None
    result = compact_siren(_scalar_text(value, _(EXPECTED["siren"])))
    if not result:
        return None
    if not (len(result) == 9 and result.isdigit()):
        _refuse(_("{value} is not 9 digits (expected {expected})").format(
            value=repr(result), expected=_(EXPECTED["siren"])))
    problem = siren_problem(result)  # the one SIREN rule (sagesync.core.siren), shared with the FEC export
    if problem:
        _refuse(problem)
    return result


def no_floats_inside(value: object) -> object:
    def walk(node: object, where: str) -> None:
        if isinstance(node, float):
            _refuse(_("{where} {problem}").format(where=where or _("the value"), problem=_(FLOAT_REFUSED)))
        if isinstance(node, Mapping):
            for key, child in node.items():
                walk(child, f"{where}.{key}" if where else str(key))
        elif isinstance(node, list | tuple):
            for index, child in enumerate(node):
                walk(child, f"{where}[{index}]")

    walk(value, "")
    return value


# --- phrasing problems ---------------------------------------------------------------------


def toml_path(loc: Sequence[str | int]) -> str:
    """("profiles", "acme", "vat", 0, "rate") -> "profiles.acme.vat[0].rate"."""
    text_path = ""
    for part in loc:
        text_path += f"[{part}]" if isinstance(part, int) else (f".{part}" if text_path else str(part))
    return text_path


def _pattern(loc: Sequence[str | int]) -> str:
    return re.sub(r"\[\d+\]", "[]", toml_path(loc))


def problem(loc: Sequence[str | int], text_problem: str) -> str:
    return f"{toml_path(loc)}: {text_problem}"


def _unknown_setting(loc: Sequence[str | int]) -> str:
    pattern = _pattern(loc)
    parent, _dot, key = pattern.rpartition(".")
    siblings = [known.rpartition(".")[2] for known in EXPECTED if known.rpartition(".")[0] == parent]
    close = difflib.get_close_matches(key, siblings, n=1)
    if close:
        return _("is not a setting sagesync knows (did you mean {setting}?)").format(setting=close[0])
    return _("is not a setting sagesync knows (known here: {settings})").format(
        settings=", ".join(sorted(set(siblings))))


def problems_from(error: ValidationError, prefix: Sequence[str | int]) -> list[str]:
    """One line per pydantic error, named by its TOML path, with the form expected."""
    lines: list[str] = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        expected = _(EXPECTED[_pattern(loc)]) if _pattern(loc) in EXPECTED else ""
        kind = item["type"]
        if kind == "sagesync":
            text_problem = item["msg"]
        elif kind == "missing":
            text_problem = _("is missing (expected {expected})").format(expected=expected) if expected else _(
                "is missing")
        elif kind == "extra_forbidden":
            text_problem = _unknown_setting(loc)
        else:
            given = item.get("input")
            # Scalars only: a whole table echoed back would bury the point.
            shown = _("{value} is not allowed").format(value=repr(given)) if isinstance(given, str | int) and len(
                str(given)) <= 60 else _("has the wrong form")
            text_problem = _("{problem} (expected {expected})").format(problem=shown, expected=expected) if expected \
                else item["msg"]
        lines.append(problem((*prefix, *loc), text_problem))
    return lines


def configuration_error(name: str, problems: Sequence[str]) -> ConfigurationError:
    listing = "\n".join(f"  - {line}" for line in problems)
    return ConfigurationError(ngettext(
        "profile {name} has {count} problem (fix {file} or run `sagesync profile edit {profile}`):\n{listing}",
        "profile {name} has {count} problems (fix {file} or run `sagesync profile edit {profile}`):\n{listing}",
        len(problems)).format(name=repr(name), count=len(problems), file=PROFILES_FILE_NAME, profile=name,
                              listing=listing))


def is_secret_key(key: str) -> bool:
    """A key that would hold a password, whatever its spelling (sage_password, api_token...)."""
    lowered = key.lower()
    return (any(word in lowered for word in ("password", "passwd", "secret", "token", "apikey", "api_key"))
            or lowered in ("pwd", "pass") or lowered.endswith(("_pwd", "_pass", "-pwd", "-pass")))


def secret_keys(node: Any, loc: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """The TOML path of every password-like key anywhere below ``node``."""
    found: list[tuple[str | int, ...]] = []
    if isinstance(node, Mapping):
        for key, child in node.items():
            if is_secret_key(str(key)):
                found.append((*loc, str(key)))
            found += secret_keys(child, (*loc, str(key)))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += secret_keys(child, (*loc, index))
    return found


# The facts whose wire names a profile may set (sagesync.sources.ooti.payloads.CONFIGURABLE_FIELDS,
# repeated here so that the profile does not import the platform client).
FIELD_SETTINGS = ("invoice_number", "total_excl_vat", "total_vat", "total_incl_vat", "vat_rate", "line_vat",
                  "original_invoice", "currency", "currency_rate", "updated_at", "client_code", "project_code",
                  "line_kind")


def field_names(value: object) -> dict[str, list[str]]:
    """platform.fields: a table of fact -> list of wire names (a single name is accepted as a list of one)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(_('must be a table such as {example}').format(example='{ invoice_number = ["legal_number"] }'))
    result: dict[str, list[str]] = {}
    for fact, names in value.items():
        if fact not in FIELD_SETTINGS:
            raise ValueError(_("{fact} is not a field sagesync reads by name; expected one of {fields}").format(
                fact=repr(fact), fields=", ".join(FIELD_SETTINGS)))
        listed = [names] if isinstance(names, str) else names
        if not isinstance(listed, list) or not listed or not all(
                isinstance(name, str) and name.strip() and len(name) <= 80 for name in listed):
            raise ValueError(_("{fact} must be a wire field name or a non-empty list of them, got {names}").format(
                fact=fact, names=repr(names)))
        result[fact] = [name.strip() for name in listed]
    return result
