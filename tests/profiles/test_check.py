"""`profile check`: the company's set-up and the platform's answer, as lines a person acts on."""

from __future__ import annotations

from dataclasses import replace

from sagesync.core.reference import CompanyReference, JournalInfo
from sagesync.errors import LoginRefusedError, PlatformUnreachableError, SageUnreachableError
from sagesync.profiles.check import (
    CheckLine,
    Organization,
    PlatformAnswer,
    Team,
    check_exit_code,
    check_profile,
    platform_answer_from_whoami,
)
from sagesync.profiles.model import Profile
from tests.builders import company
from tests.profiles.conftest import acme_table

ACME = Profile.from_table("acme", acme_table())  # organization 12, team 34
ANSWER = PlatformAnswer("compta@acme.fr", (
    Organization(12, "Agence ACME", (Team(34, "Paris"), Team(35, "Lyon"))),
    Organization(99, "Other firm", (Team(7, "Main"),)),
))


def company_without(*accounts: str) -> CompanyReference:
    reference = company()
    return replace(reference, accounts={number: info for number, info in reference.accounts.items()
                                        if number not in accounts})


def failing(error: Exception):  # type: ignore[no-untyped-def]
    def call() -> object:
        raise error
    return call


def by_what(lines: list[CheckLine]) -> dict[str, CheckLine]:
    return {line.what: line for line in lines}


def test_a_company_and_a_platform_that_match_the_profile_pass() -> None:
    lines = check_profile(ACME, company_reference=company, platform_probe=lambda: ANSWER)
    assert all(line.ok for line in lines), [line for line in lines if not line.ok]
    assert [line.what for line in lines] == [
        "Sage company ACME ARCHITECTES", "sales journal VTE", "analytic plan PROJET", "accounts (9)",
        "VAT codes on receipts (5)", "bank journal BQ1", "payment accounts (3)", "platform login",
        "platform organization", "platform team"]
    assert by_what(lines)["platform team"].detail == "34 Paris"
    assert check_exit_code(lines) == 0


def test_a_missing_account_and_a_refused_login_are_both_reported() -> None:
    refused = LoginRefusedError("login refused for compta@acme.fr at https://app.ooti.co/api/v1/token-auth/")
    lines = check_profile(ACME, company_reference=lambda: company_without("708500"), platform_probe=failing(refused))
    failures = [line for line in lines if not line.ok]
    assert [(line.what, line.unreachable) for line in failures] == [("accounts", False), ("platform login", True)]
    assert "708500" in failures[0].detail and "Create account 708500" in failures[0].fix
    assert "sagesync profile set-secret acme platform" in failures[1].fix
    assert check_exit_code(lines) == 2  # something to fix in the set-up wins over "retry later"


def test_an_unreachable_platform_alone_exits_3() -> None:
    down = PlatformUnreachableError("https://app.ooti.co/api/ did not answer after 5 tries")
    lines = check_profile(ACME, company_reference=company, platform_probe=failing(down))
    assert [line.what for line in lines if not line.ok] == ["platform"]
    assert "platform.base_url (https://app.ooti.co/api/)" in lines[-1].fix
    assert check_exit_code(lines) == 3


def test_an_unreachable_company_is_one_line_and_the_platform_is_still_asked() -> None:
    asked: list[bool] = []

    def probe() -> PlatformAnswer:
        asked.append(True)
        return ANSWER

    lines = check_profile(ACME, company_reference=failing(SageUnreachableError("C:\\Sage\\ACME.mae is locked")),
                          platform_probe=probe)
    assert [(line.what, line.ok) for line in lines][:2] == [("Sage company ACME ARCHITECTES", False),
                                                            ("platform login", True)]
    assert asked == [True]
    assert check_exit_code(lines) == 3


def test_a_journal_that_is_not_a_sales_journal_and_an_unknown_vat_code() -> None:
    reference = company()
    reference = replace(reference, journals={**reference.journals, "VTE": JournalInfo("VTE", "Achats", 0)},
                        vat_codes={code: info for code, info in reference.vat_codes.items() if code != "E055"})
    lines = [line for line in check_profile(ACME, company_reference=lambda: reference, platform_probe=lambda: ANSWER)
             if not line.ok]
    assert [line.what for line in lines] == ["sales journal VTE", "VAT codes"]
    assert "not a sales journal" in lines[0].detail and "E055" in lines[1].detail


def test_an_organization_not_set_lists_every_choice() -> None:
    profile = Profile.from_table("acme", acme_table(platform={"email": "compta@acme.fr"}))
    line = by_what(check_profile(profile, company_reference=company, platform_probe=lambda: ANSWER))[
        "platform organization"]
    assert not line.ok and not line.unreachable
    assert ("organization 12 Agence ACME (teams: 34 Paris, 35 Lyon); organization 99 Other firm (teams: 7 Main)"
            in line.detail)
    assert line.fix == "Pick one: `sagesync profile edit acme --organization-id ID`."


def test_a_team_of_another_organization_is_refused_with_the_choices() -> None:
    profile = Profile.from_table("acme", acme_table(platform={"email": "compta@acme.fr", "organization_id": 12,
                                                              "team_id": 7}))
    lines = by_what(check_profile(profile, company_reference=company, platform_probe=lambda: ANSWER))
    assert lines["platform organization"].ok
    assert not lines["platform team"].ok and lines["platform team"].detail.startswith("7 is not a team of it")
    assert check_exit_code(list(lines.values())) == 2


def test_the_platform_answers_are_read_from_ootis_wire_shapes() -> None:
    answer = platform_answer_from_whoami(
        {"selected_org": 12, "selected_team": 34, "user": 5},
        [{"id": 12, "name": "Agence ACME", "teams": [{"id": 34, "title": "Paris"}, {"pk": 35, "name": "Lyon"}]},
         {"pk": "not-a-number"}],
        "compta@acme.fr")
    assert answer == PlatformAnswer("compta@acme.fr", (Organization(12, "Agence ACME", (Team(34, "Paris"),
                                                                                        Team(35, "Lyon"))),), 12, 34)


def test_a_missing_platform_password_says_how_to_store_it_not_to_check_the_network() -> None:
    from sagesync.errors import SecretMissingError
    from sagesync.profiles.check import check_profile
    from sagesync.profiles.model import Profile
    from tests.builders import company
    from tests.profiles.conftest import acme_table

    def probe():  # type: ignore[no-untyped-def]
        raise SecretMissingError("the platform password of profile 'acme' is not set")

    lines = check_profile(Profile.from_table("acme", acme_table()), company_reference=company, platform_probe=probe)
    (line,) = [line for line in lines if line.what == "platform password"]
    assert not line.ok and "set-secret acme platform" in line.fix and "network" not in line.fix


def test_the_payments_table_is_checked_against_the_company() -> None:
    table = acme_table()
    table["payments"] = {"bank_journal": "BQ1", "bank_account": "512000", "bank_accounts": {"V": "512900"}}
    profile = Profile.from_table("acme", table)
    reference = company()
    treasury = reference  # the company's BQ1 is a treasury journal; 512900 is not one of its accounts
    lines = by_what(check_profile(profile, company_reference=lambda: treasury, platform_probe=lambda: ANSWER))
    assert lines["bank journal BQ1"].ok
    accounts = lines["payment accounts (4)"]
    assert not accounts.ok and "512900" in accounts.detail and accounts.fix
    sales = replace(treasury, journals={**treasury.journals, "BQ1": JournalInfo("BQ1", "Ventes bis", 1)})
    line = by_what(check_profile(profile, company_reference=lambda: sales, platform_probe=lambda: ANSWER))[
        "bank journal BQ1"]
    assert not line.ok and "not a treasury journal" in line.detail
    without = replace(treasury, journals={"VTE": treasury.journals["VTE"]})
    missing = by_what(check_profile(profile, company_reference=lambda: without, platform_probe=lambda: ANSWER))[
        "bank journal BQ1"]
    assert not missing.ok and "has no journal BQ1" in missing.detail
