"""`sagesync profile new` and `edit` with pick-lists: the real embedded company, a Sage export, the sandbox platform.

The questions are answered through typer's runner (as a terminal would); the company and
the platform are real (an embedded SQLite company, a hand-made Sage export, the sandbox
server on loopback), so what is offered and what is refused is what a user meets.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from sagesync.interfaces.cli.profile_commands import register
from sagesync.interfaces.setup_reading import SetupReadError, company_reference_at, platform_answer, stored_login
from sagesync.profiles.store import ProfileStore
from sagesync.sage.company import init_company
from sagesync.sandbox.server import SandboxHandle, start_sandbox
from tests.fakes import MemoryKeyring
from tests.sage.flagfile.test_export_reader import EXPORT

app = typer.Typer()
register(app)
runner = CliRunner()


def run(*args: str, input: str | None = None) -> Result:
    return runner.invoke(app, ["profile", *args], input=input)


@pytest.fixture
def company(tmp_path: Path) -> Path:
    path = tmp_path / "atelier.sqlite"
    init_company(path, "ATELIER DEMO").dispose()
    return path


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "ACME-export.txt"
    path.write_bytes(EXPORT)
    return path


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox() as handle:
        yield handle


def lines(*answers: str) -> str:
    return "\n".join(answers) + "\n"


def test_the_questions_offer_the_companys_codes_and_the_platforms_organizations_and_check_each_answer(
        company: Path, sandbox: SandboxHandle, memory_keyring: MemoryKeyring) -> None:
    email, password = sandbox.credentials
    answers = lines(
        "VTX", "ACH", "1",  # a journal the company lacks, then a purchase journal, then the first of the list
        "CHANTIER", "", "",  # a plan it lacks, then the one offered; the level
        "",  # VAT on receipts
        "411999", "",  # a client account it lacks, then the default
        "706999", "", "", "",  # a revenue account it lacks, then the defaults
        "E10", "", *[""] * 8,  # the 20 % rate given the 10 % code: refused; then every default
        sandbox.base_url, email, password,
        "99", "1", "1")  # an organization the login does not see, then the first offered; the first team
    result = run("new", "atelier", "--interactive", "--company", "ATELIER DEMO", "--period-start", "2025-01-01",
                 "--sage-location", f"embedded:{company}", input=answers)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Read from the Sage company:" in out and "Journals of the company:" in out
    assert "1  VTE  Ventes" in out  # the sales journal first
    assert "the journal « VTX » does not exist in the company; choose one from the list" in out
    assert "the journal « ACH » (Achats) is not a sales journal" in out
    assert "the analytic plan « CHANTIER » does not exist in the company" in out
    assert "the account « 411999 » does not exist in the company" in out
    assert "the account « 706999 » does not exist in the company" in out
    assert "the VAT code « E10 » is 10 % in the company, not 20 %" in out
    assert "Organizations the login sees:" in out and "1207  Atelier Lumière Architectes" in out
    assert "the organization « 99 » is not among those the login sees" in out
    assert "3418  Atelier Lumière — Paris" in out
    assert "Sage user" not in out and "Sage password" not in out  # the embedded company has no Sage login
    profile = ProfileStore().get("atelier")
    assert (profile.sales_journal, profile.analytic_plan) == ("VTE", "PROJET")
    assert (profile.platform.organization_id, profile.platform.team_id) == (1207, 3418)
    assert profile.platform.base_url == sandbox.base_url
    assert memory_keyring.passwords == {("sagesync", "atelier:platform"): password}
    assert password not in out


def test_a_platform_that_cannot_be_read_is_said_and_the_ids_are_typed(company: Path, sandbox: SandboxHandle) -> None:
    email, _password = sandbox.credentials
    answers = lines(email, "wrong-password", "1207", "3418")
    result = run("new", "atelier", "--interactive", "--from-defaults", "--company", "ATELIER DEMO",
                 "--period-start", "2025-01-01", "--sage-location", f"embedded:{company}", "--base-url",
                 sandbox.base_url, input=answers)
    assert result.exit_code == 0, result.output
    assert "The platform could not be read (login refused for demo@sagesync.test" in result.output
    assert "type the ids" in result.output
    profile = ProfileStore().get("atelier")
    assert (profile.platform.organization_id, profile.platform.team_id) == (1207, 3418)


def test_without_a_terminal_every_code_is_checked_against_the_company_before_saving(company: Path) -> None:
    options = ["--company", "ATELIER DEMO", "--period-start", "2025-01-01", "--sage-location", f"embedded:{company}",
               "--email", "demo@sagesync.test"]
    result = run("new", "atelier", *options, "--journal", "VTX", "--fees-account", "706999",
                 "--set", "vat.20.code_receipts=E21")
    assert result.exit_code == 2
    assert "profile 'atelier' not saved" in result.output
    assert "journal VTX does not exist in the company" in result.output
    assert "account 706999 does not exist in the company" in result.output
    assert "VAT code E21 (20 %) does not exist" in result.output
    assert ProfileStore().names() == []
    assert run("new", "atelier", *options).exit_code == 0
    # Editing is checked the same way: the value just set refuses the save, and names it.
    edited = run("edit", "atelier", "--journal", "ACH")
    assert edited.exit_code == 2 and "journal ACH is not a sales journal" in edited.output
    assert ProfileStore().get("atelier").sales_journal == "VTE"


def test_without_a_terminal_the_ids_are_checked_against_the_platform_when_a_login_is_at_hand(
        company: Path, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    email, password = sandbox.credentials
    monkeypatch.setenv("SAGESYNC_ATELIER_PLATFORM_PASSWORD", password)
    options = ["--company", "ATELIER DEMO", "--period-start", "2025-01-01", "--sage-location", f"embedded:{company}",
               "--email", email, "--base-url", sandbox.base_url]
    result = run("new", "atelier", *options, "--organization-id", "99", "--team-id", "3418")
    assert result.exit_code == 2
    assert "platform.organization_id: the organization « 99 » is not among those the login sees" in result.output
    assert run("new", "atelier", *options, "--organization-id", "1207", "--team-id", "3418").exit_code == 0


def test_a_mae_company_is_asked_for_its_sage_export_and_its_codes_come_from_it(export: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.txt"
    answers = lines("ACME", "2025-01-01", "C:\\Sage\\ACME.mae", str(missing), str(export),
                    "compta@acme.fr", "", "", "",  # no platform password: organization and team left empty
                    "", "n")  # no Sage password now; do not save a profile the export contradicts
    result = run("new", "acme", "--interactive", "--from-defaults", input=answers)
    out = result.output
    assert "#MPLG" in out and "Fichier > Exporter > Format Sage" in out  # what the export is and how to make it
    assert f"the Sage export « {missing} » does not exist" in out  # asked again
    assert "Read from the Sage company: 3 journals" in out
    # The defaults name accounts and codes this company lacks: listed, and the profile not saved when told so.
    assert "account 467000 does not exist in the company" in out and "VAT code E10 (10 %) does not exist" in out
    assert result.exit_code == 2 and ProfileStore().names() == []


def test_a_sage_export_given_as_an_option_is_read_and_checked(export: Path, tmp_path: Path) -> None:
    options = ["--company", "ACME", "--period-start", "2025-01-01", "--sage-location", "C:\\Sage\\ACME.mae",
               "--email", "compta@acme.fr"]
    missing = run("new", "acme", *options, "--sage-export", str(tmp_path / "nowhere.txt"))
    assert missing.exit_code == 2 and "sage_export: the Sage export «" in missing.output
    wrong = run("new", "acme", *options, "--sage-export", str(export))
    assert wrong.exit_code == 2 and "account 467000 does not exist in the company" in wrong.output
    # Without an export the profile is saved, the codes checked by its own rules, and the user told how to add it.
    saved = run("new", "acme", *options)
    assert saved.exit_code == 0 and "--sage-export FILE" in saved.output
    edited = run("edit", "acme", "--sage-export", str(export))
    assert edited.exit_code == 0, edited.output
    assert "warning: account 467000 does not exist" in edited.output  # not the value just set: a warning
    assert ProfileStore().get("acme").sage_export == str(export)


def test_the_readers_name_what_they_could_not_read(tmp_path: Path, sandbox: SandboxHandle) -> None:
    with pytest.raises(SetupReadError, match="no company at"):
        company_reference_at(f"embedded:{tmp_path / 'none.sqlite'}")
    assert company_reference_at("C:\\Sage\\ACME.mae") is None  # nothing to read from here without its export
    assert company_reference_at("") is None
    email, _password = sandbox.credentials
    with pytest.raises(SetupReadError, match="no platform password"):
        platform_answer(stored_login("", sandbox.base_url, email))
    with pytest.raises(SetupReadError, match="« ftp://x »"):
        platform_answer(stored_login("", "ftp://x", email, "secret"))


def test_the_questions_speak_french(company: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAGESYNC_LANG", "fr")
    result = run("new", "atelier", "--company", "ATELIER DEMO", "--period-start", "2025-01-01", "--sage-location",
                 f"embedded:{company}", "--email", "demo@sagesync.test", "--journal", "VTX")
    assert result.exit_code == 2
    assert "le journal VTX n'existe pas dans la société" in result.output
