"""A real embedded company and a real ledger in a temporary folder, fed by an in-memory platform."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from sagesync.ledger.delivery import DeliveryDesk
from sagesync.ledger.store import Ledger
from sagesync.profiles.defaults import default_mapping
from sagesync.sage import schema
from sagesync.sage.company import init_company
from sagesync.sage.embedded_port import EmbeddedCompany
from sagesync.sage.identity import company_key
from sagesync.steps.context import StepContext
from tests.builders import customer, project
from tests.fakes import ListSource


@dataclass
class Workspace:
    context: StepContext
    source: ListSource
    company: Engine
    ledger: Ledger

    def count(self, table: str) -> int:
        with self.company.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(schema.metadata.tables[table])).scalar_one())


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    company_path = tmp_path / "company.sqlite"
    engine = init_company(company_path, "ACME", closed_months=[("VTE", date(2025, 1, 1))])
    ledger = Ledger(tmp_path / "ledger.sqlite")
    port = EmbeddedCompany(company_path, default_mapping())
    desk = DeliveryDesk(ledger, port, "ACME", analytic_plan="PROJET", company_key=company_key("", company_path))
    source = ListSource(
        customer_list=[customer("c1", "DUPONT", "Dupont SA"), customer("c2", "MARTIN", "Martin & fils")],
        project_list=[project("p1", "PRJ001", "Musée"), project("p2", "PRJ002", "École")])
    context = StepContext(company="ACME", mapping=default_mapping(), period_start=date(2025, 1, 1), source=source,
                          desk=desk, reports_dir=tmp_path / "reports", batch_size=3)
    yield Workspace(context, source, engine, ledger)
    port.close()
    ledger.dispose()
    engine.dispose()
