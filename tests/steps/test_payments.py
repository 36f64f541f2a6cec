"""Pull payments on a real embedded company: bank entries, VAT on receipts, matching, once and only once."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from sagesync.core.cash import CashSettings
from sagesync.core.findings import FindingCode
from sagesync.core.model import DocumentKind, DocumentStatus
from sagesync.core.payments import Payment
from sagesync.ledger import schema as ledger_schema
from sagesync.sage import schema
from sagesync.steps.invoices import pull_invoices
from sagesync.steps.payments import pull_payments
from sagesync.steps.referential import pull_customers, pull_projects
from tests.builders import document, line
from tests.steps.conftest import Workspace

D = Decimal
CASH = CashSettings(bank_journal="BQ1", bank_account="512000", exchange_loss_account="656000",
                    exchange_gain_account="756000", period_start=date(2025, 1, 1))


def pay(pk: str, document_id: str, amount: str, day: date) -> Payment:
    return Payment(pk, document_id, day, D(amount))


@pytest.fixture
def books(workspace: Workspace) -> Workspace:
    """Two invoices posted: #1 1 200,00 TTC (1 000 HT at 20 %), #2 1 635,50 TTC at three rates."""
    workspace.source.document_list = [
        document(line("1000,00"), number="F2025-0001", source_id="1"),
        document(line("1000,00"), line("300,00", rate="10"), line("100,00", rate="5.5"), number="F2025-0002",
                 source_id="2"),
    ]
    workspace.context.cash = CASH
    pull_customers(workspace.context)
    pull_projects(workspace.context)
    assert pull_invoices(workspace.context).counts["posted"] == 2
    return workspace


def company_lines(workspace: Workspace, journal: str) -> list:  # type: ignore[type-arg]
    with workspace.company.connect() as connection:
        return list(connection.execute(select(schema.F_ECRITUREC).where(schema.F_ECRITUREC.c.JO_Num == journal)
                                       .order_by(schema.F_ECRITUREC.c.EC_No)))


def vat_moved(workspace: Workspace) -> dict[tuple[str, str], Decimal]:
    """(payment key, account 44574x) -> VAT made due, read back from the company's bank journal."""
    moved: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in company_lines(workspace, "BQ1"):
        if row.CG_Num.startswith("44574") and row.EC_Sens == 0:
            moved[(row.EC_Reference.removeprefix("OOTI-"), row.CG_Num)] += row.EC_Montant
    return dict(moved)


def test_two_payments_post_balanced_bank_entries_move_the_vat_and_match_the_invoice(books: Workspace) -> None:
    books.source.payment_list = [pay("70001", "1", "700.00", date(2025, 4, 2)),
                                 pay("70002", "1", "500.00", date(2025, 5, 6))]
    report = pull_payments(books.context)
    assert report.counts["posted"] == 2 and report.counts["matched"] == 1 and report.status == "ok"
    lines = company_lines(books, "BQ1")
    by_piece: dict[str, list[Decimal]] = defaultdict(lambda: [D(0), D(0)])
    for row in lines:
        by_piece[row.EC_Piece][row.EC_Sens] += row.EC_Montant
    assert set(by_piece) == {"RG70001", "RG70002"}
    assert all(debit == credit for debit, credit in by_piece.values())
    assert vat_moved(books) == {("P70001", "445742"): D("116.67"), ("P70002", "445742"): D("83.33")}
    # The invoice's 411 line and both payments' 411 lines share one letter in the company.
    with books.company.connect() as connection:
        lettered = connection.execute(select(schema.F_ECRITUREC.c.EC_Reference, schema.F_ECRITUREC.c.EC_Lettrage,
                                             schema.F_ECRITUREC.c.EC_Lettre)
                                      .where(schema.F_ECRITUREC.c.CT_Num == "DUPONT")).all()
    assert {(row.EC_Reference, row.EC_Lettrage, row.EC_Lettre) for row in lettered if row.EC_Reference in (
        "OOTI-1", "OOTI-P70001", "OOTI-P70002")} == {("OOTI-1", "A", 1), ("OOTI-P70001", "A", 1),
                                                     ("OOTI-P70002", "A", 1)}
    # The ledger holds the same letters (the FEC's EcritureLet / DateLet) and the VAT made due.
    with books.ledger.connect() as connection:
        letters = connection.execute(select(ledger_schema.entry_lines.c.letter, ledger_schema.entry_lines.c.letter_date)
                                     .where(ledger_schema.entry_lines.c.role == "customer",
                                            ledger_schema.entry_lines.c.letter != "")).all()
        transfers = connection.execute(select(ledger_schema.vat_transfers.c.amount)).scalars().all()
    assert sorted(letters) == [("A", date(2025, 5, 6))] * 3
    assert sum(D(amount) for amount in transfers) == D("200.00")
    # Once and only once: a second run posts nothing.
    again = pull_payments(books.context)
    assert again.counts["posted"] == 0 and again.counts["already_posted"] == 2
    assert len(company_lines(books, "BQ1")) == len(lines)


def test_three_rate_invoice_paid_in_three_parts_moves_each_rate_to_the_cent(books: Workspace) -> None:
    books.source.payment_list = [pay("1", "2", "500.00", date(2025, 4, 1)),
                                 pay("2", "2", "635.50", date(2025, 4, 15))]
    pull_payments(books.context)
    books.source.payment_list.append(pay("3", "2", "500.00", date(2025, 5, 1)))  # a later run settles it
    assert pull_payments(books.context).counts["posted"] == 1
    moved = vat_moved(books)
    assert sum(amount for (_, account), amount in moved.items() if account == "445742") == D("200.00")
    assert sum(amount for (_, account), amount in moved.items() if account == "445741") == D("30.00")
    assert sum(amount for (_, account), amount in moved.items() if account == "445745") == D("5.50")
    assert moved[("P3", "445742")] == D("61.15")  # the remainder: 200 - 61,14 - 77,71


def test_overpayment_unknown_and_waiting_payments_are_findings_not_postings(books: Workspace) -> None:
    books.source.document_list.append(document(line("10,00"), number="", source_id="9",
                                               status=DocumentStatus.DRAFT))
    pull_invoices(books.context)  # the draft is seen, not posted
    books.source.payment_list = [pay("1", "1", "1200.01", date(2025, 4, 1)),
                                 pay("2", "404", "10.00", date(2025, 4, 1)),
                                 pay("3", "9", "12.00", date(2025, 4, 1))]
    report = pull_payments(books.context)
    codes = {finding.source_id: finding.code for finding in report.findings}
    assert codes == {"P1": FindingCode.OVERPAYMENT, "P2": FindingCode.PAYMENT_UNKNOWN_DOCUMENT,
                     "P3": FindingCode.PAYMENT_WAITING}
    assert report.counts["posted"] == 0 and report.counts["blocked"] == 2 and report.counts["waiting"] == 1
    assert company_lines(books, "BQ1") == []
    assert all(finding.fix for finding in report.findings)


def test_a_payment_in_two_runs_then_one_too_many_settles_once(books: Workspace) -> None:
    books.source.payment_list = [pay("1", "1", "1200.00", date(2025, 4, 1)),
                                 pay("2", "1", "1.00", date(2025, 4, 2))]
    report = pull_payments(books.context)
    assert report.counts["posted"] == 1 and report.counts["blocked"] == 1
    assert [finding.code for finding in report.findings] == [FindingCode.OVERPAYMENT]


def test_credit_note_after_a_partial_payment_leaves_the_rest_to_the_last_payment(books: Workspace) -> None:
    books.source.payment_list = [pay("1", "1", "700.00", date(2025, 4, 1))]
    pull_payments(books.context)
    books.source.document_list.append(document(line("250,00"), number="AV2025-0001", source_id="5",
                                               kind=DocumentKind.CREDIT_NOTE, original="1"))
    assert pull_invoices(books.context).counts["posted"] == 1
    books.source.payment_list.append(pay("2", "1", "200.00", date(2025, 5, 1)))  # 1 200 - 700 - 300
    report = pull_payments(books.context)
    assert report.counts["posted"] == 1 and report.counts["matched"] == 1
    assert vat_moved(books)[("P2", "445742")] == D("33.33")  # 200 - 116,67 - 50
    with books.company.connect() as connection:
        letters = dict(connection.execute(select(schema.F_ECRITUREC.c.EC_Reference, schema.F_ECRITUREC.c.EC_Lettrage)
                                          .where(schema.F_ECRITUREC.c.CT_Num == "DUPONT")).all())
    assert letters["OOTI-1"] == letters["OOTI-5"] == letters["OOTI-P1"] == letters["OOTI-P2"] == "A"


def test_a_dropped_platform_mid_list_posts_the_rest_once_on_the_next_run(books: Workspace) -> None:
    books.source.payment_list = [pay(str(n), "1" if n < 3 else "2", "100.00", date(2025, 4, n)) for n in range(1, 6)]
    books.context.cash = CASH
    books.context.batch_size = 2
    books.source.payments_fail_after = 3
    with pytest.raises(ConnectionError):
        pull_payments(books.context)
    books.source.payments_fail_after = None
    pull_payments(books.context)
    references = [row.EC_Reference for row in company_lines(books, "BQ1")]
    assert sorted(set(references)) == [f"OOTI-P{n}" for n in range(1, 6)]
    with books.ledger.connect() as connection:
        keys = connection.execute(select(ledger_schema.payments_posted.c.payment_key)).scalars().all()
    assert sorted(keys) == [f"P{n}" for n in range(1, 6)]


def test_the_fec_carries_the_bank_entries_with_their_matching(books: Workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sagesync.fec.check import check_fec
    from sagesync.fec.ledger_source import LedgerFecSource
    from sagesync.fec.writer import write_fec

    books.source.payment_list = [pay("70001", "1", "700.00", date(2025, 4, 2)),
                                 pay("70002", "1", "500.00", date(2025, 5, 6))]
    pull_payments(books.context)
    source = LedgerFecSource(books.ledger, "ACME", books.context.desk.reference())
    path = tmp_path / "fec.txt"
    summary = write_fec(source.fec_entries(date(2025, 1, 1), date(2025, 12, 31)), path,
                        account_labels=source.account_labels(), tiers_names=source.tiers_names())
    assert summary.total_debit == summary.total_credit
    assert check_fec(path) == []
    rows = [line.split("\t") for line in path.read_text(encoding="iso-8859-15").splitlines()]
    header = rows[0]
    lettered = [dict(zip(header, row, strict=True)) for row in rows[1:] if row[header.index("EcritureLet")]]
    assert {(row["JournalCode"], row["PieceRef"], row["EcritureLet"], row["DateLet"]) for row in lettered} == {
        ("VTE", "F2025-0001", "A", "20250506"), ("BQ1", "F2025-0001", "A", "20250506")}
    assert len(lettered) == 3
    bank = [dict(zip(header, row, strict=True)) for row in rows[1:] if row[0] == "BQ1"]
    numbers = [row["EcritureNum"] for row in bank]
    assert len(bank) == 8 and all(numbers) and len(set(numbers)) == 2  # two entries of four lines each


def test_a_lost_ledger_rebuilt_from_the_company_knows_the_payments_and_posts_nothing_twice(
        books: Workspace) -> None:
    from sagesync.ledger.delivery import DeliveryDesk
    from sagesync.ledger.rebuild import rebuild
    from sagesync.ledger.store import Ledger
    from sagesync.profiles.defaults import default_mapping
    from sagesync.sage.embedded_port import EmbeddedCompany

    books.source.payment_list = [pay("1", "2", "500.00", date(2025, 4, 1)),
                                 pay("2", "2", "635.50", date(2025, 4, 15))]
    pull_payments(books.context)
    desk = books.context.desk
    path = books.ledger.path
    books.ledger.dispose()
    path.unlink()  # the ledger is lost
    desk.port.close()
    port = EmbeddedCompany(desk.port.company_path, default_mapping())  # type: ignore[attr-defined]
    result = rebuild(path, port, "ACME", desk.company_key, "ACME")
    assert result.pieces_added == 4  # two invoices, two payments
    ledger = Ledger(path)
    books.context.desk = DeliveryDesk(ledger, port, "ACME", analytic_plan="PROJET", company_key=desk.company_key)
    books.context.desk.verify()
    again = pull_payments(books.context)
    assert again.counts["posted"] == 0 and again.counts["already_posted"] == 2 and again.counts["changed"] == 0
    books.source.payment_list.append(pay("3", "2", "500.00", date(2025, 5, 1)))
    assert pull_payments(books.context).counts["posted"] == 1
    moved = vat_moved(books)
    assert moved[("P3", "445742")] == D("61.15")  # the remainder, computed from what the rebuild read back
    assert sum(amount for (_, account), amount in moved.items() if account == "445742") == D("200.00")
    ledger.dispose()
    port.close()


@pytest.mark.parametrize("output_format", ["xlsx", "csv"])
def test_the_receipts_report_gives_the_vat_per_month_and_rate_and_the_collections(
        books: Workspace, tmp_path, output_format: str) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from sagesync.exports.receipts_report import write_receipts_report
    from sagesync.ledger.receipts import collected, vat_by_month

    books.source.payment_list = [pay("1", "2", "500.00", date(2025, 4, 1)),
                                 pay("2", "2", "635.50", date(2025, 4, 15)),
                                 pay("3", "2", "500.00", date(2025, 5, 1)),
                                 pay("4", "1", "1200.00", date(2025, 5, 2))]
    pull_payments(books.context)
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    with books.ledger.connect() as connection:
        months = vat_by_month(connection, "ACME", start, end)
        table = {(row.month, row.rate): row.vat for row in months}
        assert table[(date(2025, 4, 1), "20")] == D("61.14") + D("77.71")
        assert table[(date(2025, 5, 1), "20")] == D("61.15") + D("200.00")
        assert sum(row.vat for row in months) == D("200.00") + D("30.00") + D("5.50") + D("200.00")
        files = write_receipts_report(tmp_path, start, end, months, collected(connection, "ACME", start, end),
                                      output_format)  # type: ignore[arg-type]
    assert files.payments == 4 and files.total_collected == D("1635.50") + D("1200.00")
    if output_format == "xlsx":
        sheet = load_workbook(files.collections).active
        rows = list(sheet.iter_rows(values_only=True))
        header, body, totals = rows[0], rows[1:-1], rows[-1]
        assert header[:5] == ("Collected on", "Invoice", "Client", "Payment", "Amount collected")
        assert sum(Decimal(str(row[4])) for row in body) == totals[4] == D("2835.50")
        assert totals[-1] == D("435.50")
        month_rows = list(load_workbook(files.vat_by_month).active.iter_rows(values_only=True))
        assert month_rows[-1][-1] == D("435.50")
    else:
        text = files.collections.read_text(encoding="utf-8-sig").splitlines()
        assert text[0].startswith("Collected on;Invoice;Client;Payment;Amount collected")
        assert text[-1].split(";")[4] == "2835,50" and text[-1].split(";")[-1] == "435,50"


def test_an_invoice_paid_in_full_before_its_credit_note_is_matched_alone_and_the_refund_is_posted(
        books: Workspace) -> None:
    books.source.document_list.append(document(line("250,00"), number="AV2025-0001", source_id="5",
                                               kind=DocumentKind.CREDIT_NOTE, original="1", issue=date(2025, 4, 20)))
    pull_invoices(books.context)
    books.source.payment_list = [pay("1", "1", "1200.00", date(2025, 4, 2)),  # before the credit note: in full
                                 pay("2", "5", "300.00", date(2025, 5, 2))]  # then the credit note is paid back
    report = pull_payments(books.context)
    assert report.counts["posted"] == 2 and report.counts["matched"] == 2 and not report.findings
    moved = vat_moved(books)
    assert moved == {("P1", "445742"): D("200.00")}  # the refund takes 50 back: credited to 44574, not debited
    with books.company.connect() as connection:
        letters = dict(connection.execute(select(schema.F_ECRITUREC.c.EC_Reference, schema.F_ECRITUREC.c.EC_Lettrage)
                                          .where(schema.F_ECRITUREC.c.CT_Num == "DUPONT")).all())
    assert letters["OOTI-1"] == letters["OOTI-P1"] == "A" and letters["OOTI-5"] == letters["OOTI-P2"] == "B"


def test_a_refund_of_a_credit_note_that_still_reduces_an_open_invoice_is_not_due(books: Workspace) -> None:
    books.source.document_list.append(document(line("250,00"), number="AV2025-0001", source_id="5",
                                               kind=DocumentKind.CREDIT_NOTE, original="1"))
    pull_invoices(books.context)
    books.source.payment_list = [pay("2", "5", "300.00", date(2025, 5, 2))]
    report = pull_payments(books.context)
    assert [finding.code for finding in report.findings] == [FindingCode.REFUND_NOT_DUE]


def test_month_end_setting_moves_each_months_vat_in_one_entry_of_its_own(books: Workspace) -> None:
    from dataclasses import replace as copy

    books.context.cash = copy(CASH, vat_in_payment_entry=False, transfer_journal="OD")
    books.source.payment_list = [pay("1", "1", "700.00", date(2025, 4, 2)), pay("2", "2", "500.00", date(2025, 4, 9)),
                                 pay("3", "1", "500.00", date(2025, 5, 6))]
    report = pull_payments(books.context)
    assert report.counts["posted"] == 3 and report.counts["vat_month_entries"] == 2
    assert not [row for row in company_lines(books, "BQ1") if row.CG_Num.startswith("4457")]  # not in the payments
    od = company_lines(books, "OD")
    by_piece: dict[str, dict[tuple[str, int], Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in od:
        by_piece[row.EC_Piece][(row.CG_Num, row.EC_Sens)] += row.EC_Montant
    assert sorted(by_piece) == ["TVA20250401", "TVA20250501"]
    april = by_piece["TVA20250401"]
    assert april[("445742", 0)] == april[("445712", 1)] == D("116.67") + D("61.14")
    assert by_piece["TVA20250501"][("445742", 0)] == D("83.33")
    assert pull_payments(books.context).counts["vat_month_entries"] == 0  # each month once
    # A payment dated in a month already moved gets an entry of its own, never a second copy of the month's.
    books.source.payment_list.append(pay("4", "2", "100.00", date(2025, 4, 30)))
    assert pull_payments(books.context).counts["vat_month_entries"] == 1
    pieces = {row.EC_Piece for row in company_lines(books, "OD")}
    assert len(pieces) == 3


def test_a_payment_in_a_month_closed_in_sage_for_the_bank_journal_is_a_finding(books: Workspace) -> None:
    with books.company.begin() as connection:
        connection.execute(schema.F_JMOUV.insert().values(JO_Num="BQ1", JM_Date=date(2025, 4, 1), JM_Cloture=2))
    books.source.payment_list = [pay("1", "1", "700.00", date(2025, 4, 2)), pay("2", "1", "500.00", date(2025, 5, 6))]
    report = pull_payments(books.context)
    assert [finding.code for finding in report.findings] == [FindingCode.CLOSED_PERIOD]
    assert "BQ1" in report.findings[0].message and report.counts["posted"] == 1

