"""The unattended side's own errors, in the families of ``sagesync.errors``."""

from __future__ import annotations

from sagesync.errors import ConfigurationError, UnreachableError


class AlertNotSentError(UnreachableError):
    """The SMTP server or the webhook receiver did not take the message."""


class AlertSettingsError(ConfigurationError):
    """The merged alert settings miss what a message needs (a host, a recipient, a key...)."""


class QueueUnreachableError(UnreachableError):
    """The job queue's PostgreSQL cannot be reached."""
