"""The ledger in PostgreSQL (a throwaway cluster): one schema per profile, exactly-once from the ledger
whatever the database, and the settings refused before anything is opened."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select, update

from sagesync.errors import ConfigurationError, UnreachableError
from sagesync.jobs import LEDGER_URL_VARIABLE, open_job
from sagesync.ledger import schema as ledger_schema
from sagesync.ledger.delivery import DeliveryDesk
from sagesync.ledger.store import Ledger
from sagesync.profiles.defaults import default_mapping
from sagesync.profiles.model import Profile, defaults_table
from sagesync.profiles.store import ProfileStore
from sagesync.sage.company import init_company
from sagesync.sage.embedded_port import EmbeddedCompany
from sagesync.sage.file_port import ImportFile
from sagesync.sage.flagfile.layouts import FORMAT_V31
from sagesync.sage.flagfile.parser import parse_flag_file, pieces
from sagesync.sage.reader import read_company_reference
from sagesync.sandbox.server import SandboxHandle
from sagesync.steps.context import StepContext
from sagesync.steps.invoices import pull_invoices
from sagesync.steps.payments import pull_payments
from sagesync.steps.sync import sync
from sagesync.unattended.queue import Queue
from sagesync.unattended.state import StateStore
from tests.builders import customer, document, line, project
from tests.fakes import ListSource
from tests.steps.test_payments import CASH, pay
from tests.steps.test_sync_embedded import invoices
from tests.unattended.conftest import free_port
from tests.unattended.helpers import company_profile

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Debian's PostgreSQL")


class Books:
    """An embedded company read by SQL, posted through import files, its ledger in a PostgreSQL schema."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url, self.folder = url, folder
        self.company = init_company(folder / "company.sqlite", "ACME", closed_months=[("VTE", date(2025, 1, 1))])
        self.ledger = Ledger(folder / "never-written.sqlite", profile="acme", url=url)

        def read_reference():  # type: ignore[no-untyped-def]
            with self.company.connect() as connection:
                return read_company_reference(connection, journal="VTE", plan="PROJET")

        self.port = ImportFile("ACME", default_mapping(), folder / "outbox", read_reference, FORMAT_V31,
                               lambda: self.company)
        self.source = ListSource(
            customer_list=[customer("c1", "DUPONT", "Dupont SA"), customer("c2", "MARTIN", "Martin & fils")],
            project_list=[project("p1", "PRJ001", "Musée"), project("p2", "PRJ002", "École")])
        desk = DeliveryDesk(self.ledger, self.port, "ACME", analytic_plan="PROJET")
        self.context = StepContext(company="ACME", mapping=default_mapping(), period_start=date(2025, 1, 1),
                                   source=self.source, desk=desk, reports_dir=folder / "reports", batch_size=3)

    def files(self) -> list[Path]:
        return sorted((self.folder / "outbox").glob("*.txt"))

    def pieces(self) -> Counter[str]:
        """How many times each piece was handed to Sage, over every import file."""
        return Counter(piece.piece for path in self.files() for piece in pieces(parse_flag_file(path, FORMAT_V31)))

    def rows(self, table: str) -> int:
        """Rows of a ledger table, read straight from PostgreSQL in the profile's schema."""
        with psycopg.connect(self.url) as connection:
            row = connection.execute(f'SELECT count(*) FROM "sagesync_acme".{table}').fetchone()
        assert row is not None
        return int(row[0])

    def close(self) -> None:
        self.port.close()
        self.ledger.dispose()
        self.company.dispose()


@pytest.fixture
def books(queue_database: str, tmp_path: Path) -> Iterator[Books]:
    opened = Books(queue_database, tmp_path)
    yield opened
    opened.close()


def test_a_sync_through_import_files_with_the_ledger_in_postgresql_posts_each_document_once(books: Books) -> None:
    assert not (books.folder / "never-written.sqlite").exists()  # the ledger is the schema, not a file
    books.source.document_list = invoices(5)
    reports = {report.step: report for report in sync(books.context)}
    assert reports["invoices"].counts["posted"] == 5
    assert books.pieces() == Counter({f"F2025-{n:04d}": 1 for n in range(1, 6)})
    assert books.rows("postings") == 5 and books.rows("entry_lines") == 5 * 5
    with books.ledger.connect() as connection:
        states = Counter(connection.execute(select(ledger_schema.postings.c.state)).scalars().all())
    assert states == {"delivered": 5}
    again = {report.step: report for report in sync(books.context)}  # a second sync posts nothing
    assert again["invoices"].counts.get("posted", 0) == 0 and again["invoices"].counts["already_posted"] == 5
    assert books.pieces() == Counter({f"F2025-{n:04d}": 1 for n in range(1, 6)}) and books.rows("postings") == 5
    assert not (books.folder / "never-written.sqlite").exists()


def test_payments_with_the_ledger_in_postgresql_are_posted_once(books: Books) -> None:
    books.source.document_list = [document(line("1000,00"), number="F2025-0001", source_id="1")]
    books.context.cash = CASH
    sync(books.context)
    books.source.payment_list = [pay("70001", "1", "700.00", date(2025, 4, 2)),
                                 pay("70002", "1", "500.00", date(2025, 5, 6))]
    report = pull_payments(books.context)
    assert report.counts["posted"] == 2, report.counts
    assert books.pieces()["RG70001"] == 1 and books.pieces()["RG70002"] == 1
    assert books.rows("payments_posted") == 2 and books.rows("vat_transfers") >= 2
    again = pull_payments(books.context)
    assert again.counts["posted"] == 0 and again.counts["already_posted"] == 2
    assert set(books.pieces().values()) == {1} and books.rows("payments_posted") == 2
    assert pull_invoices(books.context).counts["already_posted"] == 1
    # the receipts report reads the same PostgreSQL ledger: 116,67 then 83,33 of VAT made due
    from sagesync.ledger.receipts import collected, vat_by_month

    with books.context.ledger.connect() as connection:
        months = vat_by_month(connection, "ACME", date(2025, 1, 1), date(2025, 12, 31))
        paid = list(collected(connection, "ACME", date(2025, 1, 1), date(2025, 12, 31)))
    assert [row.vat for row in months] == [Decimal("116.67"), Decimal("83.33")]
    assert [item.amount for item in paid] == [Decimal("700.00"), Decimal("500.00")]


def test_one_database_holds_many_companies_each_in_its_own_schema(queue_database: str, tmp_path: Path) -> None:
    first = Ledger(tmp_path / "a.sqlite", profile="cab-a", url=queue_database)
    second = Ledger(tmp_path / "b.sqlite", profile="cab-b", url=queue_database)
    again = Ledger(tmp_path / "a.sqlite", profile="cab-a", url=queue_database)  # opening twice changes nothing
    for ledger in (first, second, again):
        ledger.dispose()
    with psycopg.connect(queue_database) as connection:
        schemas = {row[0] for row in connection.execute("SELECT schema_name FROM information_schema.schemata")}
        version = connection.execute('SELECT value FROM "sagesync_cab-a".ledger_info WHERE key = %s',
                                     ("schema_version",)).fetchone()
    assert {"sagesync_cab-a", "sagesync_cab-b"} <= schemas
    assert version == (str(ledger_schema.SCHEMA_VERSION),)
    assert "sagesync_cab-a" in first.location and "@" not in first.location


def test_a_ledger_written_by_a_newer_sagesync_is_refused(queue_database: str, tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "x.sqlite", profile="acme", url=queue_database)
    with ledger.engine.begin() as connection:
        connection.execute(update(ledger_schema.ledger_info).where(ledger_schema.ledger_info.c.key == "schema_version")
                           .values(value="99"))
    ledger.dispose()
    with pytest.raises(ConfigurationError, match="newer sagesync"):
        Ledger(tmp_path / "x.sqlite", profile="acme", url=queue_database)


def test_an_unreachable_ledger_database_is_an_unreachable_error_naming_host_and_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", "pg-Secret-never-shown")
    port = free_port()
    with pytest.raises(UnreachableError) as raised:
        Ledger(tmp_path / "x.sqlite", profile="acme", url=f"postgresql://sagesync@127.0.0.1:{port}/books")
    message = str(raised.value)
    assert raised.value.exit_code == 3
    assert f"127.0.0.1:{port}" in message and "books" in message and "sagesync_acme" in message
    assert "pg-Secret-never-shown" not in message


# --- profiles: the setting, its refusals, and a job delivered twice --------------------------------


def file_profile(name: str, folder: Path, base_url: str, ledger_url: str) -> Profile:
    """A sandbox firm's profile posting through import files into an embedded company read by SQL."""
    profile = company_profile(name, folder, base_url, store=False)
    profile = Profile.from_table(name, {**profile.to_table(), "sage_target": "file", "ledger_url": ledger_url})
    ProfileStore().add(profile)
    return profile


def test_a_password_in_the_ledger_url_is_refused_and_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    table = {**defaults_table(), "sage_company": "ACME", "period_start": "2025-01-01",
             "sage_location": "embedded:acme.sqlite", "sage_target": "file", "platform": {"email": "a@b.fr"},
             "ledger_url": "postgresql://sagesync:Hunter2-secret@db.cabinet.test/books"}
    with pytest.raises(ConfigurationError) as raised:
        Profile.from_table("acme", table)
    assert "profiles.acme.ledger_url" in str(raised.value) and "holds a password" in str(raised.value)
    assert "Hunter2" not in str(raised.value)
    profile = Profile.from_table("acme", {**table, "ledger_url": "postgresql://sagesync@db.cabinet.test/books"})
    assert profile.ledger_url == "postgresql://sagesync@db.cabinet.test/books"
    assert Profile.from_table("acme", profile.to_table() | {}).to_table()["ledger_url"] == profile.ledger_url
    with pytest.raises(ConfigurationError, match="not a PostgreSQL URL"):
        Profile.from_table("acme", {**table, "ledger_url": "mysql://sagesync@db/books"})
    # The variable is refused the same way, when a job opens.
    monkeypatch.setenv(LEDGER_URL_VARIABLE, "postgresql://sagesync:Hunter2-secret@db.cabinet.test/books")
    without = Profile.from_table("acme", {**table, "ledger_url": None})
    with pytest.raises(ConfigurationError) as raised, open_job(without):
        pass
    assert LEDGER_URL_VARIABLE in str(raised.value) and "Hunter2" not in str(raised.value)


def test_an_embedded_company_with_a_postgresql_ledger_is_refused_at_job_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = company_profile("acme", tmp_path, "http://127.0.0.1:9", store=False)
    assert profile.target == "embedded"
    unreachable = "postgresql://sagesync@127.0.0.1:9/books"  # never connected to: refused before
    with pytest.raises(ConfigurationError, match="an embedded company keeps its ledger in SQLite"), \
            open_job(profile.model_copy(update={"ledger_url": unreachable})):
        pass
    monkeypatch.setenv(LEDGER_URL_VARIABLE, unreachable)
    with pytest.raises(ConfigurationError, match=r"a PostgreSQL ledger .* is for companies reached through import "
                                                 r"files or SQL Server"), open_job(profile):
        pass


def test_the_desk_refuses_to_share_a_transaction_with_a_postgresql_ledger(queue_database: str, tmp_path: Path) -> None:
    init_company(tmp_path / "company.sqlite", "ACME").dispose()
    ledger = Ledger(tmp_path / "x.sqlite", profile="acme", url=queue_database)
    port = EmbeddedCompany(tmp_path / "company.sqlite", default_mapping())
    try:
        with pytest.raises(ConfigurationError, match="embedded company keeps its ledger in SQLite"):
            DeliveryDesk(ledger, port, "ACME")
    finally:
        port.close()
        ledger.dispose()


def test_a_job_delivered_twice_to_two_machines_posts_nothing_twice(
        sandbox: SandboxHandle, queue_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file_profile("cab-a", tmp_path, sandbox.base_url, queue_database)
    queue = Queue(queue_database)  # the job as a worker runs it (its task's body), delivered twice
    queue._sync("cab-a", "queue", last_attempt=True)
    first = StateStore().load("cab-a").last
    assert first is not None and first.status == "blocked" and first.posted > 200, first
    outbox = tmp_path / "data" / "profiles" / "cab-a" / "outbox"
    handed = Counter(piece.piece for path in sorted(Path(os.environ["SAGESYNC_DATA_DIR"]).rglob("outbox/*.txt"))
                     for piece in pieces(parse_flag_file(path, FORMAT_V31)))
    assert set(handed.values()) == {1} and len(handed) >= first.posted, outbox
    # Another machine (its own data folder: no local ledger, no outbox, no state) gets the same job again.
    monkeypatch.setenv("SAGESYNC_DATA_DIR", str(tmp_path / "other-machine"))
    queue._sync("cab-a", "queue", last_attempt=True)
    second = StateStore().load("cab-a").last
    assert second is not None and second.status == "blocked" and second.posted == 0, second
    assert not list((tmp_path / "other-machine").rglob("outbox/*.txt"))  # nothing handed to Sage again
    assert not list(tmp_path.rglob("ledger.sqlite"))  # no SQLite ledger anywhere: the books are in PostgreSQL
    with psycopg.connect(queue_database) as connection:
        row = connection.execute('SELECT count(*), count(DISTINCT source_id) FROM "sagesync_cab-a".postings '
                                 "WHERE kind <> 'payment'").fetchone()
    assert row == (first.posted, first.posted)
    # `sagesync status` reads the same books from PostgreSQL.
    from typer.testing import CliRunner

    from sagesync.interfaces.cli.app import app

    status = CliRunner().invoke(app, ["status", "--profile", "cab-a", "--json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["documents"]["delivered"] == first.posted


def test_the_ledger_database_lost_mid_run_is_an_unreachable_error_the_queue_retries(
        sandbox: SandboxHandle, queue_database: str, tmp_path: Path) -> None:
    profile = file_profile("cab-b", tmp_path, sandbox.base_url, queue_database)
    from sqlalchemy import create_engine

    with open_job(profile) as job:
        ledger = job.context.desk.ledger
        ledger.engine.dispose()
        ledger.engine = create_engine(f"postgresql+psycopg://sagesync@127.0.0.1:{free_port()}/books")  # gone
        with pytest.raises(UnreachableError, match="cannot be reached") as raised:
            job.run("sync")
    assert raised.value.exit_code == 3 and "sagesync_cab-b" in str(raised.value)
