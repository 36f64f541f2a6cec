"""`sagesync profile ...` through typer's runner: a real profiles file, the in-memory keyring."""

from __future__ import annotations

import json

import keyring
import pytest
import typer
from typer.testing import CliRunner, Result

from sagesync.core.reference import CompanyReference
from sagesync.errors import PlatformUnreachableError
from sagesync.interfaces.cli import profile_commands, profile_setup
from sagesync.interfaces.cli.profile_commands import CheckHooks, register
from sagesync.interfaces.setup_reading import PlatformLogin
from sagesync.profiles.check import Organization, PlatformAnswer, Team
from sagesync.profiles.model import Profile
from sagesync.profiles.paths import profile_paths
from sagesync.profiles.store import ProfileStore
from tests.builders import company
from tests.fakes import MemoryKeyring
from tests.profiles.conftest import no_keyring

app = typer.Typer()
register(app)
runner = CliRunner()

SAGE_SECRET = "S4ge-horse-staple"
PLATFORM_SECRET = "Pl4tform-battery-correct"
ACME_OPTIONS = ["--company", "ACME", "--period-start", "2025-01-01", "--sage-location", "C:\\Sage\\ACME.mae",
                "--email", "compta@acme.fr", "--organization-id", "12", "--team-id", "34"]


def run(*args: str, input: str | None = None) -> Result:
    return runner.invoke(app, ["profile", *args], input=input)


def new_acme(*extra: str) -> Result:
    result = run("new", "acme", *ACME_OPTIONS, *extra)
    assert result.exit_code == 0, result.output
    return result


def test_new_from_options_writes_the_profile_with_the_defaults_and_says_how_to_add_passwords() -> None:
    result = new_acme("--vat-regime", "debits")
    profile = ProfileStore().get("acme")
    assert (profile.sage_company, profile.target, profile.platform.team_id) == ("ACME", "file", 34)
    assert profile.mapping().vat_regime.value == "debits" and profile.sales_journal == "VTE"
    assert "missing: `sagesync profile set-secret acme sage` or set SAGESYNC_ACME_SAGE_PASSWORD" in result.output


def test_new_without_a_terminal_names_the_missing_options() -> None:
    result = run("new", "acme", "--company", "ACME")
    assert result.exit_code == 2
    assert "needs --period-start, --sage-location, --email" in result.output
    assert ProfileStore().names() == []


def test_new_with_a_wrong_value_names_the_field() -> None:
    result = run("new", "acme", *ACME_OPTIONS, "--collective", "512000")
    assert result.exit_code == 2
    assert "profiles.acme.accounts.collective: '512000' is not a client account" in result.output


def test_new_refuses_an_existing_profile() -> None:
    new_acme()
    assert run("new", "acme", *ACME_OPTIONS).exit_code == 2


def test_new_in_a_terminal_asks_for_what_is_missing_and_keeps_passwords_in_the_keyring(
        memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    logins: list[str | None] = []

    def platform_answer(login: PlatformLogin) -> PlatformAnswer:
        logins.append(login.password)
        return PlatformAnswer(login.email, (Organization(12, "ACME", (Team(34, "Paris"),)),))

    monkeypatch.setattr(profile_setup.HOOKS, "platform_answer", platform_answer)
    answers = ["ACME", "2025-13-01", "01/01/2025", "C:\\Sage\\ACME.mae", "",  # no Sage export yet
               "compta@acme.fr", PLATFORM_SECRET, "1", "1", SAGE_SECRET]  # organization and team by their number
    result = run("new", "acme", "--interactive", "--from-defaults", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "'2025-13-01' is not a date" in result.output  # asked again, not saved wrong
    profile = ProfileStore().get("acme")
    assert profile.period_start.isoformat() == "2025-01-01"
    assert (profile.platform.organization_id, profile.platform.team_id) == (12, 34)
    assert logins == [PLATFORM_SECRET]
    assert "Fichier > Exporter > Format Sage" in result.output  # what the Sage export is, and how to make it
    assert memory_keyring.passwords == {("sagesync", "acme:sage"): SAGE_SECRET,
                                        ("sagesync", "acme:platform"): PLATFORM_SECRET}
    assert SAGE_SECRET not in result.output and PLATFORM_SECRET not in result.output


def test_new_in_a_terminal_offers_each_default_unless_told_to_take_them() -> None:
    answers = ["ACME", "2025-01-01", "embedded:acme.sqlite",  # a company not created yet: typed values
               "VT2", "", "", "debits",  # journal, plan, level, regime
               "", "", "", "",  # collective and revenue accounts
               *[""] * 9,  # VAT code and account per rate (no account at 0 %)
               "", "demo@sagesync.test", "",  # platform address, e-mail, no password now
               "12", ""]  # organization and team typed
    result = run("new", "acme", "--interactive", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    profile = ProfileStore().get("acme")
    assert (profile.sales_journal, profile.platform.organization_id, profile.platform.team_id) == ("VT2", 12, None)
    assert profile.accounts.vat_regime.value == "debits" and profile.target == "embedded"
    assert "The Sage company could not be read (no company at acme.sqlite" in result.output
    # The embedded company has no Sage login: neither its user nor its password is asked, nor said missing.
    assert "Sage user" not in result.output and "Sage password" not in result.output


def test_show_never_prints_a_password_and_says_where_each_comes_from(monkeypatch: pytest.MonkeyPatch) -> None:
    new_acme()
    assert run("set-secret", "acme", "sage", input=SAGE_SECRET + "\n").exit_code == 0
    monkeypatch.setenv("SAGESYNC_ACME_PLATFORM_PASSWORD", PLATFORM_SECRET)
    text = run("show", "acme")
    as_json = run("show", "acme", "--json")
    for result in (text, as_json):
        assert result.exit_code == 0, result.output
        assert SAGE_SECRET not in result.output and PLATFORM_SECRET not in result.output
    assert "Sage password: OS keyring (service sagesync, user acme:sage)" in text.output
    assert "platform password: environment variable SAGESYNC_ACME_PLATFORM_PASSWORD" in text.output
    data = json.loads(as_json.output)
    assert data["secrets"] == {"sage": "keyring", "platform": "environment"}
    assert data["accounts"]["collective"] == "411000"


def test_set_secret_stores_what_stdin_gives(memory_keyring: MemoryKeyring) -> None:
    new_acme()
    result = run("set-secret", "acme", "platform", input=PLATFORM_SECRET + "\r\n")
    assert result.exit_code == 0 and PLATFORM_SECRET not in result.output
    assert memory_keyring.passwords[("sagesync", "acme:platform")] == PLATFORM_SECRET


def test_set_secret_without_a_keyring_points_to_the_variable() -> None:
    new_acme()
    keyring.set_keyring(no_keyring())
    result = run("set-secret", "acme", "platform", input=PLATFORM_SECRET + "\n")
    assert result.exit_code == 2
    assert "no OS keyring" in result.output and "SAGESYNC_ACME_PLATFORM_PASSWORD" in result.output
    assert PLATFORM_SECRET not in result.output
    assert "this machine has no OS keyring: set SAGESYNC_ACME_SAGE_PASSWORD" in run("show", "acme").output


def test_set_secret_needs_an_existing_profile_and_a_non_empty_platform_password() -> None:
    assert run("set-secret", "ghost", "sage", input="x\n").exit_code == 2
    new_acme()
    assert run("set-secret", "acme", "platform", input="\n").exit_code == 2
    assert run("set-secret", "acme", "bank", input="x\n").exit_code == 2  # sage or platform only


def test_edit_by_option_and_by_path() -> None:
    new_acme()
    result = run("edit", "acme", "--journal", "vt2", "--set", "vat.20.code_receipts=E21", "--set", "siren=")
    assert result.exit_code == 0, result.output
    profile = ProfileStore().get("acme")
    assert profile.sales_journal == "VT2" and profile.vat[0].code_receipts == "E21"
    assert run("edit", "acme").exit_code == 2  # nothing to change
    refused = run("edit", "acme", "--set", "platform.password=hunter2")
    assert refused.exit_code == 2 and "hunter2" not in refused.output


def test_list_shows_valid_and_broken_profiles() -> None:
    assert "no profile yet" in run("list").output
    new_acme()
    store = ProfileStore()
    store.path.write_text(store.path.read_text(encoding="utf-8") + '\n[profiles.beta]\nsage_company = "B"\n',
                          encoding="utf-8")
    lines = run("list").output.splitlines()
    assert lines[0].split()[:3] == ["acme", "ACME", "file"]
    assert lines[1].startswith("beta") and "INVALID" in lines[1]


def test_delete_needs_yes_outside_a_terminal_and_keeps_the_ledger(memory_keyring: MemoryKeyring) -> None:
    new_acme()
    run("set-secret", "acme", "sage", input=SAGE_SECRET + "\n")
    assert run("delete", "acme").exit_code == 2
    result = run("delete", "acme", "--yes")
    assert result.exit_code == 0
    assert str(profile_paths("acme").folder) in result.output
    assert ProfileStore().names() == [] and memory_keyring.passwords == {}


def test_a_password_in_the_file_is_refused_by_every_command_without_echoing_it() -> None:
    new_acme()
    store = ProfileStore()
    text = store.path.read_text(encoding="utf-8").replace("[profiles.acme.platform]\n",
                                                          '[profiles.acme.platform]\npassword = "hunter2"\n')
    store.path.write_text(text, encoding="utf-8")
    for args in (["show", "acme"], ["list"], ["edit", "acme", "--journal", "VT2"], ["check", "acme"]):
        result = run(*args)
        assert result.exit_code == 2, args
        assert "profiles.acme.platform.password" in result.output and "hunter2" not in result.output


ANSWER = PlatformAnswer("compta@acme.fr", (Organization(12, "Agence ACME", (Team(34, "Paris"),)),))


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> CheckHooks:
    hooks = CheckHooks()
    monkeypatch.setattr(profile_commands, "CHECK_HOOKS", hooks)
    return hooks


def test_check_exit_codes(hooks: CheckHooks) -> None:
    new_acme()
    seen: list[str] = []

    def reference(profile: Profile) -> CompanyReference:
        seen.append(profile.name)
        return company()

    hooks.company_reference = reference
    hooks.platform_probe = lambda profile: ANSWER
    ok = run("check", "acme")
    assert (ok.exit_code, seen) == (0, ["acme"]) and "all good" in ok.output
    assert run("edit", "acme", "--fees-account", "706999").exit_code == 0
    missing = run("check", "acme")
    assert missing.exit_code == 2
    assert "[!!] accounts: account 706999 does not exist" in missing.output and "fix: Create account" in missing.output
    assert run("edit", "acme", "--fees-account", "706000").exit_code == 0

    def down(profile: Profile) -> PlatformAnswer:
        raise PlatformUnreachableError(f"{profile.platform.base_url} did not answer")

    hooks.platform_probe = down
    unreachable = run("check", "acme")
    assert unreachable.exit_code == 3 and "[??] platform: https://app.ooti.co/api/ did not answer" in unreachable.output


def test_check_not_wired_says_so(hooks: CheckHooks) -> None:
    new_acme()
    result = run("check", "acme")
    assert result.exit_code == 1 and "not wired" in result.output


def test_register_fills_the_hooks(hooks: CheckHooks) -> None:
    def reference(profile: Profile) -> CompanyReference:
        return company()

    register(typer.Typer(), check_hooks=CheckHooks(reference, lambda profile: ANSWER))
    assert profile_commands.CHECK_HOOKS.company_reference is reference
