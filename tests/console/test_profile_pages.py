"""Profiles in the console: the old connector's Load / Edit / Save, with problems shown next to the fields."""

from __future__ import annotations

import html as markup
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from sagesync import jobs
from sagesync.interfaces import setup_reading
from sagesync.interfaces.console import profile_form
from sagesync.profiles.model import Profile
from sagesync.profiles.paths import profiles_file
from sagesync.profiles.store import ProfileStore
from sagesync.sandbox.server import SandboxHandle, start_sandbox
from tests.console.conftest import COMPANY, Console, demo_form
from tests.fakes import MemoryKeyring
from tests.sage.flagfile.test_export_reader import EXPORT
from tests.sources.netguard import loopback_only

__all__ = ["loopback_only"]


def field_error(html: str, field: str) -> str:
    """The problem the page shows under a field, or "" when none."""
    match = re.search(rf'<p class="field-error" id="error-{re.escape(field)}">(.*?)</p>', html, re.S)
    return markup.unescape(match.group(1)) if match else ""


def test_a_profile_created_through_the_form_is_saved_whole_and_listed(console: Console, company_path: Path) -> None:
    response = console.create_profile(company_path)
    assert response.status_code == 303
    assert response.headers["location"] == "/profiles/demo/edit?saved=1"
    profile = ProfileStore().get("demo")
    assert profile.sage_company == COMPANY
    assert profile.platform.organization_id == 1207 and profile.platform.team_id == 3418
    assert profile.embedded_company_path() == company_path
    assert profile.target == "embedded"
    listing = console.client.get("/profiles").text
    assert 'href="/company/demo"' in listing and COMPANY in listing
    assert "Saved." in console.client.get(response.headers["location"]).text


def test_validation_problems_are_shown_next_to_their_fields_and_nothing_is_written(
        console: Console, company_path: Path) -> None:
    response = console.create_profile(company_path, **{"accounts.collective": "706000", "platform.email": "compta",
                                                       "vat-1-rate": "dix"})
    assert response.status_code == 422
    html = response.text
    assert "'706000' is not a client account" in field_error(html, "accounts.collective")
    assert "is not an e-mail address" in field_error(html, "platform.email")
    assert "is not a rate" in field_error(html, "vat-1-rate")
    assert field_error(html, "sage_company") == ""
    assert 'value="706000"' in html  # what was typed is shown again, to be corrected
    assert not profiles_file().exists()


def test_a_required_field_left_empty_is_named(console: Console, company_path: Path) -> None:
    html = console.create_profile(company_path, sage_company="").text
    assert "is empty" in field_error(html, "sage_company")


def test_a_profile_name_that_cannot_be_a_folder_gets_a_suggestion(console: Console, company_path: Path) -> None:
    html = console.create_profile(company_path, name="Atelier Démo").text
    problem = field_error(html, "name")
    assert "is not allowed" in problem and "atelier-d" in problem
    assert ProfileStore().names() == []


def test_a_second_profile_of_the_same_name_is_refused(demo: Console, company_path: Path) -> None:
    response = demo.create_profile(company_path, sage_company="ANOTHER")
    assert response.status_code == 422
    assert "already exists" in field_error(response.text, "name")
    assert ProfileStore().get("demo").sage_company == COMPANY


def test_editing_changes_the_fields_typed_and_keeps_what_the_form_does_not_show(demo: Console,
                                                                                company_path: Path) -> None:
    store = ProfileStore()
    learned = {"separator": "tab", "columns": ["JO_Num", "EC_Piece"]}
    store.update(store.get("demo").model_copy(update={"sage_format": learned}))
    form = demo.client.get("/profiles/demo/edit").text
    assert 'value="VTE"' in form and "value=\"ATELIER DEMO\"" in form  # Load: the saved values are shown
    changed = {key: value for key, value in demo_form(company_path).items() if key != "name"}
    changed.update({"accounts.revenue.fees": "706100", "analytic_level": "Coût de production"})
    response = demo.post("/profiles/demo", changed, follow_redirects=False)
    assert response.status_code == 303
    profile = store.get("demo")
    assert profile.accounts.revenue.fees == "706100" and profile.analytic_level == "Coût de production"
    assert profile.sage_format == learned


def test_an_emptied_vat_row_is_removed(demo: Console, company_path: Path) -> None:
    form = {key: value for key, value in demo_form(company_path).items() if key != "name"}
    removed_rate = form["vat-3-rate"]
    for column in ("rate", "code_debits", "account_debits", "code_receipts", "account_receipts"):
        form[f"vat-3-{column}"] = ""
    assert demo.post("/profiles/demo", form, follow_redirects=False).status_code == 303
    rates = [str(vat.rate) for vat in ProfileStore().get("demo").vat]
    assert removed_rate not in rates and len(rates) == 4


def test_passwords_go_to_the_keyring_and_are_never_shown_back(console: Console, company_path: Path,
                                                              memory_keyring: MemoryKeyring) -> None:
    sage_secret, platform_secret = "Sage-s3cret-typed-once", "platform-s3cret-typed-once"
    response = console.create_profile(company_path, **{"secret-sage": sage_secret, "secret-platform": platform_secret})
    assert response.status_code == 303
    assert memory_keyring.passwords[("sagesync", "demo:sage")] == sage_secret
    assert memory_keyring.passwords[("sagesync", "demo:platform")] == platform_secret
    page = console.client.get("/profiles/demo/edit").text
    assert sage_secret not in page and platform_secret not in page
    assert page.count("stored in the OS keyring") == 2
    assert sage_secret not in profiles_file().read_text(encoding="utf-8")
    # Saving again with the password fields left empty keeps the stored passwords.
    form = {key: value for key, value in demo_form(company_path).items() if key != "name"}
    assert console.post("/profiles/demo", form, follow_redirects=False).status_code == 303
    assert memory_keyring.passwords[("sagesync", "demo:sage")] == sage_secret


def test_a_password_typed_into_a_form_with_problems_is_neither_stored_nor_echoed(
        console: Console, company_path: Path, memory_keyring: MemoryKeyring) -> None:
    html = console.create_profile(company_path, **{"platform.email": "nope", "secret-sage": "typed-secret-1"}).text
    assert "typed-secret-1" not in html
    assert memory_keyring.passwords == {}
    assert "passwords are not kept" in html


def test_without_a_keyring_the_password_is_refused_with_the_variable_to_set(console: Console,
                                                                            company_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    response = console.create_profile(company_path, **{"secret-platform": "typed-secret-2"})
    assert response.status_code == 200
    html = response.text
    assert "The profile is saved, but a password was not stored" in html
    problem = field_error(html, "secret-platform")
    assert "no OS keyring" in problem and "SAGESYNC_DEMO_PLATFORM_PASSWORD" in problem
    assert "typed-secret-2" not in html
    assert ProfileStore().names() == ["demo"]


@dataclass(frozen=True)
class Line:
    what: str
    ok: bool
    detail: str = ""
    fix: str = ""


def test_the_connection_test_shows_each_answer_and_its_fix(demo: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def check_connections(profile: Profile) -> list[Line]:
        asked.append(profile.name)
        return [Line("Sage company ATELIER DEMO", True, "read from embedded"),
                Line("platform login", False, "401: the platform refused demo@sagesync.test",
                     "Store the right password with `sagesync profile set-secret demo platform`.")]

    monkeypatch.setattr(jobs, "check_connections", check_connections)
    html = demo.post("/profiles/demo/test").text
    assert asked == ["demo"]
    assert "1 check failed." in html
    assert "401: the platform refused" in html and "set-secret demo platform" in html
    assert html.count("✓") == 1 and html.count("✗") == 1



def test_a_profile_broken_in_the_file_is_listed_with_its_problem_and_opens_in_the_form(
        demo: Console) -> None:
    path = profiles_file()
    path.write_text(path.read_text(encoding="utf-8").replace('collective = "411000"', 'collective = "411 000"'),
                    encoding="utf-8")
    listing = demo.client.get("/profiles").text
    assert "cannot be read" in listing and "411 000" in listing
    form = demo.client.get("/profiles/demo/edit").text
    assert "is not an account number" in field_error(form, "accounts.collective")
    company = demo.client.get("/company/demo")
    assert company.status_code == 400
    assert 'href="/profiles/demo/edit"' in company.text


def datalist(html: str, list_id: str) -> dict[str, str]:
    """The options a <datalist> offers: value -> label."""
    match = re.search(rf'<datalist id="{re.escape(list_id)}">(.*?)</datalist>', html, re.S)
    assert match, f"no datalist {list_id}"
    return {markup.unescape(value): markup.unescape(label or "") for value, label in
            re.findall(r'<option value="([^"]*)"(?: label="([^"]*)")?', match.group(1))}


def test_the_form_offers_the_companys_journals_plans_accounts_and_vat_codes(demo: Console) -> None:
    html = demo.client.get("/profiles/demo/edit").text
    journals = datalist(html, "picks-journals")
    assert next(iter(journals)) == "VTE" and journals["VTE"] == "Ventes" and "ACH" in journals
    assert list(datalist(html, "picks-plans")) == ["PROJET"]
    assert "411000" in datalist(html, "picks-collective") and "706000" not in datalist(html, "picks-collective")
    revenue = datalist(html, "picks-revenue")
    assert {"706000", "708500", "467000", "706300"} <= set(revenue) and "411000" not in revenue
    codes = datalist(html, "picks-vat-codes")
    assert codes["E20"] == "20 %" and codes["C055"] == "5.5 %" and codes["EXO"] == "0 %"
    assert 'id="f-sales_journal" name="sales_journal" value="VTE" list="picks-journals"' in html
    assert 'name="vat-0-code_receipts" value="E20" size="8" list="picks-vat-codes"' in html
    # The htmx reload of the lists when the location changes gives the same lists.
    location = ProfileStore().get("demo").sage_location
    fragment = demo.client.get("/profiles/picks", params={"sage_location": location}).text
    assert datalist(fragment, "picks-journals") == journals


def test_a_company_that_cannot_be_read_is_a_notice_and_the_form_still_works(console: Console, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.sqlite"
    html = console.client.get("/profiles/picks", params={"sage_location": f"embedded:{missing}"}).text
    assert "The company could not be read" in html and "<datalist" not in html and "Traceback" not in html
    # Saved all the same (the codes are checked by the profile alone), and the form tells why there are no lists.
    assert console.create_profile(missing).status_code == 303
    form = console.client.get("/profiles/demo/edit")
    assert form.status_code == 200 and "The company could not be read" in form.text
    assert str(missing) in form.text and "<datalist" not in form.text


def test_a_journal_the_company_does_not_hold_is_refused_with_the_value_named(
        console: Console, company_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    response = console.create_profile(company_path, sales_journal="VTX", **{"vat-0-code_receipts": "E21",
                                                                          "accounts.revenue.fees": "706999"})
    assert response.status_code == 422
    html = response.text
    assert "the journal « VTX » does not exist in the company; choose one from the list" in field_error(
        html, "sales_journal")
    assert "« E21 »" in field_error(html, "vat-0-code_receipts")
    assert "« 706999 »" in field_error(html, "accounts.revenue.fees")
    assert 'value="VTX"' in html
    assert not profiles_file().exists()
    monkeypatch.setenv("SAGESYNC_LANG", "fr")
    html = console.create_profile(company_path, sales_journal="VTX").text
    assert field_error(html, "sales_journal") == (
        "le journal « VTX » n'existe pas dans la société ; choisissez-en un de la liste")
    monkeypatch.setenv("SAGESYNC_LANG", "en")
    # A journal that exists but is not a sales journal is refused too, named with its label.
    html = console.create_profile(company_path, sales_journal="ACH").text
    assert "« ACH » (Achats) is not a sales journal" in field_error(html, "sales_journal")
    assert not profiles_file().exists()


def test_every_problem_names_the_value_typed(console: Console, company_path: Path) -> None:
    html = console.create_profile(company_path, **{"platform.email": "compta", "period_start": "hier",
                                                   "analytic_plan": "CHANTIER"}).text
    assert "compta" in field_error(html, "platform.email")
    assert "hier" in field_error(html, "period_start")
    assert "« CHANTIER »" in field_error(html, "analytic_plan")


def test_an_embedded_company_is_not_asked_for_a_sage_login(demo: Console) -> None:
    html = demo.client.get("/profiles/demo/edit").text
    assert re.search(r'<div class="field"[^>]*data-sage-login hidden>\s*<label for="f-secret-sage">', html)
    assert re.search(r'<div class="field"[^>]*data-sage-login hidden>\s*<label for="f-sage_user">', html)
    assert 'id="f-secret-platform"' in html and 'for="f-secret-platform"' in html
    assert re.search(r'<div class="field"[^>]*>\s*<label for="f-secret-platform">', html)
    assert "data-sage-login hidden>\n      <label for=\"f-secret-platform\"" not in html
    # A .mae company is asked for them, and its lists are not read.
    new = demo.post("/profiles", {"name": "mae", "sage_location": "C:\\Sage\\ACME.mae"}).text
    assert re.search(r'data-sage-login>\s*<label for="f-secret-sage">', new)
    assert "A .mae company cannot be read from here" in new
    assert demo.client.get("/static/profile-form.js").status_code == 200


def test_a_problem_that_does_not_name_the_value_typed_gets_it_in_front() -> None:
    values = profile_form.FormValues({"sage_company": "ACME", "siren": ""},
                                     vat=[{"rate": "20", "code_debits": "C2O"}])
    problems = profile_form.FormProblems({"sage_company": "too long", "siren": "is empty",
                                          "vat-0-code_debits": "'C2O' is not a tax code"})
    named = profile_form.naming_typed_values(problems, values).by_field
    assert named == {"sage_company": "« ACME »: too long", "siren": "is empty",
                     "vat-0-code_debits": "'C2O' is not a tax code"}


# --- the platform's organizations and teams, a .mae company's Sage export ------------------------------------


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox() as handle:
        yield handle


def read_platform(console: Console, sandbox: SandboxHandle, password: str, profile: str = "") -> str:
    email, _password = sandbox.credentials
    response = console.client.post("/profiles/platform-picks", headers={"X-CSRF-Token": console.csrf}, data={
        "platform.base_url": sandbox.base_url, "platform.email": email, "secret-platform": password,
        "profile": profile})
    assert response.status_code == 200
    return response.text


def test_the_form_offers_the_organizations_and_teams_the_platform_login_sees(
        console: Console, company_path: Path, sandbox: SandboxHandle) -> None:
    email, password = sandbox.credentials
    fragment = read_platform(console, sandbox, password)
    assert datalist(fragment, "picks-organizations") == {"1207": "Atelier Lumière Architectes"}
    assert datalist(fragment, "picks-teams") == {"3418": "Atelier Lumière — Paris · Atelier Lumière Architectes"}
    assert f"Read from the platform for {email}." in fragment
    form = {"platform.base_url": sandbox.base_url, "platform.email": email}
    # Checked on save against what the platform said, the value typed named; the form offers the lists again.
    response = console.create_profile(company_path, **form, **{"platform.organization_id": "99",
                                                               "platform.team_id": "77"})
    assert response.status_code == 422
    assert "the organization « 99 » is not among those demo@sagesync.test sees" in field_error(
        response.text, "platform.organization_id")
    assert "the team « 77 » is not a team of organization 99" in field_error(response.text, "platform.team_id")
    assert 'list="picks-organizations"' in response.text and "1207" in datalist(response.text, "picks-organizations")
    assert console.create_profile(company_path, **form, **{"secret-platform": password}).status_code == 303
    # Editing: the password stored for the profile logs in when none is typed.
    assert "Read from the platform" in read_platform(console, sandbox, "", profile="demo")


def test_a_platform_that_cannot_be_read_is_a_notice_and_the_ids_typed_are_kept(
        console: Console, company_path: Path, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "Type the platform password below" in read_platform(console, sandbox, "")
    refused = read_platform(console, sandbox, "not-the-password")
    assert "The platform could not be reached" in refused and "login refused" in refused
    assert "<datalist" not in refused
    monkeypatch.setattr(setup_reading, "SETUP_BUDGET_SECONDS", 0.2)
    response = console.client.post("/profiles/platform-picks", headers={"X-CSRF-Token": console.csrf}, data={
        "platform.base_url": "http://127.0.0.1:9/api/", "platform.email": "demo@sagesync.test",
        "secret-platform": "x"})
    assert "The platform could not be reached" in response.text and "Traceback" not in response.text
    monkeypatch.setenv("SAGESYNC_LANG", "fr")
    french = markup.unescape(read_platform(console, sandbox, "not-the-password"))
    assert "La plateforme n’a pas pu être jointe" in french and "connexion refusée pour demo@sagesync.test" in french
    monkeypatch.setenv("SAGESYNC_LANG", "en")
    # Nothing read for this login: the ids typed are saved as typed.
    assert console.create_profile(company_path).status_code == 303
    assert ProfileStore().get("demo").platform.organization_id == 1207


def test_a_mae_company_is_read_through_its_sage_export(console: Console, tmp_path: Path) -> None:
    export = tmp_path / "ACME-export.txt"
    export.write_bytes(EXPORT)
    page = console.client.get("/profiles/new").text
    assert re.search(r'data-mae-only hidden>\s*<label for="f-sage_export">', page)  # not asked of other companies
    fragment = console.client.get("/profiles/picks", params={"sage_location": "C:\\Sage\\ACME.mae",
                                                            "sage_export": str(export)}).text
    assert f"Read from the Sage export {export}." in fragment
    assert next(iter(datalist(fragment, "picks-journals"))) == "VTE"
    assert "E20" in datalist(fragment, "picks-vat-codes")
    mae = {"sage_location": "C:\\Sage\\ACME.mae", "sage_export": str(tmp_path / "nowhere.txt")}
    response = console.post("/profiles", {**demo_form(tmp_path / "unused.sqlite"), **mae}, follow_redirects=False)
    assert response.status_code == 422
    assert re.search(r'data-mae-only>\s*<label for="f-sage_export">', response.text)
    assert "nowhere.txt » does not exist" in field_error(response.text, "sage_export")
    # With its export the codes are checked against it: the defaults name accounts this company lacks.
    mae["sage_export"] = str(export)
    response = console.post("/profiles", {**demo_form(tmp_path / "unused.sqlite"), **mae}, follow_redirects=False)
    assert response.status_code == 422
    assert "« 467000 »" in field_error(response.text, "accounts.revenue.disbursements")
