"""Many companies, many machines: one Procrastinate job per company sync, on PostgreSQL.

``sagesync worker`` starts a worker; N workers on N machines share the queue (``SAGESYNC_QUEUE_URL``,
a ``postgresql://`` URL; its password from libpq's usual places: ``PGPASSWORD`` or ``~/.pgpass``).

- **one job per company sync** (task ``sagesync.sync``, queue ``sync``), its Procrastinate ``lock``
  the company's identity (``jobs.company_identity``): two jobs of one company never run at once, on
  any machine; the company's file lock is still taken inside the job (a run started by hand waits);
- its ``queueing_lock`` (``sync:<company>``): a company already waiting in the queue is not queued
  again, so schedules and impatient clicks never pile up;
- **schedules** through a Procrastinate periodic task (``sagesync.schedule_tick``, every minute,
  deferred once per minute whatever the number of workers): it reads every profile's schedule in its
  own time zone (Procrastinate's cron is UTC) and queues the companies whose time has come, then
  tells the silences ("not succeeded for N hours");
- **retries with back-off**: a run the platform, Sage or a busy company stopped is tried again
  (1, 2, 4, 8... minutes, ``max_attempts``), and its alert goes out only when the last attempt
  failed; a setting to fix is not retried;
- **a worker that dies** (kill -9, a machine that stops): its heartbeat stops, and the other workers
  put its job back in the queue (``stalled_after`` seconds). Exactly-once does not come from the
  queue: a job run twice finds in the ledger (and in the company) what the first one posted.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import procrastinate
import procrastinate.exceptions

from sagesync.errors import ConfigurationError, SagesyncError
from sagesync.i18n import _
from sagesync.jobs import company_identity
from sagesync.profiles.model import Profile
from sagesync.profiles.store import ProfileStore
from sagesync.unattended.compose import scrub
from sagesync.unattended.errors import QueueUnreachableError
from sagesync.unattended.runner import Runner, RunResult
from sagesync.unattended.schedule import due_between
from sagesync.unattended.serve import scheduled_profiles

QUEUE_URL_VARIABLE = "SAGESYNC_QUEUE_URL"
SYNC_TASK = "sagesync.sync"
TICK_TASK = "sagesync.schedule_tick"
SYNC_QUEUE = "sync"
SCHEDULE_QUEUE = "schedule"
TICK_SECONDS = 60


class RunNotFinished(Exception):
    """Raised by a job whose run the platform, Sage or a busy company stopped: the queue tries it again."""


def queue_url(given: str | None = None) -> str:
    import os

    url = (given or os.environ.get(QUEUE_URL_VARIABLE, "")).strip()
    if not url:
        raise ConfigurationError(_("no job queue: set {variable} (or --queue-url) to a PostgreSQL URL such as "
                                   "postgresql://sagesync@dbserver/sagesync (the password in PGPASSWORD or "
                                   "~/.pgpass, never in the URL)").format(variable=QUEUE_URL_VARIABLE))
    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigurationError(_("{variable} must be a postgresql:// URL, not {url}").format(
            variable=QUEUE_URL_VARIABLE, url=repr(scrub(url))))
    return url


def company_lock_key(profile: Profile) -> str:
    """The Procrastinate lock of a profile's company: every profile naming one company shares it."""
    return f"company:{company_identity(profile)}"


@contextlib.contextmanager
def _reachable(url: str) -> Iterator[None]:
    import psycopg

    try:
        yield
    except (psycopg.OperationalError, OSError) as error:
        raise QueueUnreachableError(_("the job queue at {url} cannot be reached ({error}): check that PostgreSQL "
                                      "runs there and that this machine may connect").format(
            url=scrub(url), error=type(error).__name__)) from None


@dataclass
class Queue:
    """The Procrastinate app of sagesync: its tasks, and how to queue a company, run a worker, set up the tables."""

    url: str
    runner_factory: Callable[[], Runner] = Runner
    store_factory: Callable[[], ProfileStore] = ProfileStore
    max_attempts: int = 5
    retry_wait: int = 60  # seconds before the first retry; doubled each time
    on_result: Callable[[RunResult], None] = lambda result: None
    app: procrastinate.App = field(init=False)

    def __post_init__(self) -> None:
        self.app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=self.url))
        retry = procrastinate.RetryStrategy(max_attempts=self.max_attempts, wait=self.retry_wait,
                                            exponential_wait=2, retry_exceptions={RunNotFinished})

        @self.app.task(name=SYNC_TASK, queue=SYNC_QUEUE, pass_context=True, retry=retry)
        def sync_company(context: Any, profile: str, trigger: str = "queue") -> None:
            self._sync(profile, trigger, last_attempt=context.job.attempts >= self.max_attempts)

        @self.app.periodic(cron="* * * * *", periodic_id="schedules")
        @self.app.task(name=TICK_TASK, queue=SCHEDULE_QUEUE, pass_context=False)
        async def schedule_tick(timestamp: int) -> None:
            await self._tick(datetime.fromtimestamp(timestamp, UTC))

        self.sync_task, self.tick_task = sync_company, schedule_tick

    # --- the jobs ------------------------------------------------------------------------------

    def _sync(self, name: str, trigger: str, *, last_attempt: bool) -> None:
        try:
            profile = self.store_factory().get(name)
        except SagesyncError:
            return  # a profile deleted or broken since it was queued: nothing to run, nothing to retry
        result = self.runner_factory().run(profile, trigger=trigger, alert_failure=last_attempt)
        self.on_result(result)
        outcome = result.outcome
        retryable = outcome.status == "busy" or (outcome.status == "failed" and outcome.error_code == "unreachable")
        if retryable and not last_attempt:
            raise RunNotFinished(outcome.error)

    async def _tick(self, now: datetime) -> None:
        """Queue the companies whose scheduled time fell in the last minute; tell the silences."""
        store = self.store_factory()
        profiles, _broken = await asyncio.to_thread(scheduled_profiles, store)
        start = now - timedelta(seconds=TICK_SECONDS)
        for profile in profiles:
            assert profile.schedule is not None
            if due_between(profile.schedule, start, now):
                await self.enqueue_async(profile, trigger="schedule")
        runner = self.runner_factory()
        for profile in profiles:
            with contextlib.suppress(SagesyncError):
                await asyncio.to_thread(runner.check_stale, profile)

    # --- queueing ------------------------------------------------------------------------------

    def _configured(self, profile: Profile, trigger: str) -> Any:
        key = company_lock_key(profile)
        return self.sync_task.configure(lock=key, queueing_lock=f"sync:{key}",
                                        task_kwargs={"profile": profile.name, "trigger": trigger})

    async def enqueue_async(self, profile: Profile, trigger: str = "manual") -> int | None:
        """Queue one sync of ``profile``'s company; None when it is already waiting in the queue."""
        try:
            job_id: int = await self._configured(profile, trigger).defer_async()
        except procrastinate.exceptions.AlreadyEnqueued:
            return None
        return job_id

    def enqueue(self, profiles: list[Profile], trigger: str = "manual") -> list[tuple[str, int | None]]:
        async def queue_all() -> list[tuple[str, int | None]]:
            async with self.app.open_async():
                return [(profile.name, await self.enqueue_async(profile, trigger)) for profile in profiles]

        with _reachable(self.url):
            return asyncio.run(queue_all())

    # --- set-up --------------------------------------------------------------------------------

    async def ensure_schema_async(self) -> bool:
        """Create Procrastinate's tables when the database has none; True when created."""
        async with self.app.open_async():
            return await self._ensure_schema_open()

    async def _ensure_schema_open(self) -> bool:
        rows = await self.app.connector.execute_query_all_async(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present")
        if rows and rows[0]["present"]:
            return False
        await self.app.schema_manager.apply_schema_async()
        return True

    def ensure_schema(self) -> bool:
        with _reachable(self.url):
            return asyncio.run(self.ensure_schema_async())

    # --- the worker ----------------------------------------------------------------------------

    def run_worker(self, *, name: str | None = None, concurrency: int = 1, heartbeat_seconds: float = 10.0,
                   stalled_after: float = 30.0, install_signals: bool = True,
                   on_start: Callable[[], None] = lambda: None) -> None:
        """Work until SIGINT / SIGTERM (Ctrl-C, Ctrl-Break on Windows): the job under way is finished first."""
        with _reachable(self.url):
            asyncio.run(self._work(name or f"{socket.gethostname()}", concurrency, heartbeat_seconds, stalled_after,
                                   install_signals, on_start))

    async def _work(self, name: str, concurrency: int, heartbeat_seconds: float, stalled_after: float,
                    install_signals: bool, on_start: Callable[[], None]) -> None:
        from procrastinate.worker import Worker

        async with self.app.open_async():
            await self._ensure_schema_open()
            worker = Worker(self.app, name=name, concurrency=concurrency, install_signal_handlers=False,
                            update_heartbeat_interval=heartbeat_seconds, stalled_worker_timeout=stalled_after,
                            delete_jobs="successful", shutdown_graceful_timeout=None)
            loop = asyncio.get_running_loop()
            if install_signals:
                _stop_on_signals(lambda: loop.call_soon_threadsafe(worker.stop))
            watcher = asyncio.create_task(self._retry_stalled(stalled_after))
            on_start()
            try:
                await worker.run()  # type: ignore[no-untyped-call]
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    async def _retry_stalled(self, stalled_after: float) -> None:
        """Put back in the queue the jobs of workers whose heartbeat stopped (killed, crashed, cut off)."""
        manager = self.app.job_manager
        while True:
            await asyncio.sleep(max(1.0, stalled_after / 3))
            with contextlib.suppress(Exception):  # the database restarting: try again at the next round
                for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
                    await manager.retry_job(job)


def _stop_on_signals(stop: Callable[[], object]) -> None:
    """signal.signal, which every platform has (the event loop's add_signal_handler is POSIX-only)."""

    def handler(signum: int, frame: object) -> None:
        stop()

    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, handler)
