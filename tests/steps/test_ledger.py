"""The ledger of record keeps its own schema version."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import update

from sagesync.core.model import DocumentKind
from sagesync.errors import ConfigurationError
from sagesync.ledger.schema import ledger_info
from sagesync.ledger.store import Ledger
from sagesync.steps.invoices import pull_invoices
from sagesync.steps.referential import pull_customers, pull_projects
from tests.builders import document, line
from tests.steps.conftest import Workspace


def test_a_ledger_from_a_newer_sagesync_is_refused_untouched(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite")
    with ledger.engine.begin() as connection:
        connection.execute(update(ledger_info).values(value="99"))
    ledger.dispose()
    with pytest.raises(ConfigurationError, match="newer sagesync"):
        Ledger(tmp_path / "ledger.sqlite")


def test_the_fec_of_a_run_whose_documents_came_out_of_date_order_is_in_entry_number_order(
        workspace: Workspace, tmp_path: Path) -> None:
    from sagesync.fec.check import check_fec
    from sagesync.fec.ledger_source import LedgerFecSource
    from sagesync.fec.writer import write_fec

    # The platform lists a later invoice before an earlier one, and a credit note after an invoice of its day.
    workspace.source.document_list = [
        document(line("100,00"), number="F2025-0002", source_id="2", issue=date(2025, 3, 20)),
        document(line("100,00"), number="F2025-0001", source_id="1", issue=date(2025, 3, 10)),
        document(line("100,00"), number="F2025-0003", source_id="3", issue=date(2025, 3, 25)),
        document(line("50,00"), number="AV2025-0001", source_id="4", issue=date(2025, 3, 25),
                 kind=DocumentKind.CREDIT_NOTE, original="3")]
    pull_customers(workspace.context)
    pull_projects(workspace.context)
    pull_invoices(workspace.context)
    source = LedgerFecSource(workspace.ledger, "ACME", workspace.context.desk.reference())
    path = tmp_path / "fec.txt"
    write_fec(source.fec_entries(date(2025, 1, 1), date(2025, 12, 31)), path,
              account_labels=source.account_labels(), tiers_names=source.tiers_names())
    assert check_fec(path) == []
