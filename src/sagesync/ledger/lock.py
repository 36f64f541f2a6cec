"""One run at a time per company: an OS lock on a file named after the company's identity.

The lock is keyed on the company (its embedded file, SQL database or .mae path,
``sagesync.sage.identity``), not on the profile: two profiles pointing at the
same company cannot run at once.

An OS-level lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows) is
released by the operating system when the holder dies, so a crashed run never
leaves a stale lock behind. Who holds it (company, process id, start time) is
written in a side file so the second run can say so.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import platform
import sys
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from sagesync.errors import LockHeldError
from sagesync.i18n import _


def _user() -> str:
    """Who runs this process, for the message a second run gets; empty when the OS will not say."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container, a service account without one)
        return ""


def _try_lock(handle: IO[bytes]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)  # msvcrt locks bytes from the current position
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle: IO[bytes]) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class CompanyLock:
    """``with CompanyLock(folder, "ACME", "pull invoices"):`` or raise LockHeldError, touching nothing."""

    def __init__(self, folder: Path, company: str, step: str, *, key: str = "", profile: str = "") -> None:
        name = f"company-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:20]}" if key else "sync"
        self.path = folder / f"{name}.lock"
        self.holder_path = folder / f"{name}.lock.json"
        self.company = company
        self.step = step
        self.profile = profile
        self._handle: IO[bytes] | None = None

    def holder(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.holder_path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
        if not _try_lock(handle):
            handle.close()
            holder = self.holder()
            pid = holder.get("pid", "?")
            who = _("{user} (process {pid})").format(user=holder["user"], pid=pid) if holder.get("user") else \
                _("process {pid}").format(pid=pid)
            by_profile = " " + _("(profile {profile})").format(profile=holder["profile"]) \
                if holder.get("profile") else ""
            raise LockHeldError(
                _("company {company} is busy: {step}{by_profile} started {started_at} by {who}; wait for it to "
                  "finish, then run again").format(
                    company=self.company, step=holder.get("step", _("a run")), by_profile=by_profile,
                    started_at=holder.get("started_at", _("(time unknown)")), who=who))
        self._handle = handle
        self.holder_path.write_text(json.dumps({
            "company": self.company, "profile": self.profile, "pid": os.getpid(), "user": _user(),
            "host": platform.node(), "step": self.step, "started_at": datetime.now().isoformat(timespec="seconds")}),
            encoding="utf-8")

    def release(self) -> None:
        if self._handle is None:
            return
        try:
            self.holder_path.unlink(missing_ok=True)
        finally:
            _unlock(self._handle)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> CompanyLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()
