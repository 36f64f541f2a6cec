"""Reading a Sage company: the snapshot the checks use, and statements fit for SQL Server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, Select, insert, update
from sqlalchemy.dialects import mssql

from sagesync.core.model import Customer, Project
from sagesync.core.reference import CompanyReference
from sagesync.sage import reader, schema
from sagesync.sage.company import init_company
from sagesync.sage.reader import existing_pieces, next_ec_no, read_company_reference
from sagesync.sage.rows import section_row, tiers_row

SQL_SERVER = mssql.dialect()  # type: ignore[no-untyped-call]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = init_company(tmp_path / "company.sqlite", "Atelier")
    yield engine
    engine.dispose()


def entry_line(ec_no: int, journal: str, reference: str, amount: str = "100.00") -> dict[str, object]:
    return {"JO_Num": journal, "EC_No": ec_no, "JM_Date": datetime(2025, 3, 1), "EC_Jour": 14,
            "EC_Date": datetime(2025, 3, 14), "EC_Piece": reference[-13:], "EC_RefPiece": reference,
            "CG_Num": "706000", "EC_Intitule": f"Facture {reference}", "EC_Sens": 1, "EC_Montant": Decimal(amount)}


def snapshot(connection: Connection, journal: str = "VTE", plan: str = "PROJET") -> CompanyReference:
    return read_company_reference(connection, journal=journal, plan=plan)


def test_tiers_and_sections_already_in_the_company_are_in_the_snapshot(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(insert(schema.F_COMPTET), [tiers_row(Customer("1", "dupont", "Dupont SA"), "411000"),
                                                      {**tiers_row(Customer("2", "IMPRIM", "Imprimerie"), "401000"),
                                                       "CT_Type": 1}])
        connection.execute(insert(schema.F_COMPTEA), [section_row(Project("p1", "prj001", "Médiathèque"), 1),
                                                      section_row(Project("p9", "OTHER", "Other plan"), 2)])
        connection.execute(update(schema.P_ANALYTIQUE).where(schema.P_ANALYTIQUE.c.cbIndice == 2)
                           .values(A_Intitule="PHASE"))
        reference = snapshot(connection)
        phases = snapshot(connection, plan="PHASE")
    assert reference.tiers == frozenset({"DUPONT", "IMPRIM"})  # a supplier's code is taken too
    assert reference.sections == frozenset({(1, "PRJ001")})
    assert reference.analytic_plans == {"PROJET": 1, "PHASE": 2}
    assert phases.sections == frozenset({(2, "OTHER")})


def test_only_a_fully_closed_month_is_closed(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(insert(schema.F_JMOUV), [
            {"JO_Num": "VTE", "JM_Date": datetime(2025, 1, 1), "JM_Cloture": 2},
            {"JO_Num": "VTE", "JM_Date": datetime(2025, 2, 1), "JM_Cloture": 1},  # partial: new entries allowed
            {"JO_Num": "VTE", "JM_Date": datetime(2025, 3, 1), "JM_Cloture": 0},
            {"JO_Num": "ACH", "JM_Date": datetime(2025, 4, 1), "JM_Cloture": 2},
        ])
        reference = snapshot(connection)
    assert reference.closed_months == frozenset({("VTE", date(2025, 1, 1)), ("ACH", date(2025, 4, 1))})
    assert reference.is_closed("VTE", date(2025, 1, 31)) and reference.is_closed("ACH", date(2025, 4, 10))
    assert not reference.is_closed("VTE", date(2025, 2, 10))
    assert not reference.is_closed("VTE", date(2025, 4, 10))


def test_total_and_dormant_accounts_take_no_entries_so_they_are_left_out(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(update(schema.F_COMPTEG).where(schema.F_COMPTEG.c.CG_Num == "706100")
                           .values(CG_Type=1))
        connection.execute(update(schema.F_COMPTEG).where(schema.F_COMPTEG.c.CG_Num == "706200")
                           .values(CG_Sommeil=1))
        accounts = snapshot(connection).accounts
    assert "706100" not in accounts and "706200" not in accounts
    assert accounts["706000"].label == "Honoraires"


def test_currency_positions_survive_an_empty_slot(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(update(schema.P_DEVISE).where(schema.P_DEVISE.c.cbIndice == 2)
                           .values(D_Intitule="", D_CodeISO=""))
        connection.execute(update(schema.P_DEVISE).where(schema.P_DEVISE.c.cbIndice == 5)
                           .values(D_Intitule="Yen", D_CodeISO="jpy"))
        connection.execute(update(schema.F_COMPTEG).where(schema.F_COMPTEG.c.CG_Num == "706300")
                           .values(N_Devise=5))
        connection.execute(update(schema.F_COMPTEG).where(schema.F_COMPTEG.c.CG_Num == "706200")
                           .values(N_Devise=7))  # points at an empty slot
        reference = snapshot(connection)
    assert reference.currencies == ("USD", "", "GBP", "", "JPY")
    assert reference.currency_number("GBP") == 3 and reference.currency_number("JPY") == 5
    assert reference.accounts["706300"].currency == "JPY"
    assert reference.accounts["706000"].currency == ""  # N_Devise 0: any currency
    assert reference.accounts["706200"].currency not in ("", "USD", "GBP", "JPY")


def test_existing_pieces_finds_the_posted_references_of_that_journal_only(engine: Engine) -> None:
    posted = [f"F2025-{number:05d}" for number in range(1, 1201)]
    with engine.begin() as connection:
        connection.execute(insert(schema.F_ECRITUREC), [
            entry_line(index, "VTE", reference) for index, reference in enumerate(posted[::2], start=1)])
        connection.execute(insert(schema.F_ECRITUREC), [entry_line(5000, "OD", "F2025-00002")])
        asked = [*posted, "F2025-00001", "NOT-POSTED"]  # more than one batch, one repeat
        found = existing_pieces(connection, "VTE", asked)
        nothing = existing_pieces(connection, "VTE", [])
    assert set(found) == set(posted[::2])  # each with the source reference of the piece holding it
    assert len(asked) > reader.PIECE_BATCH * 2
    assert nothing == {}


def test_next_ec_no_follows_the_highest_number(engine: Engine) -> None:
    with engine.begin() as connection:
        assert next_ec_no(connection) == 1
        connection.execute(insert(schema.F_ECRITUREC), [entry_line(41, "VTE", "A"), entry_line(7, "VTE", "B")])
        assert next_ec_no(connection) == 42


def all_statements() -> dict[str, Select]:  # type: ignore[type-arg]
    return {
        "accounts": reader.accounts_select(), "vat_codes": reader.vat_codes_select(),
        "currencies": reader.currencies_select(), "journals": reader.journals_select(),
        "analytic_plans": reader.analytic_plans_select(), "closed_months": reader.closed_months_select(),
        "tiers": reader.tiers_select(), "sections": reader.sections_select("PROJET"),
        "existing_pieces": reader.existing_pieces_select(), "last_ec_no": reader.last_ec_no_select(),
        "held_references": reader.held_references_select(), "sagesync_references": reader.sagesync_references_select(),
        "sagesync_lines": reader.sagesync_lines_select(), "analytic_of": reader.analytic_of_select(),
    }


def test_every_reader_statement_is_a_select_function_of_the_module() -> None:
    functions = {name.removesuffix("_select") for name in dir(reader) if name.endswith("_select")}
    assert functions == set(all_statements())


@pytest.mark.parametrize("name", sorted(all_statements()))
def test_every_statement_compiles_for_sql_server_with_bound_parameters(name: str) -> None:
    compiled = all_statements()[name].compile(dialect=SQL_SERVER)
    sql = str(compiled)
    assert sql.startswith("SELECT")
    assert "'" not in sql  # no value was formatted into the text
    assert not re.search(r"(=|!=|<>)\s*\d", sql)  # nor a number
    for keyword in ("INSERT", "UPDATE", "DELETE", "DROP", "CREATE"):
        assert keyword not in sql


def test_values_travel_as_parameters() -> None:
    closed = reader.closed_months_select().compile(dialect=SQL_SERVER)
    assert "2" not in str(closed) and 2 in closed.params.values()
    sections = reader.sections_select("PROJET").compile(dialect=SQL_SERVER)
    assert "PROJET" not in str(sections) and "PROJET" in sections.params.values()
    plans = reader.analytic_plans_select().compile(dialect=SQL_SERVER)
    assert "" in plans.params.values()
    accounts = reader.accounts_select().compile(dialect=SQL_SERVER)
    assert sorted(accounts.params.values()) == [0, 0]
    pieces = str(reader.existing_pieces_select().compile(dialect=SQL_SERVER))
    assert "[F_ECRITUREC].[JO_Num] = :journal" in pieces
    assert "IN (__[POSTCOMPILE_references])" in pieces


def test_padded_codes_read_as_sage_compares_them(engine: Engine) -> None:
    # SQL Server ignores trailing blanks in comparisons; a CHAR-padded code must not look missing.
    with engine.begin() as connection:
        connection.execute(insert(schema.F_COMPTEG), [{"CG_Num": "706400  ", "CG_Intitule": "Honoraires OPC "}])
        connection.execute(insert(schema.F_COMPTET), [{"CT_Num": "MARTIN ", "CT_Intitule": "Martin",
                                                       "CG_NumPrinc": "411000"}])
        reference = snapshot(connection)
    assert reference.accounts["706400"].label == "Honoraires OPC"
    assert "MARTIN" in reference.tiers
