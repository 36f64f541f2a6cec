"""What setting up a profile reads from outside, shared by `sagesync profile new` and the console's form.

A profile being written may not be valid yet, so both read from what was typed:

- the Sage company at a location (the embedded company, a SQL Server database) or, for a
  ``.mae`` company that cannot be read from here, its Sage export (``sage_export``): the
  journals, analytic plans, accounts and VAT codes offered as pick-lists and checked on save;
- the organizations and teams the platform login sees (``whoami``), offered the same way.

Reading may fail (no company there yet, a server down, a wrong password): the caller says
so and keeps the values typed, checked by the profile's own rules alone. Nothing here
prints; each failure is a ``SetupReadError`` whose message says what could not be read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pydantic_core import PydanticCustomError
from sqlalchemy.exc import SQLAlchemyError

from sagesync.core.reference import SALES_JOURNAL_TYPE, CompanyReference
from sagesync.errors import SagesyncError
from sagesync.i18n import N_, _
from sagesync.profiles.check import Organization, PlatformAnswer, platform_answer_from_whoami
from sagesync.profiles.defaults import DEFAULT_PLATFORM_BASE_URL
from sagesync.profiles.model import LocationKind, location_kind
from sagesync.profiles.secrets import Which, resolve_secret

Option = tuple[str, str]  # (value, label shown beside it)

# Seconds one platform request may take while a person waits at the form (a sync allows 300).
SETUP_BUDGET_SECONDS = 10.0

# What a Sage export is and how to make one: said where the setting is asked.
SAGE_EXPORT_HELP = N_("A .mae company cannot be read from here: sagesync reads a Sage export of its settings instead, "
                    "a text file whose records start with #MPLG (accounts), #MTAX (VAT codes), #MCJR (journals), "
                    "#MANA (analytic plans), #MPCT (tiers) and #MPCA (sections). In Sage 100 Comptabilité: Fichier > "
                    "Exporter > Format Sage, tick the chart of accounts, tax codes, journals, analytic plans, tiers "
                    "and sections, and save the file where sagesync can read it. Export it again after each import, "
                    "with the entries, so `sagesync sage confirm` finds the imported pieces.")


class SetupReadError(SagesyncError):
    """The company, its export or the platform could not be read: the message says which and why."""


def embedded_path(location: str) -> Path:
    text = location.strip()
    if text.lower().startswith("embedded:"):
        text = text[len("embedded:"):]
    return Path(text).expanduser()


def read_export(path: str, *, journal: str = "", plan: str = "") -> CompanyReference:
    """The company snapshot in a Sage export file; ``SetupReadError`` naming the file when it cannot be read."""
    from sagesync.sage.export_reader import read_export_reference

    text = path.strip()
    if not Path(text).expanduser().is_file():
        raise SetupReadError(_("the Sage export « {path} » does not exist or is not a file").format(path=text))
    try:
        return read_export_reference(Path(text).expanduser(), journal=journal, plan=plan)
    except (SagesyncError, OSError, ValueError) as error:
        raise SetupReadError(_("the Sage export « {path} » cannot be read: {error}").format(
            path=text, error=error)) from None


def company_reference_at(location: str, *, sage_export: str = "", journal: str = "",
                         plan: str = "") -> CompanyReference | None:
    """The reference of the company at ``location`` (a .mae one through ``sage_export``).

    None when there is nothing to read from here (a .mae company without an export, a location
    of no known kind); ``SetupReadError`` when it should be readable and is not. Blocking
    (SQLite, SQL Server, a file): a web page calls it off its event loop.
    """
    from sagesync.sage.company import open_company
    from sagesync.sage.reader import read_company_reference

    kind = location_kind(location)
    if kind is LocationKind.MAE_FILE:
        return read_export(sage_export, journal=journal, plan=plan) if sage_export.strip() else None
    if kind not in (LocationKind.EMBEDDED, LocationKind.SQL_SERVER):
        return None
    try:
        engine = open_company(str(embedded_path(location)) if kind is LocationKind.EMBEDDED else location.strip())
        try:
            with engine.connect() as connection:
                return read_company_reference(connection, journal=journal, plan=plan)
        finally:
            engine.dispose()
    except SagesyncError as error:
        raise SetupReadError(str(error)) from None
    except (SQLAlchemyError, OSError) as error:
        raise SetupReadError(_("the company at {location} cannot be read: {error}").format(
            location=location.strip(), error=type(error).__name__)) from None


def vat_rate_text(rate: Decimal) -> str:
    text = format(rate.normalize(), "f") if rate == rate.to_integral_value() else str(rate)
    return f"{text} %"


def company_lists(reference: CompanyReference) -> dict[str, list[Option]]:
    """The codes a profile picks from, by kind: journals (sales ones first), plans, client collective accounts,
    revenue accounts, VAT codes (with their rate) and VAT accounts."""
    journals = sorted((info for info in reference.journals.values() if not info.dormant),
                      key=lambda info: (info.journal_type != SALES_JOURNAL_TYPE, info.code))
    accounts = sorted(reference.accounts.values(), key=lambda info: info.number)
    return {
        "journals": [(info.code, info.label) for info in journals],
        "plans": [(name, "") for name in reference.analytic_plans],
        "collective": [(info.number, info.label) for info in accounts if info.number.startswith("411")],
        "revenue": [(info.number, info.label) for info in accounts if info.number.startswith(("7", "467"))],
        "vat_codes": [(info.code, vat_rate_text(info.rate)) for info in
                      sorted(reference.vat_codes.values(), key=lambda info: info.code)],
        "vat_accounts": [(info.number, info.label) for info in accounts if info.number.startswith("445")],
    }


# --- the platform --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlatformLogin:
    """How to log in while the profile is being written: the password typed, or what is stored for it."""

    base_url: str
    email: str
    password: str | None = None
    api_token: str | None = None
    api_token_scheme: str = "Bearer"

    @property
    def usable(self) -> bool:
        return bool(self.api_token or (self.password and self.email.strip()))


def stored_login(name: str, base_url: str, email: str, password: str = "",
                 api_token_scheme: str = "Bearer") -> PlatformLogin:
    """The login typed (``password``), or else the profile's stored API token or password (keyring, environment)."""
    def stored(which: Which) -> str | None:
        if not name:
            return None
        try:
            return resolve_secret(name, which).strip() or None
        except SagesyncError:  # not set, or no keyring here: nothing stored to use
            return None

    url = base_url.strip() or DEFAULT_PLATFORM_BASE_URL
    if password:
        return PlatformLogin(url, email.strip(), password=password, api_token_scheme=api_token_scheme)
    token = stored("platform_token")
    if token:
        return PlatformLogin(url, email.strip(), api_token=token, api_token_scheme=api_token_scheme)
    return PlatformLogin(url, email.strip(), password=stored("platform"), api_token_scheme=api_token_scheme)


def platform_answer(login: PlatformLogin, *, budget: float | None = None) -> PlatformAnswer:
    """Log in and list the organizations and teams the login sees; ``SetupReadError`` when that fails."""
    from sagesync.profiles import validation
    from sagesync.sources.ooti.client import OotiClient
    from sagesync.sources.ooti.retry import RetryPolicy

    budget = SETUP_BUDGET_SECONDS if budget is None else budget
    if not login.usable:
        raise SetupReadError(_("no platform password or API token given: the organizations and teams cannot be "
                               "listed"))
    try:
        url = validation.base_url(login.base_url)
    except PydanticCustomError as error:
        raise SetupReadError(_("the platform address « {url} » {problem}").format(
            url=login.base_url, problem=error.message())) from None
    try:
        if login.api_token:
            client = OotiClient(url, login.email, None, None, None, api_token=login.api_token,
                                api_token_scheme=login.api_token_scheme, retry=RetryPolicy(budget=budget))
        else:
            client = OotiClient(url, login.email, login.password, None, None, retry=RetryPolicy(budget=budget))
        try:
            me, organizations = client.whoami()
        finally:
            client.close()
    except SagesyncError as error:
        raise SetupReadError(str(error)) from None
    return platform_answer_from_whoami(me, organizations, login.email)


def organization_lists(answer: PlatformAnswer) -> dict[str, list[Option]]:
    """The organizations (id, name) and every team (id, "team · organization") the login sees."""
    return {
        "organizations": [(str(organization.id), organization.name) for organization in answer.organizations],
        "teams": [(str(team.id), f"{team.title} · {organization.name}".strip(" ·"))
                  for organization in answer.organizations for team in organization.teams],
    }


def find_organization(answer: PlatformAnswer, organization_id: int | None) -> Organization | None:
    return next((item for item in answer.organizations if item.id == organization_id), None)


def scope_problems(answer: PlatformAnswer, organization_id: int | None,
                   team_id: int | None) -> Mapping[str, str]:
    """What is wrong with the ids typed, by kind: "organization" (the login does not see it) and "team" (not a
    team of that organization); the caller phrases it in its own words."""
    problems: dict[str, str] = {}
    organization = find_organization(answer, organization_id) if organization_id is not None else None
    if organization_id is not None and organization is None:
        problems["organization"] = str(organization_id)
    if team_id is not None:
        teams = ([team for item in answer.organizations for team in item.teams] if organization is None
                 else list(organization.teams))
        if all(team.id != team_id for team in teams):
            problems["team"] = str(team_id)
    return problems
