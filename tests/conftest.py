"""Every test runs on a temporary config and data folder and an in-memory keyring.

The user's real keyring and profiles are never touched: the keyring backend is
swapped for ``MemoryKeyring`` (a real ``keyring`` backend class, so the code
under test goes through ``keyring.get_password`` as in production) and every
``SAGESYNC_*`` variable is cleared.

The product speaks French by default; the existing suite asserts the English texts (the msgids),
so every test runs with ``SAGESYNC_LANG=en`` unless it says otherwise (``monkeypatch.setenv
("SAGESYNC_LANG", "fr")`` or ``sagesync.i18n.language("fr")``), and a language chosen with
``--lang`` / ``set_language`` never leaks into the next test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from sagesync import i18n
from tests.fakes import MemoryKeyring


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
    monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "en")  # the existing tests read English; French tests set "fr"
    return tmp_path


@pytest.fixture(autouse=True)
def no_language_leak() -> Iterator[None]:
    """``--lang`` and ``set_language`` set the process's language: back to the variable after each test."""
    i18n.set_language(None)
    yield
    i18n.set_language(None)
