"""Profiles: list, create, edit and save; passwords to the keyring; the connection test.

Saving goes through the same validation and the same file as ``sagesync profile``:
a profile is written only when it is whole, and its problems are shown next to
the fields. A password typed in the form goes to the OS keyring (or is refused
with the keyring's message when the machine has none) and is never shown back,
not even after a failed save.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sagesync.errors import ConfigurationError, SagesyncError
from sagesync.i18n import N_, console_gettext
from sagesync.interfaces import setup_reading
from sagesync.interfaces.console import company_picks, platform_picks, profile_form
from sagesync.interfaces.console.state import console_state, load_profile, render
from sagesync.profiles.model import LocationKind, Profile, defaults_table, location_kind
from sagesync.profiles.paths import validate_profile_name
from sagesync.profiles.secrets import WHICH, KeyringSecrets, SecretSource, Which, env_variable, secret_source

router = APIRouter()

SECRET_LABELS: dict[Which, str] = {"sage": N_("Sage password"), "platform": N_("Platform password")}
SAVED = N_("Saved.")


class ConnectionLine(Protocol):
    """One line of ``sagesync.jobs.check_connections``: what was asked, whether it answered, and the fix."""

    @property
    def what(self) -> str: ...

    @property
    def ok(self) -> bool: ...

    @property
    def detail(self) -> str: ...

    @property
    def fix(self) -> str: ...


def _secret_status(name: str | None, which: Which) -> str:
    if name is None:
        return console_gettext("not set yet")
    source = secret_source(name, which)
    if source is SecretSource.ENVIRONMENT:
        return console_gettext("from the environment variable {variable}").format(variable=env_variable(name, which))
    if source is SecretSource.KEYRING:
        return console_gettext("stored in the OS keyring")
    if source is SecretSource.KEYRING_UNAVAILABLE:
        return console_gettext("not set, and this machine has no keyring: set {variable}").format(
            variable=env_variable(name, which))
    return console_gettext("not set")


def _picks_for(values: profile_form.FormValues) -> company_picks.CompanyPicks:
    fields = values.fields
    return company_picks.read_picks(fields.get("sage_location", ""), sage_export=fields.get("sage_export", ""),
                                    journal=fields.get("sales_journal", ""), plan=fields.get("analytic_plan", ""))


def _form_page(request: Request, *, name: str, creating: bool, values: profile_form.FormValues,
               problems: profile_form.FormProblems | None = None, notice: str = "", status_code: int = 200,
               picks: company_picks.CompanyPicks | None = None) -> Response:
    secrets = {which: {"label": console_gettext(SECRET_LABELS[which]), "field": profile_form.SECRET_FIELDS[which],
                       "status": _secret_status(None if creating else name, which)} for which in WHICH}
    # An embedded company has no Sage login: its user and password are not asked (kept in the form, hidden).
    kind = location_kind(values.fields.get("sage_location", ""))
    embedded = kind is LocationKind.EMBEDDED
    key = platform_picks.answer_key(values.fields.get("platform.base_url", ""), values.fields.get("platform.email", ""))
    answer = console_state(request).platform_answers.get(key)
    platform = platform_picks.PlatformPicks(answer, lists=(
        {} if answer is None else {"picks-" + which: options
                                   for which, options in setup_reading.organization_lists(answer).items()}))
    problems = problems or profile_form.FormProblems()
    # The payments settings are asked only when payments go somewhere; one with a problem is always shown.
    payments_hidden = values.fields.get("payments.direction") == "off" and not any(
        field.startswith("payments.") for field in problems.by_field)
    return render(request, "profile_form.html", {
        "name": name, "creating": creating, "values": values, "problems": problems,
        "sections": profile_form.SECTIONS, "choices": profile_form.CHOICES, "vat_columns": profile_form.VAT_COLUMNS,
        "vat_titles": profile_form.VAT_TITLES, "picks": picks or company_picks.CompanyPicks(),
        "lists": {**company_picks.LISTS, **platform_picks.LISTS}, "vat_lists": company_picks.VAT_LISTS,
        "sage_login_hidden": embedded, "sage_export_hidden": kind is not LocationKind.MAE_FILE, "platform": platform,
        "payment_fields": profile_form.PAYMENT_FIELDS, "payments_hidden": payments_hidden,
        "secrets": secrets, "notice": notice, "saved": notice == console_gettext(SAVED)}, status_code=status_code)


@router.get("/")
def home() -> Response:
    return RedirectResponse("/profiles", status_code=303)


@router.get("/profiles")
def list_profiles(request: Request) -> Response:
    state = console_state(request)
    try:
        listing, problem = state.profiles().listing(), ""
    except ConfigurationError as error:
        listing, problem = [], str(error)
    running = set(state.runner.running())
    return render(request, "profiles.html", {"listing": listing, "problem": problem, "running": running,
                                             "profiles_file": state.profiles().path})


@router.get("/profiles/new")
def new_profile(request: Request) -> Response:
    values = profile_form.values_from_table(defaults_table())
    return _form_page(request, name="", creating=True, values=values)


@router.get("/profiles/picks")
def company_lists(request: Request, sage_location: str = "", sage_export: str = "", sales_journal: str = "",
                  analytic_plan: str = "") -> Response:
    """The pick-lists of the company at the location typed (htmx: reloaded when the location changes)."""
    picks = company_picks.read_picks(sage_location, sage_export=sage_export, journal=sales_journal,
                                     plan=analytic_plan)
    return render(request, "_company_picks.html", {"picks": picks})


@router.post("/profiles/platform-picks")
async def platform_lists(request: Request) -> Response:
    """The organizations and teams the form's platform login sees (htmx: « Read the platform »)."""
    form = await request.form()

    def get(key: str) -> str:
        value = form.get(key, "")
        return value.strip() if isinstance(value, str) else ""

    base_url, email = get("platform.base_url"), get("platform.email")
    name = get("profile")
    # The keyring may ask the desktop to unlock it, and the platform may be slow: never on the event loop.
    picks = await run_in_threadpool(platform_picks.read_platform_picks, name, base_url, email,
                                    get(profile_form.SECRET_FIELDS["platform"]))
    if picks.answer is not None:
        console_state(request).platform_answers[platform_picks.answer_key(base_url, email)] = picks.answer
    return render(request, "_platform_picks.html", {"platform": picks})


@router.get("/profiles/{name}/edit")
def edit_profile(request: Request, name: str, saved: int = 0) -> Response:
    table = console_state(request).profiles().table(name)
    notice = console_gettext(SAVED) if saved else ""
    problems = profile_form.FormProblems()
    values = profile_form.values_from_table(table)
    try:
        Profile.from_table(name, table)
    except ConfigurationError as error:  # a profile broken in the file is shown with its problems
        problems = profile_form.problems_from_error(str(error), name, values)
    return _form_page(request, name=name, creating=False, values=values, problems=problems, notice=notice,
                      picks=_picks_for(values))


@router.post("/profiles")
async def create_profile(request: Request) -> Response:
    form = await request.form()
    name = str(form.get("name", "")).strip()
    return await _save(request, name, creating=True)


@router.post("/profiles/{name}")
async def save_profile(request: Request, name: str) -> Response:
    return await _save(request, name, creating=False)


async def _save(request: Request, name: str, *, creating: bool) -> Response:
    form = await request.form()

    def get(key: str) -> str:
        value = form.get(key, "")
        return value if isinstance(value, str) else ""

    values = profile_form.values_from_form(get, list(form.keys()))
    problems = profile_form.FormProblems()
    store = console_state(request).profiles()
    base: dict[str, Any] = defaults_table()
    try:
        validate_profile_name(name)
        if not creating:
            base = store.table(name)
        elif name in store.names():
            problems.add("name", console_gettext("a profile named {name} already exists: pick another name, or "
                                                 "edit that one").format(name=repr(name)))
    except ConfigurationError as error:
        problems.add("name", str(error))
    profile: Profile | None = None
    if not problems:
        try:
            profile = Profile.from_table(name, profile_form.table_from_values(base, values))
        except ConfigurationError as error:
            problems = profile_form.problems_from_error(str(error), name, values)
    picks = await run_in_threadpool(_picks_for, values)  # SQLite or SQL Server: never on the event loop
    if picks.reference is not None:
        # The codes typed are checked against the company when it can be read; a field the profile already
        # refused keeps that problem alone.
        for field, text in company_picks.check_against_company(values, picks.reference).by_field.items():
            if field not in problems.by_field:
                problems.add(field, text)
        if problems:
            profile = None
    if location_kind(values.fields.get("sage_location", "")) is LocationKind.MAE_FILE and picks.failed \
            and values.fields.get("sage_export") and "sage_export" not in problems.by_field:
        problems.add("sage_export", picks.notice)  # an export named and unreadable: that field is wrong
        profile = None
    answer = console_state(request).platform_answers.get(platform_picks.answer_key(
        values.fields.get("platform.base_url", ""), values.fields.get("platform.email", "")))
    if answer is not None:  # the platform was read in this console for this login: the ids are checked against it
        for field, text in platform_picks.check_against_platform(values, answer).by_field.items():
            if field not in problems.by_field:
                problems.add(field, text)
                profile = None
    if profile is None:
        return _form_page(request, name=name, creating=creating, values=values, problems=problems,
                          notice=console_gettext("Not saved: fix the fields marked below (passwords are not kept: "
                                                 "type them again)."),
                          status_code=422, picks=picks)
    try:
        await run_in_threadpool(store.add if creating else store.update, profile)
    except ConfigurationError as error:
        problems.general.append(str(error))
        return _form_page(request, name=name, creating=creating, values=values, problems=problems,
                          notice=console_gettext("Not saved."), status_code=422, picks=picks)
    # A keyring may ask the desktop to unlock it: never on the event loop, which serves every page.
    secret_problems = await run_in_threadpool(_store_secrets, name, get)
    if secret_problems:
        return _form_page(request, name=name, creating=False, values=values, problems=secret_problems,
                          notice=console_gettext("The profile is saved, but a password was not stored: see "
                                                 "below."), picks=picks)
    return RedirectResponse(f"/profiles/{name}/edit?saved=1", status_code=303)


def _store_secrets(name: str, get: Callable[[str], str]) -> profile_form.FormProblems:
    problems = profile_form.FormProblems()
    store = KeyringSecrets()
    for which in WHICH:
        field = profile_form.SECRET_FIELDS[which]
        secret = get(field)
        if not secret:
            continue  # left empty: the stored one stays
        try:
            store.set(name, which, secret)
        except ConfigurationError as error:  # the message names the variable to set instead, never the secret
            problems.add(field, str(error))
    return problems


@router.post("/profiles/{name}/test")
def connection_test(request: Request, name: str) -> Response:
    from sagesync import jobs

    lines: Sequence[ConnectionLine] = ()
    error = ""
    try:
        lines = jobs.check_connections(load_profile(request, name))
    except SagesyncError as failure:
        error = str(failure)
    return render(request, "_connections.html", {"lines": lines, "error": error, "name": name})
