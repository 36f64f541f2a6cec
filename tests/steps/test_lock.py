"""One run per company: a second process is refused with who holds the lock, and touches nothing."""

from __future__ import annotations

import getpass
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sagesync.errors import LockHeldError
from sagesync.ledger.lock import CompanyLock

HOLDER = """
import sys, time
from pathlib import Path
from sagesync.ledger.lock import CompanyLock
with CompanyLock(Path(sys.argv[1]), "ACME", "pull invoices"):
    print("held", flush=True)
    time.sleep(30)
"""


def test_a_second_process_is_refused_with_the_company_pid_and_start_time(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeldError) as refused:
            CompanyLock(tmp_path, "ACME", "sync").acquire()
        message = str(refused.value)
        assert "ACME" in message and str(holder.pid) in message and "pull invoices" in message
        assert getpass.getuser() in message  # by whom
        assert refused.value.exit_code == 4
    finally:
        holder.kill()
        holder.wait()
    # The OS released the dead holder's lock: no stale lock to clean by hand.
    deadline = time.monotonic() + 5
    while True:
        try:
            with CompanyLock(tmp_path, "ACME", "sync"):
                break
        except LockHeldError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_the_lock_is_released_after_a_run_and_can_be_taken_again(tmp_path: Path) -> None:
    with CompanyLock(tmp_path, "ACME", "sync") as lock:
        assert lock.holder()["company"] == "ACME"
        with pytest.raises(LockHeldError):
            CompanyLock(tmp_path, "ACME", "sync").acquire()
    with CompanyLock(tmp_path, "ACME", "sync"):
        pass

