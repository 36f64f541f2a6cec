"""Send settlements: receipts typed and matched in Sage become platform payments, once, never doubled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import update

from sagesync.core.cash import CashSettings
from sagesync.core.model import DocumentKind, EntryLine, JournalEntry, LineRole, Side
from sagesync.core.payments import Payment, Settlement
from sagesync.errors import PlatformUnreachableError
from sagesync.sage import schema
from sagesync.sage.reader import next_ec_no
from sagesync.sage.rows import entry_rows
from sagesync.steps.invoices import pull_invoices
from sagesync.steps.payments import pull_payments
from sagesync.steps.referential import pull_customers, pull_projects
from sagesync.steps.settlements import send_settlements
from tests.builders import document, line
from tests.steps.conftest import Workspace

D = Decimal


@dataclass
class Sent:
    payment_id: str
    created: bool


@dataclass
class FakePlatform:
    """The platform's payment API as the sender sees it: records what it is sent; can fail."""

    sent: list[Settlement] = field(default_factory=list)
    existing: set[tuple[str, date, Decimal]] = field(default_factory=set)
    failing: bool = False
    name: str = "payments"

    def send(self, settlement: Settlement) -> Sent:
        if self.failing:
            raise PlatformUnreachableError("the platform did not answer")
        if (settlement.document_source_id, settlement.settled_on, settlement.amount) in self.existing:
            return Sent("900", created=False)
        self.sent.append(settlement)
        return Sent(str(80_000 + len(self.sent)), created=True)


def receipt_typed_in_sage(workspace: Workspace, amount: str, day: date, letter: str, invoices: tuple[str, ...]
                          ) -> None:
    """What an accountant does in Sage: a bank receipt on the client's account, matched with the invoices."""
    entry = JournalEntry("BQ1", day, "REL12", "", "Virement Dupont", "", DocumentKind.INVOICE, (
        EntryLine(LineRole.REVENUE, "512000", Side.DEBIT, D(amount), "Virement Dupont"),
        EntryLine(LineRole.CUSTOMER, "411000", Side.CREDIT, D(amount), "Virement Dupont", tiers="DUPONT")))
    with workspace.company.begin() as connection:
        rows, _ = entry_rows(entry, first_ec_no=next_ec_no(connection), plan_numbers={}, currency_numbers={})
        for row in rows:
            row["EC_Reference"] = None
            row["EC_Lettrage"], row["EC_Lettre"] = (letter, 1) if row["CT_Num"] else (None, 0)
        connection.execute(schema.F_ECRITUREC.insert(), rows)
        connection.execute(update(schema.F_ECRITUREC).where(
            schema.F_ECRITUREC.c.EC_Reference.in_([f"OOTI-{ref}" for ref in invoices]),
            schema.F_ECRITUREC.c.CT_Num == "DUPONT").values(EC_Lettrage=letter, EC_Lettre=1))


@pytest.fixture
def books(workspace: Workspace) -> Workspace:
    workspace.source.document_list = [document(line("1000,00"), number="F2025-0001", source_id="1"),
                                      document(line("500,00"), number="F2025-0002", source_id="2",
                                               issue=date(2025, 3, 20))]
    pull_customers(workspace.context)
    pull_projects(workspace.context)
    assert pull_invoices(workspace.context).counts["posted"] == 2
    return workspace


def test_a_receipt_matched_in_sage_is_sent_once_and_never_posted_back(books: Workspace) -> None:
    platform = FakePlatform()
    books.context.settlement_sender = platform
    receipt_typed_in_sage(books, "1200.00", date(2025, 4, 10), "A", ("1",))
    report = send_settlements(books.context)
    assert report.counts["found_in_sage"] == 1 and report.counts["sent_to_platform"] == 1
    assert platform.sent == [Settlement("1", "F2025-0001", date(2025, 4, 10), D("1200.00"), platform.sent[0].sage_key)]
    assert send_settlements(books.context).counts["sent_to_platform"] == 0  # once
    # The platform now lists that payment: Pull payments knows it came from Sage and posts nothing.
    books.context.cash = CashSettings(bank_journal="BQ1", bank_account="512000", exchange_loss_account="656000",
                                      exchange_gain_account="756000")
    books.source.payment_list = [Payment("80001", "1", date(2025, 4, 10), D("1200.00"))]
    payments = pull_payments(books.context)
    assert payments.counts["from_sage"] == 1 and payments.counts["posted"] == 0


def test_one_receipt_matched_with_two_invoices_is_split_first_in_first_out(books: Workspace) -> None:
    platform = FakePlatform()
    books.context.settlement_sender = platform
    receipt_typed_in_sage(books, "1800.00", date(2025, 4, 10), "B", ("1", "2"))
    send_settlements(books.context)
    assert sorted((item.document_source_id, item.amount) for item in platform.sent) == [
        ("1", D("1200.00")), ("2", D("600.00"))]


def test_a_platform_that_fails_keeps_the_settlement_for_the_next_run_and_one_it_has_is_not_doubled(
        books: Workspace) -> None:
    platform = FakePlatform(failing=True)
    books.context.settlement_sender = platform
    receipt_typed_in_sage(books, "1200.00", date(2025, 4, 10), "A", ("1",))
    assert send_settlements(books.context).counts["send_failed"] == 1
    platform.failing = False
    platform.existing.add(("1", date(2025, 4, 10), D("1200.00")))  # typed by hand on the platform meanwhile
    report = send_settlements(books.context)
    assert report.counts["already_on_platform"] == 1 and platform.sent == []
    assert send_settlements(books.context).counts["already_on_platform"] == 0
