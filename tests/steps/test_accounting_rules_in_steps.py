"""The accounting rules as a run applies them: duplicate numbers, chronology, drafts, root causes."""

from __future__ import annotations

from collections import Counter
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sagesync.core.findings import FindingCode
from sagesync.core.model import DocumentKind, DocumentStatus
from sagesync.ledger import schema as ledger_schema
from sagesync.sage import schema
from sagesync.steps.invoices import check_invoices, pull_invoices
from sagesync.steps.referential import pull_customers, pull_projects
from sagesync.steps.sync import sync
from tests.builders import customer, document, line
from tests.steps.conftest import Workspace


def _pieces(workspace: Workspace) -> dict[str, set[str]]:
    """EC_Piece -> the source references of the documents in it (one each, or two documents merged)."""
    found: dict[str, set[str]] = {}
    with workspace.company.connect() as connection:
        for piece, reference in connection.execute(select(schema.F_ECRITUREC.c.EC_Piece,
                                                          schema.F_ECRITUREC.c.EC_Reference)):
            found.setdefault(piece, set()).add(reference)
    return found


def test_a_duplicate_number_is_blocked_naming_both_documents_and_the_first_keeps_its_piece(
        workspace: Workspace) -> None:
    workspace.source.document_list = [
        document(line("100,00"), number="F2025-0001", source_id="1", issue=date(2025, 3, 1)),
        document(line("200,00"), number="F2025-0001", source_id="2", issue=date(2025, 3, 2)),
        document(line("300,00"), number="f2025-0001 ", source_id="3", issue=date(2025, 3, 3)),  # as Sage compares
    ]
    reports = {report.step: report for report in sync(workspace.context)}
    invoices = reports["invoices"]
    assert invoices.counts["posted"] == 1 and invoices.counts["blocked"] == 2
    duplicates = [finding for finding in invoices.findings if finding.code is FindingCode.DUPLICATE_NUMBER]
    assert {finding.source_id for finding in duplicates} == {"2", "3"}
    assert all("#1" in finding.message or "1" in finding.message for finding in duplicates)
    assert {piece: len(refs) for piece, refs in _pieces(workspace).items()} == {"F2025-0001": 1}
    # A later run that brings the same number again is refused too: the ledger remembers it.
    workspace.source.document_list = [document(line("50,00"), number="F2025-0001", source_id="4")]
    later = pull_invoices(workspace.context)
    assert later.counts["posted"] == 0 and later.counts["blocked"] == 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["F1", "F2", "f1", "F3 ", "X-LONG-NUMBER-0000000001", "Y-LONG-NUMBER-0000000001"]),
                min_size=1, max_size=8))
def test_any_set_of_repeated_numbers_never_yields_two_documents_in_one_piece(workspace: Workspace,
                                                                           chosen: list[str]) -> None:
    workspace.source.document_list = [
        document(line("10,00"), number=number, source_id=f"h{index}-{len(chosen)}-{abs(hash(tuple(chosen)))}")
        for index, number in enumerate(chosen)]
    sync(workspace.context)
    assert all(len(references) == 1 for references in _pieces(workspace).values())


def test_entry_numbers_follow_the_dates_whatever_order_the_platform_lists(workspace: Workspace) -> None:
    newest_first = [document(line("100,00"), number=f"F2025-{n:04d}", source_id=str(n), issue=date(2025, 2, n))
                    for n in range(9, 0, -1)]
    workspace.source.document_list = newest_first
    sync(workspace.context)
    with workspace.ledger.connect() as connection:
        rows = connection.execute(select(ledger_schema.postings.c.entry_number, ledger_schema.postings.c.entry_date,
                                         ledger_schema.postings.c.validated_at)
                                  .order_by(ledger_schema.postings.c.entry_number)).all()
    assert [row.entry_number for row in rows] == [f"VTE{n:06d}" for n in range(1, 10)]
    assert [row.entry_date for row in rows] == sorted(row.entry_date for row in rows)
    assert len({row.validated_at for row in rows}) == 1


def test_drafts_are_skipped_not_blocking_and_a_clean_run_exits_0(workspace: Workspace) -> None:
    workspace.source.document_list = [
        document(line("100,00"), source_id="1"),
        document(line("100,00"), number="", source_id="2", status=DocumentStatus.DRAFT),
    ]
    reports = sync(workspace.context)
    by_step = {report.step: report for report in reports}
    assert by_step["invoices"].counts["draft"] == 1 and by_step["invoices"].counts["posted"] == 1
    assert all(report.exit_code == 0 for report in reports)


def test_a_client_refused_at_pull_customers_is_named_as_the_root_cause(workspace: Workspace) -> None:
    workspace.source.customer_list = [customer("c1", "", "Sans Code SA"), customer("c2", "MARTIN", "Martin")]
    workspace.source.document_list = [document(line("100,00"), source_id="1", customer="c1"),
                                      document(line("100,00"), source_id="2", number="F2025-0002", customer="c9")]
    pull_customers(workspace.context)
    pull_projects(workspace.context)
    report = check_invoices(workspace.context)
    codes = Counter((finding.source_id, finding.code) for finding in report.findings)
    assert codes[("1", FindingCode.CUSTOMER_REFUSED)] == 1  # refused: its code is empty
    assert codes[("2", FindingCode.CUSTOMER_UNKNOWN)] == 1  # not in the platform's client list
    refused = next(f for f in report.findings if f.code is FindingCode.CUSTOMER_REFUSED)
    assert "Pull customers first" not in refused.fix


def test_a_setting_the_company_contradicts_stops_the_step_with_each_problem_and_its_fix(workspace: Workspace) -> None:
    from dataclasses import replace

    import pytest

    from sagesync.errors import SetupError

    workspace.context.mapping = replace(workspace.context.mapping, journal="VTX")
    workspace.source.document_list = [document(line("100,00"))]
    with pytest.raises(SetupError) as raised:
        check_invoices(workspace.context)
    assert raised.value.exit_code == 2
    assert "VTX" in str(raised.value) and "sales_journal" in str(raised.value)
    assert [problem[0] for problem in raised.value.problems] == ["sales_journal"]
    assert workspace.count("F_ECRITUREC") == 0


def test_a_full_pass_that_finds_nothing_while_other_teams_have_invoices_stops_with_exit_2(
        workspace: Workspace) -> None:
    import pytest

    from sagesync.errors import SetupError

    workspace.source.document_list = []
    workspace.source.empty_scope_hint = lambda: "team 9 lists no invoice, but team 3 has 40"  # type: ignore[method-assign]
    with pytest.raises(SetupError, match="team 3"):
        sync(workspace.context)


def test_a_number_the_company_already_holds_in_a_piece_typed_in_sage_is_a_duplicate(workspace: Workspace) -> None:
    from datetime import datetime as moment

    with workspace.company.begin() as connection:  # an accountant typed invoice F2025-0009 by hand
        connection.execute(schema.F_ECRITUREC.insert(), [dict(
            JO_Num="VTE", EC_No=1, JM_Date=moment(2025, 3, 1), EC_Jour=3, EC_Date=moment(2025, 3, 3),
            EC_Piece="F2025-0009", EC_RefPiece="F2025-0009", CG_Num="411000", CT_Num=None, EC_Intitule="saisie",
            EC_Sens=0, EC_Montant=120)])
    workspace.source.document_list = [document(line("100,00"), number="F2025-0009", source_id="9"),
                                      document(line("100,00"), number="F2025-0010", source_id="10")]
    report = {r.step: r for r in sync(workspace.context)}["invoices"]
    assert report.counts["posted"] == 1 and report.counts["blocked"] == 1
    (finding,) = [f for f in report.findings if f.code is FindingCode.DUPLICATE_NUMBER]
    assert finding.source_id == "9" and "typed in Sage" in finding.message


def test_posting_from_a_preview_posts_exactly_the_previewed_versions(workspace: Workspace) -> None:
    from decimal import Decimal

    from sagesync.steps.preview import read_preview

    pull_customers(workspace.context)
    pull_projects(workspace.context)
    originals = [document(line("100,00"), number=f"F2025-000{n}", source_id=str(n)) for n in (1, 2, 3)]
    credit = document(line("40,00"), number="AV2025-0001", source_id="4", kind=DocumentKind.CREDIT_NOTE)
    workspace.source.document_list = [*originals, credit]
    dry = check_invoices(workspace.context, preview=True)
    assert workspace.count("F_ECRITUREC") == 0  # a preview writes nothing to Sage
    assert dry.preview is not None and dry.preview["entries"] == 4
    assert Decimal(str(dry.preview["ttc"])) == Decimal("360.00") - Decimal("48.00")  # 3 x 120,00 minus the avoir
    assert Decimal(str(dry.preview["ht"])) == Decimal("260.00")
    promised = read_preview(dry.outputs["preview"], "ACME")
    # Document 2 is edited after the preview; document 5 arrives after it.
    edited = document(line("150,00"), number="F2025-0002", source_id="2")
    workspace.source.document_list = [originals[0], edited, originals[2], credit,
                                      document(line("10,00"), number="F2025-0005", source_id="5")]
    workspace.context.preview = promised
    report = pull_invoices(workspace.context)
    assert report.counts["posted"] == 3  # 1, 3 and the credit note, as previewed
    assert report.counts["changed_since_preview"] == 1 and report.counts["not_in_preview"] == 1, report.counts
    assert [f.source_id for f in report.findings if f.code is FindingCode.CHANGED_SINCE_PREVIEW] == ["2"]
