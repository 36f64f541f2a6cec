"""Check invoices and Pull invoices: one pipeline, with or without posting.

Documents stream from the source in batches. For each batch, one transaction:
read what the ledger holds, check, ask the company whether it already holds
any of the clean ones (Sage's word beats the ledger's), and hand the rest to
the delivery desk, which records them and delivers them (in the same
transaction on the embedded company, or as pending for the import file that
closes the run). Re-running any step posts nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import TypeVar

from sqlalchemy import Connection, bindparam, update

from sagesync.core import numbers
from sagesync.core.checks import CheckContext, Verdict, check_document, check_setup, refusal_reasons
from sagesync.core.delivery import is_sagesync_reference, source_id_of, source_reference
from sagesync.core.findings import Finding, FindingCode, Severity
from sagesync.core.model import Document, DocumentKind, JournalEntry, LineRole
from sagesync.core.posting import reference_piece
from sagesync.core.versioning import content_version
from sagesync.errors import SetupError
from sagesync.exports.findings_report import write_csv, write_html
from sagesync.i18n import _
from sagesync.ledger import store
from sagesync.ledger.rebuild import REBUILT_VERSION_PREFIX
from sagesync.ledger.schema import postings
from sagesync.sources.base import Rejected
from sagesync.steps.context import StepContext
from sagesync.steps.events import ProgressEvent, RunReport, Step
from sagesync.steps.prefetch import read_ahead
from sagesync.steps.preview import Preview
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


def batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """``items`` in lists of ``size``, read as they come (a 100 000-document pass is never all in memory)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class Tally:
    """Counts and findings of the pass, told to its run and, in a sync, to the check run beside it.

    ``sync`` reads each document once: the same pass checks and posts, and the check run gets
    what it would have found alone (a posted document was "ready" when checked).
    """

    def __init__(self, main: RunReport, check: RunReport | None = None, preview: Preview | None = None) -> None:
        self.main = main
        self.check = check
        self.preview = preview  # a dry run: what posting would write, document by document

    def count(self, name: str, amount: int = 1) -> None:
        self.main.counts[name] += amount
        if self.check is not None:
            self.check.counts["ready" if name == "posted" else name] += amount

    def add_findings(self, found: tuple[Finding, ...] | list[Finding]) -> None:
        self.main.add_findings(found)
        if self.check is not None:
            self.check.add_findings(found)


def _write_check_report(context: StepContext, report: RunReport) -> None:
    stamp = report.started_at.strftime("%Y%m%d-%H%M%S")
    base = context.reports_dir / f"check-{stamp}-run{report.run_id}"
    report.outputs["report_csv"] = write_csv(report.findings, base.with_suffix(".csv"))
    report.outputs["report_html"] = write_html(report, report.findings, base.with_suffix(".html"),
                                               _("Invoice check: {company}").format(company=context.company))


def check_invoices(context: StepContext, *, preview: bool = False) -> RunReport:
    """The preflight: every finding per document, written to a CSV and an HTML report.

    With ``preview``: also what posting would write (``sagesync sync --dry-run``), in a preview file
    a later posting can be held to.
    """
    with open_run(context, Step.CHECK) as report:
        tally = Tally(report, preview=Preview(context.company) if preview else None)
        _process(context, tally, post=False)
        _write_check_report(context, report)
        if tally.preview is not None:
            base = context.reports_dir / f"preview-{report.started_at:%Y%m%d-%H%M%S}-run{report.run_id}.json"
            report.outputs["preview"] = tally.preview.write(base)
            report.preview = tally.preview.as_dict()
    return report


def pull_invoices(context: StepContext) -> RunReport:
    """Post every clean, validated invoice and credit note once and only once."""
    with open_run(context, Step.INVOICES) as report:
        _process(context, Tally(report), post=True)
    return report


def check_and_pull_invoices(context: StepContext) -> list[RunReport]:
    """Check invoices and Pull invoices in one pass over the platform: each document is read once.

    Two runs in the ledger, as if each step had run alone: the check run with its report files,
    then the posting run. Documents and their findings are recorded by the posting run.
    """
    with open_run(context, Step.CHECK) as check, open_run(context, Step.INVOICES) as report:
        try:
            _process(context, Tally(report, check), post=True)
        finally:
            _write_check_report(context, check)
    return [check, report]


def _process(context: StepContext, tally: Tally, *, post: bool) -> None:
    report = tally.main
    desk = context.desk
    with desk.batch() as connection:
        reference = desk.reference(connection, fresh=True)
        tiers = store.synced_codes(connection, context.company, "customer")
        sections = store.synced_codes(connection, context.company, "project")
        known = store.posted_index(connection, context.company)
        pieces_in_use, references_in_use = numbers.numbers_in_use(
            store.numbers_in_use(connection, context.company).items())
        customer_findings = store.record_findings_of(connection, context.company, "customer")
        project_findings = store.record_findings_of(connection, context.company, "project")
        pulled = store.steps_run(connection, context.company)
    setup = check_setup(context.mapping, reference, where=f"profile for {context.company}")
    tally.add_findings(setup)
    with context.ledger.engine.begin() as connection:
        store.record_findings(connection, context.company, report.run_id, setup, kind="setup", checked=[""])
    blocking = [finding for finding in setup if finding.blocks]
    if blocking:
        tally.count("setup_problems", len(blocking))
        # A broken set-up is not "documents blocked": nothing can be checked until it is fixed.
        raise SetupError(
            _("the Sage company {company} contradicts the profile; fix each setting, then run again:").format(
                company=context.company) + "\n"
            + "\n".join(f"- {finding.field}: {finding.message}. {finding.fix}" for finding in blocking),
            [(finding.field, finding.message, finding.fix) for finding in blocking])
    # Why a client or project has no Sage code: refused at its Pull step (the current findings say why), or
    # absent from the platform's list as the last Pull saw it, or simply not pulled yet.
    customer_refusals = refusal_reasons(customer_findings)
    project_refusals = refusal_reasons(project_findings)
    scope = _pass_scope(context, post)
    check_context = CheckContext(
        context.mapping, reference, context.period_start, tiers, sections,
        pieces_in_use=pieces_in_use, references_in_use=references_in_use,
        customer_refusals=customer_refusals, project_refusals=project_refusals,
        platform_customers=frozenset({*tiers, *customer_refusals}) if Step.CUSTOMERS in pulled else None,
        platform_projects=frozenset({*sections, *project_refusals}) if Step.PROJECTS in pulled else None)
    tally.main.scope = "full" if scope.since is None else f"changed since {scope.since:%Y-%m-%d %H:%M} UTC"
    with closing(read_ahead(context.source.documents(scope.since, scope.include), 2 * context.batch_size)) as fetched:
        seen = _process_stream(context, tally, fetched, check_context, known, post)
    if seen == 0 and scope.since is None:
        hint = context.source.empty_scope_hint()
        if hint:  # a wrong team gives an empty, "successful" sync: say so instead
            raise SetupError(hint, [("platform.team_id", hint, "")])
    with context.ledger.engine.begin() as connection:
        if post and tally.main.counts["posted"]:
            # Entry numbers follow the dates, whatever order the platform listed the documents in.
            store.number_in_date_order(connection, context.company, report.run_id)
        if post:  # the pass read everything it had to: the next one may start from here
            store.set_info(connection, PASS_STARTED, scope.started.isoformat())
            if scope.since is None:
                store.set_info(connection, FULL_PASS_STARTED, scope.started.isoformat())


def _process_stream(context: StepContext, tally: Tally, fetched: Iterator[Document | Rejected],
                    check_context: CheckContext, known: dict[str, store.PostedInfo], post: bool) -> int:
    """Check (and post) the documents batch by batch, one transaction each; returns how many were read."""
    report, step, desk, seen = tally.main, tally.main.step, context.desk, 0
    for batch in batches(fetched, context.batch_size):
        documents: list[Document] = []
        unreadable: list[Finding] = []
        for item in batch:
            if isinstance(item, Rejected):
                tally.count("rejected")
                tally.add_findings(item.findings)
                unreadable += item.findings
            else:
                documents.append(item)
        with desk.batch() as connection:
            _process_batch(context, tally, connection, documents, check_context, known, post)
            store.record_findings(connection, context.company, report.run_id, unreadable)
        seen += len(batch)
        context.events(ProgressEvent(step, "advance", seen))
    return seen


PASS_STARTED = "documents_pass_started"
FULL_PASS_STARTED = "documents_full_pass_started"
# The platform's clock and ours may differ: an incremental pass reads back a little before the last one.
CLOCK_MARGIN = timedelta(minutes=10)
# Verdicts that a later run must see again even if the platform did not change the document:
# their cause may be fixed elsewhere (a VAT code created in Sage, a client pulled, the profile).
UNSETTLED = ("blocked", "draft", "ready", "changed_after_posting")


@dataclass(frozen=True, slots=True)
class PassScope:
    started: datetime
    since: datetime | None  # None: a full pass
    include: frozenset[str]


def _pass_scope(context: StepContext, post: bool) -> PassScope:
    """A full pass now and then (and for the check alone, which reports on everything), else incremental.

    An incremental pass reads the documents the platform changed since the last pass started, and
    those that were not settled then; a re-sync with nothing changed costs the list pages only.
    """
    started = datetime.now(UTC)
    if not post or context.full_pass_every is None:
        return PassScope(started, None, frozenset())
    with context.ledger.connect() as connection:
        last = store.info(connection, PASS_STARTED)
        last_full = store.info(connection, FULL_PASS_STARTED)
        include = store.unsettled_documents(connection, context.company, UNSETTLED)
    if last is None or last_full is None or started - datetime.fromisoformat(last_full) > context.full_pass_every:
        return PassScope(started, None, frozenset())
    return PassScope(started, datetime.fromisoformat(last) - CLOCK_MARGIN, frozenset(include))


def _customer_amount(entry: JournalEntry) -> Decimal:
    return sum((line.amount for line in entry.lines if line.role is LineRole.CUSTOMER), Decimal("0.00"))


def _process_batch(context: StepContext, tally: Tally, connection: Connection, documents: Sequence[Document],
                   check_context: CheckContext, known: dict[str, store.PostedInfo], post: bool) -> None:
    in_batch = {document.source_id for document in documents}
    ready: list[tuple[Document, str, JournalEntry]] = []
    states: list[tuple[Document, str, str]] = []
    found: list[Finding] = []
    adopted: list[dict[str, str]] = []
    for document in documents:
        posted = known.get(document.source_id)
        if (posted is not None and document.updated_at is not None
                and posted.updated_at == document.updated_at.isoformat()):
            # Same change stamp as when posted: unchanged, no need to hash (fast re-sync).
            tally.count("already_posted")
            continue
        version = content_version(document)
        rebuilt = posted is not None and posted.version.startswith(REBUILT_VERSION_PREFIX)
        result = check_document(document, check_context, version,
                                None if rebuilt or posted is None else posted.version)
        findings = list(result.findings)
        if rebuilt and posted is not None:
            # A ledger rebuilt from the company knows the piece but not the version posted: the document
            # is adopted as posted when its total is the one Sage holds, else it changed after posting.
            total = posted.version[len(REBUILT_VERSION_PREFIX):]
            if result.entry is not None and str(_customer_amount(result.entry)) != total:
                findings = [Finding(
                    document.display_name, document.source_id, "total_incl_vat", FindingCode.CHANGED_AFTER_POSTING,
                    _("Sage holds this document's piece with a total of {total}, the platform now says {now}; the "
                      "books keep the posted piece").format(total=total, now=_customer_amount(result.entry)),
                    _("A posted document is final: issue a credit note and a new invoice instead of editing it."))]
                found += findings
                tally.add_findings(findings)
                tally.count("changed")
                states.append((document, version, Verdict.CHANGED_AFTER_POSTING.value))
                continue
            adopted.append({"b_source": document.source_id, "b_version": version,
                            "b_stamp": document.updated_at.isoformat() if document.updated_at else ""})
            known[document.source_id] = store.PostedInfo(version, adopted[-1]["b_stamp"], posted.number,
                                                         posted.kind, posted.state)
            tally.count("already_posted")
            states.append((document, version, "posted"))
            continue
        if (result.verdict is Verdict.READY and document.kind is DocumentKind.CREDIT_NOTE
                and document.original_source_id and document.original_source_id not in known
                and document.original_source_id not in in_batch):
            findings.append(Finding(
                document.display_name, document.source_id, "original_invoice", FindingCode.ORIGINAL_INVOICE_UNKNOWN,
                _("the invoice it reverses (#{id}) is not in the books").format(id=document.original_source_id),
                _("Post the original invoice first, or check the link on the platform."), Severity.WARNING))
        found += findings
        tally.add_findings(findings)
        if result.verdict is Verdict.ALREADY_POSTED:
            tally.count("already_posted")
            continue
        verdict = result.verdict
        if verdict is Verdict.READY and result.entry is not None and tally.preview is not None:
            tally.preview.add(document, version, result.entry)
        if verdict is Verdict.READY and post and result.entry is not None:
            promised = context.preview.get(document.source_id) if context.preview is not None else version
            if promised == version:
                ready.append((document, version, result.entry))
                continue
            if promised is None:  # not in the preview being posted: it waits for the next one
                tally.count("not_in_preview")
                states.append((document, version, Verdict.READY.value))
                continue
            changed = Finding(
                document.display_name, document.source_id, "document", FindingCode.CHANGED_SINCE_PREVIEW,
                _("the document changed on the platform since the preview; it was not posted"),
                _("Make a new preview (`sagesync sync --dry-run`), check it, then post from it."), Severity.WARNING)
            found.append(changed)
            tally.add_findings([changed])
            tally.count("changed_since_preview")
            states.append((document, version, Verdict.READY.value))
            continue
        tally.count(COUNT_NAMES[verdict])
        states.append((document, version, verdict.value))
    ready = _not_held_by_sage(context, tally, connection, ready, states, found)
    _numbers_from_the_company(context, connection, check_context, ready)
    ready = _numbers_kept_apart(check_context, tally, ready, states, found)
    if ready:
        context.desk.submit_entries(connection, tally.main.run_id, ready, validated_at=tally.main.started_at)
        for posted_document, version, _entry in ready:
            stamp = posted_document.updated_at.isoformat() if posted_document.updated_at else ""
            known[posted_document.source_id] = store.PostedInfo(
                version, stamp, posted_document.number, posted_document.kind.value, "")
            tally.count("posted")
            states.append((posted_document, version, "posted"))
    if adopted:
        connection.execute(update(postings).where(
            postings.c.company == context.company, postings.c.source_id == bindparam("b_source")).values(
            version=bindparam("b_version"), updated_at=bindparam("b_stamp")), adopted)
    store.record_states(connection, context.company, tally.main.run_id, states)
    store.record_findings(connection, context.company, tally.main.run_id, found,
                          checked=[document.source_id for document in documents])


def _numbers_from_the_company(context: StepContext, connection: Connection, check_context: CheckContext,
                              ready: list[tuple[Document, str, JournalEntry]]) -> None:
    """Numbers the company's journal already holds join the books: a piece typed in Sage, or posted by
    another tool or another ledger, keeps its number too."""
    wanted = {numbers.reference_key(document.number): document for document, _, _ in ready if document.number.strip()}
    # Asked as sagesync writes them and as Sage compares them (upper case): SQLite compares case-sensitively.
    asked = {*wanted, *(reference_piece(document.number) for document in wanted.values())}
    held = context.desk.numbers_held(context.mapping.journal, sorted(asked), connection)
    references = check_context.references_in_use
    for number, holder in held.items():
        document = wanted.get(number)
        if document is None or holder == source_reference(document.source_id) or not isinstance(references, dict):
            continue
        owner = (source_id_of(holder) or holder) if is_sagesync_reference(holder) else "a piece typed in Sage"
        references.setdefault(number, owner)


def _numbers_kept_apart(check_context: CheckContext, tally: Tally,
                        ready: list[tuple[Document, str, JournalEntry]], states: list[tuple[Document, str, str]],
                        found: list[Finding]) -> list[tuple[Document, str, JournalEntry]]:
    """Never two documents in one piece: within the batch (the first keeps its number) and against the books.

    ``check_document`` compared each document with the books before the batch; the documents of this
    batch are compared with each other here, and the numbers they take join the books for the next one.
    """
    clashes = numbers.number_clashes([document for document, _, _ in ready], check_context.pieces_in_use,
                                     check_context.references_in_use)
    kept = []
    for document, version, entry in ready:
        clash = clashes.get(document.source_id)
        if clash is None:
            kept.append((document, version, entry))
            continue
        found.extend(clash)
        tally.add_findings(clash)
        tally.count("blocked")
        states.append((document, version, Verdict.BLOCKED.value))
    pieces, references = numbers.numbers_in_use((document.number, document.source_id) for document, _, _ in kept)
    for mapping, taken in ((check_context.pieces_in_use, pieces), (check_context.references_in_use, references)):
        if isinstance(mapping, dict):
            mapping.update(taken)
    return kept


def _not_held_by_sage(context: StepContext, tally: Tally, connection: Connection,
                      ready: list[tuple[Document, str, JournalEntry]], states: list[tuple[Document, str, str]],
                      found: list[Finding]) -> list[tuple[Document, str, JournalEntry]]:
    """Sage's word beats the ledger's: a document whose piece the company holds is never posted again."""
    if not ready:
        return ready
    held = context.desk.held([source_reference(document.source_id) for document, _, _ in ready], connection)
    if not held:
        return ready
    kept = []
    for document, version, entry in ready:
        if source_reference(document.source_id) not in held:
            kept.append((document, version, entry))
            continue
        finding = Finding(document.display_name, document.source_id, "document", FindingCode.ALREADY_IN_SAGE,
                          _("the company already holds a piece with this document's reference {reference}, though "
                            "the ledger has no record of posting it").format(
                              reference=source_reference(document.source_id)),
                          _("Nothing was posted again. Run `sagesync ledger rebuild` so the ledger learns what the "
                            "company holds, then sync."))
        found.append(finding)
        tally.add_findings([finding])
        tally.count("blocked")
        states.append((document, version, Verdict.BLOCKED.value))
    return kept
