"""Who is told, and through what: the alert settings of a profile (its own table over the global file),
the secrets from the keyring, and one message sent by e-mail and/or webhook.

The global file is ``alerts.toml`` beside ``profiles.toml`` (``SAGESYNC_CONFIG_DIR``)::

    [alerts]
    console_url = "http://cabinet:8765"
    [alerts.email]
    host = "smtp.cabinet.fr"
    sender = "sagesync@cabinet.fr"
    to = ["expert@cabinet.fr"]

A profile's ``[profiles.<name>.alerts]`` wins key by key (its ``email.to`` alone, say). The SMTP
password and the webhook key are the profile's (``sagesync alerts set-secret smtp --profile acme``)
or, when it has none, the global ones (``sagesync alerts set-secret smtp``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sagesync.errors import SagesyncError, SecretMissingError
from sagesync.i18n import _
from sagesync.profiles.model import Profile
from sagesync.profiles.paths import config_dir
from sagesync.profiles.secrets import GLOBAL_OWNER, Which, resolve_secret
from sagesync.profiles.unattended import AlertSettings
from sagesync.profiles.validation import problem, problems_from, secret_keys, toml_path
from sagesync.unattended.compose import Message
from sagesync.unattended.errors import AlertSettingsError
from sagesync.unattended.mail import send_email
from sagesync.unattended.webhook import post_webhook

ALERTS_FILE_NAME = "alerts.toml"


def alerts_file() -> Path:
    return config_dir() / ALERTS_FILE_NAME


def read_global_table(path: Path | None = None) -> dict[str, Any]:
    """The ``[alerts]`` table of the global file, as written; empty when there is no file."""
    path = path or alerts_file()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise AlertSettingsError(_("the alerts file {path} cannot be read ({error}): correct it in a text "
                                   "editor").format(path=path, error=type(error).__name__)) from None
    found = secret_keys(document)
    if found:
        raise AlertSettingsError(_("{path} holds a password or key in plain text ({keys}); delete the line and use "
                                   "`sagesync alerts set-secret smtp|webhook`").format(
            path=path, keys=", ".join(toml_path(loc) for loc in found)))
    unknown = [key for key in document if key != "alerts"]
    table = document.get("alerts", {})
    if unknown or not isinstance(table, dict):
        raise AlertSettingsError(_("{path}: expected one [alerts] table").format(path=path))
    return table


def _merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = _merged(result[key], value)
        else:
            result[key] = value
    return result


def alert_settings_for(profile: Profile, global_table: Mapping[str, Any] | None = None) -> AlertSettings | None:
    """The profile's alert settings over the global file's; None when neither says anything."""
    table = dict(global_table) if global_table is not None else read_global_table()
    if profile.alerts is not None:
        table = _merged(table, profile.alerts.model_dump(exclude_unset=True))
    if not table:
        return None
    try:
        settings = AlertSettings.model_validate(table)
    except ValidationError as error:
        lines = problems_from(error, ("alerts",))
        raise AlertSettingsError(_("the alert settings of profile {profile} have problems:\n{lines}").format(
            profile=profile.name, lines="\n".join(f"  - {line}" for line in lines))) from None
    missing = missing_settings(settings)
    if missing:
        raise AlertSettingsError(_("the alert settings of profile {profile} are not complete:\n{lines}").format(
            profile=profile.name, lines="\n".join(f"  - {line}" for line in missing)))
    return settings


def missing_settings(settings: AlertSettings) -> list[str]:
    lines: list[str] = []
    if settings.email is not None:
        email = settings.email
        for name, value, example in (("host", email.host, "smtp.example.fr"),
                                     ("sender", email.sender, "sagesync@example.fr")):
            if not value:
                lines.append(problem(("alerts", "email", name), _("is missing (expected e.g. {example})").format(
                    example=example)))
        if not email.to:
            lines.append(problem(("alerts", "email", "to"), _('is empty (expected e.g. ["compta@acme.fr"])')))
    if settings.webhook is not None and not settings.webhook.url:
        lines.append(problem(("alerts", "webhook", "url"), _("is missing (expected e.g. "
                                                             "https://hooks.example.fr/sagesync)")))
    if settings.email is None and settings.webhook is None:
        lines.append(problem(("alerts",), _("names no way to send: add an [alerts.email] or [alerts.webhook] table")))
    return lines


def alert_secret(profile: str | None, which: Which) -> str:
    """The profile's SMTP password or webhook key, else the global one."""
    if profile is not None:
        try:
            return resolve_secret(profile, which)
        except SecretMissingError:
            pass
    return resolve_secret(GLOBAL_OWNER, which)


@dataclass(frozen=True, slots=True)
class Delivery:
    channel: str  # email, webhook
    sent: bool
    problem: str = ""


SecretLookup = Callable[[str | None, Which], str]


class Notifier:
    """Sends one message through every channel the settings name; never raises for a channel that failed."""

    def __init__(self, secrets: SecretLookup = alert_secret) -> None:
        self.secrets = secrets

    def send(self, settings: AlertSettings, message: Message, profile: str | None) -> list[Delivery]:
        deliveries: list[Delivery] = []
        email, webhook = settings.email, settings.webhook
        if email is not None:
            deliveries.append(self._try("email", lambda: send_email(
                email, self.secrets(profile, "smtp") if email.username else None, message)))
        if webhook is not None:
            deliveries.append(self._try("webhook", lambda: post_webhook(
                webhook, self.secrets(profile, "webhook"), message)))
        return deliveries

    @staticmethod
    def _try(channel: str, send: Callable[[], object]) -> Delivery:
        try:
            send()
        except SagesyncError as error:
            return Delivery(channel, False, str(error))
        return Delivery(channel, True)
