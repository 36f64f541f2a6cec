"""sagesync: billing platform invoices into Sage 100, balanced and exactly once.

The Python API is what the CLI and the console use::

    from sagesync import ProfileStore, open_job

    profile = ProfileStore().get("acme")
    with open_job(profile) as job:
        for report in job.run("sync"):
            print(report.step, dict(report.counts))

Names are loaded on first use, so ``import sagesync.core`` stays free of I/O libraries.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

_EXPORTS = {
    "open_job": "sagesync.jobs",
    "export_fec": "sagesync.jobs",
    "check_connections": "sagesync.jobs",
    "Profile": "sagesync.profiles.model",
    "ProfileStore": "sagesync.profiles.store",
    "RunReport": "sagesync.steps.events",
    "ProgressEvent": "sagesync.steps.events",
    "Finding": "sagesync.core.findings",
    "FindingCode": "sagesync.core.findings",
    "Severity": "sagesync.core.findings",
    "SagesyncError": "sagesync.errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sagesync' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
