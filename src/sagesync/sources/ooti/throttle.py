"""How many requests the client sends at once: fewer when the platform says it is throttling.

AIMD, as TCP does with its window: a 429 halves the number of requests allowed in
flight (never below one), and each run of successes as long as the current limit
raises it by one again, up to the client's ``max_in_flight``. A burst of 429s
answering requests sent together is one signal, not six: only a 429 for a request
sent after the last cut cuts again. A 429's ``Retry-After`` also holds every new
request until then, so the other threads do not spend their attempts meanwhile.

Waiting for a slot counts in a request's time budget: a platform that throttles for
longer than the budget is, for this run, unreachable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Slot:
    """A permission to send one request; ``epoch`` tells whether a 429 for it is news."""

    epoch: int


class Closed(Exception):
    """The limiter was closed (the client is closing) while waiting for a slot."""


class AdaptiveLimit:
    def __init__(self, maximum: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.maximum = max(1, maximum)
        self._limit = self.maximum
        self._lowest = self.maximum
        self._in_flight = 0
        self._successes = 0  # in a row since the last change of the limit
        self._epoch = 0  # bumped at each cut
        self._hold_until = 0.0
        self._closed = False
        self._clock = clock
        self._changed = threading.Condition()

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def lowest(self) -> int:
        """The lowest limit so far: how hard the platform throttled this run."""
        return self._lowest

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def acquire(self) -> Slot:
        with self._changed:
            while True:
                if self._closed:
                    raise Closed()
                wait = self._hold_until - self._clock()
                if wait <= 0 and self._in_flight < self._limit:
                    self._in_flight += 1
                    return Slot(self._epoch)
                self._changed.wait(wait if wait > 0 else None)

    def release(self, slot: Slot, *, throttled: bool = False, succeeded: bool = False,
                retry_after: float | None = None) -> bool:
        """Give the slot back, saying how the request went; returns True when the limit was cut."""
        with self._changed:
            self._in_flight -= 1
            cut = False
            if throttled:
                self._successes = 0
                if retry_after:
                    self._hold_until = max(self._hold_until, self._clock() + retry_after)
                if slot.epoch == self._epoch:
                    self._limit = max(1, self._limit // 2)
                    self._lowest = min(self._lowest, self._limit)
                    self._epoch += 1
                    cut = True
            elif succeeded:
                self._successes += 1
                if self._successes >= self._limit and self._limit < self.maximum:
                    self._limit += 1
                    self._successes = 0
            self._changed.notify_all()
            return cut

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
