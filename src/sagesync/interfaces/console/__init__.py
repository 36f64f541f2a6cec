"""The local web console: profiles, the step buttons with live progress, findings, documents, runs, downloads.

``sagesync console`` serves ``create_app(token=...)`` on 127.0.0.1 and opens the
browser on ``/login?token=...``. See ``security`` for who may use it.
"""

from sagesync.interfaces.console.app import create_app

__all__ = ["create_app"]
