"""Passwords: in the OS keyring or in environment variables, never in a file sagesync writes.

Two passwords per profile, named by ``which``: ``"sage"`` (the Sage user's) and
``"platform"`` (the platform login's), plus an optional ``"platform_token"``: a
long-lived platform API token (OOTI: Settings > Integrations > API tokens) that,
when set, is used instead of the platform password. Where they come from, first
match wins:

1. the environment variable ``SAGESYNC_<PROFILE>_SAGE_PASSWORD``,
   ``SAGESYNC_<PROFILE>_PLATFORM_PASSWORD`` or ``SAGESYNC_<PROFILE>_PLATFORM_TOKEN``
   (profile name upper-cased, ``-`` -> ``_``), for servers, schedulers and CI where
   no one unlocks a keyring;
2. the OS keyring (Windows Credential Manager, macOS Keychain, Secret Service),
   service ``sagesync``, user name ``<profile>:<which>``, filled by
   ``sagesync profile set-secret NAME sage|platform|platform_token``.

A machine with no usable keyring (a headless server: keyring's ``fail``
backend, a backend that errors, or one that would write plain text) is said so,
with the variable to set instead: sagesync never falls back to a file of its own.
No function here prints, logs or puts a password in an exception.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from typing import Literal, Protocol

import keyring
import keyring.errors

from sagesync.errors import ConfigurationError, SecretMissingError
from sagesync.i18n import N_, _

Which = Literal["sage", "platform", "platform_token", "smtp", "webhook"]
WHICH: tuple[Which, ...] = ("sage", "platform")  # the two passwords every profile has
ALERT_SECRETS: tuple[Which, ...] = ("smtp", "webhook")  # the alerts' SMTP password and webhook signing key
SECRET_KINDS: tuple[Which, ...] = (*WHICH, "platform_token")  # and the optional API token
KEYRING_SERVICE = "sagesync"
# The owner of the secrets of the global alerts file (alerts.toml): no profile name starts with "_".
GLOBAL_OWNER = "_global"

_LABEL: dict[Which, str] = {"sage": N_("Sage password"), "platform": N_("platform password"),
                            "platform_token": N_("platform API token"), "smtp": N_("SMTP password"),
                            "webhook": N_("webhook signing key")}
_SUFFIX: dict[Which, str] = {"platform_token": "PLATFORM_TOKEN", "smtp": "SMTP_PASSWORD", "webhook": "WEBHOOK_KEY"}


class KeyringUnavailableError(ConfigurationError):
    """The machine has no keyring sagesync may use; the environment variables still work."""


class SecretSource(StrEnum):
    ENVIRONMENT = "environment"
    KEYRING = "keyring"
    MISSING = "missing"
    KEYRING_UNAVAILABLE = "keyring unavailable"  # and no environment variable either


def env_variable(profile: str, which: Which) -> str:
    """SAGESYNC_ACME_SA_SAGE_PASSWORD for profile "acme-sa"; SAGESYNC_ACME_SA_PLATFORM_TOKEN for the token.

    The alerts' secrets: SAGESYNC_ACME_SA_SMTP_PASSWORD and SAGESYNC_ACME_SA_WEBHOOK_KEY, and for the
    global alerts file (owner ``_global``) SAGESYNC__GLOBAL_SMTP_PASSWORD and SAGESYNC__GLOBAL_WEBHOOK_KEY.
    """
    suffix = _SUFFIX.get(which, f"{which.upper()}_PASSWORD")
    return f"SAGESYNC_{profile.upper().replace('-', '_')}_{suffix}"


def set_secret_command(profile: str, which: Which) -> str:
    return f"sagesync profile set-secret {profile} {which}"


def label(which: Which) -> str:
    return _(_LABEL[which])


class SecretStore(Protocol):
    def get(self, profile: str, which: Which) -> str | None: ...

    def set(self, profile: str, which: Which, secret: str) -> None: ...

    def delete(self, profile: str, which: Which) -> None: ...


class EnvironmentSecrets:
    """Read-only: variables are set by whoever starts sagesync, never by sagesync."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def get(self, profile: str, which: Which) -> str | None:
        # Present but empty counts: a Sage user may have no password.
        return self._environ.get(env_variable(profile, which))

    def set(self, profile: str, which: Which, secret: str) -> None:
        raise ConfigurationError(_("sagesync does not set environment variables: set {variable} in the environment "
                                   "that starts sagesync").format(variable=env_variable(profile, which)))

    def delete(self, profile: str, which: Which) -> None:
        raise ConfigurationError(_("sagesync does not unset environment variables: remove {variable} from the "
                                   "environment that starts sagesync").format(variable=env_variable(profile, which)))


def _unusable_backend_reason(backend: object) -> str | None:
    """Why the active keyring backend cannot hold a password safely, or None if it can."""
    module = type(backend).__module__
    name = type(backend).__name__
    if module == "keyring.backends.fail":
        return _("no OS keyring backend is available on this machine")
    if module == "keyring.backends.null":
        return _("the keyring backend is the null one, which forgets every password")
    if "plaintext" in name.lower() or "plaintext" in module.lower():
        return _("the keyring backend {backend} stores passwords in plain text").format(backend=f"{module}.{name}")
    if module.startswith("keyring.backends.chainer") and not getattr(backend, "backends", None):
        return _("no OS keyring backend is available on this machine")
    return None


class KeyringSecrets:
    """The OS keyring, refusing backends that would lose the password or write it in clear."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self.service = service

    @staticmethod
    def _username(profile: str, which: Which) -> str:
        return f"{profile}:{which}"

    def _unavailable(self, profile: str, which: Which, reason: str) -> KeyringUnavailableError:
        return KeyringUnavailableError(
            _("{reason}, so the {secret} of profile {profile} cannot be kept in a keyring. Set the environment "
              "variable {variable} instead (sagesync never writes passwords to a file).").format(
                reason=reason, secret=label(which), profile=repr(profile), variable=env_variable(profile, which)))

    def _check_backend(self, profile: str, which: Which) -> None:
        reason = _unusable_backend_reason(keyring.get_keyring())
        if reason:
            raise self._unavailable(profile, which, reason)

    def _backend_failed(self, profile: str, which: Which, error: Exception) -> KeyringUnavailableError:
        # The type name only: a backend's message is not ours to vouch for.
        return self._unavailable(profile, which, _("the OS keyring refused the request ({error})").format(
            error=type(error).__name__))

    def get(self, profile: str, which: Which) -> str | None:
        self._check_backend(profile, which)
        try:
            secret: str | None = keyring.get_password(self.service, self._username(profile, which))
        except Exception as error:
            raise self._backend_failed(profile, which, error) from None
        return secret

    def set(self, profile: str, which: Which, secret: str) -> None:
        self._check_backend(profile, which)
        username = self._username(profile, which)
        try:
            keyring.set_password(self.service, username, secret)
            stored = keyring.get_password(self.service, username)
        except Exception as error:
            raise self._backend_failed(profile, which, error) from None
        if stored != secret:
            raise self._unavailable(profile, which, "the OS keyring did not keep the password")

    def delete(self, profile: str, which: Which) -> None:
        self._check_backend(profile, which)
        try:
            keyring.delete_password(self.service, self._username(profile, which))
        except keyring.errors.PasswordDeleteError:
            return  # nothing stored: nothing to delete
        except Exception as error:
            raise self._backend_failed(profile, which, error) from None


def _profile_name(profile: object) -> str:
    name = getattr(profile, "name", profile)
    if not isinstance(name, str):
        raise TypeError("profile must be a profile name or a Profile")
    return name


def resolve_secret(profile: object, which: Which, *, environ: Mapping[str, str] | None = None,
                   keyring_store: SecretStore | None = None) -> str:
    """The password to use: environment variable first, then the keyring.

    ``profile`` is a profile name or a ``Profile``. Raises ``SecretMissingError``
    naming the variable and the set-secret command, and saying so when the
    machine has no keyring.
    """
    name = _profile_name(profile)
    from_environment = EnvironmentSecrets(environ).get(name, which)
    if from_environment is not None:
        return from_environment
    store = keyring_store or KeyringSecrets()
    try:
        from_keyring = store.get(name, which)
    except KeyringUnavailableError as error:
        raise SecretMissingError(_("the {secret} of profile {profile} is not set: {error}").format(
            secret=label(which), profile=repr(name), error=error)) from None
    if from_keyring is None:
        raise SecretMissingError(
            _("the {secret} of profile {profile} is not set: store it in the OS keyring with `{command}`, or set the "
              "environment variable {variable}.").format(secret=label(which), profile=repr(name),
                                                         command=set_secret_command(name, which),
                                                         variable=env_variable(name, which)))
    return from_keyring


def secret_source(profile: object, which: Which, *, environ: Mapping[str, str] | None = None,
                  keyring_store: SecretStore | None = None) -> SecretSource:
    """Where ``resolve_secret`` would find the password, for `profile show` (never the password)."""
    name = _profile_name(profile)
    if EnvironmentSecrets(environ).get(name, which) is not None:
        return SecretSource.ENVIRONMENT
    try:
        found = (keyring_store or KeyringSecrets()).get(name, which)
    except KeyringUnavailableError:
        return SecretSource.KEYRING_UNAVAILABLE
    return SecretSource.KEYRING if found is not None else SecretSource.MISSING
