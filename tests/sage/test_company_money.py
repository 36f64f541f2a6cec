"""Sage amount columns keep every digit: exact Decimal in, the same Decimal out, never a float."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Engine, Integer, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.dialects import mssql, sqlite
from sqlalchemy.exc import StatementError

from sagesync.sage.schema import Money, MoneyError

amounts_table = Table("amounts", MetaData(), Column("id", Integer, primary_key=True), Column("amount", Money()))

# Everything NUMERIC(24, 6) holds exactly: up to 18 integer digits and 6 decimals.
sage_amounts = st.decimals(min_value=Decimal("-999999999999999999.999999"),
                           max_value=Decimal("999999999999999999.999999"), places=6,
                           allow_nan=False, allow_infinity=False)

SQL_SERVER = mssql.dialect()  # type: ignore[no-untyped-call]
SQLITE = sqlite.dialect()


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    amounts_table.metadata.create_all(engine)
    yield engine
    engine.dispose()


def round_trip(engine: Engine, value: object) -> Decimal | None:
    with engine.begin() as connection:
        inserted = connection.execute(insert(amounts_table).values(amount=value)).inserted_primary_key
        assert inserted is not None
        row_id = inserted[0]
        stored = connection.execute(select(amounts_table.c.amount).where(amounts_table.c.id == row_id)).scalar_one()
    assert stored is None or isinstance(stored, Decimal)
    return stored


@given(sage_amounts)
def test_any_sage_amount_round_trips_exactly(engine: Engine, amount: Decimal) -> None:
    assert round_trip(engine, amount) == amount


@pytest.mark.parametrize("written", ["0.10", "1293.41", "-0.01", "100", "0.000001", "123456789012345678.999999"])
def test_the_digits_written_are_the_digits_read(engine: Engine, written: str) -> None:
    stored = round_trip(engine, Decimal(written))
    assert str(stored) == written  # same value and same scale: 0.10 stays 0.10


def test_sqlite_stores_amounts_as_text_not_as_binary_floats(engine: Engine) -> None:
    round_trip(engine, Decimal("0.1"))
    with engine.connect() as connection:
        kinds = set(connection.execute(text("SELECT DISTINCT typeof(amount) FROM amounts "
                                            "WHERE amount IS NOT NULL")).scalars())
    assert kinds == {"text"}


def test_integers_and_none_are_accepted(engine: Engine) -> None:
    assert round_trip(engine, 42) == Decimal(42)
    assert round_trip(engine, None) is None


@pytest.mark.parametrize("refused", [0.1, True, "12.50", Decimal("0.0000001"), Decimal("1E+18"), Decimal("NaN"),
                                     Decimal("Infinity")])
def test_what_sage_would_round_or_cannot_hold_is_refused(engine: Engine, refused: object) -> None:
    with pytest.raises(StatementError) as raised:
        round_trip(engine, refused)
    assert isinstance(raised.value.orig, MoneyError)


def test_sql_server_gets_numeric_24_6_and_the_decimal_itself() -> None:
    money = Money()
    assert str(money.load_dialect_impl(SQL_SERVER).compile(dialect=SQL_SERVER)) == "NUMERIC(24, 6)"
    assert money.process_bind_param(Decimal("12.50"), SQL_SERVER) == Decimal("12.50")
    assert money.process_bind_param(Decimal("12.50"), SQLITE) == "12.50"
    assert money.process_result_value(Decimal("12.500000"), SQL_SERVER) == Decimal("12.5")


def test_a_float_found_in_the_file_is_refused_on_read() -> None:
    with pytest.raises(MoneyError, match="binary float"):
        Money().process_result_value(0.1, SQLITE)
