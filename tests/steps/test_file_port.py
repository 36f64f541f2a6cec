"""The import-file port: one import file per run, each item in exactly one file, even after a crash."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from sagesync.core.delivery import DeliveryState
from sagesync.ledger import schema as ledger_schema
from sagesync.ledger import store
from sagesync.ledger.delivery import DeliveryDesk
from sagesync.profiles.defaults import default_mapping
from sagesync.sage import file_port as file_port_module
from sagesync.sage import schema
from sagesync.sage.file_port import ImportFile
from sagesync.sage.flagfile.layouts import FORMAT_V31
from sagesync.sage.flagfile.parser import parse_flag_file, pieces
from sagesync.sage.reader import read_company_reference
from sagesync.sage.rows import entry_rows
from sagesync.steps.invoices import pull_invoices
from sagesync.steps.referential import pull_customers, pull_projects
from sagesync.steps.sync import sync
from sagesync.steps.writeback import write_back
from tests.steps.conftest import Workspace
from tests.steps.test_sync_embedded import invoices


@pytest.fixture
def file_workspace(workspace: Workspace, tmp_path: Path) -> Iterator[Workspace]:
    def read_reference():  # type: ignore[no-untyped-def]
        with workspace.company.connect() as connection:
            return read_company_reference(connection, journal="VTE", plan="PROJET")

    port = ImportFile("ACME", default_mapping(), tmp_path / "outbox", read_reference, FORMAT_V31,
                      lambda: workspace.company)
    workspace.context.desk = DeliveryDesk(workspace.ledger, port, "ACME", analytic_plan="PROJET")
    yield workspace


def files(workspace: Workspace) -> list[Path]:
    return sorted((workspace.context.reports_dir.parent / "outbox").glob("*.txt"))


def parsed_pieces(paths: list[Path]) -> list[str]:
    return [piece.piece for path in paths for piece in pieces(parse_flag_file(path, FORMAT_V31))]


def states(workspace: Workspace) -> Counter[str]:
    with workspace.ledger.connect() as connection:
        return Counter(connection.execute(select(ledger_schema.postings.c.state)).scalars().all())


def test_each_run_writes_one_import_file_with_balanced_pieces_and_nothing_twice(file_workspace: Workspace) -> None:
    file_workspace.source.document_list = invoices(5)
    reports = {r.step: r for r in sync(file_workspace.context)}
    assert reports["invoices"].counts["posted"] == 5
    written = files(file_workspace)
    assert len(written) == 3  # customers (#MPCT), projects (#MPCA), invoices (#MECG/#MECA)
    parsed = [piece for path in written for piece in pieces(parse_flag_file(path, FORMAT_V31))]
    assert sorted(p.piece for p in parsed) == [f"F2025-{n:04d}" for n in range(1, 6)]
    assert all(p.total_debit == p.total_credit for p in parsed)
    assert states(file_workspace) == {"delivered": 5}
    assert reports["writeback"].counts == {"kept_in_sagesync": 0}  # delivered is not in Sage yet: nothing to tell
    again = pull_invoices(file_workspace.context)
    assert again.counts == {"already_posted": 5} and "import file" not in again.outputs
    assert len(files(file_workspace)) == 3


def test_a_run_that_dies_before_its_file_is_finished_by_the_next_run(file_workspace: Workspace,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    file_workspace.source.document_list = invoices(4)
    pull_customers(file_workspace.context)
    pull_projects(file_workspace.context)
    real = file_port_module.write_import_file

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(file_port_module, "write_import_file", crash)
    with pytest.raises(OSError):
        pull_invoices(file_workspace.context)
    assert states(file_workspace) == {"pending": 4}
    monkeypatch.setattr(file_port_module, "write_import_file", real)
    file_workspace.source.document_list = invoices(6)
    report = pull_invoices(file_workspace.context)
    assert report.counts == {"already_posted": 4, "posted": 2}
    assert any(name.startswith("recovered") for name in report.outputs)
    assert states(file_workspace) == {"delivered": 6}
    every_piece = parsed_pieces(files(file_workspace))
    assert sorted(every_piece) == [f"F2025-{n:04d}" for n in range(1, 7)]  # each exactly once
    with file_workspace.ledger.connect() as connection:
        numbers = connection.execute(select(ledger_schema.postings.c.entry_number)
                                     .order_by(ledger_schema.postings.c.entry_number)).scalars().all()
    assert numbers == [f"VTE{n:06d}" for n in range(1, 7)]  # no number lost or reused


def test_confirm_marks_pieces_sage_imported_and_only_then_writes_back(file_workspace: Workspace) -> None:
    file_workspace.source.document_list = invoices(3)
    sync(file_workspace.context)
    # Sage imports the file: its pieces land in F_ECRITUREC (two of three here).
    with file_workspace.ledger.connect() as connection:
        entries = [entry for entry, _, _ in store.posted_entries(connection, "ACME", date.min, date.max)]
    with file_workspace.company.begin() as connection:
        reference = read_company_reference(connection, journal="VTE", plan="PROJET")
        first = 1
        for entry in entries[:2]:
            general, _analytic = entry_rows(entry, first_ec_no=first, plan_numbers=reference.analytic_plans,
                                           currency_numbers={})
            first += len(general)
            connection.execute(schema.F_ECRITUREC.insert(), general)
    assert file_workspace.context.desk.confirm() == (2, 1)
    assert states(file_workspace) == {"confirmed": 2, "delivered": 1}
    assert write_back(file_workspace.context).counts == {"kept_in_sagesync": 2}  # only what Sage holds


def test_reissue_writes_the_same_file_again_only_on_request(file_workspace: Workspace) -> None:
    file_workspace.source.document_list = invoices(2)
    sync(file_workspace.context)
    last = files(file_workspace)[-1]
    original = last.read_bytes()
    run_id = int(last.stem.rsplit("run", 1)[1])
    last.unlink()
    report = file_workspace.context.desk.redeliver(run_id)
    assert Path(report.outputs["import file"]).read_bytes() == original
    assert states(file_workspace) == {DeliveryState.DELIVERED.value: 2}


def test_payments_go_in_the_import_file_in_the_bank_journal_once(file_workspace: Workspace) -> None:
    from decimal import Decimal

    from sagesync.core.cash import CashSettings
    from sagesync.core.payments import Payment
    from sagesync.steps.payments import pull_payments
    from tests.builders import document, line

    file_workspace.source.document_list = [document(line("1000,00"), number="F2025-0001", source_id="1")]
    file_workspace.context.cash = CashSettings(bank_journal="BQ1", bank_account="512000",
                                               exchange_loss_account="656000", exchange_gain_account="756000")
    pull_customers(file_workspace.context)
    pull_projects(file_workspace.context)
    pull_invoices(file_workspace.context)
    file_workspace.source.payment_list = [Payment("1", "1", date(2025, 4, 1), Decimal("700.00")),
                                          Payment("2", "1", date(2025, 5, 1), Decimal("500.00"))]
    report = pull_payments(file_workspace.context)
    assert report.counts["posted"] == 2 and report.counts["matched"] == 1
    payment_file = next(path for path in files(file_workspace) if "RG1" in parsed_pieces([path]))
    parsed = list(pieces(parse_flag_file(payment_file, FORMAT_V31)))
    assert sorted(piece.piece for piece in parsed) == ["RG1", "RG2"]
    assert states(file_workspace) == Counter({"delivered": 3})
    again = pull_payments(file_workspace.context)
    assert again.counts["posted"] == 0 and again.counts["already_posted"] == 2
    assert sorted(parsed_pieces(files(file_workspace))) == ["F2025-0001", "RG1", "RG2"]
