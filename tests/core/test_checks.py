"""Each check, on the smallest document that trips it: the finding names the field and the fix."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sagesync.core.checks import (
    RefusalReason,
    Verdict,
    check_customers,
    check_document,
    check_projects,
    check_setup,
    refusal_reasons,
)
from sagesync.core.findings import FindingCode, Severity
from sagesync.core.mapping import VatRegime
from sagesync.core.model import DocumentKind, DocumentStatus, RevenueKind
from sagesync.core.reference import AccountInfo, JournalInfo
from sagesync.core.versioning import content_version
from sagesync.profiles.defaults import default_mapping
from tests.builders import check_context, company, customer, d, document, line, project


def codes(doc, context=None, posted=None):  # type: ignore[no-untyped-def]
    result = check_document(doc, context or check_context(), content_version(doc), posted)
    return result.verdict, {f.code for f in result.findings}


def test_a_clean_invoice_is_ready_with_its_entry() -> None:
    result = check_document(document(line("100,00")), check_context(), "v1")
    assert result.verdict is Verdict.READY and result.findings == () and result.entry is not None


def test_before_period_start_is_ignored_and_counted_not_an_error() -> None:
    verdict, found = codes(document(line("100,00"), issue=date(2024, 12, 31)))
    assert verdict is Verdict.IGNORED and found == {FindingCode.BEFORE_PERIOD_START}


def test_draft_is_skipped_not_blocked() -> None:
    result = check_document(document(line("1,00"), status=DocumentStatus.DRAFT, number=""), check_context(), "v")
    assert result.verdict is Verdict.SKIPPED_DRAFT and result.entry is None
    assert [(f.code, f.severity) for f in result.findings] == [(FindingCode.DRAFT_DOCUMENT, Severity.INFO)]
    assert not any(f.blocks for f in result.findings)


def test_a_draft_is_skipped_even_when_it_has_other_problems() -> None:
    draft = document(line("1,00"), status=DocumentStatus.DRAFT, number="", customer="c9", total_incl_vat="9,99")
    assert codes(draft) == (Verdict.SKIPPED_DRAFT, {FindingCode.DRAFT_DOCUMENT})


def test_lines_that_do_not_add_up_to_the_total() -> None:
    doc = replace(document(line("100,00")), total_excl_vat=d("110,00"), total_incl_vat=d("130,00"))
    verdict, found = codes(doc)
    assert verdict is Verdict.BLOCKED and FindingCode.TOTALS_INCONSISTENT in found


def test_ht_plus_vat_is_not_ttc() -> None:
    verdict, found = codes(document(line("100,00"), total_incl_vat="121,00"))
    assert verdict is Verdict.BLOCKED and found == {FindingCode.TOTALS_INCONSISTENT}


def test_vat_far_from_the_rate_is_a_wrong_rate() -> None:
    verdict, found = codes(document(line("100,00"), vat={"20": "10,00"}))
    assert verdict is Verdict.BLOCKED and found == {FindingCode.VAT_INCONSISTENT}


def test_unknown_vat_rate_is_unmapped() -> None:
    verdict, found = codes(document(line("100,00", rate="8.5")))
    assert verdict is Verdict.BLOCKED and FindingCode.VAT_RATE_UNMAPPED in found


def test_vat_code_missing_from_the_company() -> None:
    reference = company()
    reference = replace(reference, vat_codes={k: v for k, v in reference.vat_codes.items() if k != "E10"})
    verdict, found = codes(document(line("100,00", rate="10")), check_context(reference=reference))
    assert verdict is Verdict.BLOCKED and found == {FindingCode.VAT_CODE_UNKNOWN}


def test_account_missing_from_the_company() -> None:
    reference = company()
    reference = replace(reference, accounts={k: v for k, v in reference.accounts.items() if k != "708500"})
    verdict, found = codes(document(line("100,00", kind=RevenueKind.EXPENSES)), check_context(reference=reference))
    assert verdict is Verdict.BLOCKED and found == {FindingCode.ACCOUNT_MISSING}


def test_sales_account_without_the_documents_currency() -> None:
    doc = document(line("100,00", kind=RevenueKind.EXPENSES), currency="USD", rate="0,92")
    verdict, found = codes(doc)
    assert verdict is Verdict.BLOCKED and found == {FindingCode.CURRENCY_NOT_ALLOWED}
    reference = company()
    accounts = dict(reference.accounts)
    accounts["708500"] = AccountInfo("708500", "Frais", currency_entry=True, currency="USD")
    assert codes(doc, check_context(reference=replace(reference, accounts=accounts)))[0] is Verdict.READY


def test_foreign_document_without_rate_or_unknown_currency() -> None:
    _, found = codes(document(line("100,00"), currency="USD"))
    assert FindingCode.EXCHANGE_RATE_MISSING in found
    _, found = codes(document(line("100,00"), currency="JPY", rate="0,006"))
    assert FindingCode.CURRENCY_UNKNOWN in found


def test_customer_or_project_not_synced() -> None:
    _, found = codes(document(line("100,00"), customer="c9", project="p9"))
    assert found == {FindingCode.CUSTOMER_NOT_SYNCED, FindingCode.PROJECT_NOT_SYNCED}


def test_closed_period() -> None:
    reference = replace(company(), closed_months=frozenset({("VTE", date(2025, 3, 1))}))
    verdict, found = codes(document(line("100,00")), check_context(reference=reference))
    assert verdict is Verdict.BLOCKED and found == {FindingCode.CLOSED_PERIOD}


def test_credit_note_without_original_is_a_warning_and_still_posts() -> None:
    result = check_document(document(line("10,00"), kind=DocumentKind.CREDIT_NOTE), check_context(), "v")
    assert result.verdict is Verdict.READY
    assert [(f.code, f.severity) for f in result.findings] == [(FindingCode.ORIGINAL_INVOICE_UNKNOWN,
                                                               Severity.WARNING)]


def test_already_posted_and_changed_since() -> None:
    doc = document(line("100,00"))
    assert codes(doc, posted=content_version(doc)) == (Verdict.ALREADY_POSTED, set())
    changed = document(line("100,01"))
    assert codes(changed, posted=content_version(doc)) == (Verdict.CHANGED_AFTER_POSTING,
                                                           {FindingCode.CHANGED_AFTER_POSTING})


def test_version_ignores_wire_representation_of_numbers() -> None:
    assert content_version(document(line("100,00", rate="20"))) == content_version(document(line("100", rate="20.0")))


def test_customer_codes_empty_or_duplicated_are_findings_for_every_client_involved() -> None:
    found = check_customers([customer("1", "", "Sans code"), customer("2", "04217", "Dupont"),
                             customer("3", "04217 ", "Durand"), customer("4", "04218", "Martin")])
    assert sorted((f.source_id, f.code) for f in found) == [
        ("1", FindingCode.CUSTOMER_CODE_EMPTY), ("2", FindingCode.CUSTOMER_CODE_DUPLICATE),
        ("3", FindingCode.CUSTOMER_CODE_DUPLICATE)]
    assert all(f.field == "number" and f.fix for f in found)


def test_project_codes() -> None:
    found = check_projects([project("1", "", "Sans code"), project("2", "PRJ1", "A"), project("3", "prj1", "B")])
    assert sorted(f.code for f in found) == [FindingCode.PROJECT_CODE_DUPLICATE, FindingCode.PROJECT_CODE_DUPLICATE,
                                             FindingCode.PROJECT_CODE_EMPTY]


def test_setup_check_of_journal_plan_accounts_and_codes() -> None:
    assert check_setup(default_mapping(), company()) == []
    reference = replace(company(), journals={"VTE": JournalInfo("VTE", "Achats", 0)}, analytic_plans={})
    found = {f.code for f in check_setup(default_mapping(VatRegime.DEBITS), reference)}
    assert found == {FindingCode.JOURNAL_NOT_SALES, FindingCode.ANALYTIC_PLAN_MISSING}


def test_codes_longer_than_sage_holds_are_refused_not_truncated() -> None:
    assert [f.code for f in check_customers([customer("1", "C" * 18, "Long")])] == [FindingCode.CUSTOMER_CODE_TOO_LONG]
    assert check_customers([customer("1", "C" * 17, "Juste")]) == []
    assert [f.code for f in check_projects([project("1", "P" * 14, "Long")])] == [FindingCode.PROJECT_CODE_TOO_LONG]


# --- root causes of a client or project that is not in Sage ------------------------------------------


def not_synced(**knowledge: object) -> dict[str, tuple[FindingCode, str, str]]:
    context = replace(check_context(), **knowledge)  # type: ignore[arg-type]
    result = check_document(document(line("100,00"), customer="c9", project="p9"), context, "v")
    assert result.verdict is Verdict.BLOCKED
    return {f.field: (f.code, f.message, f.fix) for f in result.findings}


def test_without_knowledge_the_reason_stays_open() -> None:
    found = not_synced()
    assert found["client"][0] is FindingCode.CUSTOMER_NOT_SYNCED and "Run Pull customers" in found["client"][2]
    assert found["project"][0] is FindingCode.PROJECT_NOT_SYNCED and "Run Pull projects" in found["project"][2]


def test_a_client_or_project_absent_from_the_platform_is_not_a_pull_problem() -> None:
    found = not_synced(platform_customers=frozenset({"c1", "c2"}), platform_projects=frozenset({"p1"}))
    code, message, fix = found["client"]
    assert code is FindingCode.CUSTOMER_UNKNOWN and "does not exist on the platform" in message
    assert "Pull" not in fix and "existing client" in fix
    code, message, fix = found["project"]
    assert code is FindingCode.PROJECT_UNKNOWN and "does not exist on the platform" in message and "Pull" not in fix


def test_a_client_or_project_refused_at_pull_names_the_refusal() -> None:
    expected = {"empty_code": ("no client code", "fill"), "shared_code": ("shared with another client", "own code"),
                "too_long": ("longer than the 17 characters", "Shorten")}
    for reason, (why, fix_word) in expected.items():
        found = not_synced(customer_refusals={"c9": reason}, project_refusals={"p9": reason},
                           platform_customers=frozenset({"c9"}))
        code, message, fix = found["client"]
        assert code is FindingCode.CUSTOMER_REFUSED and "refused at Pull customers" in message and why in message
        assert fix_word in fix and "then run Pull customers" in fix
        assert found["project"][0] is FindingCode.PROJECT_REFUSED and "refused at Pull projects" in found["project"][1]
    assert "strange" in not_synced(customer_refusals={"c9": "strange"})["client"][1]  # an unknown reason is shown


def test_a_listed_client_that_was_not_refused_was_simply_not_pulled_yet() -> None:
    found = not_synced(platform_customers=frozenset({"c9"}), platform_projects=frozenset({"p9"}))
    assert found["client"][0] is FindingCode.CUSTOMER_NOT_SYNCED and "not pulled" in found["client"][1]
    assert found["client"][2] == "Run Pull customers, then check again."
    assert found["project"][2] == "Run Pull projects, then check again."


def test_refusal_reasons_come_from_the_pull_findings() -> None:
    customers = check_customers([customer("1", "", "Sans code"), customer("2", "04217", "Dupont"),
                                 customer("3", "04217", "Durand"), customer("4", "C" * 18, "Long"),
                                 customer("5", "OK", "Bon")])
    assert refusal_reasons(customers) == {"1": "empty_code", "2": "shared_code", "3": "shared_code",
                                          "4": "too_long"}
    projects = check_projects([project("1", "", "Sans code"), project("2", "P" * 14, "Long")])
    assert refusal_reasons(projects) == {"1": RefusalReason.EMPTY_CODE, "2": RefusalReason.TOO_LONG}
