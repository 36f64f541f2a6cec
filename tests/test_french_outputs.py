"""French by default, second pass: the run's headline, finding kinds, ledger, profile, FEC and CLI messages.

Each test reads a real output in French (no language chosen, the product's default) and, where the English
matters to a script or a support engineer, in English too.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagesync import i18n
from sagesync.core.findings import FindingCode
from sagesync.core.labels import FINDING_LABELS, finding_label, status_label
from sagesync.errors import ConfigurationError
from sagesync.interfaces.cli.render import headline
from sagesync.ledger.delivery import DeliveryDesk, LedgerMismatchError
from sagesync.ledger.store import Ledger
from sagesync.profiles.check import PlatformAnswer, check_profile
from sagesync.profiles.defaults import default_mapping
from sagesync.profiles.model import Profile
from sagesync.sage.company import init_company
from sagesync.sage.embedded_port import EmbeddedCompany
from sagesync.steps.events import RunReport, Step
from tests.builders import company
from tests.profiles.conftest import acme_table


@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(i18n.LANGUAGE_VARIABLE, raising=False)
    yield


def _sync_reports(*, writeback: Counter[str]) -> list[RunReport]:
    check = RunReport(Step.CHECK, "ACME", counts=Counter(ready=207, blocked=5))
    invoices = RunReport(Step.INVOICES, "ACME", counts=Counter(posted=207, blocked=5, draft=1))
    return [check, invoices, RunReport(Step.WRITEBACK, "ACME", counts=writeback)]


def test_every_finding_code_has_a_label_and_french_reads_words(french: None) -> None:
    assert set(FINDING_LABELS) == set(FindingCode)
    assert finding_label("closed_period") == "période clôturée"
    assert finding_label("vat_rate_unmapped") == "taux de TVA sans code taxe"
    assert finding_label("not_a_code") == "not a code"
    with i18n.language("en"):
        assert finding_label("closed_period") == "closed period"


def test_a_run_status_is_not_a_count(french: None) -> None:
    assert (status_label("ok"), status_label("blocked"), status_label("failed")) == ("ok", "à corriger", "échec")


def test_the_headline_says_what_the_run_did_in_french(french: None) -> None:
    lines = headline(_sync_reports(writeback=Counter(kept_in_sagesync=207)))
    assert lines == ["[green]207 écritures comptabilisées[/], [red]5 documents à corriger[/]",
                     "207 statuts conservés dans sagesync (retour plateforme désactivé)"]
    sent = headline(_sync_reports(writeback=Counter(acknowledged=207, failed=1)))
    assert sent[1] == "207 statuts envoyés à la plateforme, [red]1 non envoyé (nouvel essai au prochain traitement)[/]"
    one = headline([RunReport(Step.INVOICES, "ACME", counts=Counter(posted=1))])
    assert one == ["[green]1 écriture comptabilisée[/]"]  # singular, and no red when nothing blocks
    again = headline([RunReport(Step.INVOICES, "ACME", counts=Counter(already_posted=207))])
    assert again == ["aucune nouvelle écriture comptabilisée (207 déjà en comptabilité)"]


def test_the_headline_in_english(french: None) -> None:
    with i18n.language("en"):
        lines = headline(_sync_reports(writeback=Counter(kept_in_sagesync=207)))
        checked = headline([RunReport(Step.CHECK, "ACME", counts=Counter(ready=1))])
    assert lines == ["[green]207 entries posted[/], [red]5 documents to fix[/]",
                     "207 statuses kept in sagesync (write-back to the platform turned off)"]
    assert checked == ["1 invoice ready to post"]


def test_a_ledger_of_another_company_is_refused_in_french(french: None, tmp_path: Path) -> None:
    init_company(tmp_path / "company.sqlite", "ACME").dispose()
    port = EmbeddedCompany(tmp_path / "company.sqlite", default_mapping())
    ledger = Ledger(tmp_path / "ledger.sqlite")
    try:
        DeliveryDesk(ledger, port, "ACME", analytic_plan="PROJET", company_key="embedded:other",
                     company_label="AUTRE SOCIETE").verify()
        mine = DeliveryDesk(ledger, port, "ACME", analytic_plan="PROJET", company_key="embedded:acme",
                            company_label="ACME")
        with pytest.raises(LedgerMismatchError) as caught:
            mine.verify()
        assert str(caught.value).startswith(f"le registre {ledger.path} est celui d'une autre société (AUTRE SOCIETE), "
                                            "pas de ACME : rien n'a été écrit.")
        assert "`sagesync ledger rebuild`" in str(caught.value)  # a command is never translated
        with i18n.language("en"), pytest.raises(LedgerMismatchError, match="is the book of another company"):
            mine.verify()
    finally:
        ledger.dispose()


def test_a_profile_validation_error_is_french(french: None) -> None:
    table = copy.deepcopy(acme_table())
    table["accounts"]["collective"] = "512000"
    table["sales_journal"] = "vente journal"
    with pytest.raises(ConfigurationError) as caught:
        Profile.from_table("acme", table)
    message = str(caught.value)
    assert message.startswith("le profil 'acme' a 2 problèmes (corrigez profiles.toml ou lancez "
                              "`sagesync profile edit acme`) :")
    # the setting's name stays as it is, what is wrong and what is expected are French
    assert ("profiles.acme.accounts.collective: '512000' n'est pas un compte client (attendu : un compte collectif "
            "clients de la classe 41, par exemple 411000)") in message
    assert "profiles.acme.sales_journal: 'VENTE JOURNAL' n'est pas un code journal" in message
    table = copy.deepcopy(acme_table())
    table["vat"][0]["rate"] = 5.5
    with pytest.raises(ConfigurationError, match="le profil 'acme' a 1 problème "):
        Profile.from_table("acme", table)


def test_profile_check_lines_are_french(french: None) -> None:
    profile = Profile.from_table("acme", acme_table())
    answer = PlatformAnswer("compta@acme.fr", ())
    lines = check_profile(profile, company_reference=company, platform_probe=lambda: answer)
    assert [line.what for line in lines][:5] == [
        "société Sage ACME ARCHITECTES", "journal des ventes VTE", "plan analytique PROJET", "comptes (9)",
        "codes taxe de TVA sur les encaissements (5)"]
    assert lines[1].detail == "existe et est un journal des ventes"
    organization = lines[-1]
    assert (organization.what, organization.ok) == ("organisation sur la plateforme", False)
    assert organization.detail == ("12 n'est pas une organisation de compta@acme.fr ; l'identifiant ne voit aucune "
                                   "organisation")
    assert organization.fix == "Corrigez-la : `sagesync profile edit acme --organization-id ID`."
    from sagesync.interfaces.cli.profile_commands import _render

    assert _render(organization).splitlines() == [
        "[!!] organisation sur la plateforme : 12 n'est pas une organisation de compta@acme.fr ; l'identifiant ne voit "
        "aucune organisation", "     à faire : Corrigez-la : `sagesync profile edit acme --organization-id ID`."]


def test_the_fec_checkers_report_is_french(french: None, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sagesync.interfaces.cli.app import app
    from tests.fec.test_fec_check import fec, setter

    path = fec(tmp_path, setter(3, "Credit", "900,00"))  # VTE000001 and the file no longer balance
    result = CliRunner().invoke(app, ["export", "fec", "--check", str(path)])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        f"{path} : encodage iso-8859-15, séparateur tabulation, 5 lignes, 2 écritures, débit 1291,37, crédit 1191,37.",
        "ligne 2 EcritureNum : l'écriture VTE000001 du journal VTE (lignes 2 à 4) n'est pas équilibrée : "
        "débit 1200,00, crédit 1100,00 [entry_unbalanced]",
        "fichier : le fichier n'est pas équilibré : débit 1291,37, crédit 1191,37 [file_unbalanced]",
        "2 problèmes.",
    ]
    english = CliRunner().invoke(app, ["--lang", "en", "export", "fec", "--check", str(path)])
    assert english.output.splitlines()[-1] == "2 problems."
    assert "entry VTE000001 of journal VTE (lines 2-4) does not balance" in english.output


def test_the_headline_counts_clients_and_projects_apart_from_documents(french: None) -> None:
    reports = [RunReport(Step.CUSTOMERS, "ACME", counts=Counter(created=20, rejected=3)),
               RunReport(Step.PROJECTS, "ACME", counts=Counter(created=29, rejected=1)),
               RunReport(Step.INVOICES, "ACME", counts=Counter(posted=207, blocked=4))]
    assert headline(reports) == ["[green]207 écritures comptabilisées[/], [red]4 documents à corriger[/], "
                                 "[red]4 fiches clients ou projets à corriger[/]"]
