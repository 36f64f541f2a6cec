"""Check invoices and Pull invoices: one pipeline, with or without posting.

Documents stream from the source in batches. For each batch, one transaction:
read what the ledger holds, check, post the clean ones into the target and
record them in the ledger. On the embedded company that transaction spans the
Sage tables and the ledger (ATTACH), so a document is either posted and
recorded, or neither: re-running any step posts nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

from sqlalchemy import Connection

from sagesync.core.checks import CheckContext, Verdict, check_document, check_setup
from sagesync.core.findings import Finding, FindingCode, Severity
from sagesync.core.model import Document, DocumentKind, JournalEntry
from sagesync.core.reference import CompanyReference
from sagesync.core.versioning import content_version
from sagesync.exports.findings_report import write_csv, write_html
from sagesync.ledger import store
from sagesync.sources.base import Rejected
from sagesync.steps.context import StepContext
from sagesync.steps.events import ProgressEvent, RunReport, Step
from sagesync.steps.runs import open_run

Item = TypeVar("Item")

COUNT_NAMES = {
    Verdict.READY: "ready",
    Verdict.BLOCKED: "blocked",
    Verdict.IGNORED: "ignored_before_period",
    Verdict.ALREADY_POSTED: "already_posted",
    Verdict.CHANGED_AFTER_POSTING: "changed",
    Verdict.SKIPPED_DRAFT: "draft",  # not blocking: RunReport.blocked does not count it
}


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def check_invoices(context: StepContext) -> RunReport:
    """The preflight: every finding per document, written to a CSV and an HTML report."""
    with open_run(context, Step.CHECK) as report:
        _process(context, report, post=False)
        stamp = report.started_at.strftime("%Y%m%d-%H%M%S")
        base = context.reports_dir / f"check-{stamp}-run{report.run_id}"
        report.outputs["report_csv"] = write_csv(report.findings, base.with_suffix(".csv"))
        report.outputs["report_html"] = write_html(report, report.findings, base.with_suffix(".html"),
                                                   f"Invoice check: {context.company}")
    return report


def pull_invoices(context: StepContext) -> RunReport:
    """Post every clean, validated invoice and credit note once and only once."""
    with open_run(context, Step.INVOICES) as report:
        _process(context, report, post=True)
    return report


def _process(context: StepContext, report: RunReport, *, post: bool) -> None:
    step = report.step
    with context.target.transaction() as connection:
        reference = context.target.reference(connection)
        tiers = store.synced_codes(connection, context.company, "customer")
        sections = store.synced_codes(connection, context.company, "project")
        known = store.posted_index(connection, context.company)
    setup = check_setup(context.mapping, reference, where=f"profile for {context.company}")
    report.add_findings(setup)
    if any(finding.blocks for finding in setup):
        report.counts["setup_problems"] = sum(1 for finding in setup if finding.blocks)
        with context.ledger.engine.begin() as connection:
            store.record_findings(connection, context.company, report.run_id, setup)
        return
    check_context = CheckContext(context.mapping, reference, context.period_start, tiers, sections)
    seen = 0
    for batch in _batches(context.source.documents(), context.batch_size):
        documents: list[Document] = []
        unreadable: list[Finding] = []
        for item in batch:
            if isinstance(item, Rejected):
                report.counts["rejected"] += 1
                report.add_findings(item.findings)
                unreadable += item.findings
            else:
                documents.append(item)
        with context.target.transaction() as connection:
            _process_batch(context, report, connection, documents, check_context, reference, known, post)
            store.record_findings(connection, context.company, report.run_id, unreadable)
        seen += len(batch)
        context.events(ProgressEvent(step, "advance", seen))


def _process_batch(context: StepContext, report: RunReport, connection: Connection, documents: Sequence[Document],
                   check_context: CheckContext, reference: CompanyReference, known: dict[str, store.PostedInfo],
                   post: bool) -> None:
    in_batch = {document.source_id for document in documents}
    ready: list[tuple[Document, str, JournalEntry]] = []
    states: list[tuple[Document, str, str]] = []
    found: list[Finding] = []
    for document in documents:
        posted = known.get(document.source_id)
        if (posted is not None and document.updated_at is not None
                and posted.updated_at == document.updated_at.isoformat()):
            # Same change stamp as when posted: unchanged, no need to hash (fast re-sync).
            report.counts["already_posted"] += 1
            continue
        version = content_version(document)
        result = check_document(document, check_context, version, posted.version if posted else None)
        findings = list(result.findings)
        if (result.verdict is Verdict.READY and document.kind is DocumentKind.CREDIT_NOTE
                and document.original_source_id and document.original_source_id not in known
                and document.original_source_id not in in_batch):
            findings.append(Finding(
                document.display_name, document.source_id, "original_invoice", FindingCode.ORIGINAL_INVOICE_UNKNOWN,
                f"the invoice it reverses (#{document.original_source_id}) is not in the books",
                "Post the original invoice first, or check the link on the platform.", Severity.WARNING))
        found += findings
        report.add_findings(findings)
        if result.verdict is Verdict.ALREADY_POSTED:
            report.counts["already_posted"] += 1
            continue
        verdict = result.verdict
        if verdict is Verdict.READY and post and result.entry is not None:
            ready.append((document, version, result.entry))
            report.counts["posted"] += 1
            states.append((document, version, "posted"))
            continue
        report.counts[COUNT_NAMES[verdict]] += 1
        states.append((document, version, verdict.value))
    if ready:
        entries = [entry for _, _, entry in ready]
        refs = context.target.post_entries(connection, entries, reference)
        records = [(doc, version, entry, ref) for (doc, version, entry), ref in zip(ready, refs, strict=True)]
        store.record_postings(connection, context.company, report.run_id, records,
                              target=context.target.name, state=context.target.posted_state)
        for posted_document, version, _entry, _ref in records:
            stamp = posted_document.updated_at.isoformat() if posted_document.updated_at else ""
            known[posted_document.source_id] = store.PostedInfo(
                version, stamp, posted_document.number, posted_document.kind.value, context.target.posted_state)
    store.record_states(connection, context.company, report.run_id, states)
    store.record_findings(connection, context.company, report.run_id, found)

