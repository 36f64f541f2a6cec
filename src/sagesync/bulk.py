"""Bulk inserts at driver speed, with the SQL still written once by SQLAlchemy Core.

SQLAlchemy's executemany builds and processes a parameter dictionary per row,
which costs more than SQLite's own insert for the hundreds of thousands of
entry lines a large sync writes. Here the statement is compiled once from the
Table (so schema translation and the column types still apply), each column's
bind processor is looked up once, and the rows go to the driver as tuples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table


def bulk_insert(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``table``, in one executemany."""
    if not rows:
        return
    dialect = connection.dialect
    if not dialect.positional:  # a named-parameter driver: let SQLAlchemy build the dictionaries
        connection.execute(table.insert(), list(rows))
        return
    keys = list(rows[0].keys())
    translate = connection.get_execution_options().get("schema_translate_map")
    compiled = table.insert().compile(dialect=dialect, column_keys=keys,
                                      schema_translate_map=translate)
    sql = compiled.string
    if translate:
        sql = compiled.preparer._render_schema_translates(sql, translate)
    order = list(compiled.positiontup or keys)
    processors = [(index, process) for index, key in enumerate(order)
                  if (process := table.c[key].type._cached_bind_processor(dialect)) is not None]
    # itemgetter builds each row's tuple in C; only columns with a bind processor
    # (dates, exact money) are then converted, in place.
    getter = itemgetter(*order)
    values: list[Any] = []
    for row in rows:
        picked = getter(row)
        if len(order) == 1:
            picked = (picked,)
        if processors:
            converted = list(picked)
            for index, process in processors:
                converted[index] = process(converted[index])
            values.append(tuple(converted))
        else:
            values.append(picked)
    connection.exec_driver_sql(sql, values)
