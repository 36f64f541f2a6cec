"""One unattended sync of one profile: the job under the company lock, its outcome recorded, and told.

Shared by ``sagesync serve`` (one machine) and the queue's worker (many): whatever happens in
the run becomes an ``Outcome`` (a classified error's message, never a traceback: an unexpected
one is written to a log file in the data folder, named in the outcome), the outcome is kept in
the profile's state file, and one message goes out when it holds an event the alerts ask for.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sagesync.errors import ConfigurationError, LockHeldError, SagesyncError, UnreachableError
from sagesync.i18n import _
from sagesync.jobs import SourceFactory, open_job, source_for
from sagesync.profiles.model import Profile
from sagesync.profiles.paths import data_dir
from sagesync.storage_errors import is_storage_error, storage_error
from sagesync.unattended import outcome as outcomes
from sagesync.unattended.compose import compose_run_alert, compose_stale_alert
from sagesync.unattended.notify import Delivery, Notifier, alert_settings_for
from sagesync.unattended.outcome import Outcome
from sagesync.unattended.state import StateStore, stale_since

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def error_code(error: SagesyncError) -> str:
    """The family of an error, as the CLI's JSON says it: lock_held, unreachable, configuration, error."""
    if isinstance(error, LockHeldError):
        return "lock_held"
    if isinstance(error, UnreachableError):
        return "unreachable"
    if isinstance(error, ConfigurationError):
        return "configuration"
    return "error"


def write_log(error: BaseException, profile: str) -> Path | None:
    """The traceback of an unexpected error in ``<data>/logs``; its path, or None if nothing would take it."""
    stamp = datetime.now()
    folder = data_dir() / "logs"
    path = folder / f"internal-error-{stamp:%Y%m%d-%H%M%S}-{os.getpid()}.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{stamp:%Y-%m-%d %H:%M:%S}, unattended sync of profile {profile}, Python "
                        f"{sys.version.split()[0]}, {sys.platform}\n\n" + "".join(traceback.format_exception(error)),
                        encoding="utf-8")
    except OSError:
        return None
    return path


def classify(error: BaseException, profile: str) -> tuple[str, str, int]:
    """(message, code, exit code) of whatever stopped a run; an unexpected error is logged, not shown."""
    if isinstance(error, SagesyncError):
        return str(error), error_code(error), error.exit_code
    if is_storage_error(error):
        classified = storage_error(error, None, "file")
        if classified is not None:
            return str(classified), error_code(classified), classified.exit_code
    log = write_log(error, profile)
    where = _("the details are in {log}").format(log=log) if log is not None else _("no log file could be written")
    return (_("internal error ({error}): this is a bug in sagesync, not a problem with your data; {where}").format(
        error=type(error).__name__, where=where), "internal", 70)


@dataclass(frozen=True, slots=True)
class RunResult:
    outcome: Outcome
    deliveries: tuple[Delivery, ...] = ()
    alert_problem: str = ""  # the alert settings could not be read


@dataclass
class Runner:
    state: StateStore = field(default_factory=StateStore)
    notifier: Notifier = field(default_factory=Notifier)
    clock: Clock = utc_now
    source_factory: SourceFactory = source_for
    base: Path | None = None

    def run(self, profile: Profile, *, trigger: str = "schedule", alert_failure: bool = True) -> RunResult:
        """Sync ``profile`` once; ``alert_failure`` False keeps a failure quiet (a queue that will retry it)."""
        started = self.clock()
        try:
            with open_job(profile, source_factory=self.source_factory, base=self.base) as job:
                reports = job.run("sync")
            outcome = outcomes.from_reports(profile.name, profile.sage_company, reports, started, self.clock(),
                                            trigger=trigger)
        except Exception as error:  # every failure becomes an outcome: the loop and the worker go on
            message, code, exit_code = classify(error, profile.name)
            outcome = outcomes.from_error(profile.name, profile.sage_company, message, code, exit_code, started,
                                          self.clock(), trigger=trigger)
        self.state.record(outcome)
        if outcome.status == "failed" and not alert_failure:
            return RunResult(outcome)
        return self._tell(profile, outcome)

    def _tell(self, profile: Profile, outcome: Outcome) -> RunResult:
        try:
            settings = alert_settings_for(profile)
        except SagesyncError as error:
            return RunResult(outcome, alert_problem=str(error))
        if settings is None:
            return RunResult(outcome)
        message = compose_run_alert(outcome, settings, schedule=profile.schedule)
        if message is None:
            return RunResult(outcome)
        return RunResult(outcome, tuple(self.notifier.send(settings, message, profile.name)))

    def check_stale(self, profile: Profile) -> tuple[Delivery, ...] | None:
        """Tell, once per silence, that the profile's schedule has not succeeded for too long; None if not due."""
        schedule = profile.schedule
        if schedule is None or not schedule.enabled:
            return None
        now = self.clock()
        state = self.state.watch(profile.name, now)
        since = stale_since(state, schedule, now)
        if since is None:
            return None
        try:
            settings = alert_settings_for(profile)
        except SagesyncError:
            settings = None
        self.state.mark_stale_alert(profile.name, now)
        if settings is None:
            return ()
        message = compose_stale_alert(profile.name, profile.sage_company, since, schedule.alert_after_hours,
                                      state.last, settings, now, schedule=schedule)
        if message is None:
            return ()
        return tuple(self.notifier.send(settings, message, profile.name))
