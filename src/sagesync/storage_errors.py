"""Placeholder replaced by the storage-error guard (branch wip-junk)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.exc import DatabaseError

from sagesync.errors import ConfigurationError


@contextmanager
def guard_storage(path: Path, what: str) -> Iterator[None]:
    try:
        yield
    except (DatabaseError, sqlite3.DatabaseError) as error:
        raise ConfigurationError(f"the {what} file {path} cannot be read as a database ({error}): restore it "
                                 "from a backup or move it away") from None
    except OSError as error:
        raise ConfigurationError(f"the {what} file {path} cannot be written ({error.strerror}): "
                                 "check the folder's permissions and free space") from None
