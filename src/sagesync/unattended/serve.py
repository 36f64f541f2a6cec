"""``sagesync serve``: the schedules of every profile, run on this machine with no other software.

A loop: read the profiles (edits are picked up without a restart), run each profile whose
scheduled time has come since it was last looked at (in the order they fell due, one at a time,
each under its company lock), check the silences ("not succeeded for N hours"), then sleep until
the next scheduled time, waking at least every minute. Runs missed while the machine was off are
caught up once at start (one run, however many were missed), as anacron does. A company busy
with a run started by hand is tried again five minutes later.

Stopping: ``stop()`` (Ctrl-C or SIGTERM through the CLI) ends the loop between runs; a run under
way finishes first (a second Ctrl-C stops it at once: each batch is one transaction, and the
next run carries on from the ledger). Nothing here is POSIX-only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sagesync.errors import SagesyncError
from sagesync.profiles.model import Profile
from sagesync.profiles.store import ProfileStore
from sagesync.unattended.runner import Runner, RunResult
from sagesync.unattended.schedule import due_between, next_run

WAKE_AT_LEAST_EVERY = timedelta(seconds=60)
BUSY_RETRY = timedelta(minutes=5)


def scheduled_profiles(store: ProfileStore) -> tuple[list[Profile], list[tuple[str, str]]]:
    """Profiles with a schedule turned on, and (name, problem) for those that cannot be read."""
    profiles: list[Profile] = []
    broken: list[tuple[str, str]] = []
    for listing in store.listing():
        if listing.profile is None:
            broken.append((listing.name, listing.problem))
        elif listing.profile.schedule is not None and listing.profile.schedule.enabled:
            profiles.append(listing.profile)
    return profiles, broken


@dataclass
class Server:
    runner: Runner
    store: ProfileStore = field(default_factory=ProfileStore)
    on_result: Callable[[RunResult], None] = lambda result: None
    on_problem: Callable[[str, str], None] = lambda name, problem: None
    on_idle: Callable[[datetime | None], None] = lambda when: None
    catch_up: bool = True
    _stop: threading.Event = field(default_factory=threading.Event)
    _watermarks: dict[str, datetime] = field(default_factory=dict)  # profile -> looked at up to
    _retry_at: dict[str, datetime] = field(default_factory=dict)  # profile -> busy, try again then
    _told_broken: set[str] = field(default_factory=set)

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _watermark(self, profile: Profile, now: datetime) -> datetime:
        mark = self._watermarks.get(profile.name)
        if mark is None:
            last = self.runner.state.load(profile.name).last
            # Catch up what was missed while off: from the last run, at most a week back; a new schedule from now.
            mark = max(last.started_at, now - timedelta(days=7)) if last is not None and self.catch_up else now
            self._watermarks[profile.name] = mark
        return mark

    def due(self, now: datetime) -> list[tuple[datetime, Profile]]:
        """The profiles to run now, oldest due first; and the broken profiles are told once."""
        profiles, broken = scheduled_profiles(self.store)
        for name, problem in broken:
            if name not in self._told_broken:
                self._told_broken.add(name)
                self.on_problem(name, problem)
        found: list[tuple[datetime, Profile]] = []
        for profile in profiles:
            assert profile.schedule is not None
            retry = self._retry_at.get(profile.name)
            if retry is not None and retry <= now:
                found.append((retry, profile))
                continue
            times = due_between(profile.schedule, self._watermark(profile, now), now)
            if times:
                found.append((times[0], profile))
            else:
                self._watermarks[profile.name] = now
        return sorted(found, key=lambda pair: pair[0])

    def next_wake(self, now: datetime) -> datetime:
        profiles, _broken = scheduled_profiles(self.store)
        times = [when for profile in profiles if profile.schedule is not None
                 for when in [next_run(profile.schedule, now)] if when is not None]
        times += [when for when in self._retry_at.values()]
        soonest = min(times, default=now + WAKE_AT_LEAST_EVERY)
        return min(soonest, now + WAKE_AT_LEAST_EVERY)

    def tick(self) -> list[RunResult]:
        """One pass: run what is due, check the silences. What ``run_forever`` repeats."""
        results: list[RunResult] = []
        for _when, profile in self.due(self.runner.clock()):
            if self.stopping:
                break
            self._retry_at.pop(profile.name, None)
            result = self.runner.run(profile)
            finished = self.runner.clock()
            self._watermarks[profile.name] = max(result.outcome.started_at, self._watermarks.get(profile.name,
                                                                                                 finished))
            if result.outcome.status == "busy":
                self._retry_at[profile.name] = finished + BUSY_RETRY
            results.append(result)
            self.on_result(result)
        profiles, _broken = scheduled_profiles(self.store)
        for profile in profiles:
            try:
                self.runner.check_stale(profile)
            except SagesyncError as error:
                self.on_problem(profile.name, str(error))
        return results

    def run_forever(self, sleep: Callable[[float], bool] | None = None) -> None:
        """Tick, sleep until the next scheduled time (at most a minute), until ``stop()``."""
        wait = sleep or self._stop.wait
        while not self.stopping:
            self.tick()
            if self.stopping:
                break
            now = self.runner.clock()
            wake = self.next_wake(now)
            self.on_idle(wake)
            # Short steps: Ctrl-C is seen promptly on every platform.
            remaining = (wake - now).total_seconds()
            while remaining > 0 and not self.stopping:
                step = min(remaining, 1.0)
                if wait(step):
                    break
                remaining -= step
