"""The paginator's contract and the retry policy, without a network."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from sagesync.errors import PlatformUnreachableError, SourceDataError
from sagesync.sources.ooti.paging import Paginator, read_page
from sagesync.sources.ooti.retry import RetryPolicy, parse_retry_after, send_with_retries

URL = "http://127.0.0.1:1/api/v1/invoices/list/7/"


def envelope(pks: list[int], next_page: int | None, count: int | None = None) -> dict[str, object]:
    return {"count": count if count is not None else len(pks),
            "next": f"{URL}?page={next_page}" if next_page else None, "previous": None,
            "results": [{"pk": pk} for pk in pks]}


def test_pages_until_next_is_null() -> None:
    paginator = Paginator(URL, 2)
    assert paginator.accept(envelope([1, 2], 2, count=5)).rows == [{"pk": 1}, {"pk": 2}]
    assert paginator.last_page == 3 and paginator.may_exist(3) and not paginator.may_exist(4)
    paginator.accept(envelope([3, 4], 3, count=5))
    assert not paginator.finished
    paginator.accept(envelope([5], None, count=5))
    assert paginator.finished and not paginator.may_exist(4)


def test_without_count_only_the_next_page_may_be_asked() -> None:
    paginator = Paginator(URL, 2)
    paginator.accept({"next": f"{URL}?page=2", "results": [{"pk": 1}, {"pk": 2}]})
    assert paginator.may_exist(2) and not paginator.may_exist(3)


def test_an_empty_page_ends_the_list_even_with_a_next_link() -> None:
    paginator = Paginator(URL, 2)
    paginator.accept(envelope([], 2))
    assert paginator.finished


def test_without_next_key_a_short_page_ends_the_list() -> None:
    assert read_page({"results": [{"pk": 1}, {"pk": 2}]}, 1, 2, URL).has_next
    assert not read_page({"results": [{"pk": 1}]}, 1, 2, URL).has_next


def test_a_bare_array_is_the_whole_list() -> None:
    page = read_page([{"pk": 1}, {"pk": 2}], 1, 50, URL)
    assert page.rows == [{"pk": 1}, {"pk": 2}] and not page.has_next


def test_a_page_that_repeats_an_earlier_one_raises() -> None:
    paginator = Paginator(URL, 2)
    paginator.accept(envelope([1, 2], 2, count=6))
    with pytest.raises(SourceDataError, match=r"page 2 of .* repeats page 1"):
        paginator.accept(envelope([1, 2], 3, count=6))


def test_a_next_link_seen_twice_raises() -> None:
    paginator = Paginator(URL, 2)
    paginator.accept(envelope([1, 2], 2))
    with pytest.raises(SourceDataError, match="points again"):
        paginator.accept(envelope([3, 4], 2))


def test_a_list_that_grows_while_read_goes_on_page_by_page() -> None:
    paginator = Paginator(URL, 2)
    paginator.accept(envelope([1, 2], 2, count=4))
    paginator.accept(envelope([3, 4], 3, count=5))  # page 2 was announced as the last
    assert paginator.last_page is None and paginator.may_exist(3)


@pytest.mark.parametrize("body", [{"detail": "oops"}, "text", None, {"results": "x"}, {"results": [1, 2]},
                                  {"results": [], "next": 3}])
def test_a_malformed_envelope_names_the_url_and_page(body: object) -> None:
    with pytest.raises(SourceDataError, match=r"page 4 of http://127\.0\.0\.1:1/api/v1/invoices/list/7/"):
        read_page(body, 4, 50, URL)


# --- retry policy ------------------------------------------------------------------------


def test_waits_grow_and_are_bounded() -> None:
    policy = RetryPolicy(max_attempts=8, base_delay=1, max_delay=5, jitter=0, uniform=lambda: 0.5)
    assert [policy.delay(attempt) for attempt in range(1, 9)] == [1, 2, 4, 5, 5, 5, 5, None]


def test_jitter_stretches_a_wait_but_never_shortens_retry_after() -> None:
    policy = RetryPolicy(base_delay=1, jitter=0.5, uniform=lambda: 0.999)
    wait = policy.delay(1)
    assert wait is not None and 1 < wait < 1.5
    asked = policy.delay(1, retry_after=3)
    assert asked is not None and 3 <= asked < 3.5
    assert RetryPolicy(max_delay=10).delay(1, retry_after=60) is None  # too long to hold the run


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7
    assert parse_retry_after("Wed, 25 Nov 2026 12:00:30 GMT", now) == 30
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def policy(fake: FakeTime, **overrides: float) -> RetryPolicy:
    settings: dict[str, float] = {"max_attempts": 4, "base_delay": 1, "jitter": 0, **overrides}
    return RetryPolicy(sleep=fake.sleep, clock=fake.clock, uniform=lambda: 0.0, **settings)  # type: ignore[arg-type]


def test_5xx_then_success() -> None:
    fake = FakeTime()
    answers = iter([httpx.Response(503), httpx.Response(502), httpx.Response(200, json={"ok": True})])
    response = send_with_retries(lambda: next(answers), policy(fake), "GET x")
    assert response.status_code == 200 and fake.sleeps == [1, 2]


def test_a_400_is_not_retried() -> None:
    fake = FakeTime()
    calls: list[int] = []

    def send() -> httpx.Response:
        calls.append(1)
        return httpx.Response(400)

    assert send_with_retries(send, policy(fake), "GET x").status_code == 400
    assert calls == [1] and fake.sleeps == []


def test_attempts_are_bounded_and_the_error_says_what_failed() -> None:
    fake = FakeTime()

    def send() -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(PlatformUnreachableError, match=r"GET http://x/ after 4 attempt\(s\).*ConnectError"):
        send_with_retries(send, policy(fake), "GET http://x/")
    assert fake.sleeps == [1, 2, 4]


def test_total_time_is_bounded() -> None:
    fake = FakeTime()
    with pytest.raises(PlatformUnreachableError, match="HTTP 503"):
        send_with_retries(lambda: httpx.Response(503), policy(fake, max_attempts=50, max_total=10), "GET x")
    assert sum(fake.sleeps) <= 10


def test_429_waits_what_retry_after_asks() -> None:
    fake = FakeTime()
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)])
    assert send_with_retries(lambda: next(answers), policy(fake), "GET x").status_code == 200
    assert fake.sleeps == [7]
