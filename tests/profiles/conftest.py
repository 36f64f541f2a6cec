"""Profiles tests run on a temporary config and data folder and an in-memory keyring.

The user's real keyring and profiles are never touched: the keyring backend is
swapped for ``MemoryKeyring`` (a real ``keyring`` backend class, so the code
under test goes through ``keyring.get_password`` as in production) and every
``SAGESYNC_*`` variable is cleared.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import keyring
import keyring.backends.fail
from keyring.backend import KeyringBackend

from sagesync.profiles.model import defaults_table
from tests.sources.netguard import loopback_only

__all__ = ["loopback_only"]


def no_keyring() -> KeyringBackend:
    """keyring's own backend for "nothing available here", as on a headless server."""
    backend: KeyringBackend = keyring.backends.fail.Keyring()  # type: ignore[no-untyped-call]
    return backend

def acme_table(**overrides: Any) -> dict[str, Any]:
    """A complete profile table, as `profile new` writes it for a .mae company."""
    table = defaults_table()
    table.update(sage_company="ACME ARCHITECTES", period_start=date(2025, 1, 1),
                 sage_location="C:\\Sage\\ACME.mae")
    table["platform"] = {**table["platform"], "email": "compta@acme.fr", "organization_id": 12, "team_id": 34}
    table.update(overrides)
    return table
