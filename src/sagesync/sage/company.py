"""Create the embedded Sage company, and open any SQL company the connector reads.

``init_company`` is what `sagesync company init` runs: a SQLite file with the Sage
tables of ``schema`` seeded from ``chart``. ``open_company`` turns what the user
wrote in the profile (a path, a SQLite URL, a SQL Server URL) into an Engine, and
explains why a proprietary ``.mae`` company cannot be opened this way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, insert, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from sagesync.errors import ConfigurationError
from sagesync.i18n import _
from sagesync.sage import chart
from sagesync.sage.schema import (
    ANALYTIC_PLAN_SLOTS,
    CURRENCY_SLOTS,
    F_COMPTEG,
    F_JMOUV,
    F_JOURNAUX,
    F_TAXE,
    MONTH_CLOSED,
    P_ANALYTIQUE,
    P_DEVISE,
    P_DOSSIER,
    SAGE_TABLES,
    metadata,
)
from sagesync.storage_errors import guard_storage, storage_error

COMPANY_TABLES = tuple(table.name for table in SAGE_TABLES)
_SQL_SERVER_DRIVERS = {"mssql", "mssql+pyodbc", "mssql+pymssql", "mssql+aioodbc"}


def init_company(path: Path, name: str, *, closed_months: Iterable[tuple[str, date]] = ()) -> Engine:
    """Create the embedded company at ``path`` and return an Engine on it.

    ``closed_months`` are (journal, any day of the month) pairs written to F_JMOUV as
    closed (JM_Cloture 2), to rehearse Sage refusing entries in a closed period.
    An existing file is never touched: a company holds the books.
    """
    path = Path(path)
    if path.exists():
        raise ConfigurationError(
            _("{path} already exists: a company is never overwritten. Choose another path, or delete the file "
              "yourself if it really holds nothing of value.").format(path=path))
    journals = {code for code, _label, _type, _account in chart.JOURNALS}
    months = sorted({(journal, day.replace(day=1)) for journal, day in closed_months})
    for journal, _month in months:
        if journal not in journals:
            raise ConfigurationError(
                _("cannot close a month of journal {journal}: the embedded company has journals {journals}").format(
                    journal=journal, journals=", ".join(sorted(journals))))
    with guard_storage(path, "new Sage company"):
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = _sqlite_engine(path)
        try:
            with engine.begin() as connection:
                metadata.create_all(connection)
                _seed(connection, name, months)
        except BaseException:
            engine.dispose()
            path.unlink(missing_ok=True)  # no half-seeded company left behind
            raise
    return engine


def open_company(location: str) -> Engine:
    """An Engine on the company at ``location``: a .sqlite path, a sqlite:/// or mssql+pyodbc:// URL.

    A SQLite company must exist and hold the Sage tables (checked now); a SQL
    Server company is not contacted until the first read.
    """
    text = location.strip()
    if text.lower().endswith(".mae"):
        raise ConfigurationError(
            _("{path} is a Sage company file (.mae). Proprietary companies cannot be read or written directly: use "
              "the file target (a Sage import file) with a Sage export for the checks. For a SQL Server company, give "
              "its ODBC/SQL URL instead, e.g. {example}").format(
                path=text, example="mssql+pyodbc://user@server/DATABASE?driver=ODBC+Driver+18+for+SQL+Server"))
    if "://" not in text:
        return _open_sqlite(Path(text))
    try:
        url = make_url(text)
    except ArgumentError as error:
        raise ConfigurationError(_("the company location is not a valid database URL: {error}").format(
            error=error)) from None
    shown = url.render_as_string(hide_password=True)
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        if not url.database or url.database == ":memory:":
            raise ConfigurationError(_("{location} names no company file; give the path of the .sqlite file").format(
                location=shown))
        return _open_sqlite(Path(url.database))
    if url.drivername in _SQL_SERVER_DRIVERS:
        return _sql_server_engine(url, shown)
    raise ConfigurationError(
        _("{location}: unsupported database {driver}; a Sage company is a .sqlite file (the embedded company) or a "
          "SQL Server database (mssql+pyodbc://...)").format(location=shown, driver=repr(url.drivername)))


def _sqlite_engine(path: Path) -> Engine:
    # URL.create keeps Windows paths intact (no manual "sqlite:///" + backslashes).
    return create_engine(URL.create("sqlite", database=str(path)))


def _open_sqlite(path: Path) -> Engine:
    if not path.is_file():
        raise ConfigurationError(
            _("no company at {path}. Create the embedded company with `{command}`, or fix the company location in "
              "the profile.").format(path=path, command=f"sagesync company init {path}"))
    engine = _sqlite_engine(path)
    try:
        present = set(inspect(engine).get_table_names())
    except Exception as error:
        engine.dispose()
        raise storage_error(error, path, "Sage company", tables=COMPANY_TABLES) or ConfigurationError(
            _("the Sage company {path} is not a SQLite database (damaged, or another kind of file): restore it from a "
              "backup or move it away, and give the path of a Sage company file").format(path=path)) from None
    missing = [table.name for table in SAGE_TABLES if table.name not in present]
    if missing:
        engine.dispose()
        raise ConfigurationError(
            _("{path} is not a Sage company: tables {tables} are missing. Create one with `sagesync company init`, "
              "or fix the company location in the profile.").format(path=path, tables=", ".join(missing)))
    return engine


def _sql_server_engine(url: URL, shown: str) -> Engine:
    try:
        return create_engine(url)
    except ImportError as error:
        raise ConfigurationError(
            _("{location}: the SQL Server driver is not installed ({error}). Install it with `pip install pyodbc` and "
              "Microsoft's ODBC Driver 18 for SQL Server.").format(location=shown, error=error.name or error)
        ) from None


def _seed(connection: Connection, name: str, closed: list[tuple[str, date]]) -> None:
    created = datetime(2000, 1, 1)  # a fixed creation date keeps two fresh companies identical
    connection.execute(insert(P_DOSSIER), [{"D_RaisonSoc": name[:35], "D_CodeISO": "EUR"}])
    connection.execute(insert(F_COMPTEG), [
        {
            "CG_Num": account.number, "CG_Type": 0, "CG_Intitule": account.label[:35],
            "CG_Classement": account.label[:17], "N_Nature": account.nature,
            "CG_Analytique": int(account.analytic), "CG_Tiers": int(account.tiers),
            "CG_Lettrage": int(account.tiers), "CG_Devise": int(account.currency_entry), "N_Devise": 0,
            "CG_DateCreate": created,
        }
        for account in chart.STANDARD_CHART
    ])
    connection.execute(insert(F_TAXE), [
        {
            "TA_No": number, "TA_Code": tax.code, "TA_Intitule": tax.label[:35], "TA_TTaux": 0,
            "TA_Taux": tax.rate, "TA_Type": tax.tax_type, "CG_Num": tax.account or None, "TA_Sens": 1,
        }
        for number, tax in enumerate(chart.TAX_CODES, start=1)
    ])
    connection.execute(insert(F_JOURNAUX), [
        {"JO_Num": code, "JO_Intitule": label, "JO_Type": journal_type, "CG_Num": account or None,
         "JO_SaisAnal": int(journal_type == chart.JournalType.SALES)}
        for code, label, journal_type, account in chart.JOURNALS
    ])
    plans = {1: chart.PROJECT_PLAN}
    connection.execute(insert(P_ANALYTIQUE), [
        {"cbIndice": index, "A_Intitule": plans.get(index, "")} for index in range(1, ANALYTIC_PLAN_SLOTS + 1)
    ])
    currencies = dict(enumerate(chart.CURRENCIES, start=1))
    connection.execute(insert(P_DEVISE), [
        {"cbIndice": index, "D_Intitule": currencies[index][1] if index in currencies else "",
         "D_CodeISO": currencies[index][0] if index in currencies else "",
         "D_Sigle": currencies[index][2] if index in currencies else ""}
        for index in range(1, CURRENCY_SLOTS + 1)
    ])
    if closed:
        connection.execute(insert(F_JMOUV), [
            {"JO_Num": journal, "JM_Date": datetime(month.year, month.month, 1), "JM_Cloture": MONTH_CLOSED}
            for journal, month in closed
        ])
