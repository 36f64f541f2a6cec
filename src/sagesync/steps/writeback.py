"""Write back: tell the platform what was posted, from the ledger's outbox.

Every posted document has an outbox row, written in the same transaction as
its posting. This step sends what is not acknowledged yet; a failure stays in
the outbox with its error and is retried by the next run, never lost.
"""

from __future__ import annotations

from sagesync.ledger import store
from sagesync.steps.context import StepContext
from sagesync.steps.events import ProgressEvent, RunReport, Step
from sagesync.steps.runs import open_run


def write_back(context: StepContext) -> RunReport:
    with open_run(context, Step.WRITEBACK) as report:
        while True:
            with context.ledger.engine.begin() as connection:
                pending = store.outbox_pending(connection, context.company, limit=500,
                                               skip_failed_in_run=report.run_id)
            if not pending:
                break
            for row in pending:
                try:
                    context.writeback.send(row["source_id"], row["piece"], row["posted_at"])
                except Exception as error:  # any failure is retried next run; the message is kept
                    with context.ledger.engine.begin() as connection:
                        store.outbox_failed(connection, row["id"], f"{type(error).__name__}: {error}",
                                            report.run_id)
                    report.counts["failed"] += 1
                    continue
                with context.ledger.engine.begin() as connection:
                    store.outbox_acknowledge(connection, row["id"], context.writeback.name)
                report.counts["acknowledged"] += 1
            context.events(ProgressEvent(Step.WRITEBACK, "advance", sum(report.counts.values())))
    return report
