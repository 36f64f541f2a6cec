"""`sagesync serve` and `sagesync schedule`: real syncs of embedded companies against the sandbox platform,
the clock given by the test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from sagesync.interfaces.cli.app import app
from sagesync.jobs import company_lock
from sagesync.sandbox.server import SandboxHandle
from sagesync.unattended.outcome import Outcome
from sagesync.unattended.runner import Runner
from sagesync.unattended.serve import Server
from sagesync.unattended.state import StateStore
from tests.unattended.helpers import company_profile

PARIS = ZoneInfo("Europe/Paris")
runner = CliRunner()


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_a_due_profile_runs_once_its_outcome_is_kept_and_nothing_runs_before_its_time(
        sandbox: SandboxHandle, tmp_path: Path) -> None:
    company_profile("acme", tmp_path, sandbox.base_url, schedule={"every": "daily", "at": "02:00"})
    company_profile("hourly", tmp_path, sandbox.base_url, schedule={"every": "hourly", "at": ":30"})
    company_profile("manual", tmp_path, sandbox.base_url)  # no schedule: never run by the server
    clock = Clock(datetime(2025, 6, 11, 1, 59, tzinfo=PARIS))
    server = Server(Runner(clock=clock))
    assert server.tick() == []  # 01:59: nothing due
    assert server.next_wake(clock()) == datetime(2025, 6, 11, 2, 0, tzinfo=PARIS)
    clock.now = datetime(2025, 6, 11, 2, 0, 5, tzinfo=PARIS)
    (result,) = server.tick()
    outcome = result.outcome
    assert (outcome.profile, outcome.status) == ("acme", "blocked")  # the sample firm plants mistakes
    assert outcome.posted > 200 and outcome.to_fix >= 4 and outcome.events == ("blocked",)
    assert all(problem.fix for problem in outcome.problems)
    assert server.tick() == []  # done for tonight
    clock.now = datetime(2025, 6, 11, 2, 31, tzinfo=PARIS)
    (hourly,) = server.tick()
    assert hourly.outcome.profile == "hourly"
    clock.now = datetime(2025, 6, 12, 2, 0, 1, tzinfo=PARIS)
    again = {result.outcome.profile: result.outcome for result in server.tick()}
    assert set(again) == {"acme", "hourly"}  # the next night, and hourly's 02:30 missed... once
    assert again["acme"].posted == 0  # nothing posted twice
    state = StateStore().load("acme")
    assert state.last is not None and state.last.started_at == datetime(2025, 6, 12, 2, 0, 1, tzinfo=PARIS)
    assert state.last_success_at is not None and len(state.history) == 2
    assert StateStore().load("manual").last is None


def test_missed_runs_are_caught_up_once_at_start_and_a_busy_company_is_tried_again(
        sandbox: SandboxHandle, tmp_path: Path) -> None:
    profile = company_profile("acme", tmp_path, sandbox.base_url, schedule={"every": "daily", "at": "02:00"})
    clock = Clock(datetime(2025, 6, 11, 1, 0, tzinfo=PARIS))
    first = Server(Runner(clock=clock))
    assert first.tick() == []  # a new schedule starts from now
    clock.now = datetime(2025, 6, 11, 2, 0, 5, tzinfo=PARIS)
    assert len(first.tick()) == 1  # a first run, the night of the 11th
    clock.now = datetime(2025, 6, 14, 9, 0, tzinfo=PARIS)  # the machine was off for three nights
    server = Server(Runner(clock=clock))
    with company_lock(profile, "sync"):  # someone runs it by hand right now
        (busy,) = server.tick()
    assert busy.outcome.status == "busy" and "busy" in busy.outcome.error
    assert server.tick() == []  # not hammered
    clock.now += timedelta(minutes=5)
    (caught_up,) = server.tick()
    assert caught_up.outcome.status == "blocked" and caught_up.outcome.posted == 0
    assert server.tick() == []  # three missed nights make one run
    fresh = Server(Runner(clock=clock), catch_up=False)
    assert fresh.tick() == []


def test_run_forever_sleeps_until_the_next_run_and_stops_when_asked(sandbox: SandboxHandle, tmp_path: Path) -> None:
    company_profile("acme", tmp_path, sandbox.base_url, schedule={"every": "daily", "at": "02:00"})
    clock = Clock(datetime(2025, 6, 11, 1, 58, tzinfo=PARIS))
    slept: list[float] = []
    results: list[str] = []

    def sleep(seconds: float) -> bool:
        slept.append(seconds)
        clock.now += timedelta(seconds=seconds)
        if clock.now > datetime(2025, 6, 11, 2, 5, tzinfo=PARIS):
            server.stop()
        return False

    server = Server(Runner(clock=clock), on_result=lambda result: results.append(result.outcome.profile))
    server.run_forever(sleep=sleep)
    assert results == ["acme"] and server.stopping
    assert max(slept) <= 1.0  # short steps: a stop is seen within a second


def test_sagesync_schedule_lists_next_runs_and_the_last_one_in_french(sandbox: SandboxHandle, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    company_profile("acme", tmp_path, sandbox.base_url,
                    schedule={"every": "daily", "at": "02:00", "weekdays": ["lun", "mar", "mer", "jeu", "ven"]})
    company_profile("manual", tmp_path, sandbox.base_url)
    result = runner.invoke(app, ["schedule", "--json", "--count", "2"])
    assert result.exit_code == 0, result.output
    rows = {row["profile"]: row for row in json.loads(result.stdout)}
    assert len(rows["acme"]["next_runs"]) == 2 and rows["manual"]["next_runs"] == []
    first = datetime.fromisoformat(rows["acme"]["next_runs"][0])
    assert first > datetime.now(UTC) and f"{first.astimezone(PARIS):%H:%M}" == "02:00"
    assert first.astimezone(PARIS).weekday() < 5
    monkeypatch.setenv("SAGESYNC_LANG", "fr")
    text = runner.invoke(app, ["schedule"], env={"COLUMNS": "200"})
    assert text.exit_code == 0, text.output
    assert "du lundi au vendredi à 02:00 (Europe/Paris)" in text.stdout
    assert "Planifications" in text.stdout


def test_serve_once_runs_what_was_missed_and_exits(sandbox: SandboxHandle, tmp_path: Path) -> None:
    company_profile("acme", tmp_path, sandbox.base_url, schedule={"every": "hourly", "at": ":00"})
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    StateStore().record(Outcome("acme", "ACME", two_hours_ago, two_hours_ago, "ok"))
    result = runner.invoke(app, ["serve", "--once"])
    assert result.exit_code == 0, result.output
    assert "acme:" in result.stdout and "documents to fix" in result.stdout
    last = StateStore().load("acme").last
    assert last is not None and last.started_at > two_hours_ago and last.posted > 200


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGTERM the POSIX way")
def test_serve_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "SAGESYNC_CONFIG_DIR": str(tmp_path / "config"), "SAGESYNC_DATA_DIR": str(tmp_path / "data"),
           "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen([sys.executable, "-c", "from sagesync.interfaces.cli.app import main; main()",
                                "--lang", "en", "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "sagesync serve" in line
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Stopped." in out and "Traceback" not in err
