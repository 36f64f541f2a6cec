"""`sagesync profile new` in a terminal: the old connector's form as questions, with pick-lists.

The Sage company is read as soon as its location is known (a ``.mae`` company through
its Sage export, ``sage_export``): the journal, plan, accounts and VAT codes are then
offered as numbered lists, and every answer is checked against the company as it is
typed, the value typed named in the message. The platform is read once the login is
known: its organizations and teams are offered the same way. When either cannot be
read, the questions say so and take typed values, checked by the profile's own rules.
Fields that do not apply to the company are not asked: no Sage user or password for
the embedded company, no Sage export but for a ``.mae`` company.

The two outside reads are ``HOOKS`` (``sagesync.interfaces.setup_reading`` by default),
so the questions can be tested without a Sage company or a platform.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import typer
from pydantic_core import PydanticCustomError

from sagesync.core.checks import check_setup
from sagesync.core.reference import SALES_JOURNAL_TYPE, CompanyReference
from sagesync.i18n import N_, _, ngettext
from sagesync.interfaces import setup_reading
from sagesync.interfaces.setup_reading import Option, PlatformLogin, SetupReadError
from sagesync.profiles import validation
from sagesync.profiles.check import PlatformAnswer
from sagesync.profiles.editing import apply_settings
from sagesync.profiles.model import LocationKind, Profile, location_kind
from sagesync.profiles.secrets import Which

Rule = Callable[[object], object]
Check = Callable[[str], str | None]  # the answer -> what is wrong with it (naming it), or None

# How many entries of a pick-list are printed; the others can still be typed.
SHOWN = 40

NO_JOURNAL = N_("the journal « {value} » does not exist in the company; choose one from the list")
NOT_SALES = N_("the journal « {value} » ({label}) is not a sales journal; choose a sales journal from the list")
NO_PLAN = N_("the analytic plan « {value} » does not exist in the company; choose one from the list")
NO_ACCOUNT = N_("the account « {value} » does not exist in the company (or is not an active detail account); "
                "choose one from the list")
NO_VAT_CODE = N_("the VAT code « {value} » does not exist in the company; choose one from the list")
OTHER_RATE = N_("the VAT code « {value} » is {company_rate} % in the company, not {rate} %; choose the code of "
                "that rate")
NO_ORGANIZATION = N_("the organization « {value} » is not among those the login sees; choose one from the list")
NO_TEAM = N_("the team « {value} » is not a team of organization {organization}; choose one from the list")


@dataclass
class SetupHooks:
    """How the questions reach the outside (replaced in tests)."""

    company_reference: Callable[..., CompanyReference | None] = setup_reading.company_reference_at
    platform_answer: Callable[[PlatformLogin], PlatformAnswer] = setup_reading.platform_answer


HOOKS = SetupHooks()


def _get(table: Mapping[str, Any], path: str) -> str:
    node: Any = table
    for part in path.split("."):
        node = node.get(part, "") if isinstance(node, dict) else ""
    return "" if node is None else str(node)


def _message(error: PydanticCustomError, answer: str) -> str:
    """The rule's message, with the value typed in front when the message does not already name it."""
    text = error.message()
    if answer and answer.casefold() not in text.casefold():
        return _("« {value} »: {problem}").format(value=answer, problem=text)
    return text


def ask(question: str, rule: Rule | None = None, *, default: str | None = None, check: Check | None = None,
        options: Sequence[Option] = (), hide_input: bool = False, normalise: bool = False) -> str:
    """One question, asked again until the answer passes the profile's rule and the company's check.

    With ``options``, an answer may be a value of the list or its number in the list.
    """
    def checked(raw: str) -> str:
        answer = raw.strip()
        by_value = {value.casefold(): value for value, _label in options}
        if answer.casefold() in by_value:
            answer = by_value[answer.casefold()]
        elif answer.isdigit() and options and 1 <= int(answer) <= len(options):
            answer = options[int(answer) - 1][0]
        if rule is not None:
            try:
                result = rule(answer)
            except PydanticCustomError as error:
                raise typer.BadParameter(_message(error, answer)) from None
            if normalise and isinstance(result, str):
                answer = result
        problem = check(answer) if check is not None and answer else None
        if problem:
            raise typer.BadParameter(problem)
        return answer

    return str(typer.prompt(question, default=default, value_proc=checked, hide_input=hide_input,
                            show_default=bool(default) and not hide_input))


def show_options(title: str, options: Sequence[Option]) -> None:
    if not options:
        return
    typer.echo(title)
    width = len(str(min(len(options), SHOWN)))
    for number, (value, label) in enumerate(options[:SHOWN], start=1):
        typer.echo(f"  {number:>{width}}  {value}" + (f"  {label}" if label else ""))
    if len(options) > SHOWN:
        typer.echo("  " + ngettext("… and {count} more: type its code", "… and {count} more: type their code",
                                   len(options) - SHOWN).format(count=len(options) - SHOWN))


def _rate(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


@dataclass
class Company:
    """The Sage company as read for the questions (``reference`` None: not read, typed values only)."""

    reference: CompanyReference | None = None
    lists: dict[str, list[Option]] = field(default_factory=dict)

    def options(self, kind: str) -> list[Option]:
        return self.lists.get(kind, [])

    def journal(self, value: str) -> str | None:
        if self.reference is None:
            return None
        info = self.reference.journals.get(value)
        if info is None:
            return _(NO_JOURNAL).format(value=value)
        if info.journal_type != SALES_JOURNAL_TYPE:
            return _(NOT_SALES).format(value=value, label=info.label)
        return None

    def plan(self, value: str) -> str | None:
        if self.reference is None or value in self.reference.analytic_plans:
            return None
        return _(NO_PLAN).format(value=value)

    def account(self, value: str) -> str | None:
        if self.reference is None or value in self.reference.accounts:
            return None
        return _(NO_ACCOUNT).format(value=value)

    def vat_code(self, rate: Decimal | None) -> Check:
        def check(value: str) -> str | None:
            if self.reference is None:
                return None
            info = self.reference.vat_codes.get(value)
            if info is None:
                return _(NO_VAT_CODE).format(value=value)
            if rate is not None and info.rate != rate:
                return _(OTHER_RATE).format(value=value, company_rate=validation.rate_text(info.rate),
                                            rate=validation.rate_text(rate))
            return None
        return check


class Questions:
    """The questions of `profile new`, in the form's order; ``answers`` are (TOML path, value) settings."""

    def __init__(self, name: str, table: dict[str, Any], given: set[str], *, from_defaults: bool) -> None:
        self.name = name
        self.table = table
        self.given = given
        self.from_defaults = from_defaults
        self.answers: list[tuple[str, str]] = []
        self.secrets: dict[Which, str] = {}
        self.company = Company()

    def current(self, path: str) -> str:
        return _get(apply_settings(self.table, self.answers), path)

    def put(self, path: str, value: str) -> str:
        self.answers.append((path, value))
        return value

    def wanted(self, path: str, *, has_default: bool = True) -> bool:
        """Ask ``path``? Not when given as an option, nor when told to take the defaults (for a field that has one)."""
        if path in self.given:
            return False
        return not (has_default and self.from_defaults)

    # --- the whole form ----------------------------------------------------------------------

    def run(self) -> tuple[list[tuple[str, str]], dict[Which, str]]:
        self.sage()
        self.accounts()
        self.platform()
        if self.kind is not LocationKind.EMBEDDED:
            secret = typer.prompt(_("Sage password (hidden; empty: set it later)"), default="", hide_input=True,
                                  show_default=False)
            if secret:
                self.secrets["sage"] = secret
        return self.answers, self.secrets

    @property
    def kind(self) -> LocationKind | None:
        return location_kind(self.current("sage_location"))

    def required(self, path: str, question: str, rule: Rule) -> None:
        if not self.current(path):
            self.put(path, ask(_(question), rule))

    def sage(self) -> None:
        self.required("sage_company", N_("Sage company name"), validation.text)
        self.required("period_start", N_("Period start (documents before it are ignored)"), validation.day)
        self.required("sage_location", N_("Sage company (.mae path, mssql+pyodbc:// URL or embedded:<path>)"),
                      validation.sage_location)
        if self.kind is LocationKind.MAE_FILE and "sage_export" not in self.given:
            typer.echo(_(setup_reading.SAGE_EXPORT_HELP))
            self.put("sage_export", ask(_("Sage export of the company (empty: later)"), default=self.current(
                "sage_export"), check=self.export_problem))
        self.read_company()
        if self.kind is not LocationKind.EMBEDDED and self.wanted("sage_user"):
            self.put("sage_user", ask(_("Sage user"), validation.text, default=self.current("sage_user")))
        if self.wanted("sales_journal"):
            self.pick("sales_journal", N_("Sales journal"), "journals", N_("Journals of the company:"),
                      validation.journal_code, self.company.journal)
        if self.wanted("analytic_plan"):
            self.pick("analytic_plan", N_("Analytic plan of the projects"), "plans",
                      N_("Analytic plans of the company:"), validation.text, self.company.plan)
        if self.wanted("analytic_level"):
            self.put("analytic_level", ask(_("Analytic level"), validation.text,
                                           default=self.current("analytic_level")))

    def export_problem(self, path: str) -> str | None:
        try:
            setup_reading.read_export(path)
        except SetupReadError as error:
            return str(error)
        return None

    def read_company(self) -> None:
        location, export = self.current("sage_location"), self.current("sage_export")
        try:
            reference = HOOKS.company_reference(location, sage_export=export, journal=self.current("sales_journal"),
                                                plan=self.current("analytic_plan"))
        except SetupReadError as error:
            typer.echo(_("The Sage company could not be read ({error}): type the codes as Sage shows them; each is "
                         "checked by the profile's rules, and `sagesync profile check {profile}` checks them in Sage "
                         "once it can be read.").format(error=error, profile=self.name))
            return
        if reference is None:
            typer.echo(_("The Sage company cannot be read from here without its export: type the codes as Sage "
                         "shows them; `sagesync profile check {profile}` checks them once the export is named "
                         "(`sagesync profile edit {profile} --sage-export FILE`).").format(profile=self.name))
            return
        self.company = Company(reference, setup_reading.company_lists(reference))
        typer.echo(_("Read from the Sage company: {journals}, {plans}, {accounts}, {codes}; pick from the lists "
                     "(a number or a code).").format(
            journals=ngettext("{count} journal", "{count} journals", len(reference.journals)).format(
                count=len(reference.journals)),
            plans=ngettext("{count} analytic plan", "{count} analytic plans", len(reference.analytic_plans)).format(
                count=len(reference.analytic_plans)),
            accounts=ngettext("{count} account", "{count} accounts", len(reference.accounts)).format(
                count=len(reference.accounts)),
            codes=ngettext("{count} VAT code", "{count} VAT codes", len(reference.vat_codes)).format(
                count=len(reference.vat_codes))))

    def pick(self, path: str, question: str, kind: str, title: str, rule: Rule, check: Check,
             default: str | None = None) -> str:
        options = self.company.options(kind)
        show_options(_(title), options)
        proposed = self.current(path) if default is None else default
        if options and proposed and check(proposed):
            proposed = options[0][0] if not check(options[0][0]) else proposed
        return self.put(path, ask(_(question), rule, default=proposed or None, check=check, options=options,
                                  normalise=True))

    # --- accounts and VAT ----------------------------------------------------------------------

    def accounts(self) -> None:
        if self.wanted("accounts.vat_regime"):
            self.put("accounts.vat_regime", ask(_("VAT on debits or receipts"), regime,
                                                default=self.current("accounts.vat_regime")))
        if self.wanted("accounts.collective"):
            self.pick("accounts.collective", N_("Client collective account"), "collective",
                      N_("Client accounts of the company:"), validation.collective_account, self.company.account)
        revenue = (("accounts.revenue.fees", N_("Revenue account for fees")),
                   ("accounts.revenue.expenses", N_("Revenue account for re-billed expenses")),
                   ("accounts.revenue.disbursements", N_("Account for disbursements (débours)")))
        shown = False
        for path, question in revenue:
            if self.wanted(path):
                if not shown:
                    show_options(_("Revenue accounts of the company:"), self.company.options("revenue"))
                    shown = True
                self.put(path, ask(_(question), validation.account, default=self.current(path),
                                   check=self.company.account, options=self.company.options("revenue"),
                                   normalise=True))
        self.vat()

    def vat(self) -> None:
        if self.from_defaults or any(path.startswith("vat.") for path in self.given):
            return
        regime = self.current("accounts.vat_regime") or "receipts"
        entries = apply_settings(self.table, self.answers).get("vat") or []
        if not entries:
            return
        show_options(_("VAT codes of the company:"), self.company.options("vat_codes"))
        show_options(_("VAT accounts of the company:"), self.company.options("vat_accounts"))
        for entry in entries:
            rate_text = str(entry.get("rate", ""))
            rate = _rate(rate_text)
            code_key, account_key = f"code_{regime}", f"account_{regime}"
            code = ask(_("VAT code for {rate} %").format(rate=rate_text), validation.optional_tax_code,
                       default=self.vat_default(str(entry.get(code_key, "")), rate),
                       check=self.company.vat_code(rate), options=self.company.options("vat_codes"), normalise=True)
            self.put(f"vat.{rate_text}.{code_key}", code)
            if rate is not None and rate != 0:
                account = ask(_("VAT account for {rate} %").format(rate=rate_text), validation.optional_account,
                              default=str(entry.get(account_key, "")) or None, check=self.company.account,
                              options=self.company.options("vat_accounts"), normalise=True)
                self.put(f"vat.{rate_text}.{account_key}", account)

    def vat_default(self, current: str, rate: Decimal | None) -> str | None:
        """The code in the profile, or, when the company lacks it, the company's one code of that rate."""
        reference = self.company.reference
        if reference is None or not current or self.company.vat_code(rate)(current) is None:
            return current or None
        same = [info.code for info in reference.vat_codes.values() if info.rate == rate]
        return same[0] if len(same) == 1 else current

    # --- the platform ---------------------------------------------------------------------------

    def platform(self) -> None:
        if self.wanted("platform.base_url"):
            self.put("platform.base_url", ask(_("Platform address"), validation.base_url,
                                              default=self.current("platform.base_url")))
        self.required("platform.email", N_("Platform login e-mail"), validation.email)
        password = typer.prompt(_("Platform password (hidden; empty: set it later)"), default="", hide_input=True,
                                show_default=False)
        if password:
            self.secrets["platform"] = password
        if {"platform.organization_id", "platform.team_id"} <= self.given:
            return
        answer = self.read_platform(password)
        organization_id = self.organization(answer)
        self.team(answer, organization_id)

    def read_platform(self, password: str) -> PlatformAnswer | None:
        login = setup_reading.stored_login(self.name, self.current("platform.base_url"),
                                           self.current("platform.email"), password)
        if not login.usable:
            typer.echo(_("No platform password: the organizations and teams are not listed; type their ids (empty: "
                         "later, `sagesync profile check {profile}` lists them).").format(profile=self.name))
            return None
        try:
            answer = HOOKS.platform_answer(login)
        except SetupReadError as error:
            typer.echo(_("The platform could not be read ({error}): type the ids (empty: later, `sagesync profile "
                         "check {profile}` lists them).").format(error=error, profile=self.name))
            return None
        if not answer.organizations:
            typer.echo(_("The platform login {login} sees no organization: type the ids (empty: later).").format(
                login=answer.login))
            return None
        return answer

    def organization(self, answer: PlatformAnswer | None) -> int | None:
        path = "platform.organization_id"
        if path in self.given:
            return validation.optional_whole_number(self.current(path))
        options = [] if answer is None else setup_reading.organization_lists(answer)["organizations"]
        show_options(_("Organizations the login sees:"), options)

        def check(value: str) -> str | None:
            if answer is None or setup_reading.find_organization(answer, int(value)) is not None:
                return None
            return _(NO_ORGANIZATION).format(value=value)

        default = self.current(path) or (str(answer.selected_organization_id) if answer and
                                         answer.selected_organization_id else "")
        if answer is not None and default and check(default):
            default = options[0][0]
        chosen = ask(_("Platform organization (ORG ID)"), validation.optional_whole_number, default=default,
                     check=check, options=options)
        self.put(path, chosen)
        return int(chosen) if chosen else None

    def team(self, answer: PlatformAnswer | None, organization_id: int | None) -> None:
        path = "platform.team_id"
        if path in self.given:
            return
        organization = (setup_reading.find_organization(answer, organization_id)
                        if answer is not None and organization_id is not None else None)
        options = [(str(team.id), team.title) for team in organization.teams] if organization is not None else []
        show_options(_("Teams of organization {organization}:").format(organization=organization.name
                                                                        or organization.id)
                     if organization is not None else "", options)

        def check(value: str) -> str | None:
            if organization is None or any(team.id == int(value) for team in organization.teams):
                return None
            return _(NO_TEAM).format(value=value, organization=organization.id)

        default = self.current(path) or (str(answer.selected_team_id) if answer and answer.selected_team_id else "")
        if organization is not None and default and check(default):
            default = options[0][0] if options else ""
        self.put(path, ask(_("Platform team (TEAM ID)"), validation.optional_whole_number, default=default,
                           check=check, options=options))


def regime(answer: object) -> str:
    if answer not in ("debits", "receipts"):
        raise PydanticCustomError("sagesync", _("expected {expected}").format(
            expected=_(validation.EXPECTED["accounts.vat_regime"])))
    return str(answer)


# --- the check on save, asked or not ---------------------------------------------------------------


def company_problems(profile: Profile) -> tuple[list[str], str]:
    """What the Sage company (or its export) contradicts in ``profile``, one line each naming the value, and a
    notice when it could not be read ("" when it was). A Sage export named but unreadable is a problem."""
    try:
        reference = HOOKS.company_reference(profile.sage_location, sage_export=profile.sage_export or "",
                                            journal=profile.sales_journal, plan=profile.analytic_plan)
    except SetupReadError as error:
        if profile.location_kind is LocationKind.MAE_FILE and profile.sage_export:
            return [f"profiles.{profile.name}.sage_export: {error}"], ""
        return [], _("The Sage company could not be read ({error}): the codes were checked by the profile's rules "
                     "only; `sagesync profile check {profile}` checks them in Sage once it can be read.").format(
            error=error, profile=profile.name)
    if reference is None:
        return [], _("A .mae company cannot be read from here: name its Sage export (`sagesync profile edit "
                     "{profile} --sage-export FILE`) so the codes can be checked.").format(profile=profile.name)
    lines = [f"{finding.message}: {finding.fix}" for finding in check_setup(profile.mapping(), reference)]
    return lines, ""


def platform_problems(profile: Profile, password: str = "") -> tuple[list[str], str]:
    """The organization and team ids the platform login does not see (when a login is at hand), and a notice when
    the platform could not be asked."""
    settings = profile.platform
    if settings.organization_id is None and settings.team_id is None:
        return [], ""
    login = setup_reading.stored_login(profile.name, settings.base_url, settings.email, password,
                                       settings.api_token_scheme)
    if not login.usable:
        return [], ""
    try:
        answer = HOOKS.platform_answer(login)
    except SetupReadError as error:
        return [], _("The platform could not be read ({error}): the organization and team ids were not checked; "
                     "`sagesync profile check {profile}` checks them.").format(error=error, profile=profile.name)
    found = setup_reading.scope_problems(answer, settings.organization_id, settings.team_id)
    lines = []
    if "organization" in found:
        lines.append(f"profiles.{profile.name}.platform.organization_id: "
                     + _(NO_ORGANIZATION).format(value=found["organization"]))
    if "team" in found:
        lines.append(f"profiles.{profile.name}.platform.team_id: "
                     + _(NO_TEAM).format(value=found["team"], organization=settings.organization_id))
    return lines, ""
