"""What the unattended side remembers of each profile: its last outcome, its last success, its watch.

One small JSON file per profile, ``<data>/<profile>/unattended.json``, written atomically (a
temporary file, then ``os.replace``): the last outcome, when a run last succeeded, since when the
schedule is watched (the reference for "not succeeded for N hours" when it never ran), when the
last "not succeeded" alert went out (one per silence, not one per minute), and a short history.

``stale_since`` is pure: the clock and the settings are given.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sagesync.profiles.paths import data_dir, validate_profile_name
from sagesync.profiles.unattended import ScheduleSettings
from sagesync.unattended.outcome import Outcome

HISTORY_KEPT = 30
STATE_FILE_NAME = "unattended.json"


@dataclass(frozen=True, slots=True)
class ProfileState:
    last: Outcome | None = None
    last_success_at: datetime | None = None
    watched_since: datetime | None = None
    stale_alert_at: datetime | None = None
    history: tuple[dict[str, Any], ...] = field(default=())

    def with_outcome(self, outcome: Outcome) -> ProfileState:
        summary = {"started_at": outcome.started_at.isoformat(), "finished_at": outcome.finished_at.isoformat(),
                   "status": outcome.status, "posted": outcome.posted,
                   "to_fix": outcome.to_fix, "changed": outcome.changed, "trigger": outcome.trigger}
        return replace(self, last=outcome,
                       last_success_at=outcome.finished_at if outcome.succeeded else self.last_success_at,
                       watched_since=self.watched_since or outcome.started_at,
                       history=((summary, *self.history))[:HISTORY_KEPT])

    def as_dict(self) -> dict[str, Any]:
        def stamp(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {"last": self.last.as_dict() if self.last is not None else None,
                "last_success_at": stamp(self.last_success_at), "watched_since": stamp(self.watched_since),
                "stale_alert_at": stamp(self.stale_alert_at), "history": list(self.history)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProfileState:
        def stamp(name: str) -> datetime | None:
            value = data.get(name)
            return datetime.fromisoformat(value) if isinstance(value, str) else None

        last = data.get("last")
        return cls(last=Outcome.from_dict(last) if isinstance(last, dict) else None,
                   last_success_at=stamp("last_success_at"), watched_since=stamp("watched_since"),
                   stale_alert_at=stamp("stale_alert_at"), history=tuple(data.get("history") or ()))


def stale_since(state: ProfileState, schedule: ScheduleSettings, now: datetime) -> datetime | None:
    """The moment since which no run succeeded, when that is longer than ``alert_after_hours`` and not
    alerted yet; else None."""
    if not schedule.enabled:
        return None
    reference = state.last_success_at or state.watched_since
    if reference is None:
        return None
    if now - reference <= timedelta(hours=schedule.alert_after_hours):
        return None
    if state.stale_alert_at is not None and state.stale_alert_at >= reference:
        return None  # already told for this silence
    return reference


class StateStore:
    """The JSON files of every profile under the data folder (``SAGESYNC_DATA_DIR``)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder

    def path(self, profile: str) -> Path:
        return (self.folder or data_dir()) / validate_profile_name(profile) / STATE_FILE_NAME

    def load(self, profile: str) -> ProfileState:
        try:
            data = json.loads(self.path(profile).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return ProfileState()
        except (OSError, ValueError):
            return ProfileState()  # a damaged state file is only memory: start again, the ledger is the truth
        try:
            return ProfileState.from_dict(data) if isinstance(data, dict) else ProfileState()
        except (KeyError, TypeError, ValueError):
            return ProfileState()

    def save(self, profile: str, state: ProfileState) -> None:
        path = self.path(profile)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".unattended-", suffix=".json.tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(state.as_dict(), stream, ensure_ascii=False, indent=1)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def record(self, outcome: Outcome) -> ProfileState:
        state = self.load(outcome.profile).with_outcome(outcome)
        self.save(outcome.profile, state)
        return state

    def watch(self, profile: str, now: datetime) -> ProfileState:
        """Start watching a schedule (the reference of a "not succeeded" alert when it never ran)."""
        state = self.load(profile)
        if state.watched_since is None:
            state = replace(state, watched_since=now)
            self.save(profile, state)
        return state

    def mark_stale_alert(self, profile: str, now: datetime) -> None:
        self.save(profile, replace(self.load(profile), stale_alert_at=now))
