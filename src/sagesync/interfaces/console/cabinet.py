"""The cabinet view: every company a firm runs on one page, the ones that need someone first.

One row per profile of the profiles file, built from what is already on disk, never by asking
Sage or the platform:

- the ledger (``ledger.cabinet_views.glance``, read-only): documents posted and to fix, payments
  pending, blocking findings, the last batch of runs. Its answer is kept per ledger file and read
  again only when the file changed (size or modification time), so a page of 200 companies reads
  only the ledgers a run wrote since the last visit;
- what the unattended side remembers of the profile (``unattended.state``): the last scheduled run,
  even one that failed before it could open the ledger, and the last success;
- the profile's ``[schedule]`` (``unattended.schedule``): the next run, in words;
- this console's own runs (``StepRunner``): a company it is syncing shows as running, and a run of
  this console that failed before it could open the ledger shows its message.

A missing ledger is a company never run; a ledger that cannot be read (damaged, another
application's, another version's) puts its message on the row, never a traceback.

The state a row is filtered on, the most urgent first:

- ``failed``: the last run failed or was interrupted (the ledger says it runs, no process does), the
  ledger or the profile cannot be read, or the schedule has not succeeded for longer than its
  ``alert_after_hours``;
- ``to_fix``: documents blocked or changed after posting, payments to fix, blocking findings;
- ``never``: no run yet;
- ``up_to_date``: everything else.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from sagesync.errors import SagesyncError
from sagesync.i18n import N_, console_gettext, current_language
from sagesync.ledger import cabinet_views
from sagesync.ledger.cabinet_views import CompanyGlance, LastRun
from sagesync.ledger.schema import metadata
from sagesync.profiles.model import Profile
from sagesync.profiles.paths import profile_paths
from sagesync.profiles.store import ProfileListing, ProfileStore
from sagesync.storage_errors import ledger_hint, storage_error
from sagesync.unattended.outcome import Outcome
from sagesync.unattended.schedule import describe, next_run
from sagesync.unattended.state import ProfileState, StateStore

# (state, words): the filter's choices, "" for every company.
STATES: tuple[tuple[str, str], ...] = (("", N_("all states")), ("to_fix", N_("to fix")), ("failed", N_("failed")),
                                       ("up_to_date", N_("up to date")), ("never", N_("never run")))
STATE_WORDS = dict(STATES[1:])
_RANK = {"failed": 0, "to_fix": 1, "never": 2, "up_to_date": 3}
# A run the ledger says is running, started longer ago than this, was stopped (a company's sync takes minutes).
RUNNING_AT_MOST = timedelta(hours=2)
# Why a row is failed (besides its last run), in words.
REASONS = {"profile": N_("the profile cannot be read"), "ledger": N_("the ledger cannot be read"),
           "late": N_("no successful run for more than {hours} h (since {since})")}


@dataclass(frozen=True, slots=True)
class Schedule:
    """The profile's schedule: ``none`` (no ``[schedule]``), ``off`` (kept, turned off) or ``on``."""

    kind: str
    text: str = ""  # the schedule in words, in the page's language
    next_at: datetime | None = None  # aware, in the schedule's time zone


@dataclass(frozen=True, slots=True)
class LastSeen:
    """The last run a row shows: the ledger's last batch of runs, or a newer scheduled run that left none."""

    status: str  # running, ok, blocked, failed, interrupted (running in the ledger, but no process runs it)
    started_at: datetime | None  # local time, as the ledger keeps it
    finished_at: datetime | None
    steps: tuple[str, ...] = ()
    error: str = ""  # what stopped a failed run, when the unattended side or this console knows it
    trigger: str = ""  # schedule, queue, manual: a run the unattended side recorded
    pid: int = 0  # the process of the ledger's run (0: not known)


@dataclass(frozen=True, slots=True)
class CabinetRow:
    name: str
    company: str
    profile: Profile | None
    state: str  # failed, to_fix, never, up_to_date
    glance: CompanyGlance | None = None  # None: no ledger yet, or it cannot be read
    last: LastSeen | None = None
    running: bool = False  # a run goes on: this console's, or another process's the ledger shows
    here: bool = False  # this console runs it (its « Run now » would only be told the company is busy)
    schedule: Schedule = Schedule("none")
    problem: str = ""  # why the profile or the ledger cannot be read, translated
    problem_kind: str = ""  # profile, ledger
    late_since: datetime | None = None  # local time
    late_hours: int = 0

    @property
    def reasons(self) -> list[str]:
        """Why the row is failed, besides a failed last run, in the page's language."""
        found = []
        if self.problem_kind:
            found.append(console_gettext(REASONS[self.problem_kind]))
        if self.late_since is not None:
            found.append(console_gettext(REASONS["late"]).format(hours=self.late_hours,
                                                                 since=self.late_since.strftime("%d/%m/%Y %H:%M")))
        return found

    @property
    def weight(self) -> int:
        """How much there is to do: documents and payments to fix, blocking findings."""
        if self.glance is None:
            return 0
        return self.glance.to_fix + self.glance.payments_to_fix + self.glance.blocking_findings

    def sort_key(self) -> tuple[int, int, str, str]:
        return _RANK[self.state], -self.weight, folded(self.company), self.name

    def matches(self, text: str) -> bool:
        wanted = folded(text)
        return not wanted or wanted in folded(f"{self.company} {self.name}")


def folded(text: str) -> str:
    """Text compared without case or accents: « societe » finds « Société »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def schedule_of(profile: Profile, now: datetime) -> Schedule:
    settings = profile.schedule
    if settings is None:
        return Schedule("none")
    if not settings.enabled:
        return Schedule("off", describe(settings))
    return Schedule("on", describe(settings), next_run(settings, now))


def _local(moment: datetime) -> datetime:
    """An aware moment as the ledger's naive local time."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo is not None else moment


def last_seen(batch: LastRun | None, outcome: Outcome | None) -> LastSeen | None:
    """The ledger's last batch, or the unattended side's last outcome when it is newer (a run that failed before it
    opened the ledger: the company busy, the profile or Sage unreadable); a failed batch takes the outcome's
    message."""
    seen = None if batch is None else LastSeen(batch.status, batch.started_at, batch.finished_at, batch.steps,
                                               pid=batch.pid)
    if outcome is None or outcome.status == "busy":
        return seen
    finished = _local(outcome.finished_at)
    if batch is None or (batch.status != "running" and finished > (batch.finished_at or batch.started_at)
                         + cabinet_views.BATCH_GAP):
        if batch is not None and batch.run_id in outcome.run_ids:
            return seen  # the same run, already told by the ledger
        return LastSeen(outcome.status, _local(outcome.started_at), finished, error=outcome.error,
                        trigger=outcome.trigger)
    if seen is not None and seen.status == "failed" and outcome.status == "failed" and outcome.error:
        return replace(seen, error=outcome.error, trigger=outcome.trigger)
    return seen


def _late_since(profile: Profile, last: LastSeen | None, remembered: ProfileState,
                now: datetime) -> datetime | None:
    """Since when a schedule has not succeeded, when that is longer than its ``alert_after_hours`` (local time)."""
    settings = profile.schedule
    if settings is None or not settings.enabled:
        return None
    successes = [_local(moment) for moment in (remembered.last_success_at,) if moment is not None]
    if last is not None and last.status in ("ok", "blocked") and last.finished_at is not None:
        successes.append(last.finished_at)
    if last is not None and last.status == "running":
        return None
    reference = max(successes) if successes else (
        _local(remembered.watched_since) if remembered.watched_since is not None else None)
    if reference is None or now - reference <= timedelta(hours=settings.alert_after_hours):
        return None
    return reference


def interrupted(last: LastSeen | None, *, here: bool, now: datetime) -> LastSeen | None:
    """A run the ledger says is running that no process runs any more (killed, or the machine stopped): a run of this
    console's process this console does not run, or one started longer ago than any run lasts."""
    if last is None or last.status != "running" or here:
        return last
    started = last.started_at
    if last.pid == os.getpid() or (started is not None and now - started > RUNNING_AT_MOST):
        return replace(last, status="interrupted")
    return last


def state_of(glance: CompanyGlance | None, last: LastSeen | None, *, problem: bool, late: bool) -> str:
    if problem or late or (last is not None and last.status in ("failed", "interrupted")):
        return "failed"
    if glance is not None and (glance.to_fix or glance.payments_to_fix or glance.blocking_findings):
        return "to_fix"
    if last is None:
        return "never"
    return "up_to_date"


class LedgerUnreadable(Exception):
    """A ledger the cabinet cannot read: its message is the row's."""


class CabinetCache:
    """Each ledger's glance, kept until its file changes, and the profiles file's listing, kept until it changes;
    shared by the console's requests."""

    def __init__(self) -> None:
        self.readers = cabinet_views.LedgersReader()
        self._glances: dict[Path, tuple[tuple[int, int, str], CompanyGlance]] = {}
        self._listing: tuple[tuple[Path, int, int, str], list[ProfileListing]] | None = None
        self._lock = threading.Lock()

    def listing(self, store: ProfileStore) -> list[ProfileListing]:
        """``store.listing()``, read again only when the profiles file changed (200 profiles take 0.15 s to read and
        validate; the row of a running company is drawn again every few seconds)."""
        try:
            stat = store.path.stat()
        except OSError:
            return store.listing()  # no file yet (no profile), or unreadable: the store says what it says
        stamp = (store.path, stat.st_mtime_ns, stat.st_size, current_language())  # problems are translated
        with self._lock:
            kept = self._listing
        if kept is not None and kept[0] == stamp:
            return kept[1]
        found = store.listing()
        with self._lock:
            self._listing = (stamp, found)
        return found

    def dispose(self) -> None:
        self.readers.dispose()

    def glance(self, path: Path, company: str, profile: str) -> CompanyGlance | None:
        """The ledger's glance; None when there is no ledger yet (never created: nothing to read)."""
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise LedgerUnreadable(_ledger_message(error, path, profile)) from None
        stamp = (stat.st_mtime_ns, stat.st_size, company)  # read before the ledger: a write in between reads again
        with self._lock:
            kept = self._glances.get(path)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        try:
            with self.readers.connect(path) as connection:
                found = cabinet_views.glance(connection, company)
        except (OSError, sqlite3.Error, DBAPIError, SagesyncError) as error:
            raise LedgerUnreadable(_ledger_message(error, path, profile)) from None
        with self._lock:
            self._glances[path] = (stamp, found)
        return found

    def forget(self, keep: Iterable[Path]) -> None:
        """Drop the ledgers of profiles gone from the profiles file."""
        kept = set(keep)
        with self._lock:
            for path in [path for path in self._glances if path not in kept]:
                del self._glances[path]


def _ledger_message(error: BaseException, path: Path, profile: str) -> str:
    classified = storage_error(error, path, "ledger", hint=ledger_hint(profile),
                               tables=[table.name for table in metadata.sorted_tables])
    if classified is not None:
        return str(classified)
    return console_gettext("The ledger {path} cannot be read ({error}). Run « sagesync ledger rebuild --profile "
                           "{profile} » to reconstruct it from the company.").format(
        path=path, error=type(error).__name__, profile=profile)


@dataclass(frozen=True, slots=True)
class ConsoleRun:
    """What this console knows of a profile's runs (its step runner): one going on, or the last one's failure, which
    a run stopped before it opened the ledger (the company or the platform unreachable) leaves nowhere else."""

    running: bool
    started_at: datetime | None = None  # local time
    failed_at: datetime | None = None  # the last run failed: when (local time), and why
    error: str = ""


def with_console_run(last: LastSeen | None, mine: ConsoleRun | None) -> LastSeen | None:
    """The last run, told what this console saw of it: running, or failed (with its message)."""
    if mine is None:
        return last
    if mine.running:
        return last if last is not None and last.status == "running" else LastSeen("running", mine.started_at, None)
    if mine.failed_at is None or (last is not None and last.status == "running"):
        return last
    end = None if last is None else (last.finished_at or last.started_at)
    if end is None or mine.failed_at > end + cabinet_views.BATCH_GAP:
        return LastSeen("failed", mine.started_at, mine.failed_at, error=mine.error, trigger="console")
    if last is not None and last.status == "failed" and not last.error:
        return replace(last, error=mine.error)  # the same run, the ledger's record of it has no message
    return last


def build_row(listing: ProfileListing, *, cache: CabinetCache, states: StateStore, console: dict[str, ConsoleRun],
              now: datetime) -> CabinetRow:
    """The row of one profile; ``now`` is aware (UTC)."""
    profile = listing.profile
    if profile is None:
        return CabinetRow(listing.name, listing.name, None, "failed", problem=listing.problem, problem_kind="profile")
    schedule = schedule_of(profile, now)
    remembered = states.load(profile.name)
    mine = console.get(profile.name)
    here = mine is not None and mine.running
    try:
        glance = cache.glance(profile_paths(profile.name).ledger, profile.sage_company, profile.name)
    except LedgerUnreadable as error:
        last = with_console_run(last_seen(None, remembered.last), mine)
        return CabinetRow(profile.name, profile.sage_company, profile, "failed", last=last, running=here, here=here,
                          schedule=schedule, problem=str(error), problem_kind="ledger")
    last = with_console_run(last_seen(glance.last_run if glance is not None else None, remembered.last), mine)
    last = interrupted(last, here=here, now=_local(now))
    late = _late_since(profile, last, remembered, _local(now))
    state = state_of(glance, last, problem=False, late=late is not None)
    hours = profile.schedule.alert_after_hours if profile.schedule is not None else 0
    return CabinetRow(profile.name, profile.sage_company, profile, state, glance=glance, last=last,
                      running=last is not None and last.status == "running", here=here, schedule=schedule,
                      late_since=late, late_hours=hours)


def build_rows(listing: Iterable[ProfileListing], *, cache: CabinetCache, states: StateStore,
               console: dict[str, ConsoleRun], now: datetime | None = None) -> list[CabinetRow]:
    """Every profile's row, those that need someone first."""
    moment = now or datetime.now(UTC)
    rows = [build_row(item, cache=cache, states=states, console=console, now=moment) for item in listing]
    cache.forget(profile_paths(row.name).ledger for row in rows if row.profile is not None)
    return sorted(rows, key=CabinetRow.sort_key)


def state_counts(rows: Iterable[CabinetRow]) -> dict[str, int]:
    counts = {state: 0 for state, _words in STATES}
    for row in rows:
        counts[""] += 1
        counts[row.state] += 1
    return counts


def state_word(state: str) -> str:
    """A row's state in the page's language (the filter's words)."""
    return console_gettext(STATE_WORDS[state]) if state in STATE_WORDS else state
