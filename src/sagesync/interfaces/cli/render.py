"""Rendering of progress events and run reports in the terminal (rich)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from sagesync.core.labels import count_label, finding_label, severity_label, status_label
from sagesync.i18n import _, ngettext
from sagesync.steps.events import EventSink, ProgressEvent, RunReport, Step
from sagesync.steps.registry import step_title


@contextmanager
def progress_sink(console: Console, enabled: bool = True) -> Iterator[EventSink]:
    """An event sink drawing one progress bar per step."""
    if not enabled:
        yield lambda _event: None
        return
    progress = Progress(SpinnerColumn(), TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[message]}"), TimeElapsedColumn(), console=console, transient=False)
    tasks: dict[str, TaskID] = {}

    def sink(event: ProgressEvent) -> None:
        title = step_title(event.step)
        if event.phase == "start":
            tasks[event.step] = progress.add_task(title, total=None, message="")
            return
        task = tasks.get(event.step)
        if task is None:
            task = tasks[event.step] = progress.add_task(title, total=None, message="")
        if event.phase == "finish":
            progress.update(task, total=max(event.done, 1), completed=max(event.done, 1), message=event.message)
        else:
            progress.update(task, completed=event.done, total=event.total, message=event.message)

    with progress:
        yield sink


COUNT_ORDER = ("created", "linked_existing", "already_synced", "ready", "posted", "already_posted", "blocked",
               "changed", "rejected", "ignored_before_period", "setup_problems", "acknowledged", "kept_in_sagesync",
               "failed", "draft")


def summary_table(reports: Sequence[RunReport]) -> Table:
    table = Table(title=_("Runs"), show_lines=False)
    table.add_column(_("step"))
    table.add_column(_("result"))
    table.add_column(_("counts"))
    table.add_column(_("time"), justify="right")
    for report in reports:
        counts = ", ".join(f"{count_label(name)} {report.counts[name]}" for name in
                           sorted(report.counts, key=lambda n: COUNT_ORDER.index(n) if n in COUNT_ORDER else 99)
                           if report.counts[name]) or _("nothing to do")
        colour = "green" if report.status == "ok" else "red"
        status = f"[{colour}]{status_label(report.status)}[/]"
        table.add_row(step_title(report.step), status, counts, f"{report.duration_seconds:.2f} s")
    return table


def findings_table(reports: Sequence[RunReport]) -> Table | None:
    counts: Counter[tuple[str, str]] = Counter()
    for report in reports:
        if report.step == "check":
            continue  # the same findings come again from Pull invoices
        seen: set[tuple[str, str, str]] = set()
        for finding in report.findings:
            key = (finding.source_id, finding.code.value, finding.field)
            if key not in seen:
                seen.add(key)
                counts[(finding.code.value, finding.severity.value)] += 1
    if not counts:
        return None
    table = Table(title=_("Findings by kind"))
    table.add_column(_("finding"))
    table.add_column(_("severity"))
    table.add_column(_("documents"), justify="right")
    for (code, severity), count in sorted(counts.items(), key=lambda item: (item[0][1], item[0][0])):
        colour = {"blocking": "red", "warning": "yellow"}.get(severity, "cyan")
        table.add_row(finding_label(code), f"[{colour}]{severity_label(severity)}[/]", str(count))
    return table


def blocking_details(reports: Sequence[RunReport], limit: int = 20) -> Table | None:
    rows = [f for report in reports if report.step != "check" for f in report.blocking_findings()]
    if not rows:
        return None
    title = _("What blocks (first {shown} of {total})").format(shown=min(limit, len(rows)), total=len(rows))
    table = Table(title=title, show_lines=False)
    table.add_column(_("document"))
    table.add_column(_("field"))
    table.add_column(_("what is wrong"))
    table.add_column(_("fix"))
    for finding in rows[:limit]:
        table.add_row(finding.document, finding.field, finding.message, finding.fix)
    return table


def headline(reports: Sequence[RunReport]) -> list[str]:
    """What the run did, in a sentence or two (rich markup): "207 entries posted, 8 documents to fix", then where
    the documents' status went. Red only for what failed or blocks; a run that posted reads green."""
    steps = {report.step for report in reports}
    # Check invoices is the same pass as Pull invoices without posting: counted once when both ran.
    counted = [report for report in reports if not (report.step == Step.CHECK and Step.INVOICES in steps)]
    posted = sum(report.counts.get("posted", 0) for report in counted if report.step == Step.INVOICES)
    ready = sum(report.counts.get("ready", 0) for report in counted if report.step == Step.CHECK)
    # Invoices and credit notes are documents; clients and projects refused at their Pull step are records.
    to_fix = sum(report.blocked for report in counted if report.step in (Step.CHECK, Step.INVOICES))
    records_to_fix = sum(report.blocked for report in counted if report.step in (Step.CUSTOMERS, Step.PROJECTS))
    parts: list[str] = []
    already = sum(report.counts.get("already_posted", 0) for report in counted if report.step == Step.INVOICES)
    if Step.INVOICES in steps and not posted and already:
        parts.append(ngettext("no new entry posted ({count} already in the books)",
                              "no new entry posted ({count} already in the books)", already).format(count=already))
    elif Step.INVOICES in steps:
        text = ngettext("{count} entry posted", "{count} entries posted", posted).format(count=posted)
        parts.append(f"[green]{text}[/]" if posted else text)
    elif Step.CHECK in steps:
        parts.append(ngettext("{count} invoice ready to post", "{count} invoices ready to post", ready).format(
            count=ready))
    if to_fix:
        parts.append("[red]" + ngettext("{count} document to fix", "{count} documents to fix", to_fix).format(
            count=to_fix) + "[/]")
    if records_to_fix:
        parts.append("[red]" + ngettext("{count} client or project to fix", "{count} clients or projects to fix",
                                        records_to_fix).format(count=records_to_fix) + "[/]")
    lines = [", ".join(parts)] if parts else []
    lines += _cash_lines(reports)
    for report in reports:
        if report.step != Step.WRITEBACK:
            continue
        if "kept_in_sagesync" in report.counts:
            kept = report.counts["kept_in_sagesync"]
            lines.append(ngettext("{count} status kept in sagesync (write-back to the platform turned off)",
                                  "{count} statuses kept in sagesync (write-back to the platform turned off)",
                                  kept).format(count=kept))
            continue
        sent, failed = report.counts.get("acknowledged", 0), report.counts.get("failed", 0)
        sentence = ngettext("{count} status sent to the platform", "{count} statuses sent to the platform",
                            sent).format(count=sent)
        if failed:
            sentence += ", [red]" + ngettext("{count} not sent (tried again at the next run)",
                                             "{count} not sent (tried again at the next run)", failed).format(
                count=failed) + "[/]"
        lines.append(sentence)
    return lines


def _cash_lines(reports: Sequence[RunReport]) -> list[str]:
    """The cash side in a sentence: payments posted and the money they moved, what waits, what went back."""
    lines: list[str] = []
    for report in reports:
        if report.step == Step.PAYMENTS:
            posted, already = report.counts.get("posted", 0), report.counts.get("already_posted", 0)
            text = ngettext("{count} payment posted", "{count} payments posted", posted).format(count=posted)
            if not posted and already:
                text = ngettext("no new payment posted ({count} already in the books)",
                                "no new payment posted ({count} already in the books)", already).format(count=already)
            if posted:
                text = "[green]" + text + "[/]" + " " + _("({collected} collected, {vat} of VAT on receipts made "
                                                          "due)").format(
                    collected=money_text(report.amounts.get("collected", Decimal(0))),
                    vat=money_text(report.amounts.get("vat_made_due", Decimal(0))))
            parts = [text]
            waiting = report.counts.get("waiting", 0)
            if waiting:
                parts.append(ngettext("{count} waiting for its invoice", "{count} waiting for their invoice",
                                      waiting).format(count=waiting))
            blocked = report.blocked
            if blocked:
                parts.append("[red]" + ngettext("{count} payment to fix", "{count} payments to fix", blocked).format(
                    count=blocked) + "[/]")
            lines.append(", ".join(parts))
        elif report.step == Step.SETTLEMENTS:
            sent = report.counts.get("sent_to_platform", 0)
            if not sent and not report.counts.get("send_failed", 0):
                continue
            lines.append(ngettext("{count} payment matched in Sage sent to the platform",
                                  "{count} payments matched in Sage sent to the platform", sent).format(count=sent))
    return lines


def money_text(amount: Decimal) -> str:
    """1234.5 -> "1 234,50 €" in French, "€1,234.50" in English."""
    from sagesync.i18n import current_language

    if current_language() == "fr":
        whole, _dot, cents = f"{abs(amount):,.2f}".partition(".")
        return ("-" if amount < 0 else "") + whole.replace(",", "\u202f") + "," + cents + " €"
    return ("-" if amount < 0 else "") + f"€{abs(amount):,.2f}"
