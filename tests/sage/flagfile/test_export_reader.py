"""The company snapshot read from a hand-made Sage export (sage100.md §2.5)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sagesync.core.checks import check_setup
from sagesync.core.findings import FindingCode
from sagesync.core.reference import AccountInfo, JournalInfo, VatCodeInfo
from sagesync.profiles.defaults import default_mapping
from sagesync.sage.export_reader import read_export_reference
from sagesync.sage.flagfile import FlagFileError
from tests.sage.flagfile.hand_made import entry_line, export_file, record, slots


def account(number: str, name: str, nature: str, *, analytic: bool = False, currency_option: bool = False,
            currency_number: str = "0", total: bool = False, dormant: bool = False, vat_code: str = "") -> list[str]:
    # 1 numéro, 2 type, 3 intitulé, 4 abrégé, 5 nature, 11 analytique, 15 tiers, 18 devise, 19 n° devise,
    # 20 code taxe, 21 sommeil
    return record("MPLG", 23, {1: number, 2: "1" if total else "0", 3: name, 4: name[:17], 5: nature,
                               11: "1" if analytic else "0", 15: "1" if nature == "1" else "0",
                               18: "1" if currency_option else "0", 19: currency_number, 20: vat_code,
                               21: "1" if dormant else "0"})


def tax(code: str, rate: str, vat_account: str, *accounts: str) -> list[str]:
    # 1 intitulé, 2 type taux, 3 taux, 4 type, 5 compte TVA, 6 code, 8 sens (1 collectée); then HT accounts
    return record("MTAX", 15, {1: f"TVA {rate}", 2: "0", 3: rate, 4: "1", 5: vat_account, 6: code, 7: "0", 8: "1"},
                  tail=accounts)


def journal(code: str, name: str, journal_type: str, dormant: str = "0") -> list[str]:
    return record("MCJR", 16, {1: code, 2: name, 4: journal_type, 5: "1", 9: dormant})


EXPORT = export_file(
    record("MDEV", 640, slots(32, 20, {1: {1: "Dollar US", 7: "USD"}, 2: {1: "Franc suisse", 7: "CHF"},
                                       4: {1: "Livre sterling", 7: "GBP"}})),
    record("MANA", 253, slots(11, 23, {1: {1: "Activité"}, 2: {1: "PROJET", 2: "ATTENTE"}})),
    journal("ACH", "Achats", "0"), journal("VTE", "Ventes", "1"), journal("OD", "Opérations diverses", "3", "1"),
    account("4", "Comptes de tiers", "0", total=True),
    account("411000", "Clients", "1", currency_option=True),
    account("445742", "TVA collectée 20 % encaissements", "0"),
    account("706000", "Honoraires", "9", analytic=True, currency_option=True, currency_number="1"),
    account("706300", "Honoraires export", "9", analytic=True, currency_option=True, currency_number="3"),
    account("708500", "Frais refacturés", "9", analytic=True, vat_code="E20"),
    account("471000", "Attente", "0", dormant=True),
    tax("E20", "20,0000", "445742", "706000", "708500"),
    tax("E055", "5,5000", "445745"),
    tax("EXO", "0,0000", ""),
    record("MPCT", 133, {1: "DUPONT", 2: "Atelier Dupont", 3: "0", 4: "411000"}, tail=["411000"]),
    record("MRLT", 11, {1: "1", 2: "0", 3: "30"}),
    record("MPCT", 133, {1: "MARTIN", 2: "Martin", 3: "0", 4: "411000"}, tail=["411000", "411100"]),
    record("MPCA", 22, {1: "2", 2: "PRJ001", 3: "École"}),
    record("MPCA", 22, {1: "2", 2: "PRJ002", 3: "Médiathèque"}),
    record("MPCA", 22, {1: "1", 2: "ARCHI", 3: "Architecture"}),
    entry_line("VTE", "030325", "F1", "411000", "0", "120,00", tiers="DUPONT"),
    entry_line("VTE", "030325", "F1", "706000", "1", "100,00", vat_code="E20"),
    record("MECA", 4, {1: "2", 2: "PRJ001", 3: "100,00", 4: "0,00"}),
    entry_line("VTE", "030325", "F1", "445742", "1", "20,00", vat_code="E20"),
)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "export.txt"
    path.write_bytes(EXPORT)
    return path


def test_accounts_are_the_detail_accounts_in_use_with_their_options(export: Path) -> None:
    reference = read_export_reference(export, journal="VTE", plan="PROJET")
    assert reference.accounts == {
        "411000": AccountInfo("411000", "Clients", analytic=False, currency_entry=True, currency=""),
        "445742": AccountInfo("445742", "TVA collectée 20 % encaissements"),
        "706000": AccountInfo("706000", "Honoraires", analytic=True, currency_entry=True, currency="USD"),
        # position 3 of the currency table is empty: no document currency can match it
        "706300": AccountInfo("706300", "Honoraires export", analytic=True, currency_entry=True,
                              currency="N_Devise 3"),
        "708500": AccountInfo("708500", "Frais refacturés", analytic=True),
    }  # "4" is a total account and 471000 is dormant: neither takes entries


def test_currencies_keep_their_position_in_the_table(export: Path) -> None:
    reference = read_export_reference(export, journal="VTE", plan="PROJET")
    assert reference.currencies == ("USD", "CHF", "", "GBP")
    assert (reference.currency_number("GBP"), reference.currency_number("EUR")) == (4, 0)


def test_tax_codes_plans_journals_tiers_and_sections(export: Path) -> None:
    reference = read_export_reference(export, journal="VTE", plan="projet")
    assert reference.vat_codes == {"E20": VatCodeInfo("E20", Decimal("20.0000"), "445742"),
                                   "E055": VatCodeInfo("E055", Decimal("5.5000"), "445745"),
                                   "EXO": VatCodeInfo("EXO", Decimal("0"), "")}
    assert reference.analytic_plans == {"Activité": 1, "PROJET": 2}
    assert reference.journals == {"ACH": JournalInfo("ACH", "Achats", 0), "VTE": JournalInfo("VTE", "Ventes", 1),
                                  "OD": JournalInfo("OD", "Opérations diverses", 3, dormant=True)}
    assert reference.tiers == frozenset({"DUPONT", "MARTIN"})
    assert reference.sections == frozenset({(2, "PRJ001"), (2, "PRJ002")})  # plan 1's ARCHI is left out
    assert reference.closed_months == frozenset()  # an export holds no period closings


def test_the_core_checks_run_against_the_export_snapshot(export: Path) -> None:
    findings = check_setup(default_mapping(), read_export_reference(export, journal="VTE", plan="PROJET"))
    codes = {finding.code for finding in findings}
    assert FindingCode.JOURNAL_MISSING not in codes and FindingCode.ANALYTIC_PLAN_MISSING not in codes
    missing = {finding.message.split()[1] for finding in findings if finding.code is FindingCode.ACCOUNT_MISSING}
    assert "706000" not in missing and "411000" not in missing and "467000" in missing


def test_a_settings_record_too_short_for_its_named_fields_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_bytes(export_file(record("MPLG", 12, {1: "706000", 2: "0", 3: "Honoraires"})))
    with pytest.raises(FlagFileError) as caught:
        read_export_reference(path, journal="VTE", plan="PROJET")
    assert caught.value.line == 4 and "on line 21" in caught.value.message  # field 21 (sommeil) is missing


def test_a_bad_number_points_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(export_file(journal("VTE", "Ventes", "vente")))
    with pytest.raises(FlagFileError) as caught:
        read_export_reference(path, journal="VTE", plan="PROJET")
    assert caught.value.line == 4 + 4  # #MCJR on line 4, its type on line 8
