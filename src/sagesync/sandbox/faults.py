"""Fault injection for the sandbox: the failures a real platform and network produce.

Per request, at the rates given:

- ``error_rate``: a 5xx (``error_status``, 503 by default), with ``Retry-After`` when
  ``error_retry_after`` is set;
- ``rate_limit_rate``: a 429 with ``Retry-After: retry_after``;
- ``requests_per_second``: a token bucket (``burst`` deep): a request finding it empty is
  answered 429 with the seconds until the next token (rounded up, as HTTP wants);
- ``truncate_rate``: the body is cut half-way and the connection closed (the client
  sees fewer bytes than ``Content-Length`` promised);
- ``cut_rate``: a complete HTTP answer whose JSON is cut half-way, ``Content-Length``
  shortened to match (a proxy that lost the end: only the JSON parser notices);
- ``reset_rate``: the connection is reset (RST) before any answer;
- ``slow_rate``: the answer comes ``slow_seconds`` late (a client timeout, if shorter);
- ``token_seconds`` / ``token_requests``: an access token stops working after that many
  seconds or requests (401), as the live platform's 30-minute tokens do mid-run.

``retry_after_as_date`` writes every ``Retry-After`` as an HTTP date instead of seconds.

Deterministic: whether the n-th request for one method and URL fails depends only
on the seed, that URL and n, never on thread timing. A retried request is the
(n+1)-th for its URL, so it draws again: rates below 1 always let a retry through
eventually, and two runs with the same seed fail the same way. (The token bucket
and token expiry follow the clock and the request count, as a real platform does.)
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from hashlib import blake2b


class Fault(StrEnum):
    NONE = "none"
    SERVER_ERROR = "server_error"  # a 5xx with a JSON detail
    RATE_LIMIT = "rate_limit"  # 429 with Retry-After (drawn, or the token bucket empty)
    TRUNCATE = "truncate"  # the body is cut half-way and the connection closed
    CUT_BODY = "cut_body"  # a 200 whose JSON is cut, Content-Length matching the cut body
    RESET = "reset"  # the connection is reset before any answer


@dataclass(frozen=True)
class Faults:
    error_rate: float = 0.0  # share of API answers replaced by a 5xx
    error_status: int = 503
    error_retry_after: int | None = None  # Retry-After sent with the 5xx; None: no header
    rate_limit_rate: float = 0.0  # share answered 429
    retry_after: int = 1  # seconds announced in the Retry-After of a drawn 429
    retry_after_as_date: bool = False  # Retry-After as an HTTP date rather than seconds
    requests_per_second: float = 0.0  # token bucket; 0: no rate limit
    burst: int = 0  # the bucket's depth; 0: one second's worth of requests
    truncate_rate: float = 0.0  # share whose body is cut mid-way and the connection closed
    cut_rate: float = 0.0  # share answered with a cut JSON body and a matching Content-Length
    reset_rate: float = 0.0  # share whose connection is reset before any answer
    slow_rate: float = 0.0  # share answered late
    slow_seconds: float = 0.5
    fail_first: int = 0  # the first N requests of every URL get a 5xx (simple deterministic tests)
    token_seconds: float | None = None  # access tokens expire after this many seconds
    token_requests: int | None = None  # ... or after this many requests
    seed: int = 0
    spare_login: bool = True  # never fault the login routes, so tests aim at paging and items

    @property
    def active(self) -> bool:
        """Whether requests may be faulted (token expiry aside, which the server applies itself)."""
        rates = (self.error_rate, self.rate_limit_rate, self.truncate_rate, self.cut_rate, self.reset_rate,
                 self.slow_rate, self.requests_per_second)
        return any(rate > 0 for rate in rates) or self.fail_first > 0

    @property
    def changed(self) -> bool:
        """Whether anything differs from a faultless platform (what ``sagesync sandbox`` reports)."""
        return self.active or self.token_seconds is not None or self.token_requests is not None

    def describe(self) -> str:
        """The settings that differ from the defaults, e.g. ``error_rate=0.2, requests_per_second=5, seed=3``."""
        default = Faults()
        changed = [f"{name}={value}" for name, value in vars(self).items() if value != getattr(default, name)]
        return ", ".join(changed) or "none"


@dataclass(frozen=True, slots=True)
class Decision:
    fault: Fault
    slow: bool
    retry_after: int | None = None  # seconds to announce, for a 429 or a 5xx


class TokenBucket:
    """``rate`` requests a second on average, ``depth`` at once; thread-safe."""

    def __init__(self, rate: float, depth: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.depth, self._clock = rate, max(1, depth), clock
        self._tokens = float(self.depth)
        self._at = clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """0 when a token was taken; else the seconds until one is there (nothing taken)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.depth, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate


class FaultPlan:
    """Decides, per request, which fault (if any) the sandbox plays."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.played: Counter[Fault] = Counter()
        self.bucket = (TokenBucket(faults.requests_per_second, faults.burst or math.ceil(faults.requests_per_second))
                       if faults.requests_per_second > 0 else None)

    def _draw(self, salt: str, target: str, occurrence: int) -> float:
        digest = blake2b(f"{self.faults.seed}|{salt}|{target}|{occurrence}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64

    def decide(self, method: str, target: str) -> Decision:
        faults = self.faults
        key = f"{method} {target}"
        with self._lock:
            occurrence = self._seen[key]
            self._seen[key] += 1
        retry_after: int | None = None
        if occurrence < faults.fail_first:
            fault = Fault.SERVER_ERROR
        else:
            draw = self._draw("fault", key, occurrence)
            fault = Fault.NONE
            for candidate, rate in ((Fault.SERVER_ERROR, faults.error_rate),
                                    (Fault.RATE_LIMIT, faults.rate_limit_rate),
                                    (Fault.TRUNCATE, faults.truncate_rate),
                                    (Fault.CUT_BODY, faults.cut_rate),
                                    (Fault.RESET, faults.reset_rate)):
                if draw < rate:
                    fault = candidate
                    break
                draw -= rate
        if fault is Fault.SERVER_ERROR:
            retry_after = faults.error_retry_after
        elif fault is Fault.RATE_LIMIT:
            retry_after = faults.retry_after
        if self.bucket is not None:
            # The rate limit sits in front of everything else, as a proxy's would: every request takes a token.
            wait = self.bucket.take()
            if wait > 0:
                fault, retry_after = Fault.RATE_LIMIT, max(1, math.ceil(wait))
        slow = faults.slow_rate > 0 and self._draw("slow", key, occurrence) < faults.slow_rate
        with self._lock:
            self.played[fault] += 1
        return Decision(fault, slow, retry_after)
