"""Reading ahead: the platform is read in a thread while the documents already read are checked and posted.

Fetching waits on the network and the platform's server; checking and posting use this
process's CPU and the company's disk. Done one after the other, a sync costs their sum; with a
bounded read-ahead the two overlap, and memory stays bounded by ``depth`` documents.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar

Item = TypeVar("Item")

_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(items: Iterable[Item], depth: int) -> Generator[Item, None, None]:
    """``items`` in order, produced by a background thread at most ``depth`` ahead of the consumer.

    An exception of the producer is raised in the consumer, where it would have been raised
    without the thread; a consumer that stops early (an error, a break) stops the producer.
    """
    buffer: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(value: object) -> bool:
        while not stop.is_set():
            try:
                buffer.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as error:  # handed to the consumer, which raises it
            put(_Failure(error))
            return
        put(_DONE)

    thread = threading.Thread(target=produce, name="sagesync-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            value = buffer.get()
            if value is _DONE:
                return
            if isinstance(value, _Failure):
                raise value.error
            yield value  # type: ignore[misc]
    finally:
        stop.set()
        thread.join(timeout=5)
