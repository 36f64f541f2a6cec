"""Reading ahead keeps the order, raises the producer's error where it belongs, and stops with its consumer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from sagesync.steps.prefetch import read_ahead


def test_items_come_in_order_and_the_producer_stays_at_most_depth_ahead() -> None:
    produced: list[int] = []

    def numbers() -> Iterator[int]:
        for number in range(50):
            produced.append(number)
            yield number

    seen = []
    for number in read_ahead(numbers(), 5):
        time.sleep(0.001)
        seen.append(number)
        assert len(produced) - len(seen) <= 5 + 2  # the queue, plus one waiting to be put, plus one being read
    assert seen == list(range(50))


def test_an_error_of_the_platform_is_raised_after_the_items_read_before_it() -> None:
    def flaky() -> Iterator[int]:
        yield 1
        yield 2
        raise ConnectionError("platform went away")

    seen = []
    with pytest.raises(ConnectionError, match="went away"):
        for number in read_ahead(flaky(), 10):
            seen.append(number)
    assert seen == [1, 2]


def test_a_consumer_that_stops_early_stops_the_producer() -> None:
    def endless() -> Iterator[int]:
        number = 0
        while True:
            number += 1
            yield number

    before = threading.active_count()
    for number in read_ahead(endless(), 3):
        if number == 10:
            break
    time.sleep(0.3)
    assert threading.active_count() == before
