"""No traceback, ever: what the `sagesync` command says when a command fails.

Every command is wrapped (``guard_commands``) so that whatever escapes it ends as
one message and an exit code, in JSON when ``--json`` was asked:

- a ``SagesyncError``: its message and exit code (2 configuration, 3 unreachable, 4 lock held);
- an ``OSError`` or a SQLite error that escaped: classified by ``sagesync.storage_errors``
  (exit 2 naming the file and the fix; 3 for a busy file). When the error does not name
  its file, the files the command works on (the profile's ledger and company, a path
  argument) are probed read-only to find the damaged one;
- anything else: ``internal error``, exit 70, and the traceback written to a log file
  (in the data folder, else the temporary folder) whose path is given.

With ``--json`` the answer on stdout is ``{"error": {"code", "message", "exit_code"}}``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from typer.exceptions import TyperException

from sagesync import __version__
from sagesync.errors import ConfigurationError, LockHeldError, SagesyncError, UnreachableError
from sagesync.i18n import _
from sagesync.storage_errors import LEDGER_HINT, is_storage_error, ledger_hint, probe_sqlite, storage_error

EXIT_INTERNAL = 70  # EX_SOFTWARE (sysexits.h): a bug in sagesync, never the user's data
LOG_FOLDER_NAME = "logs"

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class StorageFile:
    """A file a command works on, probed when a storage error escaped without naming its file."""

    path: Path
    what: str
    tables: tuple[str, ...] = ()
    hint: str = ""


def error_code(error: SagesyncError) -> str:
    """The JSON ``code`` of an error: its family, stable across messages."""
    if isinstance(error, LockHeldError):
        return "lock_held"
    if isinstance(error, UnreachableError):
        return "unreachable"
    if isinstance(error, ConfigurationError):
        return "configuration"
    return "error"


def print_failure(code: str, message: str, exit_code: int, *, as_json: bool) -> None:
    if as_json:
        payload = {"error": {"code": code, "message": message, "exit_code": exit_code}}
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return
    Console(stderr=True).print(f"[red]{_('error:')}[/] {escape(message)}", soft_wrap=True)


# --- which files a command works on -----------------------------------------------------------


def _ledger_tables() -> tuple[str, ...]:
    try:
        from sagesync.ledger.schema import metadata
    except Exception:  # the ledger is being rewritten: probing without its tables still finds a damaged file
        return ()
    return tuple(sorted(table.name for table in metadata.tables.values()))


def _company_tables() -> tuple[str, ...]:
    from sagesync.sage.company import COMPANY_TABLES

    return COMPANY_TABLES


def _profile_files(name: str) -> Iterator[StorageFile]:
    from sagesync.profiles.paths import profile_paths
    from sagesync.profiles.store import ProfileStore

    try:
        yield StorageFile(profile_paths(name).ledger, "ledger", _ledger_tables(), ledger_hint(name))
    except SagesyncError:
        return
    try:
        company = ProfileStore().get(name).embedded_company_path()
    except Exception:
        return
    if company is not None:
        yield StorageFile(company, "Sage company", _company_tables())


def command_files(arguments: dict[str, Any]) -> list[StorageFile]:
    """The files of a command's arguments: the profile's ledger and company, path arguments."""
    files: list[StorageFile] = []
    profile = arguments.get("profile") or arguments.get("name")
    if isinstance(profile, str) and profile:
        files.extend(_profile_files(profile))
    for key, value in arguments.items():
        if isinstance(value, Path):
            if key == "workspace":  # `sagesync demo`
                files.append(StorageFile(value / "company.sqlite", "demo Sage company", _company_tables()))
                files.append(StorageFile(value / "data" / "demo" / "ledger.sqlite", "demo ledger", _ledger_tables(),
                                         LEDGER_HINT))
            else:
                files.append(StorageFile(value, key.replace("_", " ")))
    return files


# --- classification ---------------------------------------------------------------------------


def _sqlite_files(files: list[StorageFile]) -> list[StorageFile]:
    return [file for file in files if file.path.suffix.lower() in (".sqlite", ".sqlite3", ".db") or file.tables]


def classify_escaped(error: BaseException, files: list[StorageFile]) -> SagesyncError | None:
    """The classified error for an OS or database error that escaped a command, or None."""
    if not is_storage_error(error):
        return None
    if isinstance(error, OSError):
        named = Path(str(error.filename)) if error.filename not in (None, "") else None
        for file in files:
            if named == file.path or (named is not None and named in file.path.parents):
                what = file.what if named == file.path else f"folder of the {file.what}"
                return storage_error(error, named, what, hint=file.hint)
        return storage_error(error, named, "file")
    candidates = _sqlite_files(files)
    for file in candidates:  # the damaged or foreign one, when the error does not say which
        try:
            problem = probe_sqlite(file.path, file.what, tables=file.tables, hint=file.hint)
        except Exception:
            continue
        if problem is not None:
            return problem
    if len(candidates) == 1:
        return storage_error(error, candidates[0].path, candidates[0].what, hint=candidates[0].hint)
    shown = " or ".join(f"the {file.what} {file.path}" for file in candidates)
    return storage_error(error, shown or None, "" if shown else "database file")


# --- internal errors --------------------------------------------------------------------------


def _log_folders() -> list[Path]:
    from sagesync.profiles.paths import data_dir

    folders = [Path(tempfile.gettempdir())]
    with contextlib.suppress(Exception):  # no data folder known: the temporary folder will do
        folders.insert(0, data_dir() / LOG_FOLDER_NAME)
    return folders


def write_internal_log(error: BaseException, command: str) -> Path | None:
    """The traceback of ``error`` in a new log file; its path, or None when no folder would take it."""
    stamp = datetime.now()
    text = (f"sagesync {__version__}, Python {sys.version.split()[0]}, {sys.platform}\n"
            f"{stamp:%Y-%m-%d %H:%M:%S}, command: sagesync {command}\n\n"
            + "".join(traceback.format_exception(error)))
    name = f"internal-error-{stamp:%Y%m%d-%H%M%S}-{os.getpid()}.log"
    for folder in _log_folders():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8")
            return path
        except Exception:
            continue
    return None


def report_internal(error: BaseException, command: str, *, as_json: bool) -> int:
    log = write_internal_log(error, command)
    where = (_("the details are in {log}").format(log=log) if log is not None
             else _("no log file could be written"))
    message = _("internal error ({error}) in `sagesync {command}`: this is a bug in sagesync, not a problem with "
                "your data; {where}. Please send that file to support.").format(
        error=type(error).__name__, command=command, where=where)
    print_failure("internal", message, EXIT_INTERNAL, as_json=as_json)
    return EXIT_INTERNAL


def report(error: BaseException, *, command: str, arguments: dict[str, Any], as_json: bool) -> int:
    """Print ``error`` as a person (or a JSON reader) should see it; the exit code."""
    classified: SagesyncError | None
    if isinstance(error, SagesyncError):
        classified = error
    else:
        try:
            classified = classify_escaped(error, command_files(arguments))
        except Exception:  # the diagnosis must never be what fails
            classified = storage_error(error, None, "file") if is_storage_error(error) else None
    if classified is None:
        return report_internal(error, command, as_json=as_json)
    print_failure(error_code(classified), str(classified), classified.exit_code, as_json=as_json)
    return classified.exit_code


# --- wrapping every command -------------------------------------------------------------------

_PASS_THROUGH = (typer.Exit, typer.Abort, TyperException)  # typer's own: exit codes, usage errors, Ctrl+C


def guarded(command: Callable[P, R], name: str = "") -> Callable[P, R]:
    """``command`` reporting every failure as one message and an exit code (see the module)."""
    if getattr(command, "__sagesync_guarded__", False):
        return command
    shown = name or command.__name__.replace("_", "-")

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except _PASS_THROUGH:
            raise
        except Exception as error:  # RecursionError and MemoryError included
            code = report(error, command=shown, arguments=dict(kwargs), as_json=bool(kwargs.get("as_json")))
            raise typer.Exit(code) from None

    wrapper.__sagesync_guarded__ = True  # type: ignore[attr-defined]
    return wrapper


def guard_commands(app: typer.Typer, prefix: str = "") -> None:
    """Wrap every command of ``app`` and of its sub-apps with ``guarded`` (idempotent)."""
    for info in app.registered_commands:
        if info.callback is not None:
            name = info.name or info.callback.__name__.replace("_", "-")
            info.callback = guarded(info.callback, f"{prefix}{name}")
    for group in app.registered_groups:
        if group.typer_instance is not None:
            guard_commands(group.typer_instance, f"{prefix}{group.name} " if group.name else prefix)
