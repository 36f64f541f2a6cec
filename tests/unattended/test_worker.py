"""Worker mode on a real PostgreSQL (a throwaway cluster) and Procrastinate: workers in subprocesses syncing
embedded Sage companies from the sandbox platform; one killed with kill -9 mid-run."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from sagesync.profiles.paths import data_dir
from sagesync.profiles.store import ProfileStore
from sagesync.sandbox.server import SandboxHandle, start_sandbox
from sagesync.unattended.queue import Queue, company_lock_key
from sagesync.unattended.state import StateStore
from tests.unattended.helpers import company_profile

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="kill -9 and Debian's PostgreSQL")


class Workers:
    def __init__(self, url: str, folder: Path) -> None:
        self.url, self.folder = url, folder
        self.processes: list[subprocess.Popen[str]] = []

    def start(self, name: str, *, stalled_after: float = 2.0) -> subprocess.Popen[str]:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "SAGESYNC_LANG": "en"}
        log = (self.folder / f"{name}.log").open("w", encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-c", "from sagesync.interfaces.cli.app import main; main()", "worker", "--queue-url",
             self.url, "--name", name, "--heartbeat-seconds", "0.5", "--stalled-after", str(stalled_after)],
            env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        self.processes.append(process)
        return process

    def output(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(encoding="utf-8")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def workers(queue_database: str, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(queue_database, tmp_path)
    yield pool
    pool.stop()


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def pieces(company: Path) -> tuple[int, int]:
    """(pieces of the sales journal, references held by more than one piece in any journal) in an embedded
    company: the invoices posted, and whether anything, a payment included, was posted twice."""
    with sqlite3.connect(company) as connection:
        count = connection.execute("select count(distinct EC_Piece) from F_ECRITUREC where JO_Num = 'VTE'"
                                   ).fetchone()[0]
        doubled = connection.execute("select count(*) from (select EC_Reference from F_ECRITUREC group by "
                                     "EC_Reference having count(distinct EC_Piece) > 1)").fetchone()[0]
    return int(count), int(doubled)


def finished(*profiles: str) -> bool:
    return all(StateStore().load(name).last is not None for name in profiles)


def test_two_workers_sync_many_companies_each_once_and_never_one_company_twice_at_once(
        sandbox: SandboxHandle, tmp_path: Path, workers: Workers) -> None:
    names = ["cab-a", "cab-b", "cab-c", "cab-d", "cab-e"]
    for name in names:
        company_profile(name, tmp_path, sandbox.base_url)
    bis = company_profile("cab-a-bis", tmp_path, sandbox.base_url, company="CAB-A", store=False)
    ProfileStore().add(bis.model_copy(update={"sage_location": f"embedded:{tmp_path / 'cab-a.sqlite'}"}))  # cab-a's
    profiles = [ProfileStore().get(name) for name in [*names, "cab-a-bis"]]
    assert company_lock_key(profiles[0]) == company_lock_key(profiles[-1])
    queue = Queue(workers.url)
    assert queue.ensure_schema() is True and queue.ensure_schema() is False
    queued = dict(queue.enqueue(profiles))
    assert all(job is not None for name, job in queued.items() if name != "cab-a-bis")
    assert queued["cab-a-bis"] is None  # its company is already waiting: the queueing lock
    assert dict(queue.enqueue(profiles[:2])) == {"cab-a": None, "cab-b": None}  # schedules never pile up
    workers.start("w1")
    workers.start("w2")
    wait_for(lambda: finished(*names), 180, "every company synced")
    outcomes = {name: StateStore().load(name).last for name in names}
    for name in names:
        outcome = outcomes[name]
        assert outcome is not None and outcome.status == "blocked" and outcome.posted > 200, (name, outcome)
        assert pieces(tmp_path / f"{name}.sqlite") == (outcome.posted, 0)
    ran = {worker: sum(f"{name}:" in workers.output(worker) for name in names) for worker in ("w1", "w2")}
    assert sum(ran.values()) == len(names) and all(ran.values()), ran
    # One company, three jobs at once (two deferred with its lock alone, one through enqueue with its queueing
    # lock too), two workers free: they run one after the other, never together, never "busy".
    workers.stop()
    cab_a = ProfileStore().get("cab-a")

    async def defer_with_the_lock_only() -> None:
        async with queue.app.open_async():
            for _ in range(2):
                await queue.sync_task.configure(lock=company_lock_key(cab_a),
                                                task_kwargs={"profile": "cab-a", "trigger": "manual"}).defer_async()

    asyncio.run(defer_with_the_lock_only())
    assert dict(queue.enqueue([cab_a]))["cab-a"] is not None
    assert dict(queue.enqueue([ProfileStore().get("cab-a-bis")])) == {"cab-a-bis": None}  # its company is waiting

    def idle() -> bool:
        with psycopg.connect(workers.url) as connection:
            row = connection.execute("select count(*) from procrastinate_jobs where status in ('todo', 'doing') "
                                     "and task_name = 'sagesync.sync'").fetchone()
        return row is not None and row[0] == 0

    workers.start("w3")
    workers.start("w4")
    wait_for(idle, 180, "the three runs of company cab-a")
    runs = StateStore().load("cab-a").history[:3]
    assert [run["status"] for run in runs] == ["blocked"] * 3 and [run["posted"] for run in runs] == [0, 0, 0]
    spans = sorted((run["started_at"], run["finished_at"]) for run in runs)
    assert all(spans[index][1] <= spans[index + 1][0] for index in range(2)), spans  # one after the other
    assert pieces(tmp_path / "cab-a.sqlite") == (outcomes["cab-a"].posted, 0)  # type: ignore[union-attr]


def test_a_worker_killed_mid_run_its_job_is_retried_by_another_and_nothing_is_posted_twice(
        tmp_path: Path, workers: Workers) -> None:
    with start_sandbox(latency=0.3) as slow:  # over ten seconds of reading: time to kill the worker mid-run
        reference = company_profile("reference", tmp_path, slow.base_url)
        victim = company_profile("victim", tmp_path, slow.base_url)
        queue = Queue(workers.url)
        queue.ensure_schema()
        queue.enqueue([victim])
        first = workers.start("w-first", stalled_after=2.0)
        holder = data_dir() / "locks"
        wait_for(lambda: holder.is_dir() and any(holder.glob("*.lock.json")), 60, "the first worker to start the run")
        time.sleep(2.5)  # reading the platform: the run is well under way, nothing is finished
        assert first.poll() is None and StateStore().load("victim").last is None  # mid-run
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        with psycopg.connect(workers.url) as connection:
            (status,) = connection.execute("select status from procrastinate_jobs where task_name = 'sagesync.sync'"
                                           ).fetchone()  # type: ignore[misc]
        assert status == "doing"  # the dead worker's job, still holding its company's lock
        workers.start("w-second", stalled_after=2.0)
        wait_for(lambda: finished("victim"), 180, "the second worker to run the job again")
        from sagesync.unattended.runner import Runner

        expected = Runner().run(reference).outcome.posted  # the same firm synced once, undisturbed
    outcome = StateStore().load("victim").last
    assert outcome is not None and outcome.status == "blocked", outcome
    assert "victim:" in workers.output("w-second")
    count, doubled = pieces(tmp_path / "victim.sqlite")
    assert doubled == 0 and count == expected > 200  # nothing posted twice, nothing lost
    with psycopg.connect(workers.url) as connection:
        rows = connection.execute("select status, attempts from procrastinate_jobs where task_name = 'sagesync.sync'"
                                  ).fetchall()
    assert rows in ([], [("succeeded", 1)])


def test_the_schedule_tick_queues_due_companies_once_in_their_time_zone(
        sandbox: SandboxHandle, tmp_path: Path, queue_database: str) -> None:
    import asyncio

    company_profile("night", tmp_path, sandbox.base_url, schedule={"every": "daily", "at": "02:00"})
    company_profile("later", tmp_path, sandbox.base_url, schedule={"every": "daily", "at": "03:00"})
    company_profile("manual", tmp_path, sandbox.base_url)
    queue = Queue(queue_database)
    queue.ensure_schema()
    two_in_paris = datetime(2025, 6, 11, 0, 0, 30, tzinfo=UTC)  # 02:00:30 in Paris (summer)

    async def tick(now: datetime) -> None:
        async with queue.app.open_async():
            await queue._tick(now)

    asyncio.run(tick(two_in_paris))
    asyncio.run(tick(two_in_paris + timedelta(seconds=1)))  # a second tick at once: no second job
    with psycopg.connect(queue_database) as connection:
        rows = connection.execute("select args->>'profile', args->>'trigger', lock, queueing_lock "
                                  "from procrastinate_jobs where task_name = 'sagesync.sync'").fetchall()
    assert len(rows) == 1 and rows[0][:2] == ("night", "schedule")
    assert rows[0][2].startswith("company:") and rows[0][3] == f"sync:{rows[0][2]}"
