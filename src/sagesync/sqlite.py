"""SQLite engines that take the write lock up front: the ledger's and the embedded company's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url


def sqlite_engine(path: Path, **options: Any) -> Engine:
    """An engine whose transactions start with BEGIN IMMEDIATE.

    isolation_level=None + explicit BEGIN IMMEDIATE: pysqlite's implicit transactions
    would start only at the first write; we want the write lock before we read
    sequence numbers, on every attached database at once.
    """
    engine = create_engine(make_url("sqlite://").set(database=str(path)),
                           connect_args={"isolation_level": None}, **options)

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
