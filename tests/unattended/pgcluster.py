"""A throwaway PostgreSQL cluster in a temporary folder, on a free loopback port (tests, CI, benchmarks).

Debian's server binaries (``/usr/lib/postgresql/<version>/bin``: initdb, pg_ctl) make a cluster
owned by the current user, or, when that is root (initdb refuses to run as root), by the
unprivileged ``nobody`` through ``runuser`` (or ``su``). Its unix sockets stay in the temporary
folder; clients connect over TCP on 127.0.0.1 as the ``postgres`` role (trust authentication: the
cluster lives as long as the test session, on loopback only).

    with PgCluster.start() as cluster:
        cluster.url  # postgresql://postgres@127.0.0.1:PORT/sagesync
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType


def server_binaries() -> Path | None:
    """The folder of Debian's initdb and pg_ctl (newest version), or one on PATH; None when there is none."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda text: int(text.split("/")[4]),
                         reverse=True):
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    if owner is None:
        return command
    if shutil.which("runuser"):
        return ["runuser", "-u", owner, "--", *command]
    return ["su", "-s", "/bin/sh", owner, "-c", " ".join(f"'{part}'" for part in command)]


class PgCluster:
    def __init__(self, folder: Path, port: int, binaries: Path, owner: str | None, database: str) -> None:
        self.folder, self.port, self.binaries, self.owner, self.database = folder, port, binaries, owner, database

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls, database: str = "sagesync") -> PgCluster:
        binaries = server_binaries()
        if binaries is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql")
        owner = "nobody" if os.geteuid() == 0 else None  # type: ignore[attr-defined,unused-ignore]
        folder = Path(tempfile.mkdtemp(prefix="sagesync-pg-"))
        if owner is not None:
            import pwd

            entry = pwd.getpwnam(owner)
            os.chown(folder, entry.pw_uid, entry.pw_gid)  # type: ignore[attr-defined,unused-ignore]
        data, log = folder / "data", folder / "server.log"
        run = dict(check=True, capture_output=True, text=True, cwd=folder)
        subprocess.run(_as_owner([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                  "-E", "UTF8", "--no-locale", "--no-sync"], owner), **run)  # type: ignore[call-overload]
        port = _free_port()
        options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=200")
        subprocess.run(_as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
                                  "-t", "60", "start"], owner), **run)  # type: ignore[call-overload]
        cluster = cls(folder, port, binaries, owner, database)
        cluster._create_database()
        return cluster

    def _create_database(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.admin_url(), autocommit=True) as connection:
                    connection.execute(f'CREATE DATABASE "{self.database}"')
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        subprocess.run(_as_owner([str(self.binaries / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",
                                  "-w", "stop"], self.owner), capture_output=True, check=False, cwd=self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PgCluster:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
