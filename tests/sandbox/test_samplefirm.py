"""The sample firm: shaped like two years of a real practice, and its planted mistakes are caught."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from sagesync.core.checks import CheckContext, Verdict, check_customers, check_document, check_projects
from sagesync.core.findings import FindingCode
from sagesync.core.model import Customer, Document, Project
from sagesync.core.posting import PostingContext, post_document
from sagesync.core.versioning import content_version
from sagesync.profiles.defaults import default_mapping
from sagesync.sandbox import samplefirm
from sagesync.sources.files import FileSource
from sagesync.sources.ooti import wirejson
from sagesync.sources.ooti.reading import parse_wire_date
from tests.builders import company

PERIOD_START = date(2025, 1, 1)


@pytest.fixture(scope="module")
def firm() -> dict[str, Any]:
    loaded = wirejson.loads(samplefirm.sample_firm_path().read_bytes())
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def source() -> FileSource:
    return FileSource(samplefirm.sample_firm_path())


def test_the_bundled_file_is_the_generator_output() -> None:
    bundled = samplefirm.sample_firm_path().read_text(encoding="utf-8")
    assert bundled == wirejson.dumps(samplefirm.generate(samplefirm.SEED), indent=1) + "\n", (
        "regenerate with: python -m sagesync.sandbox.samplefirm")


def test_another_seed_gives_another_firm_of_the_same_shape() -> None:
    other = samplefirm.generate(7)
    assert other["invoices"] != samplefirm.generate(samplefirm.SEED)["invoices"]
    assert len(other["invoices"]) == 216 and len(other["planted_mistakes"]) == 10


def test_shape_of_the_practice(firm: dict[str, Any]) -> None:
    invoices = firm["invoices"]
    assert 20 <= len(firm["clients"]) <= 25 and len(firm["projects"]) == 30
    assert Counter((row["type"], row["is_valid"]) for row in invoices) == {(1, True): 200, (9, True): 15,
                                                                          (1, False): 1}
    days = [day for row in invoices if (day := parse_wire_date(row["invoice_date"])) is not None]
    assert len(days) == len(invoices)
    assert min(days) >= date(2024, 12, 1) and max(days) <= date(2026, 11, 20)
    rates = Counter(row["tax_rate"] for row in invoices)
    assert rates[Decimal(20)] > 100 and rates[Decimal(10)] and rates[Decimal("5.5")] and rates[Decimal(0)] == 1
    assert sum(row["multi_tax_enabled"] for row in invoices) >= 5
    kinds = Counter(item["kind"] for row in invoices for item in row["items"])
    assert kinds["expenses"] >= 20 and 1 <= kinds["disbursements"] <= 20
    usd = [row for row in invoices if row["currency"] == 2]
    assert len(usd) == 1 and usd[0]["currency_rate"] == Decimal("0.8547")
    assert all(client["number"] == "" or len(client["number"]) == 5 for client in firm["clients"])
    codes = [project["code"] for project in firm["projects"]]
    assert sum(code.startswith("PRJ-20") and len(code) == 12 for code in codes) == 29
    phases = {"ESQ", "APS", "APD", "PRO", "DCE", "ACT", "VISA", "DET", "AOR"}
    assert phases <= {item["description"].split()[0] for row in invoices for item in row["items"]}


def test_credit_notes_are_positive_and_point_to_earlier_invoices(firm: dict[str, Any]) -> None:
    by_pk = {row["pk"]: row for row in firm["invoices"]}
    credit_notes = [row for row in firm["invoices"] if row["type"] == 9]
    assert all(row["total"] > 0 and row["code"].startswith("AV") for row in credit_notes)
    linked = [row for row in credit_notes if row["original_invoice"] is not None]
    assert len(linked) == 14
    for row in linked:
        original = by_pk[row["original_invoice"]]
        assert parse_wire_date(original["invoice_date"]) < parse_wire_date(row["invoice_date"])  # type: ignore[operator]
        assert row["total"] <= original["total"] and row["client"] == original["client"]


def test_only_the_planted_invoice_falls_in_the_closed_month(firm: dict[str, Any]) -> None:
    january = [row["pk"] for row in firm["invoices"] if row["invoice_date"].endswith("-01-2025")]
    planted = [entry["pk"] for entry in firm["planted_mistakes"] if entry["expected"] == "closed_period"]
    assert january == planted and len(planted) == 1


def test_planted_mistakes_are_listed_consistently(firm: dict[str, Any]) -> None:
    tables = {"client": {row["pk"] for row in firm["clients"]}, "project": {row["id"] for row in firm["projects"]},
              "invoice": {row["pk"] for row in firm["invoices"]}}
    planted = firm["planted_mistakes"]
    assert 6 <= len({entry["expected"] for entry in planted}) <= 10
    for entry in planted:
        assert entry["pk"] in tables[entry["record"]] and FindingCode(entry["expected"]) and entry["what"]
    assert firm["before_period_start"]["expected"] == FindingCode.BEFORE_PERIOD_START.value
    assert len(firm["before_period_start"]["invoices"]) == 4


def demo_context(source: FileSource) -> tuple[CheckContext, list[Customer], list[Project]]:
    """What the demo sees: the embedded company with January 2025 closed, synced clean referentials."""
    customers = [c for c in source.customers() if isinstance(c, Customer)]
    projects = [p for p in source.projects() if isinstance(p, Project)]
    refused = {finding.source_id for finding in [*check_customers(customers), *check_projects(projects)]}
    reference = replace(company(), closed_months=frozenset({("VTE", date(2025, 1, 1))}))
    context = CheckContext(default_mapping(), reference, PERIOD_START,
                           {c.source_id: c.code for c in customers if c.source_id not in refused},
                           {p.source_id: p.code for p in projects if p.source_id not in refused})
    return context, customers, projects


def test_the_checks_catch_each_planted_mistake_and_nothing_else(firm: dict[str, Any], source: FileSource) -> None:
    context, customers, projects = demo_context(source)
    found: dict[tuple[str, str], set[str]] = {}
    for finding in check_customers(customers):
        found.setdefault(("client", finding.source_id), set()).add(finding.code.value)
    for finding in check_projects(projects):
        found.setdefault(("project", finding.source_id), set()).add(finding.code.value)
    verdicts: Counter[Verdict] = Counter()
    for document in source.documents():
        assert isinstance(document, Document)
        result = check_document(document, context, content_version(document))
        verdicts[result.verdict] += 1
        if result.findings:
            found[("invoice", document.source_id)] = {finding.code.value for finding in result.findings}
    expected: dict[tuple[str, str], set[str]] = {}
    for entry in firm["planted_mistakes"]:
        expected.setdefault((entry["record"], str(entry["pk"])), set()).add(entry["expected"])
    for pk in firm["before_period_start"]["invoices"]:
        expected[("invoice", str(pk))] = {FindingCode.BEFORE_PERIOD_START.value}
    assert found == expected  # each planted mistake raises its finding, and clean documents raise none
    assert verdicts == {Verdict.READY: 207, Verdict.BLOCKED: 4, Verdict.SKIPPED_DRAFT: 1, Verdict.IGNORED: 4}


def test_every_ready_document_posts_balanced(source: FileSource) -> None:
    context, _, _ = demo_context(source)
    posting = PostingContext(context.mapping, context.tiers_by_customer, context.section_by_project)
    posted = 0
    for document in source.documents():
        assert isinstance(document, Document)
        if check_document(document, context, content_version(document)).verdict is Verdict.READY:
            entry = post_document(document, posting)
            assert entry.is_balanced and entry.total_debit > 0
            posted += 1
    assert posted == 207
