"""The profiles file: ``profiles.toml`` in the config folder, one ``[profiles.<name>]`` table per company.

Read with ``tomllib``, written with ``tomli_w`` in UTF-8, atomically (a temporary
file in the same folder, then ``os.replace``): a crash mid-save leaves the old
file whole. A file holding anything named like a password is refused as a
whole, with the way to move it, and the value is never echoed.

Tables are read as the user wrote them and validated one at a time: editing one
profile keeps another's values as they were (comments are not kept), and one
broken profile does not hide the others from ``list``.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from sagesync.errors import ConfigurationError
from sagesync.i18n import _
from sagesync.profiles.model import Profile
from sagesync.profiles.paths import profiles_file, validate_profile_name
from sagesync.profiles.secrets import WHICH, Which, env_variable, set_secret_command
from sagesync.profiles.validation import secret_keys, toml_path
from sagesync.storage_errors import guard_storage, storage_error

_HEADER = """\
# sagesync profiles: one [profiles.<name>] table per company.
# Passwords never go in this file: `sagesync profile set-secret NAME sage|platform` keeps them in
# the OS keyring, or set SAGESYNC_<NAME>_SAGE_PASSWORD / SAGESYNC_<NAME>_PLATFORM_PASSWORD.
# Rates are strings ("5.5"): a number with a decimal point would be a float and is refused.

"""


@dataclass(frozen=True, slots=True)
class ProfileListing:
    """One line of `profile list`: the profile, or why it cannot be read."""

    name: str
    profile: Profile | None
    problem: str = ""


class ProfileStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else profiles_file()

    # --- reading ----------------------------------------------------------------------------

    def _read_document(self) -> dict[str, Any]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise storage_error(error, self.path, "profiles file") or ConfigurationError(
                _("cannot read the profiles file {path} ({error}): check its permissions").format(
                    path=self.path, error=error.strerror)) from None
        try:
            document = tomllib.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ConfigurationError(_("the profiles file {path} is not UTF-8 text: open it in a text editor and save "
                                       "it again as UTF-8").format(path=self.path)) from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigurationError(_("the profiles file {path} is not valid TOML: {error}. Correct that line in a "
                                       "text editor, or move the file away and create the profiles again with "
                                       "`sagesync profile new`").format(path=self.path, error=error)) from None
        except (RecursionError, MemoryError, ValueError):
            # Tables or arrays nested thousands deep, or a number of thousands of digits: no profile looks like that.
            raise ConfigurationError(_("the profiles file {path} cannot be read: it holds values nested too deep or "
                                       "numbers too long to be settings (damaged or not a profiles file). Restore it "
                                       "from a backup, or move it away and create the profiles again with `sagesync "
                                       "profile new`").format(path=self.path)) from None
        self._refuse_plain_secrets(document)
        unknown = [key for key in document if key != "profiles"]
        if unknown:
            raise ConfigurationError(_("{path}: {tables} is not a table sagesync knows: the file holds only "
                                       "[profiles.<name>] tables (did you write [profile.x]?)").format(
                path=self.path, tables=", ".join(map(repr, unknown))))
        profiles = document.get("profiles", {})
        if not isinstance(profiles, dict) or not all(isinstance(table, dict) for table in profiles.values()):
            raise ConfigurationError(_("{path}: 'profiles' must hold one [profiles.<name>] table per company").format(
                path=self.path))
        return document

    def _refuse_plain_secrets(self, document: Mapping[str, Any]) -> None:
        found = secret_keys(document)
        if not found:
            return
        lines = [f"  - {toml_path(loc)}: {self._how_to_move(loc)}" for loc in found]
        raise ConfigurationError(
            _("{path} holds a password in plain text; sagesync refuses to read it until it is moved (the value is "
              "not shown here). Delete the line, then:").format(path=self.path) + "\n" + "\n".join(lines))

    @staticmethod
    def _how_to_move(loc: tuple[str | int, ...]) -> str:
        name = str(loc[1]) if len(loc) > 2 and loc[0] == "profiles" else "NAME"
        words = " ".join(str(part).lower() for part in loc[2:])
        whiches: tuple[Which, ...] = tuple(which for which in WHICH if which in words) or WHICH
        return _(" or ").join(_("`{command}` (OS keyring) or the environment variable {variable}").format(
            command=set_secret_command(name, which), variable=env_variable(name, which)) for which in whiches)

    def tables(self) -> dict[str, dict[str, Any]]:
        """Every profile table as written in the file, unvalidated."""
        profiles: dict[str, dict[str, Any]] = self._read_document().get("profiles", {})
        return profiles

    def names(self) -> list[str]:
        return sorted(self.tables())

    def table(self, name: str) -> dict[str, Any]:
        tables = self.tables()
        if name not in tables:
            known = ", ".join(sorted(tables)) or _("none yet")
            raise ConfigurationError(_("no profile named {name} in {path} (profiles: {known}); create it with "
                                       "`sagesync profile new {profile}`").format(
                name=repr(name), path=self.path, known=known, profile=name))
        return tables[name]

    def get(self, name: str) -> Profile:
        return Profile.from_table(name, self.table(name))

    def listing(self) -> list[ProfileListing]:
        rows: list[ProfileListing] = []
        for name, table in sorted(self.tables().items()):
            try:
                rows.append(ProfileListing(name, Profile.from_table(name, table)))
            except ConfigurationError as error:
                rows.append(ProfileListing(name, None, str(error)))
        return rows

    # --- writing ----------------------------------------------------------------------------

    def add(self, profile: Profile) -> None:
        document = self._read_document()
        if profile.name in document.get("profiles", {}):
            raise ConfigurationError(_("profile {name} already exists in {path}: change it with `sagesync profile "
                                       "edit {profile}`").format(name=repr(profile.name), path=self.path,
                                                                 profile=profile.name))
        self._write_with(document, profile)

    def update(self, profile: Profile) -> None:
        document = self._read_document()
        self.table(profile.name)  # must exist
        self._write_with(document, profile)

    def delete(self, name: str) -> None:
        document = self._read_document()
        self.table(name)
        del document["profiles"][name]
        self._write(document)

    def _write_with(self, document: dict[str, Any], profile: Profile) -> None:
        validate_profile_name(profile.name)
        table = profile.to_table()
        self._refuse_plain_secrets({"profiles": {profile.name: table}})
        document.setdefault("profiles", {})[profile.name] = table
        self._write(document)

    def _write(self, document: Mapping[str, Any]) -> None:
        text = _HEADER + tomli_w.dumps(document)
        with guard_storage(self.path, "profiles file"):
            self._replace(text)

    def _replace(self, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Same folder as the target so os.replace stays a rename on one volume (atomic on Windows too).
        handle, temporary = tempfile.mkstemp(prefix=".profiles-", suffix=".toml.tmp", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
