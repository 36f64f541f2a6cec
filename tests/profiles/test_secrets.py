"""Passwords: environment first, then the OS keyring; a machine without a keyring is told so."""

from __future__ import annotations

import keyring
import keyring.backends.null
import pytest
from keyring.backend import KeyringBackend

from sagesync.errors import ConfigurationError, SecretMissingError
from sagesync.profiles.secrets import (
    KeyringSecrets,
    KeyringUnavailableError,
    SecretSource,
    env_variable,
    resolve_secret,
    secret_source,
)
from tests.fakes import MemoryKeyring
from tests.profiles.conftest import no_keyring

SECRET = "Zq8-horse-battery"


def test_the_documented_variable_names() -> None:
    assert env_variable("acme", "sage") == "SAGESYNC_ACME_SAGE_PASSWORD"
    assert env_variable("acme-sa_2", "platform") == "SAGESYNC_ACME_SA_2_PLATFORM_PASSWORD"


def test_the_keyring_holds_one_password_per_profile_and_kind(memory_keyring: MemoryKeyring) -> None:
    KeyringSecrets().set("acme", "platform", SECRET)
    assert memory_keyring.passwords == {("sagesync", "acme:platform"): SECRET}
    assert resolve_secret("acme", "platform") == SECRET
    with pytest.raises(SecretMissingError):
        resolve_secret("acme", "sage")
    with pytest.raises(SecretMissingError):
        resolve_secret("other", "platform")


def test_the_environment_wins_over_the_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    KeyringSecrets().set("acme", "sage", "from-the-keyring")
    monkeypatch.setenv("SAGESYNC_ACME_SAGE_PASSWORD", "from-the-environment")
    assert resolve_secret("acme", "sage") == "from-the-environment"
    assert secret_source("acme", "sage") is SecretSource.ENVIRONMENT
    monkeypatch.delenv("SAGESYNC_ACME_SAGE_PASSWORD")
    assert resolve_secret("acme", "sage") == "from-the-keyring"
    assert secret_source("acme", "sage") is SecretSource.KEYRING


def test_an_empty_variable_is_an_empty_password_not_a_missing_one() -> None:
    # A Sage user may have no password; the variable being set is the statement.
    assert resolve_secret("acme", "sage", environ={"SAGESYNC_ACME_SAGE_PASSWORD": ""}) == ""


def test_a_missing_password_names_the_variable_and_the_command() -> None:
    with pytest.raises(SecretMissingError) as caught:
        resolve_secret("acme", "platform")
    message = str(caught.value)
    assert "SAGESYNC_ACME_PLATFORM_PASSWORD" in message
    assert "sagesync profile set-secret acme platform" in message
    assert isinstance(caught.value, ConfigurationError)  # exit code 2


def test_without_a_keyring_backend_the_message_says_so_and_points_to_the_variable() -> None:
    keyring.set_keyring(no_keyring())
    with pytest.raises(SecretMissingError) as caught:
        resolve_secret("acme", "sage")
    assert "no OS keyring" in str(caught.value)
    assert "SAGESYNC_ACME_SAGE_PASSWORD" in str(caught.value)
    with pytest.raises(KeyringUnavailableError, match="SAGESYNC_ACME_SAGE_PASSWORD"):
        KeyringSecrets().set("acme", "sage", SECRET)
    assert secret_source("acme", "sage") is SecretSource.KEYRING_UNAVAILABLE
    # The environment still works on such a machine, without touching the keyring.
    assert resolve_secret("acme", "sage", environ={"SAGESYNC_ACME_SAGE_PASSWORD": SECRET}) == SECRET


def test_the_null_backend_would_forget_the_password_so_it_is_refused() -> None:
    keyring.set_keyring(keyring.backends.null.Keyring())  # type: ignore[no-untyped-call]
    with pytest.raises(KeyringUnavailableError, match="forgets"):
        KeyringSecrets().set("acme", "platform", SECRET)


class PlaintextKeyring(MemoryKeyring):
    """Named like keyrings.alt's file backend, which writes passwords in clear."""


def test_a_plain_text_backend_is_refused() -> None:
    keyring.set_keyring(PlaintextKeyring())
    with pytest.raises(KeyringUnavailableError, match="plain text"):
        KeyringSecrets().set("acme", "platform", SECRET)


class LockedKeyring(KeyringBackend):
    """A desktop keyring that cannot be reached (no D-Bus session, locked collection)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError(f"cannot unlock collection for {username}: {SECRET}")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"refused {password}")

    def delete_password(self, service: str, username: str) -> None:
        raise RuntimeError("refused")


def test_a_failing_backend_is_reported_without_its_message_or_the_password() -> None:
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(KeyringUnavailableError) as on_set:
        KeyringSecrets().set("acme", "platform", SECRET)
    with pytest.raises(SecretMissingError) as on_get:
        resolve_secret("acme", "platform")
    for error in (on_set.value, on_get.value):
        assert SECRET not in str(error) and "RuntimeError" in str(error)
        assert "SAGESYNC_ACME_PLATFORM_PASSWORD" in str(error)
        assert error.__cause__ is None and error.__suppress_context__


class ForgetfulKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        return None  # accepts and drops


def test_a_backend_that_drops_the_password_is_caught_on_the_read_back() -> None:
    keyring.set_keyring(ForgetfulKeyring())
    with pytest.raises(KeyringUnavailableError, match="did not keep"):
        KeyringSecrets().set("acme", "platform", SECRET)


def test_delete_removes_and_tolerates_nothing_stored(memory_keyring: MemoryKeyring) -> None:
    secrets = KeyringSecrets()
    secrets.set("acme", "sage", SECRET)
    secrets.delete("acme", "sage")
    secrets.delete("acme", "sage")
    assert memory_keyring.passwords == {}
