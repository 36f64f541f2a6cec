"""Fault injection for the sandbox: the failures a real platform and network produce.

Deterministic: whether the n-th request for one method and URL fails depends only
on the seed, that URL and n, never on thread timing. A retried request is the
(n+1)-th for its URL, so it draws again: rates below 1 always let a retry through
eventually, and two runs with the same seed fail the same way.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from hashlib import blake2b


class Fault(StrEnum):
    NONE = "none"
    SERVER_ERROR = "server_error"  # 503 with a JSON detail
    RATE_LIMIT = "rate_limit"  # 429 with Retry-After
    TRUNCATE = "truncate"  # the body is cut half-way and the connection closed


@dataclass(frozen=True)
class Faults:
    error_rate: float = 0.0  # share of API answers replaced by a 503
    rate_limit_rate: float = 0.0  # share answered 429
    retry_after: int = 1  # seconds announced in Retry-After
    truncate_rate: float = 0.0  # share whose body is cut mid-way
    slow_rate: float = 0.0  # share answered late
    slow_seconds: float = 0.5
    fail_first: int = 0  # the first N requests of every URL get a 503 (simple deterministic tests)
    seed: int = 0
    spare_login: bool = True  # never fault the login routes, so tests aim at paging and items

    @property
    def active(self) -> bool:
        rates = (self.error_rate, self.rate_limit_rate, self.truncate_rate, self.slow_rate)
        return any(rate > 0 for rate in rates) or self.fail_first > 0


@dataclass(frozen=True, slots=True)
class Decision:
    fault: Fault
    slow: bool


class FaultPlan:
    """Decides, per request, which fault (if any) the sandbox plays."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.played: Counter[Fault] = Counter()

    def _draw(self, salt: str, target: str, occurrence: int) -> float:
        digest = blake2b(f"{self.faults.seed}|{salt}|{target}|{occurrence}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64

    def decide(self, method: str, target: str) -> Decision:
        faults = self.faults
        key = f"{method} {target}"
        with self._lock:
            occurrence = self._seen[key]
            self._seen[key] += 1
        if occurrence < faults.fail_first:
            fault = Fault.SERVER_ERROR
        else:
            draw = self._draw("fault", key, occurrence)
            fault = Fault.NONE
            for candidate, rate in ((Fault.SERVER_ERROR, faults.error_rate),
                                    (Fault.RATE_LIMIT, faults.rate_limit_rate),
                                    (Fault.TRUNCATE, faults.truncate_rate)):
                if draw < rate:
                    fault = candidate
                    break
                draw -= rate
        slow = faults.slow_rate > 0 and self._draw("slow", key, occurrence) < faults.slow_rate
        with self._lock:
            self.played[fault] += 1
        return Decision(fault, slow)
