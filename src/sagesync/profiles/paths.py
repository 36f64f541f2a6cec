"""Where sagesync keeps its files: the profiles file, and one data folder per profile.

The profiles file lives in the user's config folder (``platformdirs``), the
ledger, lock, reports and outbox of each company in the user's data folder.
Both can be moved with an environment variable, for a test, a shared drive or
a service account: ``SAGESYNC_CONFIG_DIR`` and ``SAGESYNC_DATA_DIR``.

Profile names become folder names and keyring entries, so they are kept to
what every file system accepts: 1 to 40 of ``a-z 0-9 - _`` (not starting with
``-`` or ``_``: ``-x`` would read as a command-line option), and none of the
device names Windows reserves (``con``, ``nul``, ``com1``...).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

from sagesync.errors import ConfigurationError
from sagesync.i18n import _
from sagesync.storage_errors import guard_storage

CONFIG_DIR_VARIABLE = "SAGESYNC_CONFIG_DIR"
DATA_DIR_VARIABLE = "SAGESYNC_DATA_DIR"
PROFILES_FILE_NAME = "profiles.toml"

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")  # not "-x": it would read as an option
_WINDOWS_DEVICE_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{n}" for n in range(1, 10)] + [f"lpt{n}" for n in range(1, 10)]
)


def validate_profile_name(name: str) -> str:
    """Return ``name`` if it can be a profile name, else say what would be accepted."""
    if _NAME.fullmatch(name) and name not in _WINDOWS_DEVICE_NAMES:
        return name
    problem = _("is a device name Windows reserves") if name in _WINDOWS_DEVICE_NAMES else _("is not allowed")
    suggestion = suggest_profile_name(name)
    hint = _(", e.g. {suggestion}").format(suggestion=suggestion) if suggestion and suggestion != name else ""
    raise ConfigurationError(
        _("profile name {name} {problem}: use 1 to 40 lower-case letters, digits, '-' or '_', starting with a letter "
          "or digit{hint}.").format(name=repr(name), problem=problem, hint=hint))


def suggest_profile_name(text: str) -> str:
    """A valid name close to ``text`` ("Société Dupont SA" -> "societe-dupont-sa"), or "" if none."""
    unaccented = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9_-]+", "-", unaccented.strip().lower()).strip("-")[:40].rstrip("-")
    if not slug:
        return ""
    return f"{slug}-1" if slug in _WINDOWS_DEVICE_NAMES else slug


def _from_environment(variable: str, environ: Mapping[str, str] | None) -> Path | None:
    value = (os.environ if environ is None else environ).get(variable, "").strip()
    return Path(value).expanduser() if value else None


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder of ``profiles.toml``: ``SAGESYNC_CONFIG_DIR`` or the user's config folder."""
    # appauthor=False: on Windows platformdirs would otherwise nest "sagesync\sagesync".
    return _from_environment(CONFIG_DIR_VARIABLE, environ) or Path(user_config_dir("sagesync", appauthor=False))


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder of every profile's data: ``SAGESYNC_DATA_DIR`` or the user's data folder."""
    return _from_environment(DATA_DIR_VARIABLE, environ) or Path(user_data_dir("sagesync", appauthor=False))


def profiles_file(environ: Mapping[str, str] | None = None) -> Path:
    return config_dir(environ) / PROFILES_FILE_NAME


@dataclass(frozen=True, slots=True)
class ProfilePaths:
    """The files of one company's runs, all under ``<data>/<profile>/``."""

    folder: Path
    ledger: Path  # SQLite ledger of record: what was posted
    lock: Path  # held while a sync runs: one sync per company
    reports: Path  # check reports (CSV, HTML) a person opens
    outbox: Path  # write-back messages waiting for the platform

    def create(self) -> ProfilePaths:
        """Make the folders (not the files: their owners create them)."""
        with guard_storage(self.folder, "data folder"):
            self.reports.mkdir(parents=True, exist_ok=True)
            self.outbox.mkdir(parents=True, exist_ok=True)
        return self


def profile_paths(name: str, environ: Mapping[str, str] | None = None) -> ProfilePaths:
    folder = data_dir(environ) / validate_profile_name(name)
    return ProfilePaths(
        folder=folder,
        ledger=folder / "ledger.sqlite",
        lock=folder / "sync.lock",
        reports=folder / "reports",
        outbox=folder / "outbox",
    )
