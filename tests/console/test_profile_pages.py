"""Profiles in the console: the old connector's Load / Edit / Save, with problems shown next to the fields."""

from __future__ import annotations

import html as markup
import re
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from sagesync import jobs
from sagesync.profiles.model import Profile
from sagesync.profiles.paths import profiles_file
from sagesync.profiles.store import ProfileStore
from tests.console.conftest import COMPANY, Console, demo_form
from tests.fakes import MemoryKeyring


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
    changed.update({"sales_journal": "VE", "vat-4-code_receipts": "EXO2", "vat-4-code_debits": "EXO2"})
    response = demo.post("/profiles/demo", changed, follow_redirects=False)
    assert response.status_code == 303
    profile = store.get("demo")
    assert profile.sales_journal == "VE"
    assert {vat.code_receipts for vat in profile.vat} >= {"EXO2"}
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
