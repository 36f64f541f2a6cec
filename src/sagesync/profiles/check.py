"""`profile check`: what the old connector asked people to verify by hand, asked of the real parts.

In the Sage company: the sales journal exists and is a sales journal, the
analytic plan exists, every mapped account and VAT code exists (the rules are
``sagesync.core.checks.check_setup``). On the platform: the login answers, and
the profile's organization and team are among those the login sees; when one is
missing or wrong, every organization and team is listed so the user can pick.

The two outside parts come in as callables (``company_reference``,
``platform_probe``) so this stays testable without Sage or a network; they may
raise ``UnreachableError`` (exit 3) or ``ConfigurationError`` (exit 2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sagesync.core.checks import check_setup
from sagesync.core.reference import CompanyReference
from sagesync.errors import ConfigurationError, LoginRefusedError, SagesyncError, SecretMissingError, UnreachableError
from sagesync.i18n import N_, _
from sagesync.profiles.model import Profile
from sagesync.profiles.secrets import KeyringUnavailableError, set_secret_command


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    title: str


@dataclass(frozen=True, slots=True)
class Organization:
    id: int
    name: str
    teams: tuple[Team, ...] = ()


@dataclass(frozen=True, slots=True)
class PlatformAnswer:
    """What the platform said to the profile's login."""

    login: str  # the e-mail it accepted
    organizations: tuple[Organization, ...] = ()
    selected_organization_id: int | None = None  # the user's current choice on the platform
    selected_team_id: int | None = None
    # What sagesync read from one real document of the team with the profile's field names:
    # (it could be read, what it read or why not). None: the team has no document yet, or not asked.
    sample: tuple[bool, str] | None = None


@dataclass(frozen=True, slots=True)
class CheckLine:
    what: str  # "sales journal VTE", "platform team"
    ok: bool
    detail: str = ""
    fix: str = ""
    unreachable: bool = field(default=False)  # could not ask: retry later (exit 3), not a set-up fault


def platform_answer_from_whoami(profile: Mapping[str, Any], organizations: Sequence[Mapping[str, Any]],
                                login: str) -> PlatformAnswer:
    """Read OOTI's ``v1/profiles/profile/`` and ``v1/organizations/membership/`` answers (ooti-api.md §2.4)."""
    def number(value: object) -> int | None:
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    found: list[Organization] = []
    for organization in organizations:
        organization_id = number(organization.get("id", organization.get("pk")))
        if organization_id is None:
            continue
        teams = tuple(Team(team_id, str(team.get("title") or team.get("name") or ""))
                      for team in organization.get("teams") or ()
                      if (team_id := number(team.get("id", team.get("pk")))) is not None)
        name = str(organization.get("name") or organization.get("title") or "")
        found.append(Organization(organization_id, name, teams))
    return PlatformAnswer(login, tuple(found), number(profile.get("selected_org")),
                          number(profile.get("selected_team")))


# "VAT codes on receipts (5)": the regime stays a word of the profile in English, a phrase in French.
VAT_CODES_ON = {"debits": N_("VAT codes on debits ({count})"), "receipts": N_("VAT codes on receipts ({count})")}


def _failure(what: str, error: SagesyncError, fix: str) -> CheckLine:
    return CheckLine(what, False, str(error), fix, unreachable=isinstance(error, UnreachableError))


def _company_lines(profile: Profile, company_reference: Callable[[], CompanyReference]) -> list[CheckLine]:
    try:
        company = company_reference()
    except (UnreachableError, ConfigurationError) as error:
        return [_failure(_("Sage company {company}").format(company=profile.sage_company), error,
                         _("Check sage_location in the profile, that the company is reachable from this machine, "
                           "and that Sage is not holding it open; then run the check again."))]
    mapping = profile.mapping()
    findings = check_setup(mapping, company)
    lines = [CheckLine(_("Sage company {company}").format(company=profile.sage_company), True,
                       _("read from {location}").format(location=profile.location_kind.value))]
    journal = _("sales journal {journal}").format(journal=mapping.journal)
    plan = _("analytic plan {plan}").format(plan=mapping.analytic_plan)
    labels = {"sales_journal": journal, "analytic_plan": plan, "accounts": _("accounts"), "vat_codes": _("VAT codes")}
    by_field: dict[str, list[CheckLine]] = {}
    for finding in findings:
        what = labels.get(finding.field, finding.field.replace("_", " "))
        by_field.setdefault(finding.field, []).append(CheckLine(what, False, finding.message, finding.fix))
    lines += by_field.get("sales_journal") or [
        CheckLine(journal, True, _("exists and is a sales journal"))]
    lines += by_field.get("analytic_plan") or [
        CheckLine(plan, True, _("exists; its level {level} is not read by sagesync: check it once in Sage "
                                "(Paramètres société > Analytique)").format(level=repr(profile.analytic_level)))]
    accounts = mapping.accounts_in_use()
    lines += by_field.get("accounts") or [CheckLine(_("accounts ({count})").format(count=len(accounts)), True,
                                                   ", ".join(accounts))]
    codes = [vat.code(mapping.vat_regime) for vat in mapping.vat_rates.values()]
    lines += by_field.get("vat_codes") or [
        CheckLine(_(VAT_CODES_ON[mapping.vat_regime.value]).format(count=len(codes)), True, ", ".join(codes))]
    for field_name, extra in by_field.items():
        if field_name not in ("sales_journal", "analytic_plan", "accounts", "vat_codes"):
            lines += extra  # a rule added to check_setup later is still reported
    return lines + _payment_lines(profile, company)


TREASURY = 2  # F_JOURNAUX.JO_Type


def _payment_lines(profile: Profile, company: CompanyReference) -> list[CheckLine]:
    """The [payments] table against the company: a treasury journal, accounts that exist."""
    payments = profile.payments
    if payments is None or not payments.to_sage:
        return []
    lines: list[CheckLine] = []
    what = _("bank journal {journal}").format(journal=payments.bank_journal)
    journal = company.journals.get(payments.bank_journal)
    if journal is None:
        lines.append(CheckLine(what, False, _("the company has no journal {journal}").format(
            journal=payments.bank_journal), _("create it in Sage as a treasury journal, or set payments.bank_journal "
                                              "to one of: {journals}").format(
            journals=", ".join(code for code, info in sorted(company.journals.items())
                               if info.journal_type == TREASURY) or "-")))
    elif journal.journal_type != TREASURY:
        lines.append(CheckLine(what, False, _("journal {journal} ({label}) is not a treasury journal").format(
            journal=payments.bank_journal, label=journal.label), _("set payments.bank_journal to a bank journal")))
    else:
        lines.append(CheckLine(what, True, _("exists and is a treasury journal")))
    accounts = [payments.bank_account, *payments.bank_accounts.values(), payments.exchange_loss,
                payments.exchange_gain]
    if payments.vat_transfer == "month_end" and payments.transfer_journal not in company.journals:
        lines.append(CheckLine(_("VAT transfer journal {journal}").format(journal=payments.transfer_journal), False,
                               _("the company has no journal {journal}").format(journal=payments.transfer_journal),
                               _("create it in Sage, or set payments.transfer_journal")))
    missing = [account for account in dict.fromkeys(accounts) if account not in company.accounts]
    label = _("payment accounts ({count})").format(count=len(set(accounts)))
    lines.append(CheckLine(label, not missing, _("missing in the company: {accounts}").format(
        accounts=", ".join(missing)) if missing else ", ".join(dict.fromkeys(accounts)),
        _("create them in Sage, or change them in the profile's [payments] table") if missing else ""))
    return lines


def _choices(answer: PlatformAnswer) -> str:
    if not answer.organizations:
        return _("the login sees no organization")
    parts = []
    for organization in answer.organizations:
        teams = ", ".join(f"{team.id} {team.title}".strip() for team in organization.teams) or _("no team")
        parts.append(_("organization {id} {name} (teams: {teams})").format(
            id=organization.id, name=organization.name, teams=teams).replace("  (", " ("))
    return _("the login sees {organizations}").format(organizations="; ".join(parts))


def _platform_lines(profile: Profile, platform_probe: Callable[[], PlatformAnswer]) -> list[CheckLine]:
    settings = profile.platform
    try:
        answer = platform_probe()
    except LoginRefusedError as error:
        return [_failure(_("platform login"), error, _(
            "Check platform.email ({email}) and store the right password with `{command}`.").format(
            email=settings.email, command=set_secret_command(profile.name, "platform")))]
    except (SecretMissingError, KeyringUnavailableError) as error:
        return [_failure(_("platform password"), error, _(
            "Store it with `{command}` or set the environment variable named above.").format(
            command=set_secret_command(profile.name, "platform")))]
    except ConfigurationError as error:
        return [_failure(_("platform settings"), error, _("Fix the setting named above in the profile."))]
    except UnreachableError as error:
        return [_failure(_("platform"), error, _(
            "Check platform.base_url ({url}) and the network; if the platform is down, run the check again "
            "later.").format(url=settings.base_url))]
    lines = [CheckLine(_("platform login"), True, _("accepted for {login}").format(login=answer.login))]
    edit = f"sagesync profile edit {profile.name}"
    organization = next((o for o in answer.organizations if o.id == settings.organization_id), None)
    if settings.organization_id is None:
        lines.append(CheckLine(_("platform organization"), False, _("not set in the profile; {choices}").format(
            choices=_choices(answer)), _("Pick one: `{command}`.").format(command=f"{edit} --organization-id ID")))
        return lines
    if organization is None:
        lines.append(CheckLine(_("platform organization"), False, _(
            "{id} is not an organization of {login}; {choices}").format(
            id=settings.organization_id, login=answer.login, choices=_choices(answer)),
            _("Fix it: `{command}`.").format(command=f"{edit} --organization-id ID")))
        return lines
    lines.append(CheckLine(_("platform organization"), True, f"{organization.id} {organization.name}".rstrip()))
    team = next((t for t in organization.teams if t.id == settings.team_id), None)
    if settings.team_id is None or team is None:
        state = _("not set in the profile") if settings.team_id is None else _("{id} is not a team of it").format(
            id=settings.team_id)
        lines.append(CheckLine(_("platform team"), False, f"{state}; {_choices(answer)}",
                               _("Pick one: `{command}`.").format(command=f"{edit} --team-id ID")))
    else:
        lines.append(CheckLine(_("platform team"), True, f"{team.id} {team.title}".rstrip()))
    if answer.sample is not None:
        readable, detail = answer.sample
        lines.append(CheckLine(_("platform document (field names)"), readable, detail, "" if readable else _(
            "Set the platform's names for these facts in the profile: [{table}], e.g. {example}.").format(
            table=f"profiles.{profile.name}.platform.fields", example='invoice_number = ["legal_number"]')))
    return lines


def check_profile(profile: Profile, *, company_reference: Callable[[], CompanyReference],
                  platform_probe: Callable[[], PlatformAnswer]) -> list[CheckLine]:
    """Every check line, company first; both parts are asked even when the first fails."""
    return _company_lines(profile, company_reference) + _platform_lines(profile, platform_probe)


def check_exit_code(lines: Sequence[CheckLine]) -> int:
    """0 all ok, 2 a set-up problem, 3 something could not be reached (and nothing to fix was found).

    A set-up problem wins: the user has something to fix whether or not the other part answered.
    """
    if any(not line.ok and not line.unreachable for line in lines):
        return ConfigurationError.exit_code
    if any(not line.ok for line in lines):
        return UnreachableError.exit_code
    return 0
