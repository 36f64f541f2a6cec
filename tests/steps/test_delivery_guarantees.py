"""Exactly-once that survives anything: failures at every point, a lost or restored ledger, in both modes.

Each test counts what reached Sage (rows in the embedded company, pieces in the import
files) after the failure and the runs that follow it: every item is there exactly once.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sagesync.core.delivery import source_reference
from sagesync.core.findings import FindingCode
from sagesync.ledger import delivery as delivery_module
from sagesync.ledger import store
from sagesync.ledger.delivery import DeliveryDesk, LedgerMismatchError
from sagesync.ledger.rebuild import rebuild
from sagesync.ledger.store import Ledger
from sagesync.profiles.defaults import default_mapping
from sagesync.sage import file_port as file_port_module
from sagesync.sage import schema
from sagesync.sage.file_port import ImportFile, held_from_file
from sagesync.sage.flagfile.layouts import FORMAT_V31
from sagesync.sage.flagfile.parser import parse_flag_file, pieces
from sagesync.sage.identity import company_key
from sagesync.sage.reader import read_company_reference
from sagesync.sage.rows import entry_rows
from sagesync.steps.invoices import pull_invoices
from sagesync.steps.referential import pull_customers, pull_projects
from sagesync.steps.sync import sync
from tests.steps.conftest import Workspace
from tests.steps.test_sync_embedded import invoices

KEY = "embedded:test-company"


class Boom(Exception):
    """The injected failure."""


def _use_file_port(workspace: Workspace, outbox: Path, *, readable: bool = True) -> None:
    def read_reference():  # type: ignore[no-untyped-def]
        with workspace.company.connect() as connection:
            return read_company_reference(connection, journal="VTE", plan="PROJET")

    port = ImportFile("ACME", default_mapping(), outbox, read_reference, FORMAT_V31,
                      (lambda: workspace.company) if readable else None)
    workspace.context.desk = DeliveryDesk(workspace.ledger, port, "ACME", analytic_plan="PROJET", company_key=KEY)


@pytest.fixture(params=["embedded", "file"])
def mode(request: pytest.FixtureRequest, workspace: Workspace, tmp_path: Path) -> Iterator[str]:
    if request.param == "file":
        _use_file_port(workspace, tmp_path / "outbox")
    yield str(request.param)


def _file_pieces(outbox: Path) -> Counter[str]:
    return Counter(piece.reference for path in sorted(outbox.glob("*.txt"))
                   for piece in pieces(parse_flag_file(path, FORMAT_V31)))


def _file_records(outbox: Path, flag: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for path in sorted(outbox.glob("*.txt")):
        for record in parse_flag_file(path, FORMAT_V31).of(flag):
            found[record.field(1 if flag == "MPCT" else 2)] += 1
    return found


def _company_pieces(workspace: Workspace) -> Counter[str]:
    with workspace.company.connect() as connection:
        rows = connection.execute(select(schema.F_ECRITUREC.c.EC_Reference, func.count(func.distinct(
            schema.F_ECRITUREC.c.EC_Piece))).group_by(schema.F_ECRITUREC.c.EC_Reference)).all()
    return Counter({reference: count for reference, count in rows})


def _delivered(workspace: Workspace, mode: str, tmp_path: Path) -> Counter[str]:
    return _company_pieces(workspace) if mode == "embedded" else _file_pieces(tmp_path / "outbox")


def _tiers(workspace: Workspace, mode: str, tmp_path: Path) -> Counter[str]:
    if mode == "file":
        return _file_records(tmp_path / "outbox", "MPCT")
    with workspace.company.connect() as connection:
        return Counter(connection.execute(select(schema.F_COMPTET.c.CT_Num).where(
            schema.F_COMPTET.c.CT_Num.in_(["DUPONT", "MARTIN"]))).scalars().all())


# --- a failure at each point of each step leaves every item delivered once, or pending then delivered ---


FailurePoint = tuple[object, str]
POINTS: dict[str, Callable[[], FailurePoint]] = {
    "before the hand-over": lambda: (delivery_module.DeliveryDesk, "submit_entries"),
    "while recording the entries": lambda: (store, "record_postings"),
    "after the hand-over, recording receipts": lambda: (store, "mark"),
    "writing the import file": lambda: (file_port_module, "write_import_file"),
}


@pytest.mark.parametrize("point", list(POINTS))
def test_pull_invoices_failing_at_any_point_never_loses_or_doubles_a_piece(
        workspace: Workspace, mode: str, point: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if mode == "embedded" and point == "writing the import file":
        pytest.skip("the embedded company writes no import file")
    pull_customers(workspace.context)
    pull_projects(workspace.context)
    workspace.source.document_list = invoices(7)
    # On the embedded company, the step after the hand-over is recording the documents' states, in the
    # same transaction as the Sage rows.
    owner, name = (store, "record_states") if (mode, point) == ("embedded", "after the hand-over, recording receipts") \
        else POINTS[point]()
    real = getattr(owner, name)

    def fail(*args: object, **kwargs: object) -> object:
        raise Boom(point)

    monkeypatch.setattr(owner, name, fail)
    with pytest.raises(Boom):
        pull_invoices(workspace.context)
    monkeypatch.setattr(owner, name, real)
    again = pull_invoices(workspace.context)
    pull_invoices(workspace.context)  # and once more: nothing new
    delivered = _delivered(workspace, mode, tmp_path)
    assert sorted(delivered) == sorted(source_reference(str(n)) for n in range(1, 8))
    assert set(delivered.values()) == {1}, delivered
    assert again.counts["posted"] + again.counts["already_posted"] == 7


@pytest.mark.parametrize("step", ["customers", "projects"])
@pytest.mark.parametrize("point", ["writing the import file", "after the hand-over, recording receipts"])
def test_pull_customers_and_projects_failing_never_lose_a_record(
        workspace: Workspace, mode: str, step: str, point: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    if mode == "embedded":  # the embedded company fails inside its one transaction instead
        owner, name = (store, "record_synced") if point == "writing the import file" else (store, "record_findings")
    else:
        owner, name = POINTS[point]()
    pull = pull_customers if step == "customers" else pull_projects
    real = getattr(owner, name)

    def fail(*args: object, **kwargs: object) -> object:
        raise Boom(point)

    monkeypatch.setattr(owner, name, fail)
    with pytest.raises(Boom):
        pull(workspace.context)
    monkeypatch.setattr(owner, name, real)
    # The next run of any step delivers what the failed one decided, then goes on.
    workspace.source.document_list = invoices(3)
    reports = {report.step: report for report in sync(workspace.context)}
    assert reports["invoices"].counts["posted"] == 3
    if step == "customers":
        assert _tiers(workspace, mode, tmp_path) == {"DUPONT": 1, "MARTIN": 1}
    elif mode == "file":
        assert _file_records(tmp_path / "outbox", "MPCA") == {"PRJ001": 1, "PRJ002": 1}
    with workspace.ledger.connect() as connection:
        pending = store.pending_records(connection, "ACME", "customer" if step == "customers" else "project")
    assert pending == []


# --- Sage confirms: a lost, emptied, restored or foreign ledger is caught before anything is written ---


def _reopen(workspace: Workspace, ledger_path: Path) -> DeliveryDesk:
    workspace.ledger.dispose()
    workspace.ledger = Ledger(ledger_path)
    port = workspace.context.desk.port
    port.close()  # a new job opens the company anew: no connection still attached to the old ledger file
    workspace.context.desk = DeliveryDesk(workspace.ledger, port, "ACME", analytic_plan="PROJET", company_key=KEY)
    return workspace.context.desk


@pytest.mark.parametrize("loss", ["deleted", "emptied", "older copy"])
def test_a_lost_or_restored_ledger_stops_the_run_and_a_rebuild_posts_nothing_twice(
        workspace: Workspace, mode: str, loss: str, tmp_path: Path) -> None:
    ledger_path = workspace.ledger.path
    workspace.context.desk = DeliveryDesk(workspace.ledger, workspace.context.desk.port, "ACME",
                                          analytic_plan="PROJET", company_key=KEY)
    workspace.context.desk.verify()
    workspace.source.document_list = invoices(3)
    sync(workspace.context)
    backup = tmp_path / "backup.sqlite"
    shutil.copy(ledger_path, backup)
    workspace.source.document_list = invoices(6)
    sync(workspace.context)
    if mode == "file":  # Sage imports every file sagesync wrote
        _import_into_company(workspace, tmp_path / "outbox")
    before = _company_pieces(workspace)
    workspace.ledger.dispose()
    if loss == "deleted":
        ledger_path.unlink()
    elif loss == "emptied":
        ledger_path.write_bytes(b"")
    else:
        shutil.copy(backup, ledger_path)
    desk = _reopen(workspace, ledger_path)
    with pytest.raises(LedgerMismatchError, match="ledger rebuild"):
        desk.verify()
    result = rebuild(ledger_path, desk.port, "ACME", KEY, "ACME")
    assert result.pieces_seen == 6 and result.pieces_added == (3 if loss == "older copy" else 6)
    desk = _reopen(workspace, ledger_path)
    desk.verify()
    workspace.source.document_list = invoices(7)
    reports = {report.step: report for report in sync(workspace.context)}
    assert reports["invoices"].counts["posted"] == 1  # only the new document
    assert reports["invoices"].counts["changed"] == 0
    if mode == "file":
        _import_into_company(workspace, tmp_path / "outbox")
    after = _company_pieces(workspace)
    assert after == before + Counter({source_reference("7"): 1})


def test_a_ledger_of_another_company_is_refused_and_kept_aside_by_a_rebuild(workspace: Workspace) -> None:
    desk = DeliveryDesk(workspace.ledger, workspace.context.desk.port, "ACME", analytic_plan="PROJET",
                        company_key="embedded:/some/other/company.sqlite", company_label="OTHER")
    desk.verify()  # binds the ledger to OTHER
    workspace.context.desk = desk
    workspace.source.document_list = invoices(2)
    sync(workspace.context)
    mine = DeliveryDesk(workspace.ledger, desk.port, "ACME", analytic_plan="PROJET", company_key=KEY)
    with pytest.raises(LedgerMismatchError, match="another company"):
        mine.verify()
    workspace.ledger.dispose()
    result = rebuild(workspace.ledger.path, desk.port, "ACME", KEY, "ACME")
    assert result.kept_aside is not None and result.kept_aside.is_file()
    assert result.pieces_added == 2  # the pieces the company holds are in the new ledger


def test_sage_s_word_beats_the_ledger_s_a_piece_the_company_holds_is_never_posted_again(
        workspace: Workspace) -> None:
    workspace.source.document_list = invoices(3)
    sync(workspace.context)
    with workspace.ledger.engine.begin() as connection:  # the ledger forgets document 2 (a bug, a bad restore)
        connection.execute(store.postings.delete().where(store.postings.c.source_id == "2"))
    rows = workspace.count("F_ECRITUREC")
    report = pull_invoices(workspace.context)
    assert report.counts["posted"] == 0 and report.counts["blocked"] == 1
    assert [finding.code for finding in report.findings] == [FindingCode.ALREADY_IN_SAGE]
    assert workspace.count("F_ECRITUREC") == rows


def test_a_mae_company_without_sql_access_is_rebuilt_from_the_import_files(workspace: Workspace,
                                                                          tmp_path: Path) -> None:
    _use_file_port(workspace, tmp_path / "outbox", readable=False)
    workspace.context.desk.verify()
    workspace.source.document_list = invoices(4)
    sync(workspace.context)
    ledger_path = workspace.ledger.path
    workspace.ledger.dispose()
    ledger_path.unlink()
    desk = _reopen(workspace, ledger_path)
    with pytest.raises(LedgerMismatchError):
        desk.verify()  # the import files say what sagesync handed over
    result = rebuild(ledger_path, desk.port, "ACME", KEY, "ACME")
    assert (result.read_from, result.pieces_added) == ("the import files", 4)
    desk = _reopen(workspace, ledger_path)
    desk.verify()
    files_before = sorted(path.name for path in (tmp_path / "outbox").glob("*.txt"))
    workspace.source.document_list = invoices(4)
    assert pull_invoices(workspace.context).counts["posted"] == 0
    assert sorted(path.name for path in (tmp_path / "outbox").glob("*.txt")) == files_before
    assert set(_file_pieces(tmp_path / "outbox").values()) == {1}


def test_company_key_names_one_company_however_the_profile_spells_it(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert company_key("", Path("company.sqlite")) == company_key("", tmp_path / "company.sqlite")
    assert company_key("mssql+pyodbc://sa:secret@SQL01:1433/ACME?driver=x") == \
        company_key("mssql+pyodbc://other:pw@sql01:1433/acme?driver=y")
    assert "secret" not in company_key("mssql+pyodbc://sa:secret@SQL01/ACME")
    assert company_key(str(tmp_path / "A.mae")) != company_key(str(tmp_path / "B.mae"))


def _import_into_company(workspace: Workspace, outbox: Path) -> None:
    """What a person does in Sage (Fichier > Importer): the pieces of every file land in F_ECRITUREC, once."""
    with workspace.company.begin() as connection:
        reference = read_company_reference(connection, journal="VTE", plan="PROJET")
        held = {row for (row,) in connection.execute(select(schema.F_ECRITUREC.c.EC_Reference).distinct())}
        first = int(connection.execute(select(func.coalesce(func.max(schema.F_ECRITUREC.c.EC_No), 0))).scalar_one())
        seen: set[str] = set()
        for path in sorted(outbox.glob("*.txt")):
            for parsed in pieces(parse_flag_file(path, FORMAT_V31)):
                if parsed.reference in held or parsed.reference in seen:
                    continue
                seen.add(parsed.reference)
                piece = held_from_file(parsed, path.name, {n: name for name, n in reference.analytic_plans.items()},
                                        reference.currencies)
                general, analytic = entry_rows(piece.entry, first_ec_no=first + 1,
                                               plan_numbers=reference.analytic_plans, currency_numbers={})
                first += len(general)
                connection.execute(schema.F_ECRITUREC.insert(), general)
                if analytic:
                    connection.execute(schema.F_ECRITUREA.insert(), analytic)


def test_an_import_file_not_imported_yet_still_counts_when_the_ledger_is_lost(workspace: Workspace,
                                                                             tmp_path: Path) -> None:
    """A person may import a file at any time: a lost ledger must not let a second file carry its pieces."""
    _use_file_port(workspace, tmp_path / "outbox")
    workspace.source.document_list = invoices(3)
    sync(workspace.context)
    ledger_path = workspace.ledger.path
    workspace.ledger.dispose()
    ledger_path.unlink()
    desk = _reopen(workspace, ledger_path)
    with pytest.raises(LedgerMismatchError, match="3 piece"):
        desk.verify()
