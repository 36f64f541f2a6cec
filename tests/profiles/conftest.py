"""Profiles tests run on a temporary config and data folder and an in-memory keyring.

The user's real keyring and profiles are never touched: the keyring backend is
swapped for ``MemoryKeyring`` (a real ``keyring`` backend class, so the code
under test goes through ``keyring.get_password`` as in production) and every
``SAGESYNC_*`` variable is cleared.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from sagesync.profiles.model import defaults_table


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.passwords:
            raise PasswordDeleteError(username)
        del self.passwords[(service, username)]


def no_keyring() -> KeyringBackend:
    """keyring's own backend for "nothing available here", as on a headless server."""
    backend: KeyringBackend = keyring.backends.fail.Keyring()  # type: ignore[no-untyped-call]
    return backend


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def sagesync_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for variable in list(os.environ):
        if variable.startswith("SAGESYNC_"):
            monkeypatch.delenv(variable)
    monkeypatch.setenv("SAGESYNC_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SAGESYNC_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def acme_table(**overrides: Any) -> dict[str, Any]:
    """A complete profile table, as `profile new` writes it for a .mae company."""
    table = defaults_table()
    table.update(sage_company="ACME ARCHITECTES", period_start=date(2025, 1, 1),
                 sage_location="C:\\Sage\\ACME.mae")
    table["platform"] = {**table["platform"], "email": "compta@acme.fr", "organization_id": 12, "team_id": 34}
    table.update(overrides)
    return table
