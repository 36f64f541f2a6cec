"""The retry engine and the in-flight limit, on a fake clock: what is replayed, for how long, how many at once."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from sagesync.errors import PlatformUnreachableError, SourceDataError
from sagesync.sources.ooti.counters import CounterBoard, RetryCounters
from sagesync.sources.ooti.retry import (
    Failure,
    RetryableFailure,
    RetryCause,
    RetryPolicy,
    Stopped,
    failure_of_status,
    malformed,
    run_with_retries,
    send_with_retries,
)
from sagesync.sources.ooti.throttle import AdaptiveLimit, Closed, Slot


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def policy(fake: FakeTime, **settings: float) -> RetryPolicy:
    return RetryPolicy(sleep=fake.sleep, clock=fake.clock, uniform=lambda: 0.0, jitter=0,  # type: ignore[arg-type]
                       **{"base_delay": 1, **settings})


def failing(*outcomes: Exception | httpx.Response, then: object = "ok") -> tuple[list[int], object]:
    calls: list[int] = []
    queue = list(outcomes)

    def attempt() -> object:
        calls.append(1)
        if not queue:
            return then
        outcome = queue.pop(0)
        if isinstance(outcome, httpx.Response):
            failure = failure_of_status(outcome)
            assert failure is not None
            raise RetryableFailure(failure)
        raise outcome

    return calls, attempt


def test_no_fixed_attempt_count_the_budget_decides() -> None:
    fake = FakeTime()
    calls, attempt = failing(*[httpx.ReadError("reset")] * 20)
    assert run_with_retries(attempt, policy(fake, max_delay=4, budget=100), "GET x") == "ok"  # type: ignore[arg-type]
    assert len(calls) == 21 and sum(fake.sleeps) <= 100


def test_the_budget_ends_it_and_names_the_call() -> None:
    fake = FakeTime()
    _, attempt = failing(*[httpx.Response(502)] * 1000)
    with pytest.raises(PlatformUnreachableError, match=r"did not answer GET https://h/api/v1/x/ after 6 attempt.*"
                                                       r"HTTP 502"):
        run_with_retries(attempt, policy(fake, max_delay=8, budget=30), "GET https://h/api/v1/x/")
    assert sum(fake.sleeps) <= 30


@pytest.mark.parametrize("header", ["4", "Thu, 01 Jan 2099 00:00:00 GMT"])
def test_retry_after_is_honoured_on_503_too(header: str) -> None:
    fake = FakeTime()
    _, attempt = failing(httpx.Response(503, headers={"Retry-After": header}))
    slow = policy(fake, max_delay=10**10, budget=10**10)
    assert run_with_retries(attempt, slow, "GET x") == "ok"  # type: ignore[arg-type]
    assert fake.sleeps[0] >= 4


def test_retry_after_is_not_read_on_a_500() -> None:
    failure = failure_of_status(httpx.Response(500, headers={"Retry-After": "9"}))
    assert failure is not None and failure.retry_after is None and not failure.unprocessed


@pytest.mark.parametrize("error", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"),
                                   httpx.PoolTimeout("busy"), httpx.Response(429), httpx.Response(503)])
def test_a_write_is_replayed_only_when_the_platform_cannot_have_acted(error: Exception | httpx.Response) -> None:
    calls, attempt = failing(error)
    assert run_with_retries(attempt, policy(FakeTime()), "PATCH x", replayable=False) == "ok"  # type: ignore[arg-type]
    assert len(calls) == 2


@pytest.mark.parametrize("error", [httpx.ReadError("reset"), httpx.RemoteProtocolError("closed mid-body"),
                                   httpx.ReadTimeout("late"), httpx.WriteError("broken pipe"), httpx.Response(500),
                                   httpx.Response(502), httpx.Response(504)])
def test_a_write_whose_answer_was_lost_is_reported_not_replayed(error: Exception | httpx.Response) -> None:
    calls, attempt = failing(error)
    with pytest.raises(PlatformUnreachableError, match=r"PATCH https://h/v1/invoices/7/ was sent but its answer "
                                                       r"was lost .*may have been applied.*not repeated"):
        run_with_retries(attempt, policy(FakeTime()), "PATCH https://h/v1/invoices/7/", replayable=False)
    assert len(calls) == 1


def test_cut_json_is_retried_for_the_budget_but_a_page_that_is_not_json_gives_up_soon() -> None:
    fake = FakeTime()
    cut = malformed("page 2 of https://h/v1/x/ is cut", b'{"results": [{"pk": 1')
    calls, attempt = failing(*[cut] * 10)
    assert run_with_retries(attempt, policy(fake, max_delay=1, budget=100), "GET x") == "ok"  # type: ignore[arg-type]
    assert len(calls) == 11
    html = malformed("page 2 of https://h/v1/x/ is not JSON", b"<html>Login</html>")
    calls, attempt = failing(*[html] * 10)
    with pytest.raises(SourceDataError, match=r"page 2 of https://h/v1/x/ is not JSON \(after 4 attempt"):
        run_with_retries(attempt, policy(fake, max_delay=1, budget=100), "GET x")
    assert len(calls) == 4


def test_each_retry_is_heard_with_its_cause() -> None:
    heard: list[RetryCause] = []
    _, attempt = failing(httpx.Response(429), httpx.Response(503), httpx.ReadTimeout("late"), httpx.ReadError("x"),
                         malformed("m", b"{"))
    run_with_retries(attempt, policy(FakeTime()), "GET x", on_retry=lambda failure: heard.append(failure.cause))
    assert heard == [RetryCause.THROTTLED, RetryCause.SERVER_ERROR, RetryCause.TIMEOUT, RetryCause.CONNECTION,
                     RetryCause.MALFORMED]


def test_closing_cuts_a_wait_short() -> None:
    stop = threading.Event()
    _, attempt = failing(*[httpx.Response(503)] * 3)
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Stopped, match="closed"):
        run_with_retries(attempt, RetryPolicy(base_delay=30, max_delay=30), "GET x", stop=stop)
    assert time.monotonic() - started < 5


def test_send_with_retries_keeps_its_contract() -> None:
    fake = FakeTime()
    answers = iter([httpx.Response(503, headers={"Retry-After": "2"}), httpx.Response(200)])
    assert send_with_retries(lambda: next(answers), policy(fake), "GET x").status_code == 200
    assert fake.sleeps == [2]


def test_the_former_name_of_the_budget_still_works() -> None:
    assert RetryPolicy(max_total=12).budget == 12 and RetryPolicy().budget == 300


# --- the in-flight limit ------------------------------------------------------------------------


def test_a_burst_of_429s_halves_the_limit_once_then_successes_raise_it_again() -> None:
    limit = AdaptiveLimit(6)
    slots = [limit.acquire() for _ in range(6)]
    cuts = [limit.release(slot, throttled=True) for slot in slots]
    assert cuts == [True, False, False, False, False, False] and limit.limit == 3
    slot = limit.acquire()
    assert limit.release(slot, throttled=True) and limit.limit == 1  # a 429 sent after the cut: news
    for expected in (2, 3, 4):
        for _ in range(limit.limit):
            limit.release(limit.acquire(), succeeded=True)
        assert limit.limit == expected
    assert limit.lowest == 1


def test_the_limit_bounds_requests_at_once_and_never_goes_below_one() -> None:
    limit = AdaptiveLimit(2)
    first, second = limit.acquire(), limit.acquire()
    got: list[Slot] = []
    waiter = threading.Thread(target=lambda: got.append(limit.acquire()))
    waiter.start()
    time.sleep(0.05)
    assert got == [] and limit.in_flight == 2
    limit.release(first, throttled=True)
    limit.release(second, throttled=True)
    waiter.join(timeout=2)
    assert len(got) == 1 and limit.limit == 1
    limit.release(got[0], throttled=True)  # sent after the cut: cuts again, but never below one
    assert limit.limit == 1 and limit.in_flight == 0


def test_retry_after_of_a_429_holds_every_new_request() -> None:
    limit = AdaptiveLimit(4)
    limit.release(limit.acquire(), throttled=True, retry_after=0.3)
    started = time.monotonic()
    limit.release(limit.acquire(), succeeded=True)  # another thread's next request waits too
    assert time.monotonic() - started >= 0.25


def test_closing_wakes_the_waiters() -> None:
    limit = AdaptiveLimit(1)
    limit.acquire()
    raised: list[BaseException] = []

    def wait() -> None:
        try:
            limit.acquire()
        except Closed as error:
            raised.append(error)

    waiter = threading.Thread(target=wait)
    waiter.start()
    limit.close()
    waiter.join(timeout=2)
    assert len(raised) == 1


# --- counters ------------------------------------------------------------------------------------


def test_counters_are_a_small_frozen_snapshot() -> None:
    board = CounterBoard()
    for cause in (RetryCause.THROTTLED, RetryCause.THROTTLED, RetryCause.SERVER_ERROR):
        board.retried(Failure(cause, "x"))
    board.throttled()
    counters = board.snapshot(3, 2, 1)
    assert counters == RetryCounters({RetryCause.THROTTLED: 2, RetryCause.SERVER_ERROR: 1}, 1, 3, 2, 1)
    assert counters.retries == 3
    assert counters.summary() == ("3 request(s) retried (1 server_error, 2 throttled); 1 throttle event(s), "
                                  "down to 2 request(s) at once; session renewed 1 time(s)")
    assert RetryCounters().summary() == "no request retried"
    with pytest.raises(AttributeError):
        counters.throttle_events = 5  # type: ignore[misc]
