"""The public Python API is pinned: a change to it is a decision, not an accident."""

from __future__ import annotations

import subprocess
import sys

import sagesync


def test_exported_names() -> None:
    assert sagesync.__all__ == ["Finding", "FindingCode", "Profile", "ProfileStore", "ProgressEvent", "RunReport",
                                "SagesyncError", "Severity", "check_connections", "export_fec", "open_job"]
    for name in sagesync.__all__:
        assert getattr(sagesync, name) is not None


def test_the_pure_core_imports_no_io_library() -> None:
    code = ("import sys, sagesync.core.checks, sagesync.core.posting; "
            "print(sorted(m for m in ('sqlalchemy', 'httpx', 'typer', 'fastapi') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
