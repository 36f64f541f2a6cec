"""Sending an alert by e-mail (SMTP, from the standard library): plain text, UTF-8, one message."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sagesync.i18n import _
from sagesync.profiles.unattended import EmailSettings
from sagesync.unattended.compose import Message
from sagesync.unattended.errors import AlertNotSentError


def build_email(settings: EmailSettings, message: Message) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = settings.sender or ""
    email["To"] = ", ".join(settings.to)
    email["Date"] = formatdate(localtime=True)
    email["Message-ID"] = make_msgid(domain=(settings.sender or "sagesync@localhost").rpartition("@")[2])
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    email.set_content(message.text, charset="utf-8")
    return email


def send_email(settings: EmailSettings, password: str | None, message: Message) -> None:
    """Send ``message`` through the SMTP server of ``settings``; AlertNotSentError (no password in it) if not."""
    host, port = settings.host or "", settings.effective_port()
    email = build_email(settings, message)
    try:
        if settings.security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=settings.timeout_seconds,
                                                    context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=settings.timeout_seconds)
        with server:
            if settings.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.username:
                server.login(settings.username, password or "")
            server.send_message(email)
    except smtplib.SMTPAuthenticationError:
        raise AlertNotSentError(_("the SMTP server {server} refused the login {user}: check the user name and the "
                                  "SMTP password (`sagesync alerts set-secret smtp`)").format(
            server=f"{host}:{port}", user=settings.username)) from None
    except (smtplib.SMTPException, OSError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        raise AlertNotSentError(_("the e-mail could not be sent through {server}: {reason}").format(
            server=f"{host}:{port}", reason=reason)) from None
