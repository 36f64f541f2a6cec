"""Pull payments: platform payments posted in the bank journal, with the VAT on receipts they make due.

Each payment is decided against its document's open item, read from the ledger
(``ledger.cash``): what the invoice was, what its earlier payments and credit
notes settled, what VAT on receipts still waits. A payment is posted once and
only once through the delivery desk, like an invoice; a payment that settles
its document letters the customer lines of the invoice, its credit notes and
its payments (lettrage).

A payment whose document is not posted yet waits (a warning, tried again at
each run); an overpayment, a payment in a closed period or on an unknown
document is a finding with its fix, and is not posted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import Connection, select

from sagesync.core.cash import (
    CashSettings,
    OpenItem,
    PaymentPosting,
    apply_credit_note,
    month_end_transfer,
    next_letter,
    payment_problems,
    post_payment,
)
from sagesync.core.delivery import Matching, source_reference
from sagesync.core.findings import Finding, FindingCode, Severity
from sagesync.core.model import LineRole, Side
from sagesync.core.money import ZERO
from sagesync.core.payments import Payment
from sagesync.core.versioning import payment_version
from sagesync.errors import ConfigurationError
from sagesync.i18n import _
from sagesync.ledger import cash as cash_store
from sagesync.ledger import store
from sagesync.ledger.cash import PaymentSubject
from sagesync.ledger.rebuild import REBUILT_VERSION_PREFIX
from sagesync.ledger.schema import document_states
from sagesync.sources.base import Rejected
from sagesync.steps.context import StepContext
from sagesync.steps.events import ProgressEvent, RunReport, Step
from sagesync.steps.invoices import batches
from sagesync.steps.runs import open_run


def cash_settings(context: StepContext) -> CashSettings:
    if context.cash is None:
        raise ConfigurationError(_("the profile has no [payments] table: add one (bank_journal, bank_account...) "
                                   "to post the platform's payments, see the README"))
    return context.cash


def pull_payments(context: StepContext) -> RunReport:
    """Post every platform payment whose document is posted, once and only once."""
    settings = cash_settings(context)
    with open_run(context, Step.PAYMENTS) as report:
        with context.desk.batch() as connection:  # the bank journal's months closed in Sage
            reference = context.desk.reference(connection, fresh=True)
        settings = replace(settings, closed_months=frozenset(
            month for journal, month in reference.closed_months if journal == settings.bank_journal))
        with context.ledger.connect() as connection:
            posted = cash_store.posted_payments(connection, context.company)
            # Payments sagesync created on the platform from receipts matched in Sage: Sage has them already.
            from_sage = cash_store.payments_from_sage(connection, context.company)
        validated_at = datetime.now().replace(microsecond=0)
        done = 0
        letters: dict[str, str] = {}  # the company's last letter per tiers, read once per run
        for batch in batches(context.source.payment_records(), context.batch_size):
            _process_batch(context, settings, report, batch, posted, validated_at, from_sage, letters)
            done += len(batch)
            context.events(ProgressEvent(Step.PAYMENTS, "advance", done))
        if not settings.vat_in_payment_entry:
            _post_month_entries(context, settings, report, validated_at)
    return report


def _seen_documents(connection: Connection, company: str, ids: Sequence[str]) -> set[str]:
    """Of these ids, the documents sagesync has read from the platform (checked, blocked, ignored...)."""
    seen: set[str] = set()
    for start in range(0, len(ids), 500):
        seen |= {str(source_id) for (source_id,) in connection.execute(
            select(document_states.c.source_id).where(document_states.c.company == company,
                                                      document_states.c.source_id.in_(ids[start:start + 500])))}
    return seen


def _process_batch(context: StepContext, settings: CashSettings, report: RunReport,
                   batch: Sequence[Payment | Rejected], posted: dict[str, str], validated_at: datetime,
                   from_sage: Collection[str] = (), company_letters: dict[str, str] | None = None) -> None:
    found: list[Finding] = []
    checked: list[str] = []
    fresh: list[tuple[Payment, str]] = []
    adopted: dict[str, str] = {}
    for record in batch:
        if isinstance(record, Rejected):
            report.counts["rejected"] += 1
            found += record.findings
            checked.append(record.source_id)
            continue
        if record.source_id in from_sage:
            report.counts["from_sage"] += 1
            continue
        version = payment_version(record)
        checked.append(record.key)
        previous = posted.get(record.key)
        if previous is None:
            fresh.append((record, version))
        elif previous == version:
            report.counts["already_posted"] += 1
        elif previous == f"{REBUILT_VERSION_PREFIX}{record.amount}":  # a rebuilt ledger: Sage holds this amount
            adopted[record.key] = version
            report.counts["already_posted"] += 1
        else:
            report.counts["changed"] += 1
            found.append(Finding(record.display_name, record.key, "amount", FindingCode.CHANGED_AFTER_POSTING,
                                 _("the payment changed on the platform after it was posted in Sage (document, "
                                   "date, amount, currency or method)"),
                                 _("a posted payment is final: undo the change on the platform, or reverse the "
                                   "payment's entry in Sage by hand and record the correct payment")))
    # In date order: the payment that settles a document is its last, and takes what remains.
    fresh.sort(key=lambda pair: (pair[0].payment_date, pair[0].source_id.zfill(20)))
    with context.desk.batch() as connection:
        book = cash_store.cash_book(connection, context.company, {p.document_source_id for p, _ in fresh},
                                    context.mapping)
        missing = sorted({p.document_source_id for p, _ in fresh} - set(book.items))
        seen = _seen_documents(connection, context.company, missing)
        items = dict(book.items)
        members = {key: list(value) for key, value in book.members.items()}
        decided: list[PaymentPosting] = []
        versions: dict[str, str] = {}
        settling: list[tuple[PaymentPosting, OpenItem]] = []
        pending_notes = {key: list(value) for key, value in book.pending_notes.items()}
        # How many payments of the batch each document still has to come: its open item is worked out
        # again after a payment only when another one follows.
        to_come = Counter(payment.document_source_id for payment, _ in fresh)
        settled_now: set[str] = set()
        for payment, version in fresh:
            to_come[payment.document_source_id] -= 1
            # Credit notes of the invoice dated up to the payment count against it first.
            notes = pending_notes.get(payment.document_source_id)
            while notes and notes[0].entry_date <= payment.payment_date:
                note = notes.pop(0)
                items[payment.document_source_id] = apply_credit_note(items[payment.document_source_id], note)
                members.setdefault(payment.document_source_id, []).append(note.source_id)
                book.applied_to.pop(note.source_id, None)
            item = items.get(payment.document_source_id)
            if item is None and payment.document_source_id in seen:
                report.counts["waiting"] += 1
                found.append(Finding(payment.display_name, payment.key, "invoice", FindingCode.PAYMENT_WAITING,
                                     _("the payment waits for its document #{id}, which is not posted yet").format(
                                         id=payment.document_source_id),
                                     _("fix what stops the document (see its findings); the payment is posted "
                                       "by the next sync after it"), Severity.WARNING))
                continue
            problems = payment_problems(payment, item, settings)
            corrected = book.applied_to.get(item.document_source_id) if item is not None else None
            if (item is not None and corrected is not None and not problems
                    and not items[corrected].letter and corrected not in settled_now):
                problems.append(Finding(
                    payment.display_name, payment.key, "invoice", FindingCode.REFUND_NOT_DUE,
                    _("the payment refunds credit note {number}, which reduces invoice #{invoice} that is not "
                      "paid in full: the client owes less, nothing is to be paid back").format(
                        number=item.number, invoice=book.applied_to[item.document_source_id]),
                    _("delete the refund on the platform, or record the invoice's payments first")))
            if problems:
                found += problems
                blocking = any(problem.blocks for problem in problems)
                report.counts["blocked" if blocking else "ignored"] += 1
                continue
            assert item is not None
            posting = post_payment(payment, item, settings)
            decided.append(posting)
            versions[payment.key] = version
            members.setdefault(item.document_source_id, []).append(payment.key)
            if to_come[item.document_source_id]:
                items[item.document_source_id] = _after(item, posting)
            if posting.settles:
                settling.append((posting, item))
                settled_now.add(item.document_source_id)
        matchings, decided = _letters(context, connection, settling, decided, members, found,
                                      {} if company_letters is None else company_letters)
        context.desk.submit_payments(connection, report.run_id, decided, versions, matchings,
                                     validated_at=validated_at, transfers_in_entry=settings.vat_in_payment_entry)
        store.record_findings(connection, context.company, report.run_id, found, kind="payment", checked=checked)
        if adopted:
            store.adopt_versions(connection, context.company, adopted)
            posted.update(adopted)
    report.add_findings(found)
    for posting in decided:
        posted[posting.payment.key] = versions[posting.payment.key]
        report.counts["posted"] += 1
        refund = any(line.role is LineRole.BANK and line.side is Side.CREDIT for line in posting.entry.lines)
        report.add_amount("collected", -posting.customer_eur if refund else posting.customer_eur)
        report.add_amount("vat_made_due", posting.vat_moved)
    report.counts["matched"] += len(matchings)


def _after(item: OpenItem, posting: PaymentPosting) -> OpenItem:
    """The open item once ``posting`` is recorded: what the next payment of the same batch starts from."""
    moved = {transfer.account_waiting: abs(transfer.amount) for transfer in posting.transfers}
    return replace(item, settled=item.settled + posting.amount, settled_eur=item.settled_eur + posting.customer_eur,
                   waiting_vat=tuple(replace(waiting, moved=waiting.moved + moved.get(waiting.account_waiting, ZERO))
                                     for waiting in item.waiting_vat),
                   # Settled: any further payment of the batch on it is an overpayment, as it will be next run.
                   letter="settled" if posting.settles else item.letter)


def _letters(context: StepContext, connection: Connection, settling: Sequence[tuple[PaymentPosting, OpenItem]],
             decided: list[PaymentPosting], members: dict[str, list[str]], found: list[Finding],
             company_letters: dict[str, str]) -> tuple[list[Matching], list[PaymentPosting]]:
    """A letter for each document its payment settles: the next one of its tiers, after the ledger's and the
    company's own (a letter typed in Sage is never reused). The company's are read once per run and tiers
    (``company_letters``): sagesync holds the company's lock, and its own letters are in the ledger."""
    if not settling:
        return [], decided
    tiers = {item.tiers for _, item in settling}
    unread = tiers - set(company_letters)
    if unread:
        in_use = context.desk.letters_in_use(unread, connection)
        company_letters.update({code: cash_store.later_letter(*in_use.get(code, ())) for code in unread})
    last = cash_store.last_letters(connection, context.company, tiers)
    for code in tiers:
        last[code] = cash_store.later_letter(last.get(code), company_letters.get(code))
    given: dict[str, str] = {}
    matchings: list[Matching] = []
    lettered: dict[str, tuple[str, date]] = {}
    for posting, item in settling:
        letter = next_letter(last.get(item.tiers, ""))
        if letter is None:
            found.append(Finding(posting.payment.display_name, posting.payment.key, "lettrage",
                                 FindingCode.LETTERS_EXHAUSTED,
                                 _("tiers {tiers} has used every matching letter (up to ZZZ): the payment is "
                                   "posted but not matched").format(tiers=item.tiers),
                                 _("clear old letters in Sage (Traitement > Lettrage), then match by hand"),
                                 Severity.WARNING))
            continue
        last[item.tiers] = given[item.tiers] = letter
        keys = (item.document_source_id, *members.get(item.document_source_id, ()))
        keys = tuple(dict.fromkeys(keys))
        matchings.append(Matching(letter, item.collective, item.tiers, posting.payment.payment_date, keys,
                                  tuple(source_reference(key) for key in keys)))
        lettered[posting.payment.key] = (letter, posting.payment.payment_date)
    if given:
        cash_store.store_letters(connection, context.company, given)
    # The settling payments' own customer lines carry their letter as they are recorded.
    decided = [_lettered(posting, *lettered[posting.payment.key]) if posting.payment.key in lettered else posting
               for posting in decided]
    return matchings, decided


def _lettered(posting: PaymentPosting, letter: str, on: date) -> PaymentPosting:
    lines = tuple(replace(line, letter=letter, letter_date=on) if line.role is LineRole.CUSTOMER else line
                  for line in posting.entry.lines)
    return replace(posting, entry=replace(posting.entry, lines=lines))


def _post_month_entries(context: StepContext, settings: CashSettings, report: RunReport,
                        validated_at: datetime) -> None:
    """The month-end setting: one entry per ended month moving the VAT its payments made due."""
    today = date.today()
    with context.desk.batch() as connection:
        months = cash_store.waiting_month_transfers(connection, context.company, today.replace(day=1))
        entries = []
        for month_end, transfers in sorted(months.items()):
            # TVA + month + a sequence: a payment dated in a month already moved gets an entry of its own.
            key = cash_store.month_entry_key(connection, context.company, month_end)
            entry = month_end_transfer(settings.transfer_journal, month_end, key, transfers)
            cash_store.mark_month_posted(connection, context.company, month_end, key)
            if entry is not None:
                entries.append((PaymentSubject(key, entry.invoice_number, ""), key, entry))
        context.desk.submit_entries(connection, report.run_id, entries, validated_at=validated_at, outbox_rows=False)
    report.counts["vat_month_entries"] += len(entries)

