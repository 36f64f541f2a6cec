"""The embedded Sage company: created once, seeded so a fresh install passes `profile check`."""

from __future__ import annotations

import sys
import types
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.dialects import mssql
from sqlalchemy.schema import CreateTable

from sagesync.core.checks import check_document, check_setup
from sagesync.core.findings import FindingCode
from sagesync.core.mapping import VatRegime
from sagesync.core.model import RevenueKind
from sagesync.core.reference import CompanyReference
from sagesync.errors import ConfigurationError
from sagesync.profiles.defaults import DEFAULT_VAT_RATES, default_mapping
from sagesync.sage import schema
from sagesync.sage.company import init_company, open_company
from sagesync.sage.reader import read_company_reference
from tests.builders import check_context, d, document, line

# Every F_ECRITUREC column sage100.md §3 lists, copied from the reference by hand.
SECTION_3_ENTRY_COLUMNS = """
cbMarq EC_No JO_Num JM_Date EC_Jour EC_Date EC_Piece EC_RefPiece EC_TresoPiece CG_Num CG_NumCont CT_Num
CT_NumCont EC_Intitule N_Reglement EC_Echeance EC_Parite EC_Quantite N_Devise EC_Sens EC_Montant EC_Lettre
EC_Lettrage EC_Point EC_Pointage EC_LettreQ EC_LettrageQ EC_Impression EC_Cloture EC_CType EC_Rappel EC_ANType
EC_RType EC_Devise EC_Remise EC_ExportExpert TA_Code EC_Norme TA_Provenance EC_PenalType EC_DatePenal
EC_DateRelance EC_DateRappro EC_Reference EC_StatusRegle EC_MontantRegle EC_DateRegle EC_RIB EC_DateOp
EC_NoCloture cbProt cbCreateur cbModification cbReplication cbFlag
""".split()  # noqa: SIM905 - the reference's list, kept readable

SQL_SERVER = mssql.dialect()  # type: ignore[no-untyped-call]


@pytest.fixture
def company_path(tmp_path: Path) -> Path:
    path = tmp_path / "atelier.sqlite"
    init_company(path, "Atelier Dupont Architectes").dispose()
    return path


def reference_of(path: Path, journal: str = "VTE", plan: str = "PROJET") -> CompanyReference:
    engine = open_company(str(path))
    try:
        with engine.connect() as connection:
            return read_company_reference(connection, journal=journal, plan=plan)
    finally:
        engine.dispose()


def test_init_creates_every_sage_table(company_path: Path) -> None:
    engine = create_engine(f"sqlite:///{company_path.as_posix()}")
    tables = set(inspect(engine).get_table_names())
    assert {"F_COMPTEG", "F_COMPTET", "F_COMPTEA", "P_ANALYTIQUE", "F_JOURNAUX", "F_JMOUV", "F_TAXE", "P_DEVISE",
            "F_ECRITUREC", "F_ECRITUREA"} <= tables
    entry_columns = {column["name"] for column in inspect(engine).get_columns("F_ECRITUREC")}
    assert set(SECTION_3_ENTRY_COLUMNS) <= entry_columns
    assert {"CG_Devise", "N_Devise", "CG_Analytique"} <= {c["name"] for c in inspect(engine).get_columns("F_COMPTEG")}
    assert "CG_NumPrinc" in {column["name"] for column in inspect(engine).get_columns("F_COMPTET")}
    engine.dispose()


@pytest.mark.parametrize("regime", list(VatRegime))
def test_a_fresh_company_passes_the_profile_check(company_path: Path, regime: VatRegime) -> None:
    assert check_setup(default_mapping(regime), reference_of(company_path)) == []


def test_every_account_and_vat_code_of_the_default_mapping_exists_as_mapped(company_path: Path) -> None:
    reference = reference_of(company_path)
    for regime in VatRegime:
        for account in default_mapping(regime).accounts_in_use():
            assert account in reference.accounts, account
    for rate, code_debits, account_debits, code_receipts, account_receipts in DEFAULT_VAT_RATES:
        for code, account in ((code_debits, account_debits), (code_receipts, account_receipts)):
            assert reference.vat_codes[code].rate == d(rate)
            assert reference.vat_codes[code].account == account


def test_the_seeded_options_an_accountant_expects(company_path: Path) -> None:
    reference = reference_of(company_path)
    accounts = reference.accounts
    assert accounts["411000"].currency_entry and not accounts["411000"].analytic
    assert accounts["706000"].analytic and accounts["706000"].currency_entry
    assert accounts["706300"].analytic
    assert accounts["708500"].analytic and not accounts["708500"].currency_entry
    assert not accounts["467000"].currency_entry
    assert {number for number in accounts if number.startswith("4457")} == {
        "445711", "445712", "445713", "445715", "445741", "445742", "445743", "445745"}
    assert {"411700", "419100", "512000", "656000", "756000", "658000", "758000", "706100", "706200",
            "709000"} <= set(accounts)
    assert {code: info.journal_type for code, info in reference.journals.items()} == {
        "VTE": 1, "ACH": 0, "BQ1": 2, "OD": 3}
    assert reference.analytic_plans == {"PROJET": 1}
    assert reference.currencies == ("USD", "CHF", "GBP")
    assert reference.vat_codes["EXO"].rate == 0
    assert reference.closed_months == frozenset() and reference.tiers == frozenset()


def test_the_fixed_parameter_tables_have_their_sage_sizes(company_path: Path) -> None:
    engine = open_company(str(company_path))
    with engine.connect() as connection:
        plans = connection.execute(select(schema.P_ANALYTIQUE.c.cbIndice, schema.P_ANALYTIQUE.c.A_Intitule)
                                   .order_by(schema.P_ANALYTIQUE.c.cbIndice)).all()
        currency_slots = connection.execute(select(func.count()).select_from(schema.P_DEVISE)).scalar_one()
        account_natures = dict(connection.execute(select(schema.F_COMPTEG.c.CG_Num, schema.F_COMPTEG.c.N_Nature)).all())
        detail = connection.execute(select(func.count()).where(schema.F_COMPTEG.c.CG_Type != 0)).scalar_one()
    engine.dispose()
    assert [index for index, _ in plans] == list(range(1, 12))
    assert [name for _, name in plans] == ["PROJET"] + [""] * 10
    assert currency_slots == 32
    assert (account_natures["411000"], account_natures["512000"], account_natures["706000"],
            account_natures["656000"]) == (1, 4, 9, 8)
    assert detail == 0


def test_a_usd_document_with_expenses_is_refused_by_the_check_on_a_fresh_company(company_path: Path) -> None:
    context = check_context(reference=reference_of(company_path))
    with_expenses = document(line("1 000,00"), line("100,00", kind=RevenueKind.EXPENSES, description="Tirages"),
                             currency="USD", rate="0,92")
    fees_only = document(line("1 000,00"), currency="USD", rate="0,92")
    refused = check_document(with_expenses, context, "v1").findings
    assert [(f.code, "708500" in f.message) for f in refused] == [(FindingCode.CURRENCY_NOT_ALLOWED, True)]
    assert check_document(fees_only, context, "v1").findings == ()


def test_closed_months_are_written_closed_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "closed.sqlite"
    init_company(path, "Atelier", closed_months=[("VTE", date(2024, 12, 17)), ("VTE", date(2024, 12, 3)),
                                                 ("ACH", date(2025, 1, 9))]).dispose()
    # every journal's closed months: the sales journal's for invoices, the bank's for payments
    closed = frozenset({("VTE", date(2024, 12, 1)), ("ACH", date(2025, 1, 1))})
    assert reference_of(path).closed_months == reference_of(path, journal="ACH").closed_months == closed
    assert not reference_of(path).is_closed("ACH", date(2024, 12, 1))
    assert reference_of(path).is_closed("VTE", date(2024, 12, 31))
    assert not reference_of(path).is_closed("VTE", date(2025, 1, 1))


def test_a_closed_month_of_an_unknown_journal_is_refused_and_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "company.sqlite"
    with pytest.raises(ConfigurationError, match="journal XYZ"):
        init_company(path, "Atelier", closed_months=[("XYZ", date(2025, 1, 1))])
    assert not path.exists()


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "books.sqlite"
    path.write_bytes(b"the books of another firm")
    with pytest.raises(ConfigurationError) as raised:
        init_company(path, "Atelier")
    assert str(path) in str(raised.value)
    assert path.read_bytes() == b"the books of another firm"


def test_an_existing_company_is_never_overwritten(company_path: Path) -> None:
    before = company_path.read_bytes()
    with pytest.raises(ConfigurationError, match="never overwritten"):
        init_company(company_path, "Other")
    assert company_path.read_bytes() == before


def test_init_creates_missing_folders(tmp_path: Path) -> None:
    path = tmp_path / "firm" / "sage" / "company.sqlite"
    init_company(path, "Atelier").dispose()
    assert reference_of(path).journals["VTE"].label == "Ventes"


def test_open_company_accepts_a_path_and_a_sqlite_url(company_path: Path) -> None:
    for location in (str(company_path), f"sqlite:///{company_path.as_posix()}"):
        engine = open_company(location)
        assert engine.dialect.name == "sqlite"
        with engine.connect() as connection:
            assert read_company_reference(connection, journal="VTE", plan="PROJET").analytic_plans == {"PROJET": 1}
        engine.dispose()


def test_open_company_refuses_a_missing_file_without_creating_it(tmp_path: Path) -> None:
    for location in (str(tmp_path / "none.sqlite"), f"sqlite:///{(tmp_path / 'none.sqlite').as_posix()}"):
        with pytest.raises(ConfigurationError, match="company init"):
            open_company(location)
    assert not (tmp_path / "none.sqlite").exists()


def test_open_company_refuses_a_database_that_is_not_a_sage_company(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    engine = create_engine(f"sqlite:///{path.as_posix()}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE documents (id INTEGER)")
    engine.dispose()
    with pytest.raises(ConfigurationError, match=r"not a Sage company: tables .*F_COMPTEG"):
        open_company(str(path))
    text_file = tmp_path / "notes.sqlite"
    text_file.write_text("not a database at all, " * 100, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not a SQLite database"):
        open_company(str(text_file))


def test_a_mae_file_is_explained_not_opened(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as raised:
        open_company(str(tmp_path / "BIJOU.MAE"))
    message = str(raised.value)
    assert "file target" in message and "export" in message and "mssql+pyodbc://" in message


def test_open_company_does_not_connect_to_sql_server(monkeypatch: pytest.MonkeyPatch) -> None:
    # pyodbc needs a native ODBC library: a stand-in module proves no connection is attempted.
    driver = types.ModuleType("pyodbc")

    class Cursor:
        def nextset(self) -> None: ...

    def connect(*args: object, **kwargs: object) -> None:
        raise AssertionError("open_company must not connect")

    driver.__dict__.update(paramstyle="qmark", version="5.2.0", Cursor=Cursor, connect=connect)
    monkeypatch.setitem(sys.modules, "pyodbc", driver)
    engine = open_company("mssql+pyodbc://sage:s3cret@sqlsrv/BIJOU?driver=ODBC+Driver+18+for+SQL+Server")
    assert engine.dialect.name == "mssql"
    assert "s3cret" not in repr(engine)


def test_a_missing_sql_server_driver_is_a_configuration_error_without_the_password(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyodbc", None)  # None in sys.modules makes the import fail
    with pytest.raises(ConfigurationError, match="pyodbc") as raised:
        open_company("mssql+pyodbc://sage:s3cret@sqlsrv/BIJOU?driver=ODBC+Driver+18+for+SQL+Server")
    assert "s3cret" not in str(raised.value)


def test_other_databases_are_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match="unsupported database 'postgresql'"):
        open_company("postgresql://sage:s3cret@host/db")


def test_the_ddl_compiles_for_sql_server_with_sage_types() -> None:
    entries = str(CreateTable(schema.F_ECRITUREC).compile(dialect=SQL_SERVER))
    assert "[EC_Montant] NUMERIC(24, 6) NOT NULL" in entries
    assert "[cbMarq] INTEGER NOT NULL IDENTITY" in entries
    assert "[EC_No] INTEGER NOT NULL," in entries  # unique, but numbered by us, not an identity
    assert "[EC_Date] DATETIME NOT NULL" in entries
    for table in schema.SAGE_TABLES:
        CreateTable(table).compile(dialect=SQL_SERVER)
