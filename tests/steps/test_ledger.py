"""The ledger of record keeps its own schema version."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from sagesync.errors import ConfigurationError
from sagesync.ledger.schema import ledger_info
from sagesync.ledger.store import Ledger


def test_a_ledger_from_a_newer_sagesync_is_refused_untouched(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite")
    with ledger.engine.begin() as connection:
        connection.execute(update(ledger_info).values(value="99"))
    ledger.dispose()
    with pytest.raises(ConfigurationError, match="newer sagesync"):
        Ledger(tmp_path / "ledger.sqlite")
