"""Unattended settings of a profile: when it syncs by itself, and whom it tells.

In ``profiles.toml``::

    [profiles.acme.schedule]
    every = "daily"            # or "hourly"; or cron = "0 2 * * 1-5" instead
    at = "02:00"               # daily: the time of day; hourly: ":15" (the minute past each hour)
    weekdays = ["mon", "tue", "wed", "thu", "fri"]   # default: every day ("lun", "mar"... also read)
    timezone = "Europe/Paris"  # the default
    alert_after_hours = 36     # alert when no run succeeded for longer than this

    [profiles.acme.alerts]
    events = ["blocked", "failed", "changed", "stale"]   # the default: all four
    language = "fr"            # of the messages; "en" for English
    console_url = "http://cabinet:8765"                   # the link in every message (optional)
    [profiles.acme.alerts.email]
    host = "smtp.example.fr"
    port = 587
    security = "starttls"      # or "ssl" (port 465) or "none"
    username = "sagesync@example.fr"   # its password: `sagesync alerts set-secret smtp --profile acme`
    sender = "sagesync@example.fr"
    to = ["compta@acme.fr"]
    [profiles.acme.alerts.webhook]
    url = "https://hooks.example.fr/sagesync"   # its signing key: `sagesync alerts set-secret webhook`

The same ``[alerts]`` table may live in ``alerts.toml`` beside ``profiles.toml``, for every
profile at once; a profile's own table wins key by key (its ``email.to`` alone, for instance).
That is why every field below is optional: what a message needs is checked once the two are merged
(``sagesync.unattended.settings``). No password or key is ever written here.
"""

from __future__ import annotations

import re
from typing import Any, Literal, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from sagesync.i18n import _

_FROZEN = ConfigDict(extra="forbid", frozen=True)

DEFAULT_TIMEZONE = "Europe/Paris"
DEFAULT_ALERT_AFTER_HOURS = 36
# English and French three-letter names, Monday first (datetime.weekday()).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FRENCH_WEEKDAYS = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
AlertEvent = Literal["blocked", "failed", "changed", "stale"]
ALERT_EVENTS: tuple[AlertEvent, ...] = ("blocked", "failed", "changed", "stale")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_MINUTE = re.compile(r":?([0-5]?\d)")
_CRON_FIELD = re.compile(r"[0-9*,/\-A-Za-z?LW#]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def _refuse(message: str) -> NoReturn:
    raise PydanticCustomError("sagesync", message)


def _timeout_seconds(value: object) -> int:
    """How long one e-mail or webhook call may wait: a whole number of seconds, 1 to 600."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 600:
        _refuse(_("expected a whole number of seconds between 1 and 600"))
    return value


def _text(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        _refuse(_("is not text"))
    return str(value).strip()


class ScheduleSettings(BaseModel):
    """When the profile syncs by itself: ``every`` (+ ``at``, ``weekdays``) or a ``cron`` expression."""

    model_config = _FROZEN

    every: Literal["daily", "hourly"] | None = None
    at: str | None = None  # "02:00" (daily) or ":15" (hourly)
    weekdays: tuple[str, ...] = WEEKDAYS
    cron: str | None = None  # 5 fields, read in the timezone: "0 2 * * 1-5"
    timezone: str = DEFAULT_TIMEZONE
    alert_after_hours: int = DEFAULT_ALERT_AFTER_HOURS
    enabled: bool = True  # false: kept, but nothing runs by itself

    @field_validator("every", mode="before")
    @classmethod
    def _every(cls, value: object) -> str | None:
        if value is None:
            return None
        text = _text(value).lower()
        if text not in ("daily", "hourly"):
            _refuse(_('{value} is not allowed: expected "daily" or "hourly" (or a cron expression in cron = "...")'
                      ).format(value=repr(value)))
        return text

    @field_validator("weekdays", mode="before")
    @classmethod
    def _weekdays(cls, value: object) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not items:
            _refuse(_('expected a list of days such as ["mon", "tue", "wed", "thu", "fri"]'))
        days: list[str] = []
        for item in items:
            word = _text(item).lower()[:3]
            if word in WEEKDAYS:
                day = word
            elif word in _FRENCH_WEEKDAYS:
                day = WEEKDAYS[_FRENCH_WEEKDAYS.index(word)]
            else:
                _refuse(_("{day} is not a day: expected mon, tue, wed, thu, fri, sat or sun").format(
                    day=repr(item)))
            if day not in days:
                days.append(day)
        return tuple(sorted(days, key=WEEKDAYS.index))

    @field_validator("cron", mode="before")
    @classmethod
    def _cron(cls, value: object) -> str | None:
        if value is None:
            return None
        text = " ".join(_text(value).split())
        fields = text.split(" ")
        if len(fields) != 5 or not all(_CRON_FIELD.fullmatch(field) for field in fields):
            _refuse(_("{cron} is not a cron expression of 5 fields (minute hour day month weekday), e.g. "
                             "\"0 2 * * 1-5\"").format(cron=repr(text)))
        from croniter import croniter

        if not croniter.is_valid(text):
            _refuse(_("{cron} is not a cron expression sagesync can read, e.g. \"0 2 * * 1-5\"").format(
                cron=repr(text)))
        return text

    @field_validator("timezone", mode="before")
    @classmethod
    def _timezone(cls, value: object) -> str:
        text = _text(value)
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            _refuse(_("{zone} is not a time zone: expected a name such as Europe/Paris").format(
                zone=repr(text)))
        return text

    @field_validator("alert_after_hours", mode="before")
    @classmethod
    def _hours(cls, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 24 * 31:
            _refuse(_("expected a whole number of hours between 1 and 744, e.g. 36"))
        return value

    @model_validator(mode="after")
    def _one_way(self) -> ScheduleSettings:
        if (self.every is None) == (self.cron is None):
            _refuse(_('set either every = "daily" or "hourly" (with at = "02:00") or cron = "0 2 * * *", '
                             "not both and not neither"))
        if self.cron is not None and (self.at is not None or self.weekdays != WEEKDAYS):
            _refuse(_("with cron, the days and times are in the cron expression: remove at and weekdays"))
        if self.every == "daily" and self.at is not None and not _TIME.fullmatch(self.at):
            _refuse(_('at = {at}: a daily schedule expects a time of day such as "02:00"').format(
                at=repr(self.at)))
        if self.every == "hourly" and self.at is not None and not _MINUTE.fullmatch(self.at):
            _refuse(_('at = {at}: an hourly schedule expects the minute past each hour, such as ":15"').format(
                at=repr(self.at)))
        return self

    def time_of_day(self) -> tuple[int, int]:
        """(hour, minute) of a daily schedule; (0, minute) of an hourly one."""
        if self.every == "hourly":
            match = _MINUTE.fullmatch(self.at or ":00")
            return 0, int(match.group(1)) if match else 0
        match = _TIME.fullmatch(self.at or "02:00")
        return (int(match.group(1)), int(match.group(2))) if match else (2, 0)

    def to_table(self) -> dict[str, Any]:
        table: dict[str, Any] = {}
        if self.every is not None:
            table["every"] = self.every
            if self.at is not None:
                table["at"] = self.at
            if self.weekdays != WEEKDAYS:
                table["weekdays"] = list(self.weekdays)
        if self.cron is not None:
            table["cron"] = self.cron
        if self.timezone != DEFAULT_TIMEZONE:
            table["timezone"] = self.timezone
        if self.alert_after_hours != DEFAULT_ALERT_AFTER_HOURS:
            table["alert_after_hours"] = self.alert_after_hours
        if not self.enabled:
            table["enabled"] = False
        return table


class EmailSettings(BaseModel):
    """SMTP: the server, who sends, who receives. The password is in the keyring (``smtp``)."""

    model_config = _FROZEN

    host: str | None = None
    port: int | None = None  # default by security: 587 starttls, 465 ssl, 25 none
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None  # no username: the server takes mail without logging in
    sender: str | None = None
    to: tuple[str, ...] = ()
    timeout_seconds: int = 30

    @field_validator("host", "username", mode="before")
    @classmethod
    def _texts(cls, value: object) -> str | None:
        return None if value is None else (_text(value) or None)

    @field_validator("sender", mode="before")
    @classmethod
    def _sender(cls, value: object) -> str | None:
        if value is None:
            return None
        text = _text(value)
        if not _EMAIL.fullmatch(text):
            _refuse(_("{address} is not an e-mail address").format(address=repr(text)))
        return text

    @field_validator("to", mode="before")
    @classmethod
    def _recipients(cls, value: object) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            _refuse(_('expected a list of e-mail addresses such as ["compta@acme.fr"]'))
        addresses = tuple(_text(item) for item in items)
        for address in addresses:
            if not _EMAIL.fullmatch(address):
                _refuse(_("{address} is not an e-mail address").format(address=repr(address)))
        return addresses

    @field_validator("security", mode="before")
    @classmethod
    def _security(cls, value: object) -> str:
        text = _text(value).lower()
        if text not in ("starttls", "ssl", "none"):
            _refuse(_('{value} is not allowed: expected "starttls" (port 587), "ssl" (port 465) or "none"').format(
                value=repr(value)))
        return text

    @field_validator("port", mode="before")
    @classmethod
    def _port(cls, value: object) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            _refuse(_("expected a port number between 1 and 65535, e.g. 587"))
        return value

    _timeout = field_validator("timeout_seconds", mode="before")(_timeout_seconds)

    def effective_port(self) -> int:
        return self.port or {"starttls": 587, "ssl": 465, "none": 25}[self.security]


class WebhookSettings(BaseModel):
    """A JSON POST signed with HMAC-SHA256; the signing key is in the keyring (``webhook``)."""

    model_config = _FROZEN

    url: str | None = None
    timeout_seconds: int = 30

    @field_validator("url", mode="before")
    @classmethod
    def _url(cls, value: object) -> str | None:
        if value is None:
            return None
        text = _text(value)
        if not re.fullmatch(r"https?://[^\s/@]+(/\S*)?", text):
            _refuse(_("{url} is not an http(s) address without a user name, e.g. "
                             "https://hooks.example.fr/sagesync").format(url=repr(text)))
        return text

    _timeout = field_validator("timeout_seconds", mode="before")(_timeout_seconds)


class AlertSettings(BaseModel):
    """Whom a run tells, and about what."""

    model_config = _FROZEN

    events: tuple[AlertEvent, ...] = ALERT_EVENTS
    language: Literal["fr", "en"] = "fr"
    console_url: str | None = None
    email: EmailSettings | None = None
    webhook: WebhookSettings | None = None
    # How many documents a message lists, with their fix; the rest is counted.
    max_listed: int = Field(default=20, ge=1, le=500)

    @field_validator("events", mode="before")
    @classmethod
    def _events(cls, value: object) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            _refuse(_('expected a list such as ["blocked", "failed", "changed", "stale"]'))
        events = tuple(_text(item).lower() for item in items)
        for event in events:
            if event not in ALERT_EVENTS:
                _refuse(_("{value} is not an event: expected blocked, failed, changed or stale").format(
                    value=repr(event)))
        return events

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: object) -> str:
        text = _text(value).lower()
        if text not in ("fr", "en"):
            _refuse(_('{value} is not allowed: expected "fr" or "en"').format(value=repr(value)))
        return text

    @field_validator("console_url", mode="before")
    @classmethod
    def _console(cls, value: object) -> str | None:
        if value is None:
            return None
        text = _text(value).rstrip("/")
        if not re.fullmatch(r"https?://[^\s/@?]+(/[^\s?]*)?", text):
            _refuse(_("{url} is not an http(s) address without a user name or a key, e.g. "
                             "http://cabinet:8765").format(url=repr(text)))
        return text

    def to_table(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=True, exclude_none=True)
