"""What every route of the console shares: templates, the step runner, the ledger readers, the profiles file.

Routes reach it with ``console_state(request)``; nothing here is global, so two
consoles (or two tests) in one process never see each other's state.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from sagesync.errors import ConfigurationError
from sagesync.interfaces.console.cabinet import CabinetCache
from sagesync.interfaces.console.runner import StepRunner
from sagesync.ledger.views import LedgerReaders
from sagesync.profiles.check import PlatformAnswer
from sagesync.profiles.model import Profile
from sagesync.profiles.paths import ProfilePaths, profile_paths
from sagesync.profiles.store import ProfileStore


@dataclass
class ConsoleState:
    templates: Jinja2Templates
    runner: StepRunner
    readers: LedgerReaders
    profile_store_path: Path | None = None  # None: the user's profiles file, read when asked
    exported: dict[str, set[Path]] = field(default_factory=dict)  # profile -> FEC files made in this console
    closing: threading.Event = field(default_factory=threading.Event)
    # What the platform said to a login (address, e-mail) in this console: the form's organization and team are
    # checked against it on save, without asking the platform again.
    platform_answers: dict[tuple[str, str], PlatformAnswer] = field(default_factory=dict)
    cabinet: CabinetCache = field(default_factory=CabinetCache)  # each ledger's glance, until its file changes

    def profiles(self) -> ProfileStore:
        return ProfileStore(self.profile_store_path)

    def profile(self, name: str) -> Profile:
        return self.profiles().get(name)

    @staticmethod
    def paths(name: str) -> ProfilePaths:
        return profile_paths(name)

    def ledger_path(self, name: str) -> Path:
        return profile_paths(name).ledger

    def remember_export(self, name: str, path: Path) -> None:
        self.exported.setdefault(name, set()).add(path.resolve())


class ProfileUnavailable(ConfigurationError):
    """A page about a profile that cannot be read: shown with a link to its form."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def console_state(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state


def load_profile(request: Request, name: str) -> Profile:
    try:
        return console_state(request).profile(name)
    except ConfigurationError as error:
        raise ProfileUnavailable(name, str(error)) from None


def render(request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    return console_state(request).templates.TemplateResponse(request, template, context or {},
                                                             status_code=status_code)
