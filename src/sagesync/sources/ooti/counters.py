"""What the platform client had to try again, so a step can say "N requests retried".

``OotiClient.counters`` returns a ``RetryCounters`` snapshot: a plain, frozen value
that can be logged or shown as is (it holds no URL, token or password).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sagesync.sources.ooti.retry import Failure, RetryCause


@dataclass(frozen=True, slots=True)
class RetryCounters:
    retries_by_cause: Mapping[RetryCause, int] = field(default_factory=lambda: MappingProxyType({}))
    throttle_events: int = 0  # times a 429 cut the number of requests in flight
    in_flight_limit: int = 0  # requests allowed at once now
    lowest_in_flight_limit: int = 0  # the lowest it went this run
    token_renewals: int = 0  # access tokens refreshed (or logins redone) after a 401

    @property
    def retries(self) -> int:
        """Attempts repeated, all causes together."""
        return sum(self.retries_by_cause.values())

    def summary(self) -> str:
        """One line for a step's report.

        E.g. ``12 request(s) retried (5 server_error, 7 throttled); 2 throttle event(s), down to 3 request(s) at once``.
        """
        if not self.retries and not self.token_renewals:
            return "no request retried"
        causes = ", ".join(f"{count} {cause}" for cause, count in sorted(self.retries_by_cause.items()) if count)
        text = f"{self.retries} request(s) retried" + (f" ({causes})" if causes else "")
        if self.throttle_events:
            text += (f"; {self.throttle_events} throttle event(s), down to {self.lowest_in_flight_limit} "
                     f"request(s) at once")
        if self.token_renewals:
            text += f"; session renewed {self.token_renewals} time(s)"
        return text


class CounterBoard:
    """The client's running tallies, shared by its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._retries: Counter[RetryCause] = Counter()
        self._throttle_events = 0

    def retried(self, failure: Failure) -> None:
        with self._lock:
            self._retries[failure.cause] += 1

    def throttled(self) -> None:
        with self._lock:
            self._throttle_events += 1

    def snapshot(self, in_flight_limit: int, lowest_in_flight_limit: int, token_renewals: int) -> RetryCounters:
        with self._lock:
            return RetryCounters(MappingProxyType(dict(self._retries)), self._throttle_events, in_flight_limit,
                                 lowest_in_flight_limit, token_renewals)
