"""The profile form's organizations and teams, read from the platform with the login the form names.

The login is the form's platform address and e-mail with the password typed in the
form, or else the password (or API token) stored for the profile. The answer is kept
by the console (per address and e-mail) so the organization and team typed are checked
against it on save, without asking the platform again; a platform that cannot be
reached gives a notice, and the ids typed are kept, checked by the profile alone.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from pydantic_core import PydanticCustomError

from sagesync.i18n import N_, console_gettext
from sagesync.interfaces import setup_reading
from sagesync.interfaces.console.profile_form import FormProblems, FormValues
from sagesync.interfaces.setup_reading import Option, SetupReadError
from sagesync.profiles import validation
from sagesync.profiles.check import PlatformAnswer
from sagesync.profiles.defaults import DEFAULT_PLATFORM_BASE_URL

LISTS = {"platform.organization_id": "picks-organizations", "platform.team_id": "picks-teams"}

NO_ORGANIZATION = N_("the organization « {value} » is not among those {login} sees on the platform; choose one from "
                     "the list")
NO_TEAM = N_("the team « {value} » is not a team of organization {organization}; choose one from the list")


@dataclass
class PlatformPicks:
    """What the form offers of the platform: the lists (empty when not read) and a notice about the reading."""

    answer: PlatformAnswer | None = None
    notice: str = ""
    failed: bool = False
    lists: dict[str, list[Option]] = field(default_factory=dict)  # datalist id -> options


def answer_key(base_url: str, email: str) -> tuple[str, str]:
    """Whose answer it is: the platform address (as the profile writes it) and the e-mail."""
    url = base_url.strip() or DEFAULT_PLATFORM_BASE_URL
    with contextlib.suppress(PydanticCustomError):  # an address the profile refuses stays as typed
        url = validation.base_url(url)
    return url.lower(), email.strip().lower()


def read_platform_picks(name: str, base_url: str, email: str, password: str) -> PlatformPicks:
    """Log in and list the organizations and teams; blocking (the network, maybe the keyring): off the event loop."""
    login = setup_reading.stored_login(name, base_url, email, password)
    if not login.usable:
        return PlatformPicks(failed=True, notice=console_gettext(
            "Type the platform password below (or store it first) to list the organizations and teams; the ids "
            "typed are kept."))
    try:
        answer = setup_reading.platform_answer(login)
    except SetupReadError as error:
        return PlatformPicks(failed=True, notice=console_gettext(
            "The platform could not be reached, so its organizations and teams are not listed; the ids typed are "
            "kept: {error}").format(error=error))
    lists = setup_reading.organization_lists(answer)
    if not answer.organizations:
        return PlatformPicks(answer, console_gettext("The platform login {login} sees no organization.").format(
            login=answer.login), failed=True)
    return PlatformPicks(answer, console_gettext("Read from the platform for {login}.").format(login=answer.login),
                         lists={"picks-organizations": lists["organizations"], "picks-teams": lists["teams"]})


def check_against_platform(values: FormValues, answer: PlatformAnswer) -> FormProblems:
    """The organization and team typed that the login does not see, each named as typed, next to its field."""
    problems = FormProblems()
    organization, team = (values.fields.get("platform.organization_id", ""), values.fields.get("platform.team_id", ""))
    if not (organization.isdigit() or not organization) or not (team.isdigit() or not team):
        return problems  # not whole numbers: the profile's own rule says so
    found = setup_reading.scope_problems(answer, int(organization) if organization else None,
                                         int(team) if team else None)
    if "organization" in found:
        problems.add("platform.organization_id", console_gettext(NO_ORGANIZATION).format(
            value=organization, login=answer.login))
    if "team" in found:
        problems.add("platform.team_id", console_gettext(NO_TEAM).format(value=team, organization=organization))
    return problems
