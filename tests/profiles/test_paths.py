"""Where profiles and each company's data live, and which names a profile may take."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagesync.errors import ConfigurationError
from sagesync.profiles.paths import (
    config_dir,
    data_dir,
    profile_paths,
    profiles_file,
    suggest_profile_name,
    validate_profile_name,
)


def test_the_environment_moves_the_config_and_data_folders(tmp_path: Path) -> None:
    environ = {"SAGESYNC_CONFIG_DIR": str(tmp_path / "cfg"), "SAGESYNC_DATA_DIR": str(tmp_path / "data")}
    assert profiles_file(environ) == tmp_path / "cfg" / "profiles.toml"
    assert data_dir(environ) == tmp_path / "data"


def test_without_the_environment_the_user_folders_are_used() -> None:
    assert config_dir({}).name == "sagesync"
    assert data_dir({}).name == "sagesync"
    assert config_dir({"SAGESYNC_CONFIG_DIR": "  "}) == config_dir({})  # empty means unset


def test_each_profile_has_its_own_data_folder(tmp_path: Path) -> None:
    paths = profile_paths("acme", {"SAGESYNC_DATA_DIR": str(tmp_path)}).create()
    assert paths.folder == tmp_path / "acme"
    assert {paths.ledger.parent, paths.lock.parent, paths.reports.parent, paths.outbox.parent} == {paths.folder}
    assert paths.reports.is_dir() and paths.outbox.is_dir()
    assert profile_paths("other", {"SAGESYNC_DATA_DIR": str(tmp_path)}).ledger != paths.ledger


@pytest.mark.parametrize("name", ["acme", "acme-sa", "agence_2", "a", "x" * 40])
def test_valid_names(name: str) -> None:
    assert validate_profile_name(name) == name


@pytest.mark.parametrize(("name", "suggestion"), [
    ("ACME SA", "acme-sa"), ("agence/paris", "agence-paris"), ("x" * 41, "x" * 40), ("", ""),
    ("Société Générale", "societe-generale"), ("---", ""), ("-acme", "acme"),
])
def test_invalid_names_are_refused_with_a_suggestion(name: str, suggestion: str) -> None:
    with pytest.raises(ConfigurationError, match="1 to 40 lower-case letters") as caught:
        validate_profile_name(name)
    assert (f"e.g. {suggestion}" in str(caught.value)) == bool(suggestion)


@pytest.mark.parametrize("name", ["con", "nul", "com1", "lpt9"])
def test_windows_device_names_are_refused(name: str) -> None:
    with pytest.raises(ConfigurationError, match="Windows reserves"):
        validate_profile_name(name)
    assert suggest_profile_name(name) == f"{name}-1"
