"""Retries: what is worth trying again, how long to wait, and when to give up.

Retried: connection errors, timeouts, a connection cut mid-answer, 429 (waiting
what ``Retry-After`` asks) and 5xx. Not retried: 4xx, which a second try will not
change. Waits grow exponentially with jitter (so parallel requests do not retry
in step), and both the number of attempts and the total time are bounded: past
either, the platform is reported unreachable and the run stops cleanly.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from sagesync.errors import PlatformUnreachableError

RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.5  # seconds before the second attempt; doubles each time
    max_delay: float = 30.0  # longest single wait, Retry-After included
    max_total: float = 180.0  # seconds one call may spend, waits and attempts together
    jitter: float = 0.5  # a wait is stretched by up to this fraction, at random
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    uniform: Callable[[], float] = field(default=random.random, repr=False)  # in [0, 1)

    def delay(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait after failed attempt number ``attempt`` (1-based); None = give up."""
        if attempt >= self.max_attempts:
            return None
        if retry_after is not None:
            if retry_after > self.max_delay:
                return None  # the platform asks for longer than we are willing to hold the run
            return retry_after * (1 + self.jitter * self.uniform() / 4)  # never earlier than asked
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return backoff * (1 + self.jitter * self.uniform())


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def send_with_retries(send: Callable[[], httpx.Response], policy: RetryPolicy, what: str) -> httpx.Response:
    """Call ``send`` until it gives a non-retriable answer; ``what`` names the call in errors (no secrets)."""
    started = policy.clock()
    attempt = 0
    while True:
        attempt += 1
        retry_after: float | None = None
        try:
            response = send()
        except httpx.TransportError as error:  # connect, timeout, connection cut mid-answer
            last = f"{type(error).__name__}"
        else:
            if response.status_code not in RETRIABLE_STATUS:
                return response
            last = f"HTTP {response.status_code}"
            if response.status_code == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is not None:
                    last += f" (Retry-After {retry_after:g} s)"
            response.close()
        wait = policy.delay(attempt, retry_after)
        if wait is None or policy.clock() - started + wait > policy.max_total:
            raise PlatformUnreachableError(
                f"the platform did not answer {what} after {attempt} attempt(s) in "
                f"{policy.clock() - started:.0f} s (last: {last}); check the base URL and the network, "
                "or try again later")
        policy.sleep(wait)
