"""French by default everywhere a person reads (the ``sagesync`` domain).

Every message the code marks (``_``, ``N_``, ``ngettext``), extracted from the source with Babel,
has a French translation with the same ``{named}`` fields; and a few real outputs are French when
no language is chosen, English with ``SAGESYNC_LANG=en`` or ``--lang en``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagesync import i18n, i18n_tools
from sagesync.core.checks import check_customers
from sagesync.core.model import Customer, DocumentKind
from tests.builders import document, line


@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The product's default: no language chosen at all."""
    monkeypatch.delenv(i18n.LANGUAGE_VARIABLE, raising=False)
    yield


def test_every_message_of_the_sagesync_domain_has_a_french_translation() -> None:
    template = i18n_tools.extract()
    assert sum(1 for message in template if message.id) > 100  # the extraction found the code's messages
    problems = i18n_tools.check("fr", template)
    assert problems == [], "\n".join(problems)


def test_the_console_is_not_part_of_the_sagesync_domain() -> None:
    files = i18n_tools.source_files()
    assert not [path for path in files if "interfaces/console" in path.as_posix()]
    assert any(path.name == "checks.py" for path in files)


def test_placeholders_are_compared_by_name() -> None:
    assert i18n_tools.fields("journal {journal} ({rate} %)") == {"journal", "rate"}
    assert i18n_tools.fields("{amount:>10} TTC") == {"amount"}
    assert i18n_tools.fields("no field") == set()


def test_french_is_the_default_and_english_is_on_request(french: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert i18n.current_language() == "fr"
    assert i18n._("the document has no lines") == "le document n'a aucune ligne"
    monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "en")
    assert i18n._("the document has no lines") == "the document has no lines"
    with i18n.language("fr"):
        assert i18n._("the document has no lines") == "le document n'a aucune ligne"


def test_a_finding_and_its_fix_are_french_by_default(french: None) -> None:
    [finding] = check_customers([Customer(source_id="7", code="", name="Dupont")])
    assert finding.document == "client Dupont"
    assert finding.message == "le client n'a pas de code client"
    assert finding.fix.startswith("Sur la plateforme, Facturation > Clients")
    with i18n.language("en"):
        [english] = check_customers([Customer(source_id="7", code="", name="Dupont")])
    assert english.message == "the client has no client code"


def test_a_document_is_a_facture_or_an_avoir_in_french(french: None) -> None:
    invoice = document(line("100,00"), number="F2025-014")
    credit_note = document(line("100,00"), number="AV-3", kind=DocumentKind.CREDIT_NOTE)
    assert (invoice.display_name, credit_note.display_name) == ("facture F2025-014", "avoir AV-3")
    with i18n.language("en"):
        assert (invoice.display_name, credit_note.display_name) == ("invoice F2025-014", "credit note AV-3")


def test_the_help_is_french_by_default_and_english_with_lang_en(french: None) -> None:
    from typer.testing import CliRunner

    from sagesync.interfaces.cli.app import app

    runner = CliRunner()
    french_help = runner.invoke(app, ["--help"])
    assert french_help.exit_code == 0, french_help.output
    assert "Importer les clients" in french_help.output and "Langue des messages" in french_help.output
    english_help = runner.invoke(app, ["--lang", "en", "status", "--help"])
    assert english_help.exit_code == 0, english_help.output
    assert "Where the company's documents stand" in english_help.output
    assert "Profile (company) name." in english_help.output


def test_status_and_the_check_report_are_french_by_default_english_on_request(
        french: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from sagesync.interfaces.cli.app import app

    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    demo = runner.invoke(app, ["demo", "--json"])
    assert demo.exit_code == 0, demo.output
    check = next(report for report in json.loads(demo.stdout) if report["step"] == "check")
    with Path(check["outputs"]["report_csv"]).open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == ["document", "identifiant plateforme", "gravité", "code", "champ", "problème",
                       "comment corriger"]
    assert any(row[0].startswith(("facture ", "avoir ")) and row[2] == "bloquant" for row in rows[1:])
    html = Path(check["outputs"]["report_html"]).read_text(encoding="utf-8")
    assert "<html lang='fr'>" in html and "comment corriger" in html

    status = runner.invoke(app, ["status", "--profile", "demo"])
    assert status.exit_code == 0, status.output
    assert "anomalies bloquantes en cours" in status.output and "traitement" in status.output
    english = runner.invoke(app, ["--lang", "en", "status", "--profile", "demo"])
    assert "current blocking findings" in english.output and "anomalies" not in english.output
    monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "en")
    assert "current blocking findings" in runner.invoke(app, ["status", "--profile", "demo"]).output
