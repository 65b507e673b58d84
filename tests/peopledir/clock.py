"""Time as Peopledir sees it: one injectable clock drives token expiry, rate-limit windows and
timestamps, so that tests move time instead of waiting for it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.time()


class FakeClock:
    """Time moves only when a test says so; safe to read from the server's threads."""

    def __init__(self, start: float) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def set(self, moment: float) -> None:
        with self._lock:
            self._now = moment


def timestamp(epoch_seconds: float) -> str:
    """RFC 3339 in UTC with milliseconds, e.g. 2026-12-01T10:00:00.000Z."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
