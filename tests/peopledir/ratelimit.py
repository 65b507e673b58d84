"""The tenant's request quota: fixed windows aligned to the clock (a 60 s window runs from
hh:mm:00 to hh:mm+1:00), announced with the IETF draft RateLimit header fields."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

# start + window - now can land a hair above a whole number in floats; do not round that up.
_EPSILON = 1e-6


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int  # after this request
    reset_s: int  # whole seconds until the window ends, rounded up, at least 1
    window_s: int

    def headers(self) -> list[tuple[str, str]]:
        return [
            ("RateLimit-Limit", str(self.limit)),
            ("RateLimit-Remaining", str(self.remaining)),
            ("RateLimit-Reset", str(self.reset_s)),
            ("RateLimit-Policy", f"{self.limit};w={self.window_s}"),
        ]


class RateLimiter:
    """Counts every request of the tenant, whoever sends it; refused (429) requests are not
    counted, so waiting out `reset_s` always helps."""

    def __init__(self, limit: int, window_s: int) -> None:
        self.limit = limit
        self.window_s = window_s
        self._window = -1
        self._used = 0
        self._lock = threading.Lock()

    def take(self, now: float) -> Verdict:
        with self._lock:
            window = math.floor(now / self.window_s)
            if window != self._window:
                self._window, self._used = window, 0
            allowed = self._used < self.limit
            if allowed:
                self._used += 1
            end = (window + 1) * self.window_s
            reset = max(1, math.ceil(end - now - _EPSILON))
            return Verdict(allowed, self.limit, self.limit - self._used, reset, self.window_s)
