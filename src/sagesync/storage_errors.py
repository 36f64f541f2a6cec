"""Failures of the surroundings, turned into errors a person can act on.

A damaged or foreign SQLite file, a read-only or missing folder, a full disk, a
file where a folder is expected: the operating system and SQLite say it in their
own words (``OSError``, ``sqlite3.Error``, SQLAlchemy's ``DBAPIError``). Here
they become a ``SagesyncError`` that names the file and the fix:

- ``ConfigurationError`` (exit 2): the local file or folder must be fixed (damaged,
  foreign, read-only, full disk, in the way);
- ``UnreachableError`` (exit 3): the file is busy (``database is locked``) or a
  database server does not answer: try again later.

Use ``guard_storage`` around any code that opens, reads or writes a given file::

    with guard_storage(paths.ledger, "ledger", hint=LEDGER_HINT):
        engine = create_engine(...)
        ...

``storage_error(error, location, what)`` is the same classification as a function
(``None`` when the error is not about storage, e.g. an ``IntegrityError``, so the
caller re-raises it), and ``probe_sqlite`` tells whether a file is a readable
SQLite database holding some tables, without writing to it.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Collection, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from sagesync.errors import ConfigurationError, SagesyncError, UnreachableError
from sagesync.i18n import N_, _

__all__ = [
    "LEDGER_HINT",
    "guard_storage",
    "is_storage_error",
    "ledger_hint",
    "probe_sqlite",
    "storage_error",
]

Location = Path | str



def ledger_hint(profile: str = "NAME") -> str:
    """What to do about a damaged ledger, for the ledger's own ``guard_storage(..., hint=...)`` calls."""
    return _("then `{command}` reconstructs it from the company").format(
        command=f"sagesync ledger rebuild --profile {profile}")


LEDGER_HINT = "then `sagesync ledger rebuild --profile NAME` reconstructs it from the company"  # English; see below

# What callers call a file ("ledger") -> how a sentence names it: "the ledger", « le registre ».
SUBJECTS = {
    "ledger": N_("the ledger"), "demo ledger": N_("the demo ledger"), "profiles file": N_("the profiles file"),
    "Sage company": N_("the Sage company"), "new Sage company": N_("the new Sage company"),
    "demo Sage company": N_("the demo Sage company"), "Sage file": N_("the Sage file"),
    "data folder": N_("the data folder"), "database file": N_("the database file"), "file": N_("the file"),
    "check report (CSV)": N_("the check report (CSV)"), "check report (HTML)": N_("the check report (HTML)"),
    "FEC file": N_("the FEC file"), "FEC file to check": N_("the FEC file to check"),
    "FEC description file": N_("the FEC description file"),
}

_NOT_A_DATABASE = ("file is not a database", "file is encrypted or is not a database", "not a database",
                   "database disk image is malformed", "malformed database schema")
_FOREIGN = ("no such table", "no such column", "has no column named")
_FULL = ("database or disk is full", "disk is full", "no space left")
_READ_ONLY = ("attempt to write a readonly database", "readonly database", "read-only file system",
              "permission denied", "access is denied")
_CANNOT_OPEN = ("unable to open database file", "cannot open")
_BUSY = ("database is locked", "database table is locked", "database is busy")
_IO = ("disk i/o error", "i/o error")
_SQLITE_MESSAGES = (*_NOT_A_DATABASE, *_FOREIGN, *_FULL, *_READ_ONLY, *_CANNOT_OPEN, *_BUSY, *_IO)

_FULL_ERRNOS = frozenset(code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if code is not None)
_READ_ONLY_ERRNOS = frozenset((errno.EACCES, errno.EPERM, errno.EROFS))


def _describe(what: str, location: Location | None) -> str:
    """"the ledger /data/acme/ledger.sqlite" (or "the ledger" when the place is unknown)."""
    if what in SUBJECTS:
        noun = _(SUBJECTS[what])
    elif what and not what.startswith(("the ", "a ", "an ")):
        noun = _("the {what}").format(what=what)
    else:
        noun = what or _("a file")
    return f"{noun} {location}" if location is not None and str(location) else noun


def _with_hint(message: str, hint: str) -> str:
    if hint == LEDGER_HINT:
        hint = ledger_hint()  # translated now, not when the module was imported
    return f"{message}; {hint}" if hint else message


def _os_error(error: OSError, location: Location | None, what: str, hint: str) -> SagesyncError:
    subject = _describe(what, location)
    culprit = error.filename if error.filename not in (None, "") else location
    reason = error.strerror or type(error).__name__
    if isinstance(error, NotADirectoryError | FileExistsError):
        culprit = _file_in_the_way(Path(culprit)) if culprit is not None else culprit
        return ConfigurationError(
            _("cannot use {subject}: {culprit} is a file where a folder is expected. Move that file away, or point "
              "sagesync elsewhere (SAGESYNC_DATA_DIR / SAGESYNC_CONFIG_DIR, or the path in the profile)").format(
                subject=subject, culprit=culprit))
    if isinstance(error, IsADirectoryError):
        return ConfigurationError(_("{subject}: {culprit} is a folder, a file is expected: give the path of the file "
                                    "itself, or move the folder away").format(subject=subject, culprit=culprit))
    if isinstance(error, FileNotFoundError):
        return ConfigurationError(_with_hint(_(
            "{subject}: {culprit} does not exist: check the path (profile, command line or SAGESYNC_DATA_DIR / "
            "SAGESYNC_CONFIG_DIR)").format(subject=subject, culprit=culprit), hint))
    if error.errno in _FULL_ERRNOS:
        return _disk_full(subject)
    if isinstance(error, PermissionError) or error.errno in _READ_ONLY_ERRNOS:
        return _read_only(subject, culprit)
    return ConfigurationError(_("cannot read or write {subject} ({reason}): check that the disk or network share is "
                                "available and the file not damaged, then run again").format(
        subject=subject, reason=reason))


def _file_in_the_way(path: Path) -> Path:
    """The first file among ``path``'s folders (``a_file`` for ``a_file/sub/x``), else ``path``."""
    for folder in reversed(path.parents):
        try:
            if folder.exists() and not folder.is_dir():
                return folder
        except OSError:
            break
    return path


def _disk_full(subject: str) -> ConfigurationError:
    return ConfigurationError(_("the disk is full: cannot write {subject}. Free some space on that disk (or move "
                                "sagesync's data folder with SAGESYNC_DATA_DIR), then run again: nothing was "
                                "half-written").format(subject=subject))


def _read_only(subject: str, culprit: Location | None) -> ConfigurationError:
    return ConfigurationError(
        _("cannot write {subject}: {culprit} is read-only or not yours (permission denied). Give this user write "
          "access to the folder, or point sagesync at a folder it may write (SAGESYNC_DATA_DIR / "
          "SAGESYNC_CONFIG_DIR)").format(subject=subject, culprit=culprit))


def _database_message(error: BaseException) -> str:
    original = error.orig if isinstance(error, DBAPIError) else error
    return str(original).lower()


def _database_error(error: BaseException, location: Location | None, what: str, hint: str,
                    tables: Collection[str]) -> SagesyncError | None:
    message = _database_message(error)
    subject = _describe(what, location)
    if any(text in message for text in _NOT_A_DATABASE):
        return ConfigurationError(_with_hint(
            _("{subject} is not a SQLite database (damaged, or another kind of file): restore it from a backup or "
              "move it away").format(subject=subject), hint))
    if any(text in message for text in _FOREIGN):
        expected = f" ({', '.join(sorted(tables)[:6])}...)" if tables else ""
        return ConfigurationError(_with_hint(_(
            "{subject} is a SQLite database without sagesync's tables{expected}: it belongs to another application "
            "or another version ({message}). Point the profile at the right file, or move this one away").format(
            subject=subject, expected=expected, message=message), hint))
    if any(text in message for text in _FULL):
        return _disk_full(subject)
    if any(text in message for text in _READ_ONLY):
        return _read_only(subject, location)
    if any(text in message for text in _BUSY):
        return UnreachableError(_("{subject} is busy: another program holds it (Sage, a backup, another sagesync). "
                                  "Wait for it to finish, then run again").format(subject=subject))
    if any(text in message for text in _CANNOT_OPEN):
        return ConfigurationError(_("cannot open {subject}: its folder must exist and this user must be able to "
                                    "read and write it (check the path and the folder's permissions)").format(
            subject=subject))
    if any(text in message for text in _IO):
        return ConfigurationError(_("the disk failed while reading or writing {subject} (I/O error): check the disk "
                                    "or network share, then run again").format(subject=subject))
    if isinstance(error, DBAPIError) and not isinstance(error.orig, sqlite3.Error) and (
            error.connection_invalidated or type(error).__name__ in ("OperationalError", "InterfaceError")):
        return UnreachableError(_("cannot reach {subject}: {error}. Check that the database server answers from this "
                                  "machine and the login is right, then run again").format(
            subject=subject, error=type(error.orig).__name__))
    return None


def storage_error(error: BaseException, location: Location | None, what: str, *, hint: str = "",
                  tables: Collection[str] = ()) -> SagesyncError | None:
    """The classified error for ``error`` about ``location``, or None when it is not a storage failure.

    ``what`` names the file for a person ("ledger", "Sage company", "profiles file",
    "check report"); ``hint`` is appended to a damaged-file message (how to rebuild it);
    ``tables`` are the tables the file should hold (named when a foreign database is found).
    """
    if isinstance(error, SagesyncError):
        return error
    if isinstance(error, OSError):
        return _os_error(error, location, what, hint)
    if isinstance(error, sqlite3.Error | DBAPIError):
        return _database_error(error, location, what, hint, tables)
    return None


def is_storage_error(error: BaseException) -> bool:
    """True for the errors ``storage_error`` knows how to classify (OS and SQLite failures)."""
    if isinstance(error, OSError):
        return True
    if isinstance(error, sqlite3.Error | DBAPIError):
        return any(text in _database_message(error) for text in _SQLITE_MESSAGES)
    return False


@contextmanager
def guard_storage(location: Location, what: str, *, hint: str = "", tables: Collection[str] = ()) -> Iterator[None]:
    """Turn OS and database failures about ``location`` inside the block into a classified ``SagesyncError``.

    A ``SagesyncError`` passes through untouched; an error that is not about storage
    (an ``IntegrityError``, a bug) is re-raised as it is.
    """
    try:
        yield
    except SagesyncError:
        raise
    except (OSError, sqlite3.Error, DBAPIError) as error:
        classified = storage_error(error, location, what, hint=hint, tables=tables)
        if classified is None:
            raise
        raise classified from error


def probe_sqlite(path: Path, what: str, *, tables: Collection[str] = (), hint: str = "") -> SagesyncError | None:
    """Why ``path`` cannot serve as ``what`` (a SQLite file holding ``tables``), or None when it can.

    Opens the file read-only and never creates it: a missing file, a folder, a file
    that is not SQLite or a SQLite file without the tables gives the classified error.
    """
    try:
        if not path.exists():
            return ConfigurationError(_("{subject} does not exist: check the path").format(
                subject=_describe(what, path)))
        if path.is_dir():
            return storage_error(IsADirectoryError(errno.EISDIR, "Is a directory", str(path)), path, what)
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
            present = {str(row[0]) for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except (OSError, sqlite3.Error) as error:
        return storage_error(error, path, what, hint=hint, tables=tables) or ConfigurationError(
            _("{subject} cannot be read as a SQLite database ({error}): restore it from a backup or move it "
              "away").format(subject=_describe(what, path), error=error))
    missing = [table for table in tables if table not in present]
    if missing:
        return ConfigurationError(_with_hint(
            _("{subject} is a SQLite database without sagesync's tables ({tables} missing): it belongs to another "
              "application or another version. Point the profile at the right file, or move this one away").format(
                subject=_describe(what, path), tables=", ".join(missing[:6])), hint))
    return None
