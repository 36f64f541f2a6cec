"""The ledger in PostgreSQL: one schema per profile in a shared database, so any worker can run any company.

A ``postgresql://user@host:5432/dbname`` URL (the profile's ``ledger_url`` or ``SAGESYNC_LEDGER_URL``,
checked by ``profiles.validation.ledger_url_problem``)
never holds the password: libpq finds it in ``PGPASSWORD`` or ``~/.pgpass``, as for the job queue.
Each profile's tables live in their own schema (``sagesync_<profile>``, created when missing) through
SQLAlchemy's ``schema_translate_map``: the symbolic schema ``ledger`` of ``ledger.schema`` becomes it.

A PostgreSQL ledger always starts at the current schema version: the migrations (``ledger.migrations``)
upgrade old SQLite files only. Exactly-once still comes from the ledger's unique keys, whatever the
database: a job delivered twice finds what the first one recorded.
"""

from __future__ import annotations

import zlib

from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from sagesync.errors import UnreachableError
from sagesync.i18n import _

SCHEMA_PREFIX = "sagesync_"


class LedgerUnreachableError(UnreachableError):
    """The PostgreSQL database of the ledger does not answer, or refuses the login."""


def engine_url(raw: str) -> URL:
    """The SQLAlchemy URL of a checked ledger URL: psycopg 3, whatever the scheme written."""
    return make_url(raw).set(drivername="postgresql+psycopg")


def schema_for(profile: str) -> str:
    """The profile's own schema: ``sagesync_<profile>`` (a profile name is short lower-case text)."""
    return f"{SCHEMA_PREFIX}{profile or 'default'}"[:63]


def describe(raw: str, schema: str) -> str:
    """Where the ledger is, for a person: host, database and schema, never a password."""
    url = make_url(raw)
    host = f"{url.host or 'localhost'}:{url.port}" if url.port else (url.host or "localhost")
    return _("database {database} on {host} (schema {schema})").format(database=url.database, host=host,
                                                                        schema=schema)


def unreachable(raw: str, schema: str, error: BaseException) -> LedgerUnreachableError:
    original = getattr(error, "orig", None) or error
    return LedgerUnreachableError(
        _("the ledger's PostgreSQL {where} cannot be reached ({error}): check that PostgreSQL runs there, that "
          "this machine may connect and that the login's password is in PGPASSWORD or ~/.pgpass, then run "
          "again").format(where=describe(raw, schema), error=type(original).__name__))


def lock_schema(connection: Connection, schema: str) -> None:
    """Take the schema's opening lock for this transaction: two workers never create one schema at once."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                       {"key": zlib.crc32(f"sagesync-ledger:{schema}".encode()) - 2**31})
    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))


def table_names(connection: Connection, schema: str) -> set[str]:
    return set(inspect(connection).get_table_names(schema=schema))


def index_names(connection: Connection, schema: str) -> set[str]:
    """Every index of the schema, those on an expression included (the inspector skips none here)."""
    return {str(name) for (name,) in connection.execute(
        text("SELECT indexname FROM pg_indexes WHERE schemaname = :schema"), {"schema": schema})}


def postgres_engine(raw: str, schema: str) -> Engine:
    return create_engine(engine_url(raw), pool_pre_ping=True,
                         execution_options={"schema_translate_map": {"ledger": schema}})
