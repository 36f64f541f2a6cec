"""Retries: what is worth trying again, how long to wait, and when to give up.

Retried on a read (GET, and the login, which changes nothing on the platform):
connection errors, timeouts, a connection reset or cut mid-answer, a 200 whose
body is cut or is not JSON, 429 and 5xx. ``Retry-After`` (seconds or an HTTP date)
is honoured on 429 and 503. Not retried: other 4xx, which a second try will not change.

A write (PATCH, POST) is replayed only when the platform cannot have acted on it:
the connection was never made, or the answer is 429 or 503 (refused before any
processing). A write whose answer was lost after it was sent (timeout, connection
cut, 500/502/504) may have been applied: it is reported, never replayed blindly.

Waits grow exponentially with jitter (so parallel requests do not retry in step).
A request gives up on a time budget (``RetryPolicy.budget``, default 300 s: long
enough to ride out a platform restart or a throttled minute, short enough that an
unattended run ends), not after a fixed number of attempts; past it, the platform
is reported unreachable, naming the URL, and the run stops cleanly.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import InitVar, dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import TypeVar

import httpx

from sagesync.errors import PlatformUnreachableError, SourceDataError
from sagesync.i18n import _

T = TypeVar("T")

RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# Answers that say the request was turned away before any processing: safe to replay even a write.
UNPROCESSED_STATUS = frozenset({429, 503})
# Transport errors raised before a byte of the request reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)

DEFAULT_BUDGET = 300.0


class RetryCause(StrEnum):
    """Why a request was tried again (the counters' keys)."""

    SERVER_ERROR = "server_error"  # 5xx
    THROTTLED = "throttled"  # 429
    MALFORMED = "malformed"  # a 200 whose body is cut or is not JSON
    CONNECTION = "connection"  # refused, reset, or closed mid-answer
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class RetryPolicy:
    budget: float = DEFAULT_BUDGET  # seconds one request may spend, waits and attempts together
    max_attempts: int | None = None  # None: only the budget bounds the attempts
    base_delay: float = 0.5  # seconds before the second attempt; doubles each time
    max_delay: float = 30.0  # longest backoff; also the longest Retry-After we accept to hold a request for
    jitter: float = 0.5  # a wait is stretched by up to this fraction, at random
    # A 200 that is not JSON at all this many times for one request is no network accident (a
    # proxy's HTML page, a wrong base URL): reported as a malformed answer instead of retried for
    # the budget. JSON cut short (it starts as JSON) is retried for the whole budget.
    max_malformed: int = 4
    sleep: Callable[[float], None] | None = field(default=None, repr=False)  # None: real time, stops on close
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    uniform: Callable[[], float] = field(default=random.random, repr=False)  # in [0, 1)
    max_total: InitVar[float | None] = None  # the budget's former name, still accepted

    def __post_init__(self, max_total: float | None) -> None:
        if max_total is not None:
            object.__setattr__(self, "budget", max_total)

    def delay(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait after failed attempt number ``attempt`` (1-based); None = give up."""
        if self.max_attempts is not None and attempt >= self.max_attempts:
            return None
        if retry_after is not None:
            if retry_after > self.max_delay:
                return None  # the platform asks for longer than we are willing to hold the run
            return retry_after * (1 + self.jitter * self.uniform() / 4)  # never earlier than asked
        backoff = min(self.max_delay, self.base_delay * 2.0 ** min(attempt - 1, 32))
        return backoff * (1 + self.jitter * self.uniform())


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else None  # NaN is no delay
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed attempt, described without secrets."""

    cause: RetryCause
    detail: str  # "HTTP 503", "ReadError", "a cut or non-JSON body (...)"
    retry_after: float | None = None
    unprocessed: bool = False  # the platform cannot have acted on it: a write may be replayed
    message: str = ""  # for MALFORMED: the full sentence to report when giving up (names URL and page)
    not_json: bool = False  # MALFORMED, and not even the start of JSON: counts towards max_malformed


class RetryableFailure(Exception):
    """Raised by an attempt that failed in a way worth trying again."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.detail)
        self.failure = failure


def failure_of_status(response: httpx.Response) -> Failure | None:
    """The failure a status stands for, or None if the answer is final (2xx, 3xx, other 4xx)."""
    status = response.status_code
    if status not in RETRIABLE_STATUS:
        return None
    detail = f"HTTP {status}"
    retry_after = None
    if status in UNPROCESSED_STATUS:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is not None:
            detail += f" (Retry-After {retry_after:g} s)"
    cause = RetryCause.THROTTLED if status == 429 else RetryCause.SERVER_ERROR
    return Failure(cause, detail, retry_after, unprocessed=status in UNPROCESSED_STATUS)


def failure_of_error(error: httpx.TransportError) -> Failure:
    cause = RetryCause.TIMEOUT if isinstance(error, httpx.TimeoutException) else RetryCause.CONNECTION
    return Failure(cause, type(error).__name__, unprocessed=isinstance(error, _NOT_SENT))


def malformed(message: str, body: bytes) -> RetryableFailure:
    """A 200 whose ``body`` cannot be read (cut, or not JSON); ``message`` names the URL and page."""
    cut = body.lstrip()[:1] in (b"{", b"[")
    detail = "a cut JSON body" if cut else "a body that is not JSON"
    return RetryableFailure(Failure(RetryCause.MALFORMED, detail, message=message, not_json=not cut))


class Stopped(PlatformUnreachableError):
    """The client was closed while a request waited to be retried."""


def run_with_retries(attempt: Callable[[], T], policy: RetryPolicy, what: str, *, replayable: bool = True,
                     on_retry: Callable[[Failure], None] | None = None,
                     stop: threading.Event | None = None) -> T:
    """Call ``attempt`` until it returns; it raises ``RetryableFailure`` or ``httpx.TransportError`` to ask again.

    ``what`` names the call in errors ("GET https://…/v1/invoices/list/7/?page=2"; no secrets).
    ``replayable`` is false for writes: only failures the platform cannot have acted on are retried.
    ``on_retry`` hears each failure that is retried (counters); ``stop`` cuts the waits short.
    """
    started = policy.clock()
    attempts = 0
    malformed_count = 0
    while True:
        attempts += 1
        try:
            return attempt()
        except RetryableFailure as raised:
            failure = raised.failure
        except httpx.TransportError as error:  # connect, timeout, connection reset or cut mid-answer
            failure = failure_of_error(error)
        elapsed = policy.clock() - started
        if failure.not_json:
            malformed_count += 1
        if not replayable and not failure.unprocessed:
            raise PlatformUnreachableError(
                _("{what} was sent but its answer was lost ({detail}): it may have been applied, so it is not "
                  "repeated; check it on the platform, then run again").format(what=what, detail=failure.detail)
            ) from None
        wait = None if malformed_count >= policy.max_malformed else policy.delay(attempts, failure.retry_after)
        if wait is None or elapsed + wait > policy.budget:
            if failure.cause is RetryCause.MALFORMED and failure.message:
                raise SourceDataError(_("{problem} (after {attempts} attempt(s))").format(
                    problem=failure.message, attempts=attempts)) from None
            raise PlatformUnreachableError(
                _("the platform did not answer {what} after {attempts} attempt(s) in {seconds} s (last: {detail}); "
                  "check the base URL and the network, or try again later").format(
                    what=what, attempts=attempts, seconds=f"{elapsed:.0f}", detail=failure.detail)) from None
        if on_retry is not None:
            on_retry(failure)
        if policy.sleep is not None:
            policy.sleep(wait)
        elif stop is None:
            time.sleep(wait)
        elif stop.wait(wait):
            raise Stopped(_("{what} was abandoned: the platform client was closed while it waited to retry").format(
                what=what))


def send_with_retries(send: Callable[[], httpx.Response], policy: RetryPolicy, what: str, *,
                      replayable: bool = True) -> httpx.Response:
    """Call ``send`` until it gives a non-retriable answer (the answer's status alone decides)."""
    def attempt() -> httpx.Response:
        response = send()
        failure = failure_of_status(response)
        if failure is not None:
            response.close()
            raise RetryableFailure(failure)
        return response

    return run_with_retries(attempt, policy, what, replayable=replayable)
