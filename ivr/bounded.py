"""Waits on outside services (Twilio's REST API) with a total deadline and a few at a time per process.

The HTTP client's own timeout bounds each connect and each read, not the whole exchange, and a worker
thread waiting on it serves nobody else. Here the request thread waits at most `deadline` seconds in all,
and when `in_flight` exchanges are already under way the next one is refused at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

T = TypeVar("T")


class Busy(Exception):
    """As many exchanges as allowed are under way: this one is not started."""


class TooSlow(Exception):
    """The exchange did not finish within the deadline (it may still finish later, unseen)."""


class Bounded:
    """Runs calls to one outside service in threads of its own, each awaited `deadline` seconds at most."""

    def __init__(self, name: str, deadline: float, in_flight: int) -> None:
        self.deadline = deadline
        self._slots = threading.BoundedSemaphore(in_flight)
        self._pool = ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix=name)

    def run(self, work: Callable[[], T]) -> T:
        """The work's result; Busy when no slot is free, TooSlow past the deadline, else its own error."""
        if not self._slots.acquire(blocking=False):
            raise Busy
        try:
            future: Future[T] = self._pool.submit(work)
        except BaseException:
            self._slots.release()
            raise
        # The slot is held until the work really ends, so hung exchanges count against the limit.
        future.add_done_callback(lambda _: self._slots.release())
        try:
            return future.result(timeout=self.deadline)
        except FutureTimeout as error:
            raise TooSlow from error
