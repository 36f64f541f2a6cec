"""Send settlements: receipts matched in Sage against invoices sagesync posted become platform payments.

Where the firm matches its bank receipts in Sage (lettrage), the platform does not know the invoice is
paid. This step reads the letter groups of the invoices sagesync posted (``SagePort.lettered_receipts``:
the embedded company, or SQL Server), splits each receipt over the group's invoices first in first out,
and sends each new (receipt, invoice) to the platform through an outbox in the ledger: sent once,
retried until the platform answers, never doubling a payment the platform already has for the same
invoice, date and amount. The payments it creates are remembered, so Pull payments never posts them
back into Sage.
"""

from __future__ import annotations

from sagesync.core.cash import LetteredGroups, allocate_receipts
from sagesync.core.delivery import source_id_of
from sagesync.core.payments import Settlement
from sagesync.errors import ConfigurationError, SagesyncError
from sagesync.i18n import _
from sagesync.ledger import cash as cash_store
from sagesync.ledger.schema import postings
from sagesync.steps.context import StepContext
from sagesync.steps.events import RunReport, Step
from sagesync.steps.runs import open_run


def send_settlements(context: StepContext) -> RunReport:
    if context.settlement_sender is None:
        raise ConfigurationError(_("the profile does not send settlements to the platform: set payments.direction "
                                   "to 'to_platform' or 'both'"))
    with open_run(context, Step.SETTLEMENTS) as report:
        groups = context.desk.port.lettered_receipts()
        if groups is None:
            report.counts["company_unreadable"] += 1
        else:
            _collect(context, report, groups)
        _send(context, report)
    return report


def _collect(context: StepContext, report: RunReport, groups: LetteredGroups) -> None:
    with context.ledger.engine.begin() as connection:
        known = cash_store.settlement_keys(connection, context.company)
        by_reference = {str(reference): str(source_id) for reference, source_id in connection.execute(
            postings.select().with_only_columns(postings.c.reference, postings.c.source_id)
            .where(postings.c.company == context.company))}
        found: list[Settlement] = []
        for invoices, receipts in groups.values():
            allocated = allocate_receipts(invoices, receipts)
            split = len({receipt.sage_key for _, receipt, _ in allocated}) < len(allocated)
            for invoice, receipt, amount in allocated:
                document = by_reference.get(invoice.reference) or source_id_of(invoice.reference)
                if not document:
                    continue
                key = f"{receipt.sage_key}-{document}" if split else receipt.sage_key
                if key in known:
                    continue
                known.add(key)
                found.append(Settlement(document, invoice.number, receipt.receipt_date, amount, key))
        cash_store.add_settlements(connection, context.company, report.run_id, found)
        report.counts["found_in_sage"] += len(found)


def _send(context: StepContext, report: RunReport) -> None:
    assert context.settlement_sender is not None
    with context.ledger.connect() as connection:
        pending = cash_store.pending_settlements(connection, context.company)
    for settlement in pending:
        try:
            answer = context.settlement_sender.send(settlement)
        except SagesyncError as error:
            report.counts["send_failed"] += 1
            with context.ledger.engine.begin() as connection:
                cash_store.settle_sent(connection, context.company, settlement.sage_key, error=str(error))
            continue
        with context.ledger.engine.begin() as connection:
            cash_store.settle_sent(connection, context.company, settlement.sage_key, platform_id=answer.payment_id,
                                   created=answer.created)
        report.counts["sent_to_platform" if answer.created else "already_on_platform"] += 1

