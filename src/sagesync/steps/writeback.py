"""Write back: tell the platform what was posted, from the ledger's outbox.

Every posted document has an outbox row, written in the same transaction as
its posting; only documents Sage holds (confirmed) are told. This step sends
what is not acknowledged yet; a failure stays in the outbox with its error and
is retried by the next run, never lost. The ledger's answers are committed one
page at a time, not one row at a time.

With write-back off (the default), the step tells the platform nothing and says
so: the synchronized status is kept in sagesync only, and the outbox keeps every
document, so turning write-back on later sends them all.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sagesync.ledger import store
from sagesync.steps.context import LedgerOnlyWriteback, StepContext
from sagesync.steps.events import ProgressEvent, RunReport, Step
from sagesync.steps.runs import open_run

PAGE = 500


def write_back(context: StepContext) -> RunReport:
    with open_run(context, Step.WRITEBACK) as report:
        if isinstance(context.writeback, LedgerOnlyWriteback):
            with context.ledger.connect() as connection:
                report.counts["kept_in_sagesync"] = store.outbox_waiting(connection, context.company)
            return report
        while True:
            with context.ledger.connect() as connection:
                pending = store.outbox_pending(connection, context.company, limit=PAGE,
                                               skip_failed_in_run=report.run_id)
            if not pending:
                break
            acknowledged: list[int] = []
            failed: list[tuple[int, str]] = []
            for row in pending:
                try:
                    context.writeback.send(row["source_id"], row["piece"], row["posted_at"])
                except Exception as error:  # any failure is retried next run; the message is kept
                    failed.append((row["id"], f"{type(error).__name__}: {error}"))
                    continue
                acknowledged.append(row["id"])
            with context.ledger.engine.begin() as connection:
                store.outbox_settle(connection, acknowledged, context.writeback.name, failed, report.run_id,
                                    datetime.now().replace(microsecond=0))
            report.counts.update({"acknowledged": len(acknowledged), "failed": len(failed)})
            report.counts += Counter()  # drops the zero counts: a report lists what happened
            context.events(ProgressEvent(Step.WRITEBACK, "advance", sum(report.counts.values())))
    return report
