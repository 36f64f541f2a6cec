"""Sending an alert as a JSON POST signed with HMAC-SHA256.

The receiver checks the signature with the shared key (kept in the keyring, never sent)::

    X-Sagesync-Timestamp: 1767225600
    X-Sagesync-Signature: sha256=<hex of HMAC-SHA256(key, "<timestamp>." + body)>
    X-Sagesync-Delivery: <a fresh id: the same message sent again keeps it, to drop duplicates>

Signing the timestamp with the body lets a receiver refuse a replayed message (older than a few
minutes). The body is UTF-8 JSON, ``sagesync.unattended.compose`` says what it holds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable

import httpx

from sagesync import __version__
from sagesync.i18n import _
from sagesync.profiles.unattended import WebhookSettings
from sagesync.unattended.compose import Message, scrub
from sagesync.unattended.errors import AlertNotSentError

SIGNATURE_HEADER = "X-Sagesync-Signature"
TIMESTAMP_HEADER = "X-Sagesync-Timestamp"
DELIVERY_HEADER = "X-Sagesync-Delivery"
ATTEMPTS = 3


def signature(key: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` of the timestamp and the body: what the receiver recomputes."""
    digest = hmac.new(key.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(key: str, timestamp: str, body: bytes, given: str) -> bool:
    """The receiver's check (also what the tests use)."""
    try:
        expected = signature(key, int(timestamp), body)
    except ValueError:
        return False
    return hmac.compare_digest(expected, given)


def signed_request(key: str, message: Message, now: float | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(message.payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    timestamp = int(now if now is not None else time.time())
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": f"sagesync/{__version__}",
               TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(key, timestamp, body),
               DELIVERY_HEADER: str(uuid.uuid4())}
    return body, headers


def post_webhook(settings: WebhookSettings, key: str, message: Message, *,
                 sleep: Callable[[float], None] = time.sleep, transport: httpx.BaseTransport | None = None) -> int:
    """POST ``message``; retried on a lost connection or a 5xx / 429 (same delivery id). The status code."""
    url = settings.url or ""
    body, headers = signed_request(key, message)
    problem = ""
    with httpx.Client(timeout=settings.timeout_seconds, transport=transport, follow_redirects=False) as client:
        for attempt in range(ATTEMPTS):
            if attempt:
                sleep(2.0 * attempt)
            try:
                answer = client.post(url, content=body, headers=headers)
            except httpx.HTTPError as error:
                problem = type(error).__name__
                continue
            if answer.is_success:
                return answer.status_code
            problem = f"HTTP {answer.status_code}"
            if answer.status_code < 500 and answer.status_code != 429:
                break  # the receiver refused this message: sending it again will not help
    raise AlertNotSentError(_("the webhook {url} did not take the alert: {problem}").format(url=scrub(url),
                                                                                          problem=problem))
