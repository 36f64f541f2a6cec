"""Which company a Sage location names: the key that locks it and binds a ledger to it.

Two profiles may name one company differently (a relative and an absolute path, a
server name in another case): the key is the location resolved and normalised,
never the profile's name nor the company's display name, which users change.
Credentials never enter it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


def _file_key(kind: str, path: Path) -> str:
    # normcase: C:\\Sage\\ACME.MAE and c:\\sage\\acme.mae are one file on Windows
    return f"{kind}:{os.path.normcase(str(path.expanduser().resolve()))}"


def company_key(location: str, embedded_path: Path | None = None) -> str:
    """``embedded:/abs/company.sqlite``, ``mssql://host:port/database`` or ``mae:/abs/ACME.mae``."""
    if embedded_path is not None:
        return _file_key("embedded", embedded_path)
    text = location.strip()
    if text.lower().startswith("mssql"):
        try:
            url = make_url(text)
        except ArgumentError:
            return f"mssql:{text.lower()}"
        host = (url.host or "").lower()
        port = f":{url.port}" if url.port else ""
        if not host and url.query.get("odbc_connect"):
            # a raw ODBC string may hold a password: only its digest enters the key
            digest = hashlib.sha256(str(url.query["odbc_connect"]).lower().encode("utf-8")).hexdigest()[:20]
            return f"mssql:odbc-{digest}"
        return f"mssql://{host}{port}/{(url.database or '').lower()}"
    return _file_key("mae", Path(text))
