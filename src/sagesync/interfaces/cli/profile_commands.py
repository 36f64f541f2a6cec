"""`sagesync profile`: new, edit, show, list, set-secret, delete, check.

The old connector's form (Load / Edit / Save) as commands. Every field has an
option; in a terminal, `new` asks for what is missing and the passwords (hidden
input, kept in the OS keyring). Nothing here prints a password: `show` says
where each one comes from (keyring, environment variable, missing).

`check` needs the Sage company and the platform: the lead fills ``CHECK_HOOKS``
(or passes ``check_hooks`` to ``register``) with two functions of the profile.
Exit codes: 0 ok, 2 configuration problem, 3 unreachable.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, ParamSpec, TypeVar

import tomli_w
import typer

from sagesync.core.reference import CompanyReference
from sagesync.errors import ConfigurationError, SagesyncError
from sagesync.i18n import N_, _, ngettext
from sagesync.interfaces.cli import profile_setup
from sagesync.interfaces.cli.failures import guarded
from sagesync.profiles.check import CheckLine, PlatformAnswer, check_exit_code, check_profile
from sagesync.profiles.editing import apply_settings, parse_assignment
from sagesync.profiles.model import LocationKind, Profile, defaults_table
from sagesync.profiles.paths import profile_paths, validate_profile_name
from sagesync.profiles.secrets import (
    SECRET_KINDS,
    WHICH,
    KeyringSecrets,
    KeyringUnavailableError,
    SecretSource,
    Which,
    env_variable,
    label,
    secret_source,
    set_secret_command,
)
from sagesync.profiles.store import ProfileStore

profile_app = typer.Typer(help=N_("Company profiles: the Sage company, the platform login and the account mapping."),
                          no_args_is_help=True)


@dataclass
class CheckHooks:
    """How `profile check` reaches the outside; each may raise UnreachableError or ConfigurationError."""

    company_reference: Callable[[Profile], CompanyReference] | None = None
    platform_probe: Callable[[Profile], PlatformAnswer] | None = None


CHECK_HOOKS = CheckHooks()


def register(app: typer.Typer, *, check_hooks: CheckHooks | None = None) -> None:
    if check_hooks is not None:
        CHECK_HOOKS.company_reference = check_hooks.company_reference
        CHECK_HOOKS.platform_probe = check_hooks.platform_probe
    app.add_typer(profile_app, name="profile")


P = ParamSpec("P")
R = TypeVar("R")


def _reporting_errors(command: Callable[P, R]) -> Callable[P, R]:
    """A failure becomes its message on stderr (JSON with --json) and its exit code: no traceback for a user."""
    return guarded(command)


def _is_terminal() -> bool:
    return sys.stdin.isatty()


# --- one option per field: parameter name -> TOML path ------------------------------------------

FIELD_PATHS: dict[str, str] = {
    "company": "sage_company", "period_start": "period_start", "sage_user": "sage_user",
    "sage_location": "sage_location", "target": "sage_target", "journal": "sales_journal",
    "plan": "analytic_plan", "level": "analytic_level", "base_url": "platform.base_url",
    "email": "platform.email", "organization_id": "platform.organization_id", "team_id": "platform.team_id",
    "collective": "accounts.collective", "fees_account": "accounts.revenue.fees",
    "expenses_account": "accounts.revenue.expenses", "disbursements_account": "accounts.revenue.disbursements",
    "vat_regime": "accounts.vat_regime", "siren": "siren", "writeback": "writeback.mode",
    "writeback_field": "writeback.field", "sage_export": "sage_export",
}


def _option(flag: str, help_text: str) -> Any:
    return typer.Option(flag, help=help_text, show_default=False)


Name = Annotated[str, typer.Argument(help=N_("Profile name: 1-40 of a-z 0-9 - _ (e.g. acme)."))]
Company = Annotated[str | None, _option("--company", N_("Sage company name, as Sage shows it."))]
PeriodStart = Annotated[str | None, _option("--period-start",
                                            N_("Documents dated before it are ignored (2025-01-01)."))]
SageUser = Annotated[str | None, _option("--sage-user", N_("Sage user, e.g. <Administrateur>."))]
SageLocation = Annotated[str | None, _option("--sage-location", N_("C:\\Sage\\ACME.mae, mssql+pyodbc://..., "
                                                                "or embedded:<path>."))]
SageExport = Annotated[str | None, _option("--sage-export", N_(
    "A .mae company: its Sage export (Fichier > Exporter > Format Sage), read instead of the company."))]
Target = Annotated[str | None, _option("--target", N_("embedded or file (default: from the location)."))]
Journal = Annotated[str | None, _option("--journal", N_("Sales journal code (VTE)."))]
Plan = Annotated[str | None, _option("--plan", N_("Analytic plan of the projects (PROJET)."))]
Level = Annotated[str | None, _option("--level", N_("Analytic level (Production cost)."))]
BaseUrl = Annotated[str | None, _option("--base-url", N_("Platform address (app.ooti.co)."))]
Email = Annotated[str | None, _option("--email", N_("Platform login e-mail."))]
OrganizationId = Annotated[str | None, _option("--organization-id", N_("Platform ORG ID (settings > info)."))]
TeamId = Annotated[str | None, _option("--team-id", N_("Platform TEAM ID (settings > entities)."))]
Collective = Annotated[str | None, _option("--collective", N_("Client collective account (411000)."))]
FeesAccount = Annotated[str | None, _option("--fees-account", N_("Revenue account for fees (706000)."))]
ExpensesAccount = Annotated[str | None, _option("--expenses-account", N_("Revenue account for expenses (708500)."))]
DisbursementsAccount = Annotated[str | None, _option("--disbursements-account", N_("Account for disbursements "
                                                                                "(467000)."))]
VatRegimeOption = Annotated[str | None, _option("--vat-regime", N_("debits or receipts (TVA sur les encaissements)."))]
Siren = Annotated[str | None, _option("--siren", N_("9-digit SIREN, for the FEC file name."))]
Writeback = Annotated[str | None, _option("--writeback", N_("off or patch_field."))]
WritebackField = Annotated[str | None, _option("--writeback-field", N_("Platform invoice field set by write-back."))]
Settings = Annotated[list[str] | None, _option("--set", N_("Any setting by its TOML path: --set vat.20.code_debits=C20 "
                                                        "(repeatable; key= removes it)."))]


def _settings(options: dict[str, str | None], assignments: list[str] | None) -> list[tuple[str, str]]:
    settings = [(FIELD_PATHS[name], value) for name, value in options.items() if value is not None]
    return settings + [parse_assignment(text) for text in assignments or []]


# --- new -----------------------------------------------------------------------------------------

# (option, TOML path) a profile cannot be saved without: asked in a terminal, else named.
_REQUIRED = (("--company", "sage_company"), ("--period-start", "period_start"), ("--sage-location", "sage_location"),
             ("--email", "platform.email"))


def _current(table: dict[str, Any], path: str) -> str:
    node: Any = table
    for part in path.split("."):
        node = node.get(part, "") if isinstance(node, dict) else ""
    return "" if node is None else str(node)


def _checked_against_the_outside(profile: Profile, *, password: str = "", platform: bool = True,
                                 changed: list[tuple[str, str]] | None = None) -> tuple[list[str], list[str]]:
    """(problems, notices): what the Sage company and the platform contradict in the profile, each naming the
    value; with ``changed`` (an edit), only problems about a value just set refuse the save, the others warn."""
    problems, notice = profile_setup.company_problems(profile)
    notices = [notice] if notice else []
    if platform:
        more, notice = profile_setup.platform_problems(profile, password)
        problems += more
        notices += [notice] if notice else []
    if changed is not None:
        values = [value for _key, value in changed if value]
        refusing = [line for line in problems if any(value.upper() in line.upper() for value in values)]
        notices += [_("warning: {problem}").format(problem=line) for line in problems if line not in refusing]
        problems = refusing
    return problems, notices


def _not_saved(name: str, problems: list[str]) -> ConfigurationError:
    return ConfigurationError(_("profile {name} not saved: the Sage company or the platform contradicts it").format(
        name=repr(name)) + "\n" + "\n".join(f"  - {line}" for line in problems))


@profile_app.command("new", help=N_("Create a profile: the embedded defaults plus what you give (asked for in a "
                                    "terminal)."))
@_reporting_errors
def new(name: Name, company: Company = None, period_start: PeriodStart = None, sage_user: SageUser = None,
        sage_location: SageLocation = None, sage_export: SageExport = None, target: Target = None,
        journal: Journal = None, plan: Plan = None, level: Level = None, base_url: BaseUrl = None,
        email: Email = None, organization_id: OrganizationId = None,
        team_id: TeamId = None, collective: Collective = None, fees_account: FeesAccount = None,
        expenses_account: ExpensesAccount = None, disbursements_account: DisbursementsAccount = None,
        vat_regime: VatRegimeOption = None, siren: Siren = None, writeback: Writeback = None,
        writeback_field: WritebackField = None, set_: Settings = None,
        from_defaults: Annotated[bool, typer.Option("--from-defaults", help=N_(
            "Take every field that has a default (journal, plan, accounts, VAT codes) without asking."))] = False,
        interactive: Annotated[bool | None, typer.Option("--interactive/--no-interactive", help=N_(
            "Ask for missing fields (default: when run in a terminal)."))] = None) -> None:
    options = {key: value for key, value in locals().items() if key in FIELD_PATHS}
    validate_profile_name(name)
    store = ProfileStore()
    if name in store.names():
        raise ConfigurationError(_("profile {name} already exists: change it with `sagesync profile edit "
                                   "{profile}`").format(name=repr(name), profile=name))
    settings = _settings(options, set_)
    table = apply_settings(defaults_table(), settings)
    asking = _is_terminal() if interactive is None else interactive
    missing = [flag for flag, path in _REQUIRED if not _current(table, path)]
    if missing and not asking:
        raise ConfigurationError(_("profile {name} needs {options} (or run `sagesync profile new {profile}` in a "
                                   "terminal to be asked)").format(name=repr(name), options=", ".join(missing),
                                                                  profile=name))
    given = {path for path, _value in settings}
    secrets: dict[Which, str] = {}
    if asking:
        questions = profile_setup.Questions(name, table, given, from_defaults=from_defaults)
        answers, secrets = questions.run()
        table = apply_settings(table, answers)
    profile = Profile.from_table(name, table)
    # The ids were picked from what the platform said while asking; asked again only when given as options.
    read_platform = not asking or bool({"platform.organization_id", "platform.team_id"} & given)
    problems, notices = _checked_against_the_outside(profile, password=secrets.get("platform", ""),
                                                     platform=read_platform)
    if problems:
        if not asking:
            raise _not_saved(name, problems)
        for line in problems:
            typer.echo(f"  - {line}")
        if not typer.confirm(_("The Sage company or the platform contradicts these settings. Save the profile "
                               "anyway, to fix them later with `sagesync profile edit {profile}`?").format(
                profile=name), default=False):
            raise _not_saved(name, problems)
    store.add(profile)
    typer.echo(_("profile {name} saved in {path}").format(name=name, path=store.path))
    for notice in notices:
        typer.echo(notice)
    for which, secret in secrets.items():
        _store_secret(name, which, secret)
    _say_where_secrets_come_from(profile)
    typer.echo(_("next: `{command}`").format(command=f"sagesync profile check {name}"))


# --- edit, show, list -----------------------------------------------------------------------------


@profile_app.command("edit", help=N_("Change fields of a profile: --journal VTE, --set "
                                     "accounts.revenue_by_rate.0=706300 ..."))
@_reporting_errors
def edit(name: Name, company: Company = None, period_start: PeriodStart = None, sage_user: SageUser = None,
         sage_location: SageLocation = None, sage_export: SageExport = None, target: Target = None,
         journal: Journal = None, plan: Plan = None, level: Level = None, base_url: BaseUrl = None,
        email: Email = None, organization_id: OrganizationId = None,
         team_id: TeamId = None, collective: Collective = None, fees_account: FeesAccount = None,
         expenses_account: ExpensesAccount = None, disbursements_account: DisbursementsAccount = None,
         vat_regime: VatRegimeOption = None, siren: Siren = None, writeback: Writeback = None,
         writeback_field: WritebackField = None, set_: Settings = None) -> None:
    options = {key: value for key, value in locals().items() if key in FIELD_PATHS}
    store = ProfileStore()
    settings = _settings(options, set_)
    if not settings:
        raise ConfigurationError(_("nothing to change: give a field option (see --help) or --set key=value"))
    profile = Profile.from_table(name, apply_settings(store.table(name), settings))
    touches_platform = any(key.startswith("platform.") for key, _value in settings)
    problems, notices = _checked_against_the_outside(profile, platform=touches_platform, changed=settings)
    if problems:
        raise _not_saved(name, problems)
    store.update(profile)
    changed = ", ".join(f"{key}={value}" if value else _("{key} removed").format(key=key) for key, value in settings)
    typer.echo(_("profile {name} saved: {changes}").format(name=name, changes=changed))
    for notice in notices:
        typer.echo(notice)


def _sources(profile: Profile) -> dict[Which, SecretSource]:
    return {which: secret_source(profile.name, which) for which in WHICH}


def _describe(name: str, which: Which, source: SecretSource) -> str:
    variable, command = env_variable(name, which), set_secret_command(name, which)
    where = {SecretSource.ENVIRONMENT: _("environment variable {variable}").format(variable=variable),
             SecretSource.KEYRING: _("OS keyring (service sagesync, user {user})").format(user=f"{name}:{which}"),
             SecretSource.MISSING: _("missing: `{command}` or set {variable}").format(command=command,
                                                                                     variable=variable),
             SecretSource.KEYRING_UNAVAILABLE: _("missing, and this machine has no OS keyring: set {variable}").format(
                 variable=variable)}
    return f"{label(which)}: {where[source]}"


@profile_app.command("show", help=N_("Print a profile as the file holds it, and where its passwords come from (never "
                                     "the passwords)."))
@_reporting_errors
def show(name: Name, as_json: Annotated[bool, typer.Option("--json", help=N_("Print as JSON."))] = False) -> None:
    profile = ProfileStore().get(name)
    sources = _sources(profile)
    folder = profile_paths(name).folder
    if as_json:
        secrets = {which: str(source) for which, source in sources.items()}
        data = {"name": name, **profile.to_table(), "secrets": secrets, "data_folder": str(folder)}
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    typer.echo(tomli_w.dumps({"profiles": {name: profile.to_table()}}).rstrip())
    typer.echo("\n# " + _("passwords (never shown)"))
    for which, source in sources.items():
        typer.echo(f"#   {_describe(name, which, source)}")
    token_source = secret_source(name, "platform_token")
    if token_source in (SecretSource.ENVIRONMENT, SecretSource.KEYRING):
        typer.echo("#   " + _("{source} (used instead of the platform password)").format(
            source=_describe(name, "platform_token", token_source)))
    typer.echo("# " + _("ledger, lock and reports: {folder}").format(folder=folder))


@profile_app.command("list", help=N_("Every profile: name, Sage company, where it lives."))
@_reporting_errors
def list_profiles() -> None:
    store = ProfileStore()
    rows = store.listing()
    if not rows:
        typer.echo(_("no profile yet in {path}: create one with `sagesync profile new NAME`").format(path=store.path))
        return
    for row in rows:
        if row.profile is None:
            first = row.problem.splitlines()[-1].strip(" -")
            typer.echo(f"{row.name:<20} " + _("INVALID  {problem}  (see `{command}`)").format(
                problem=first, command=f"sagesync profile show {row.name}"))
        else:
            profile = row.profile
            typer.echo(f"{row.name:<20} {profile.sage_company:<24} {profile.target:<8} {profile.location_kind.value}  "
                       + _("since {date}").format(date=profile.period_start.isoformat()))


# --- secrets -------------------------------------------------------------------------------------


class WhichChoice(StrEnum):
    SAGE = "sage"
    PLATFORM = "platform"
    PLATFORM_TOKEN = "platform_token"  # an API token, used instead of the platform password when set


_KIND: dict[WhichChoice, Which] = {WhichChoice.SAGE: "sage", WhichChoice.PLATFORM: "platform",
                                   WhichChoice.PLATFORM_TOKEN: "platform_token"}


def _store_secret(name: str, which: Which, secret: str) -> bool:
    try:
        KeyringSecrets().set(name, which, secret)
    except KeyringUnavailableError as error:
        typer.echo(_("warning: {problem}").format(problem=error), err=True)
        return False
    typer.echo(_("{secret} of {name} stored in the OS keyring").format(secret=label(which), name=name))
    return True


def _say_where_secrets_come_from(profile: Profile) -> None:
    for which, source in _sources(profile).items():
        if which == "sage" and profile.location_kind is LocationKind.EMBEDDED:
            continue  # the embedded company has no Sage login
        if source not in (SecretSource.KEYRING, SecretSource.ENVIRONMENT):
            typer.echo(_describe(profile.name, which, source))


@profile_app.command("set-secret", help=N_("Store a password in the OS keyring (asked with hidden input, or read from "
                                           "stdin)."))
@_reporting_errors
def set_secret(name: Name, which: Annotated[WhichChoice, typer.Argument(
                   help=N_("sage, platform, or platform_token (an API token used instead of the platform password)."))],
               stdin: Annotated[bool, typer.Option("--stdin", help=N_(
                   "Read the password from standard input (default when not in a terminal)."))] = False) -> None:
    kind = _KIND[which]
    ProfileStore().table(name)  # the profile must exist
    if stdin or not _is_terminal():
        secret = sys.stdin.readline().rstrip("\r\n")
    else:
        secret = str(typer.prompt(_("{secret} for {name}").format(secret=label(kind).capitalize(), name=name),
                                  hide_input=True,
                                  confirmation_prompt=True, default="", show_default=False))
    if not secret and kind != "sage":
        raise ConfigurationError(_("the {secret} is empty: nothing stored").format(secret=label(kind)))
    KeyringSecrets().set(name, kind, secret)
    typer.echo(_("{secret} of {name} stored in the OS keyring").format(secret=label(kind), name=name))
    if secret_source(name, kind) is SecretSource.ENVIRONMENT:
        typer.echo(_("note: {variable} is set here and wins over the keyring").format(
            variable=env_variable(name, kind)))


@profile_app.command("delete", help=N_("Remove a profile and its keyring passwords; its ledger and reports are kept."))
@_reporting_errors
def delete(name: Name, yes: Annotated[bool, typer.Option("--yes", help=N_("Do not ask first."))] = False) -> None:
    store = ProfileStore()
    store.table(name)
    if not yes:
        if not _is_terminal():
            raise ConfigurationError(_("deleting profile {name} needs --yes when not run in a terminal").format(
                name=repr(name)))
        typer.confirm(_("Delete profile {name}?").format(name=name), abort=True)
    store.delete(name)
    for which in SECRET_KINDS:
        with contextlib.suppress(KeyringUnavailableError):  # no keyring: nothing was stored there
            KeyringSecrets().delete(name, which)
    typer.echo(_("profile {name} deleted; its ledger and reports are kept in {folder}").format(
        name=name, folder=profile_paths(name).folder))


# --- check ---------------------------------------------------------------------------------------


def _render(line: CheckLine) -> str:
    mark = "[ok]" if line.ok else ("[??]" if line.unreachable else "[!!]")
    text = f"{mark} " + (_("{what}: {detail}").format(what=line.what, detail=line.detail) if line.detail else line.what)
    return text + ("\n     " + _("fix: {fix}").format(fix=line.fix) if line.fix and not line.ok else "")


@profile_app.command("check", help=N_("Ask the Sage company and the platform what the old connector had you verify by "
                                      "hand."))
@_reporting_errors
def check(name: Name) -> None:
    profile = ProfileStore().get(name)
    company_reference, platform_probe = CHECK_HOOKS.company_reference, CHECK_HOOKS.platform_probe
    if company_reference is None or platform_probe is None:
        raise SagesyncError(_("profile check is not wired to the Sage company and the platform in this build"))
    lines = check_profile(profile, company_reference=functools.partial(company_reference, profile),
                          platform_probe=functools.partial(platform_probe, profile))
    for line in lines:
        typer.echo(_render(line))
    code = check_exit_code(lines)
    problems = sum(not line.ok for line in lines)
    typer.echo(_("all good") if code == 0 else ngettext("{count} problem", "{count} problems", problems).format(
        count=problems))
    raise typer.Exit(code)
