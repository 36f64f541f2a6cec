"""The life of one run in the ledger: opened, counted, closed (even when it fails)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sagesync.ledger import store
from sagesync.steps.context import StepContext
from sagesync.steps.events import ProgressEvent, RunReport


@contextmanager
def open_run(context: StepContext, step: str) -> Iterator[RunReport]:
    """Record the run before any work, so a failed run is in the run log too.

    Around the step, the delivery desk first delivers what runs that died left
    pending, and at the end delivers what this run decided (an import file).
    """
    report = RunReport(step, context.company)
    with context.ledger.engine.begin() as connection:
        report.run_id = store.start_run(connection, context.company, step)
    context.events(ProgressEvent(step, "start"))
    try:
        report.outputs.update(context.desk.recover(report.run_id))
        yield report
        report.outputs.update(context.desk.flush(report.run_id))
    except BaseException as error:
        report.finished_at = datetime.now()
        with context.ledger.engine.begin() as connection:
            store.finish_run(connection, report.run_id, "failed", report.counts,
                             {k: str(v) for k, v in report.outputs.items()}, error=type(error).__name__)
        raise
    report.finished_at = datetime.now()
    with context.ledger.engine.begin() as connection:
        store.finish_run(connection, report.run_id, report.status, report.counts,
                         {k: str(v) for k, v in report.outputs.items()})
    context.events(ProgressEvent(step, "finish", sum(report.counts.values()), message=report.status))

