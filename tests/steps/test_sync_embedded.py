"""The whole job on a real embedded company: posted once, balanced, recorded, and never twice."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from sagesync.core.findings import FindingCode
from sagesync.core.model import DocumentKind
from sagesync.ledger import schema as ledger_schema
from sagesync.ledger import store, views
from sagesync.sage import schema
from sagesync.steps.invoices import check_invoices, pull_invoices
from sagesync.steps.referential import pull_customers, pull_projects
from sagesync.steps.sync import sync
from sagesync.steps.writeback import write_back
from tests.builders import customer, document, line
from tests.steps.conftest import Workspace


def invoices(count: int) -> list:  # type: ignore[type-arg]
    return [document(line(f"{100 + index},00"), line("33,33", rate="10"), number=f"F2025-{index:04d}",
                     source_id=str(index), issue=date(2025, 2, 1 + index % 27)) for index in range(1, count + 1)]


def pieces(workspace: Workspace) -> dict[str, tuple[Decimal, Decimal]]:
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    with workspace.company.connect() as connection:
        for row in connection.execute(select(schema.F_ECRITUREC.c.EC_Piece, schema.F_ECRITUREC.c.EC_Sens,
                                             schema.F_ECRITUREC.c.EC_Montant)):
            sums[row.EC_Piece][row.EC_Sens] += row.EC_Montant
    return {piece: (debit, credit) for piece, (debit, credit) in sums.items()}


def test_sync_posts_every_clean_document_balanced_and_a_second_sync_posts_nothing(workspace: Workspace) -> None:
    workspace.source.document_list = invoices(7)
    reports = {report.step: report for report in sync(workspace.context)}
    assert reports["customers"].counts["created"] == 2
    assert reports["projects"].counts["created"] == 2
    assert reports["check"].counts["ready"] == 7
    assert reports["invoices"].counts["posted"] == 7
    posted = pieces(workspace)
    assert len(posted) == 7 and all(debit == credit for debit, credit in posted.values())
    rows_before = workspace.count("F_ECRITUREC"), workspace.count("F_ECRITUREA")
    assert rows_before == (7 * 5, 7 * 2)  # 411, 706 at 20 %, 706 at 10 %, VAT 20 %, VAT 10 %

    again = {report.step: report for report in sync(workspace.context)}
    assert again["invoices"].counts["posted"] == 0
    assert again["invoices"].counts["already_posted"] == 7
    assert again["customers"].counts["already_synced"] == 2
    assert (workspace.count("F_ECRITUREC"), workspace.count("F_ECRITUREA")) == rows_before
    assert all(report.exit_code == 0 for report in again.values())


def test_entry_numbers_are_continuous_per_journal_across_runs(workspace: Workspace) -> None:
    workspace.source.document_list = invoices(4)
    sync(workspace.context)
    workspace.source.document_list = invoices(9)
    pull_invoices(workspace.context)
    with workspace.ledger.connect() as connection:
        numbers = connection.execute(select(ledger_schema.postings.c.entry_number)
                                     .order_by(ledger_schema.postings.c.id)).scalars().all()
    assert numbers == [f"VTE{n:06d}" for n in range(1, 10)]


def test_a_document_changed_after_posting_is_a_finding_never_a_second_entry(workspace: Workspace) -> None:
    workspace.source.document_list = invoices(3)
    sync(workspace.context)
    rows = workspace.count("F_ECRITUREC")
    edited = replace(invoices(3)[1], total_excl_vat=Decimal("999.00"))
    workspace.source.document_list = [invoices(3)[0], edited, invoices(3)[2]]
    report = pull_invoices(workspace.context)
    assert report.counts["changed"] == 1 and report.counts["posted"] == 0
    assert [f.code for f in report.findings] == [FindingCode.CHANGED_AFTER_POSTING]
    assert report.exit_code == 1
    assert workspace.count("F_ECRITUREC") == rows


def test_a_credit_note_posts_as_its_own_piece_linked_to_its_invoice(workspace: Workspace) -> None:
    credit_note = document(line("101,00"), number="AV2025-0001", kind=DocumentKind.CREDIT_NOTE, source_id="cn1",
                           original="1", issue=date(2025, 3, 1))
    workspace.source.document_list = [*invoices(1), credit_note]
    sync(workspace.context)
    with workspace.ledger.connect() as connection:
        row = connection.execute(select(ledger_schema.postings).where(
            ledger_schema.postings.c.source_id == "cn1")).one()
    assert row.original_source_id == "1" and row.kind == "credit_note"
    assert pieces(workspace)["AV2025-0001"] == (Decimal("121.20"), Decimal("121.20"))
    with workspace.company.connect() as connection:
        customer_line = connection.execute(select(schema.F_ECRITUREC).where(
            schema.F_ECRITUREC.c.EC_Piece == "AV2025-0001", schema.F_ECRITUREC.c.CT_Num == "DUPONT")).one()
    assert customer_line.EC_Sens == 1  # credit on the customer


def test_a_failure_inside_a_batch_leaves_neither_sage_rows_nor_ledger_rows(workspace: Workspace,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    workspace.source.document_list = invoices(5)
    pull_customers(workspace.context)
    pull_projects(workspace.context)
    calls = {"n": 0}
    real = store.record_postings

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:  # second batch: Sage rows are written, then the ledger write fails
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "record_postings", flaky)
    with pytest.raises(RuntimeError):
        pull_invoices(workspace.context)
    assert len(pieces(workspace)) == 3  # first batch (3) committed, second rolled back in both databases
    monkeypatch.setattr(store, "record_postings", real)
    report = pull_invoices(workspace.context)
    assert report.counts["posted"] == 2 and report.counts["already_posted"] == 3
    assert len(pieces(workspace)) == 5
    with workspace.ledger.connect() as connection:
        runs = views.run_history(connection, "ACME")
    assert [run["status"] for run in runs][:2] == ["ok", "failed"]


def test_a_dropped_platform_connection_posts_what_was_read_whole_and_nothing_twice(workspace: Workspace) -> None:
    workspace.source.document_list = invoices(8)
    pull_customers(workspace.context)
    pull_projects(workspace.context)
    workspace.source.fail_after = 5
    with pytest.raises(ConnectionError):
        pull_invoices(workspace.context)
    assert len(pieces(workspace)) == 3  # only whole batches are posted
    workspace.source.fail_after = None
    report = pull_invoices(workspace.context)
    assert report.counts["posted"] == 5 and len(pieces(workspace)) == 8


def test_check_writes_the_report_and_blocks_with_exit_code_1(workspace: Workspace) -> None:
    bad = replace(invoices(2)[1], total_incl_vat=Decimal("1.00"))
    closed = document(line("10,00"), number="F2025-0100", source_id="100", issue=date(2025, 1, 15))
    early = document(line("10,00"), number="F2024-0999", source_id="99", issue=date(2024, 12, 20))
    workspace.source.document_list = [invoices(2)[0], bad, closed, early]
    pull_customers(workspace.context)
    pull_projects(workspace.context)
    report = check_invoices(workspace.context)
    assert report.counts == {"ready": 1, "blocked": 2, "ignored_before_period": 1}
    assert report.exit_code == 1
    csv_text = report.outputs["report_csv"].read_text(encoding="utf-8-sig")
    assert "totals_inconsistent" in csv_text and "closed_period" in csv_text and "F2025-0002" in csv_text
    html_text = report.outputs["report_html"].read_text(encoding="utf-8")
    assert "invoice F2025-0100" in html_text and "closed period" in html_text
    assert workspace.count("F_ECRITUREC") == 0  # check posts nothing


def test_existing_tiers_are_linked_never_overwritten_and_bad_codes_refused(workspace: Workspace) -> None:
    with workspace.company.begin() as connection:
        connection.execute(schema.F_COMPTET.insert().values(CT_Num="DUPONT", CT_Intitule="Dupont (saisi à la main)",
                                                            CT_Type=0, CG_NumPrinc="411000"))
    workspace.source.customer_list += [customer("c3", "", "Sans code"), customer("c4", "martin", "Martin bis")]
    report = pull_customers(workspace.context)
    assert report.counts == {"linked_existing": 1, "rejected": 3}
    with workspace.company.connect() as connection:
        names = {row.CT_Num: row.CT_Intitule for row in connection.execute(select(schema.F_COMPTET))}
    assert names == {"DUPONT": "Dupont (saisi à la main)"}
    assert {f.code for f in report.findings} == {FindingCode.CUSTOMER_CODE_EMPTY, FindingCode.CUSTOMER_CODE_DUPLICATE}


class FlakyPlatform:
    name = "platform"

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.down = True

    def send(self, document_source_id: str, piece: str, posted_at: datetime | None = None) -> None:
        assert posted_at is not None  # the outbox hands over when the document was posted
        if self.down:
            raise ConnectionError("platform unreachable")
        self.sent.append(document_source_id)


def test_write_back_is_retried_until_acknowledged(workspace: Workspace) -> None:
    platform = FlakyPlatform()
    workspace.context.writeback = platform
    workspace.source.document_list = invoices(3)
    first = {r.step: r for r in sync(workspace.context)}["writeback"]
    assert first.counts == {"failed": 3}
    platform.down = False
    second = write_back(workspace.context)
    assert second.counts == {"acknowledged": 3} and sorted(platform.sent) == ["1", "2", "3"]
    assert write_back(workspace.context).counts == {}
    with workspace.ledger.connect() as connection:
        connection.execute(update(ledger_schema.outbox).values(last_error=""))
        assert store.outbox_pending(connection, "ACME") == []


def test_an_unreadable_platform_document_is_a_finding_and_the_others_still_post(workspace: Workspace) -> None:
    from sagesync.core.findings import Finding
    from sagesync.ledger.schema import findings as findings_table
    from sagesync.sources.base import Rejected

    unreadable = Rejected("document", "77", "invoice #77", (Finding(
        "invoice #77", "77", "total", FindingCode.SOURCE_FIELD_INVALID, "the platform sent total 'abc'",
        "Report it to the platform's support."),))
    workspace.source.document_list = [*invoices(2), unreadable]
    report = {r.step: r for r in sync(workspace.context)}["invoices"]
    assert report.counts == {"posted": 2, "rejected": 1} and report.exit_code == 1
    with workspace.ledger.connect() as connection:
        recorded = connection.execute(select(findings_table.c.source_id, findings_table.c.code).where(
            findings_table.c.run_id == report.run_id)).all()
    assert [tuple(row) for row in recorded] == [("77", "source_field_invalid")]


def test_sync_reads_each_document_once_and_still_reports_the_check(workspace: Workspace) -> None:
    workspace.source.document_list = invoices(5)
    reports = {report.step: report for report in sync(workspace.context)}
    assert len(workspace.source.calls) == 1  # one pass: checked and posted
    assert reports["check"].counts["ready"] == 5 and reports["invoices"].counts["posted"] == 5
    assert reports["check"].outputs["report_csv"].is_file()


def test_a_resync_reads_only_what_changed_and_what_was_not_settled(workspace: Workspace) -> None:
    from datetime import UTC, timedelta

    stamp = datetime(2025, 3, 1, tzinfo=UTC)
    clean = [replace(document, updated_at=stamp) for document in invoices(4)]
    blocked = replace(invoices(5)[4], customer_source_id="nobody", updated_at=stamp)  # its client is unknown
    workspace.source.document_list = [*clean, blocked]
    first = {report.step: report for report in sync(workspace.context)}["invoices"]
    assert (first.scope, first.counts["posted"], first.counts["blocked"]) == ("full", 4, 1)
    second = {report.step: report for report in sync(workspace.context)}["invoices"]
    since, include = workspace.source.calls[-1]
    assert since is not None and include == {"5"}  # the blocked one is read again, whatever its stamp
    assert second.scope.startswith("changed since") and second.counts == {"blocked": 1}
    # A week later the safety net reads everything again; nothing is posted twice.
    workspace.context.full_pass_every = timedelta(0)
    third = {report.step: report for report in sync(workspace.context)}["invoices"]
    assert third.scope == "full" and third.counts["already_posted"] == 4 and third.counts["posted"] == 0
