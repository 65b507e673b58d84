"""Wall-clock time as a simulator sees it (seconds since the epoch, for rate-limit windows,
timestamps, token expiry and the latency fault): the real clock, and a fake one that moves only
when a test says so, so that tests move time instead of waiting for it."""

from __future__ import annotations

import threading
import time


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class FakeClock:
    """Time moves only when a test says so; safe to use from the server's threads. `sleep()`
    (the latency fault) records the delay and moves time on by it instead of blocking."""

    def __init__(self, start: float) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._now += seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def set(self, moment: float) -> None:
        """Back to `moment`, with no sleeps recorded."""
        with self._lock:
            self._now = moment
            self.sleeps.clear()
