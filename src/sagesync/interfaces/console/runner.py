"""Steps started from the console: one background thread per company, its progress told to every open page.

A click on a step button starts ``sagesync.jobs.open_job(...).run(step)`` in a
thread, the same call the command line makes. The company lock decides whether
it may run: a second click while this console runs the company is answered from
memory (what runs, since when), and a run held by another process (the command
line, a scheduled task, another console) is answered from the lock's holder file.
No business rule lives here: the runner only carries progress events and the
run reports to the pages.

Pages follow a company through its ``CompanyChannel``: a snapshot of the current
run (one line per step) and of the last outcome, and a notification each time it
changes, delivered to the asyncio loop of each server-sent-events stream.

A run is watched by pages in French and in English at once: what the runner says
itself (who holds the company, why a run stopped) is kept as ``LazyText`` and
translated when a page draws it. What the core says (its errors) is told in the
language of the page that started the run: its thread runs in that language.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sagesync.errors import LockHeldError, SagesyncError
from sagesync.i18n import N_, console_gettext, current_language, language
from sagesync.interfaces.console.language import LazyText, console_lazy
from sagesync.profiles.model import Profile
from sagesync.sources.base import Source
from sagesync.steps.events import ProgressEvent, RunReport
from sagesync.steps.registry import STEPS

log = logging.getLogger(__name__)

SourceFactory = Callable[[Profile], Source]

# The buttons' words, the console's own (the registry's titles are the command line's).
STEP_TITLES = {"customers": N_("Pull customers"), "projects": N_("Pull projects"), "check": N_("Check invoices"),
               "invoices": N_("Pull invoices"), "payments": N_("Pull payments"),
               "settlements": N_("Send settlements"), "writeback": N_("Write back"), "sync": N_("Sync all"),
               "preview": N_("Preview"), "post_preview": N_("Post the preview")}
STEP_BUTTONS: tuple[tuple[str, str], ...] = (*((step.name, STEP_TITLES.get(step.name, step.title))
                                               for step in STEPS.values()), ("sync", STEP_TITLES["sync"]),
                                             ("preview", STEP_TITLES["preview"]),
                                             ("post_preview", STEP_TITLES["post_preview"]))
STEP_NAMES = frozenset(step for step, _ in STEP_BUTTONS)
Text = str | LazyText  # what a page shows: the core's words as they came, or the console's, translated when shown
# How long a click waits for the run to take the lock, so the answer can say "started" or "busy".
START_WAIT_SECONDS = 15.0


def step_title(step: str) -> str:
    """The step's button title in the current language (an unknown step is shown by its name)."""
    title = dict(STEP_BUTTONS).get(step)
    return console_gettext(title) if title else step


@dataclass(frozen=True, slots=True)
class Holder:
    """Who runs a company: a step, since when, in which process."""

    step: str
    started_at: str  # ISO text, as the lock's holder file has it
    pid: int | None
    here: bool  # this console
    user: str = ""  # the login that runs it, when the lock's holder file says

    def describe(self) -> str:
        """Who runs the company, in the current language (called when a page is drawn)."""
        title = step_title(self.step) if self.step in STEP_NAMES else (self.step or console_gettext("a run"))
        since = self.started_at.replace("T", " ") if self.started_at else console_gettext("(time unknown)")
        if self.here:
            return console_gettext("{title}, started {since} in this console (process {pid})").format(
                title=title, since=since, pid=self.pid)
        who = (console_gettext("process {pid}").format(pid=self.pid) if self.pid
               else console_gettext("another process"))
        if self.user:
            who = f"{self.user} ({who})"
        return console_gettext("{title}, started {since} by {who} (the command line, a scheduled task or another "
                               "console)").format(title=title, since=since, who=who)

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True, slots=True)
class StepLine:
    step: str
    title: str
    done: int = 0
    total: int | None = None
    message: str = ""
    finished: bool = False


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """What a page shows of a run report (the report itself holds up to 10 000 findings)."""

    step: str
    title: str
    run_id: int
    status: str
    counts: tuple[tuple[str, int], ...]
    duration_seconds: float
    outputs: tuple[tuple[str, str], ...]
    preview: dict[str, Any] | None = None  # a preview's totals (not its document list)

    @classmethod
    def of(cls, report: RunReport) -> ReportSummary:
        counts = tuple((name, count) for name, count in report.counts.items() if count)
        preview = ({key: value for key, value in report.preview.items() if key != "documents"}
                   if report.preview is not None else None)
        return cls(report.step, step_title(report.step), report.run_id, report.status, counts,
                   report.duration_seconds, tuple((name, str(path)) for name, path in report.outputs.items()),
                   preview)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a page shows of a company's runs at one moment."""

    running: Holder | None = None
    lines: tuple[StepLine, ...] = ()
    reports: tuple[ReportSummary, ...] = ()  # of the last finished run
    finished_at: str = ""
    error: Text = ""  # the last run failed: why, and what to do
    busy: Holder | None = None  # the last click was refused: who holds the company
    busy_message: Text = ""
    busy_at: str = ""  # when the click was refused


@dataclass(eq=False)
class Subscription:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)


class CompanyChannel:
    """The state of one company's runs, shared by the worker thread and the pages."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._snapshot = Snapshot()
        self._subscribers: set[Subscription] = set()
        self.thread: threading.Thread | None = None
        self.thread_step = ""  # the step the thread runs, known before it holds the lock

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snapshot

    def subscribe(self, loop: asyncio.AbstractEventLoop) -> Subscription:
        subscription = Subscription(loop)
        with self._lock:
            self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(subscription)

    def _change(self, kind: str, **changes: object) -> None:
        with self._lock:
            self._snapshot = replace(self._snapshot, **changes)  # type: ignore[arg-type]
            subscribers = list(self._subscribers)
        for subscription in subscribers:
            try:
                subscription.loop.call_soon_threadsafe(subscription.queue.put_nowait, kind)
            except RuntimeError:  # the page's loop is gone: it will not listen again
                self.unsubscribe(subscription)

    def notify_closing(self) -> None:
        self._change("closing")

    # --- called by the worker thread ---------------------------------------------------------

    def begin(self, step: str) -> None:
        holder = Holder(step, datetime.now().isoformat(timespec="seconds"), os.getpid(), here=True)
        self._change("progress", running=holder, lines=(), reports=(), error="", busy=None, busy_message="",
                     busy_at="", finished_at="")

    def publish(self, event: ProgressEvent) -> None:
        """The job's event sink."""
        with self._lock:
            lines = list(self._snapshot.lines)
        index = next((i for i, line in enumerate(lines) if line.step == event.step), None)
        current = lines[index] if index is not None else StepLine(event.step, step_title(event.step))
        if event.phase == "start":
            current = StepLine(event.step, step_title(event.step))
        elif event.phase == "finish":
            current = replace(current, done=event.done, total=event.total if event.total is not None else event.done,
                              message=event.message, finished=True)
        else:
            current = replace(current, done=event.done, total=event.total, message=event.message)
        if index is None:
            lines.append(current)
        else:
            lines[index] = current
        self._change("progress", lines=tuple(lines))

    def finish(self, reports: Sequence[RunReport]) -> None:
        self._change("finished", running=None, reports=tuple(ReportSummary.of(report) for report in reports),
                     finished_at=datetime.now().isoformat(timespec="seconds"))

    def fail(self, message: Text) -> None:
        self._change("finished", running=None, error=message, finished_at=datetime.now().isoformat(timespec="seconds"))

    def refuse(self, holder: Holder, message: Text) -> None:
        """A click was refused; what runs (if this console runs it) stays on the page."""
        self._change("progress", busy=holder, busy_message=message,
                     busy_at=datetime.now().isoformat(timespec="seconds"))


def _run_job(profile: Profile, step: str, sink: Callable[[ProgressEvent], None], opened: Callable[[], None],
             source_factory: SourceFactory | None) -> list[RunReport]:
    from sagesync import jobs

    factory = source_factory or jobs.source_for
    with jobs.open_job(profile, events=sink, source_factory=factory, step=step) as job:
        opened()
        return job.run(step)


class StepRunner:
    """Starts steps, one at a time per company, and keeps each company's channel."""

    def __init__(self, source_factory: SourceFactory | None = None) -> None:
        self.source_factory = source_factory
        self._channels: dict[str, CompanyChannel] = {}
        self._lock = threading.Lock()

    def channel(self, name: str) -> CompanyChannel:
        with self._lock:
            return self._channels.setdefault(name, CompanyChannel(name))

    def start(self, profile: Profile, step: str, *, wait_seconds: float = START_WAIT_SECONDS) -> Snapshot:
        """Start ``step`` for the profile's company, or say who holds it; return the snapshot to show."""
        if step not in STEP_NAMES:
            raise ValueError(f"unknown step {step}")  # a programming error: the routes check first
        channel = self.channel(profile.name)
        opened = threading.Event()
        with self._lock:
            running = channel.thread is not None and channel.thread.is_alive()
            if not running:
                channel.thread = threading.Thread(target=self._work,
                                                  args=(channel, profile, step, opened, current_language()),
                                                  name=f"sagesync-console-{profile.name}-{step}", daemon=True)
                channel.thread_step = step
                channel.thread.start()
        if running:
            holder = channel.snapshot().running or Holder(channel.thread_step, "", os.getpid(), here=True)
            channel.refuse(holder, console_lazy("{company} is busy: {holder}. Wait for it to finish; its progress "
                                                "is shown here.", company=profile.sage_company, holder=holder))
            return channel.snapshot()
        opened.wait(wait_seconds)
        return channel.snapshot()

    def _work(self, channel: CompanyChannel, profile: Profile, step: str, opened: threading.Event,
              code: str) -> None:
        with language(code):  # the core's messages (errors, findings) in the language of the page that clicked
            self._run(channel, profile, step, opened)

    def _run(self, channel: CompanyChannel, profile: Profile, step: str, opened: threading.Event) -> None:
        def holding_the_lock() -> None:
            channel.begin(step)
            opened.set()

        try:
            reports = _run_job(profile, step, channel.publish, holding_the_lock, self.source_factory)
        except LockHeldError:
            from sagesync.jobs import company_lock

            record = company_lock(profile, step).holder()
            pid = record.get("pid")
            # Not this console's own run (that one is answered before any thread starts): another
            # process, or another console, even if the holder file names this process.
            holder = Holder(str(record.get("step", "")), str(record.get("started_at", "")),
                            pid if isinstance(pid, int) else None, here=False, user=str(record.get("user", "")))
            channel.refuse(holder, console_lazy("{company} is busy: {holder}. Wait for it to finish, then run the "
                                                "step again.", company=profile.sage_company, holder=holder))
        except SagesyncError as error:
            channel.fail(str(error))
        except Exception as error:  # a thread's exception would otherwise reach no one
            log.exception("console run of %s for profile %s failed", step, profile.name)
            channel.fail(console_lazy("{title} stopped on an unexpected {kind}: {error}. Nothing half-done is kept "
                                      "(each batch is one transaction); see the console's log, then run the step "
                                      "again.", title=_Title(step), kind=type(error).__name__, error=error))
        else:
            channel.finish(reports)
        finally:
            opened.set()

    def snapshots(self) -> dict[str, Snapshot]:
        """Every company's snapshot this console has (those it ran or was asked about)."""
        with self._lock:
            channels = list(self._channels.items())
        return {name: channel.snapshot() for name, channel in channels}

    def running(self) -> list[str]:
        with self._lock:
            return [name for name, channel in self._channels.items()
                    if channel.thread is not None and channel.thread.is_alive()]

    def close(self, wait_seconds: float = 5.0) -> None:
        """Wake every page stream so the server can stop; give running steps a moment to finish their batch."""
        with self._lock:
            channels = list(self._channels.values())
        for channel in channels:
            channel.notify_closing()
            if channel.thread is not None:
                channel.thread.join(wait_seconds)


@dataclass(frozen=True, slots=True)
class _Title:
    """A step's title inside a ``LazyText``: translated when shown, like the rest of it."""

    step: str

    def __str__(self) -> str:
        return step_title(self.step)
