"""The fixed-window rate limit per API key, with Ledgerline's headers (Reset is a delta)."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

# Float sums like start + 60 - now can land a hair above a whole number; do not round that up.
_EPSILON = 1e-6
# Windows of keys nobody uses any more are forgotten once there are this many.
_PRUNE_ABOVE = 1024


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # whole seconds until the window resets, rounded up, at least 1

    def headers(self) -> list[tuple[str, str]]:
        return [
            ("X-RateLimit-Limit", str(self.limit)),
            ("X-RateLimit-Remaining", str(self.remaining)),
            ("X-RateLimit-Reset", str(self.reset_s)),
        ]


@dataclass
class _Window:
    start: float
    used: int = 0


class RateLimiter:
    """A key's window opens at its first counted request and lasts `window_s`; requests are
    counted by the key they present, valid or not (the limiter runs before authentication)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float, *, count: bool = True) -> Verdict:
        """Counts one request (unless `count` is false) and says whether it may proceed."""
        with self._lock:
            window = self._windows.get(key)
            if window is None or now >= window.start + self.window_s:
                window = _Window(start=now)
                if count:
                    self._prune(now)
                    self._windows[key] = window
            allowed = window.used < self.limit
            if count and allowed:
                window.used += 1
            reset = max(1, math.ceil(window.start + self.window_s - now - _EPSILON))
            return Verdict(allowed, self.limit, max(self.limit - window.used, 0), reset)

    @property
    def tracked_keys(self) -> int:
        with self._lock:
            return len(self._windows)

    def _prune(self, now: float) -> None:
        if len(self._windows) < _PRUNE_ABOVE:
            return
        for key, window in list(self._windows.items()):
            if now >= window.start + self.window_s:
                del self._windows[key]
