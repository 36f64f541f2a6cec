"""Broken surroundings through the `sagesync` command: exit 2 naming the file and the fix, never a traceback.

We run as root in CI, where chmod does not stop a write: a read-only data folder is
simulated by a data folder under a regular file (NotADirectoryError) and by a
monkeypatched PermissionError.
"""

from __future__ import annotations

import errno
import json
import os
import random
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sagesync.interfaces.cli import failures
from sagesync.interfaces.cli.app import app
from sagesync.profiles.model import Profile, defaults_table
from sagesync.profiles.store import ProfileStore
from sagesync.sage.company import init_company

runner = CliRunner()


@pytest.fixture
def profile_on_a_company(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Profile ``acme`` on an embedded company at ``tmp_path / company.sqlite``; the company's path."""
    company = tmp_path / "company.sqlite"
    init_company(company, "ACME").dispose()
    table = defaults_table()
    table.update({"sage_company": "ACME", "sage_location": f"embedded:{company}", "sage_target": "embedded",
                  "period_start": "2025-01-01"})
    table["platform"] = {"email": "compta@acme.fr", "base_url": "http://127.0.0.1:9/api/"}
    ProfileStore().add(Profile.from_table("acme", table))
    monkeypatch.setenv("SAGESYNC_ACME_PLATFORM_PASSWORD", "not-used")  # the company fails before any request
    return company


def no_traceback(result: Any) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


def json_error(result: Any) -> dict[str, Any]:
    payload = json.loads(result.stdout)
    error: dict[str, Any] = payload["error"]
    assert set(error) == {"code", "message", "exit_code"}
    assert error["exit_code"] == result.exit_code
    return error


def damage(path: Path) -> None:
    path.write_bytes(random.Random(3).randbytes(8192))


@pytest.mark.parametrize("command", [["check"], ["status"]])
def test_a_corrupted_company_file_is_exit_2_naming_it(profile_on_a_company: Path, command: list[str]) -> None:
    damage(profile_on_a_company)
    result = runner.invoke(app, [*command, "--profile", "acme"])
    no_traceback(result)
    if command == ["status"]:  # status reads the ledger only: the company is not its business
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    assert str(profile_on_a_company) in result.output.replace("\n", "")
    assert "not a SQLite database" in result.output
    as_json = runner.invoke(app, [*command, "--profile", "acme", "--json"])
    no_traceback(as_json)
    error = json_error(as_json)
    assert error["code"] == "configuration" and str(profile_on_a_company) in error["message"]
    assert "restore it from a backup" in error["message"]


def test_a_corrupted_ledger_names_the_ledger_and_how_to_rebuild_it(profile_on_a_company: Path,
                                                                   sagesync_folders: Path) -> None:
    ledger = sagesync_folders / "data" / "acme" / "ledger.sqlite"
    ledger.parent.mkdir(parents=True)
    damage(ledger)
    result = runner.invoke(app, ["status", "--profile", "acme", "--json"])
    no_traceback(result)
    assert result.exit_code == 2
    error = json_error(result)
    assert str(ledger) in error["message"] and "ledger rebuild --profile acme" in error["message"]


def test_another_applications_sqlite_as_ledger_is_named(profile_on_a_company: Path, sagesync_folders: Path) -> None:
    ledger = sagesync_folders / "data" / "acme" / "ledger.sqlite"
    ledger.parent.mkdir(parents=True)
    with closing(sqlite3.connect(ledger)) as connection:
        connection.execute("CREATE TABLE songs (title TEXT)")
        connection.commit()
    result = runner.invoke(app, ["status", "--profile", "acme"])
    no_traceback(result)
    assert result.exit_code == 2
    assert "without sagesync's tables" in result.output and "ledger.sqlite" in result.output


def test_a_data_folder_under_a_file_is_exit_2_naming_the_file(profile_on_a_company: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("SAGESYNC_DATA_DIR", str(blocker / "sub"))
    for command in (["check", "--profile", "acme"], ["status", "--profile", "acme"]):
        result = runner.invoke(app, command)
        no_traceback(result)
        assert result.exit_code == 2, result.output
        flat = result.output.replace("\n", "")
        assert f"{blocker} is a file where a folder is expected" in flat and "SAGESYNC_DATA_DIR" in flat
        error = json_error(runner.invoke(app, [*command, "--json"]))
        assert error["code"] == "configuration" and str(blocker) in error["message"]


def test_a_read_only_data_folder_is_exit_2_with_the_fix(profile_on_a_company: Path, sagesync_folders: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    data = sagesync_folders / "data"

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)  # what a chmod 0o500 folder does to a non-root user
    result = runner.invoke(app, ["check", "--profile", "acme", "--json"])
    no_traceback(result)
    assert result.exit_code == 2
    error = json_error(result)
    assert str(data) in error["message"] and "permission denied" in error["message"]
    assert "write access" in error["message"]


def test_a_full_disk_is_exit_2(profile_on_a_company: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "mkdir", full)
    result = runner.invoke(app, ["check", "--profile", "acme"])
    no_traceback(result)
    assert result.exit_code == 2
    assert "the disk is full" in result.output and "Free some space" in result.output


@pytest.mark.parametrize("text", [
    "[profiles.acme\nsage_company = ",  # bad TOML
    "a = " + "[" * 5000 + "]" * 5000 + "\n",  # nested thousands deep: RecursionError in tomllib
    '[profiles.acme]\nsales_journal = [1, 2]\nperiod_start = "yesterday"\n',  # wrong types
])
def test_an_unparseable_profile_file_is_exit_2_naming_it(text: str, sagesync_folders: Path) -> None:
    path = sagesync_folders / "config" / "profiles.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    for command in (["check", "--profile", "acme"], ["profile", "show", "acme"], ["profile", "list"]):
        result = runner.invoke(app, command)
        no_traceback(result)
        if command == ["profile", "list"] and "sales_journal" in text:
            continue  # list shows the broken profile as a line of its own
        assert result.exit_code == 2, (command, result.output)
        flat = result.output.replace("\n", "")
        assert str(path) in flat or "profiles.acme" in flat
    error = json_error(runner.invoke(app, ["check", "--profile", "acme", "--json"]))
    assert error["code"] == "configuration"


def test_company_init_under_a_file_is_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["company", "init", str(blocker / "sub" / "company.sqlite")])
    no_traceback(result)
    assert result.exit_code == 2
    assert f"{blocker} is a file where a folder is expected" in result.output.replace("\n", "")


def test_an_unexpected_error_is_an_internal_error_with_a_log_never_a_traceback(
        profile_on_a_company: Path, sagesync_folders: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(self: ProfileStore, name: str) -> Profile:
        raise KeyError("a bug")

    monkeypatch.setattr(ProfileStore, "get", bug)
    result = runner.invoke(app, ["check", "--profile", "acme"])
    no_traceback(result)
    assert result.exit_code == failures.EXIT_INTERNAL == 70
    assert "internal error (KeyError)" in result.output
    (log,) = (sagesync_folders / "data" / "logs").iterdir()
    assert str(log) in result.output.replace("\n", "")
    assert "Traceback" in log.read_text(encoding="utf-8") and "a bug" in log.read_text(encoding="utf-8")
    error = json_error(runner.invoke(app, ["status", "--profile", "acme", "--json"]))
    assert error["code"] == "internal" and error["exit_code"] == 70


def test_the_log_goes_to_the_temporary_folder_when_the_data_folder_refuses_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("SAGESYNC_DATA_DIR", str(blocker))
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path / "tmp"))
    log = failures.write_internal_log(RuntimeError("boom"), "check")
    assert log is not None and log.parent == tmp_path / "tmp" and os.path.getsize(log) > 0
