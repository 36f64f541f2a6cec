"""Rendering of progress events and run reports in the terminal (rich)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from sagesync.steps.events import EventSink, ProgressEvent, RunReport
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
    table = Table(title="Runs", show_lines=False)
    table.add_column("step")
    table.add_column("result")
    table.add_column("counts")
    table.add_column("time", justify="right")
    for report in reports:
        counts = ", ".join(f"{name.replace('_', ' ')} {report.counts[name]}" for name in
                           sorted(report.counts, key=lambda n: COUNT_ORDER.index(n) if n in COUNT_ORDER else 99)
                           if report.counts[name]) or "nothing to do"
        status = "[green]ok[/]" if report.status == "ok" else "[red]blocked[/]"
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
    table = Table(title="Findings by kind")
    table.add_column("finding")
    table.add_column("severity")
    table.add_column("documents", justify="right")
    for (code, severity), count in sorted(counts.items(), key=lambda item: (item[0][1], item[0][0])):
        colour = {"blocking": "red", "warning": "yellow"}.get(severity, "cyan")
        table.add_row(code.replace("_", " "), f"[{colour}]{severity}[/]", str(count))
    return table


def blocking_details(reports: Sequence[RunReport], limit: int = 20) -> Table | None:
    rows = [f for report in reports if report.step != "check" for f in report.blocking_findings()]
    if not rows:
        return None
    table = Table(title=f"What blocks (first {min(limit, len(rows))} of {len(rows)})", show_lines=False)
    table.add_column("document")
    table.add_column("field")
    table.add_column("what is wrong")
    table.add_column("fix")
    for finding in rows[:limit]:
        table.add_row(finding.document, finding.field, finding.message, finding.fix)
    return table
